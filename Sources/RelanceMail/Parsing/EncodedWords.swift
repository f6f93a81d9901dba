/// Decodes RFC 2047 encoded words (`=?UTF-8?B?…?=`, `=?iso-8859-1?Q?…?=`) in
/// header values; white space between two adjacent encoded words is dropped,
/// as the RFC says. Malformed words are left as they are.
public enum EncodedWords {
    public static func decode(_ value: String) -> String {
        guard value.contains("=?") else { return value }
        var output = ""
        var rest = Substring(value)
        var pendingSpace = ""
        var lastWasEncoded = false
        while let start = rest.range(of: "=?") {
            let before = rest[..<start.lowerBound]
            let afterStart = rest[start.upperBound...]
            guard let word = parseWord(afterStart) else {
                output += pendingSpace + before + "=?"
                pendingSpace = ""
                rest = afterStart
                lastWasEncoded = false
                continue
            }
            if lastWasEncoded, before.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }) {
                // Only white space between two encoded words: it disappears.
            } else {
                output += pendingSpace + before
            }
            pendingSpace = ""
            output += word.text
            rest = word.rest
            lastWasEncoded = true
        }
        return output + rest
    }

    private static func parseWord(_ text: Substring) -> (text: String, rest: Substring)? {
        // charset ? encoding ? payload ?= rest
        let parts = text.split(separator: "?", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[3].hasPrefix("=") else { return nil }
        let charset = String(parts[0].split(separator: "*").first ?? "")  // RFC 2231 language suffix
        let encoding = parts[1].uppercased()
        let payload = parts[2]
        guard !payload.contains(" "), payload.count <= 1000 else { return nil }
        let bytes: [UInt8]
        switch encoding {
        case "B": guard let decoded = TransferDecoding.base64(Array(payload.utf8)) else { return nil }; bytes = decoded
        case "Q": bytes = TransferDecoding.quotedPrintable(Array(payload.utf8), header: true)
        default: return nil
        }
        return (Charsets.decode(bytes, charset: charset), parts[3].dropFirst())
    }
}

/// Content-Transfer-Encoding decoders that never fail on damaged input.
public enum TransferDecoding {
    public static func base64(_ input: [UInt8]) -> [UInt8]? {
        var values: [UInt8] = []
        values.reserveCapacity(input.count)
        for byte in input {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(byte - 65)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(byte - 71)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(byte + 4)
            case UInt8(ascii: "+"), UInt8(ascii: "-"): values.append(62)
            case UInt8(ascii: "/"), UInt8(ascii: "_"): values.append(63)
            case UInt8(ascii: "="): break
            case 0x20, 0x09, 0x0D, 0x0A: continue
            default: continue  // junk is skipped, as mail readers do
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 3 / 4)
        var index = 0
        while index + 1 < values.count {
            let a = values[index], b = values[index + 1]
            out.append(a << 2 | b >> 4)
            if index + 2 < values.count { out.append((b & 0x0F) << 4 | values[index + 2] >> 2) }
            if index + 3 < values.count { out.append((values[index + 2] & 0x03) << 6 | values[index + 3]) }
            index += 4
        }
        return out
    }

    public static func quotedPrintable(_ input: [UInt8], header: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var index = 0
        func hex(_ b: UInt8) -> UInt8? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - 48
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - 55
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - 87
            default: return nil
            }
        }
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "=") {
                if index + 2 < input.count, let hi = hex(input[index + 1]), let lo = hex(input[index + 2]) {
                    out.append(hi << 4 | lo)
                    index += 3
                    continue
                }
                // Soft line break: "=" then optional spaces then CRLF or LF.
                var probe = index + 1
                while probe < input.count, input[probe] == 0x20 || input[probe] == 0x09 { probe += 1 }
                if probe < input.count, input[probe] == 0x0D { probe += 1 }
                if probe < input.count, input[probe] == 0x0A { index = probe + 1; continue }
                if probe >= input.count { index = probe; continue }
                out.append(byte)
                index += 1
                continue
            }
            out.append(header && byte == UInt8(ascii: "_") ? 0x20 : byte)
            index += 1
        }
        return out
    }
}
