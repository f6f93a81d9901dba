/// Header field encoding (RFC 5322, RFC 2047): display names and subjects
/// with non-ASCII characters become UTF-8 "B" encoded words, long fields are
/// folded, and nothing with CR or LF can ever reach a header line.
public enum HeaderEncoding {
    /// `text` as a header value: plain when it is printable ASCII, else encoded words
    /// of at most 75 characters each, separated by folding white space.
    public static func encodeUnstructured(_ text: String) -> String {
        let clean = stripLineBreaks(text)
        if clean.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }), !clean.contains("=?") {
            return clean
        }
        return encodedWords(clean).joined(separator: "\r\n ")
    }

    /// `"Name" <address>` with the name quoted or encoded as needed; just the address without a name.
    public static func mailbox(name: String?, address: String) -> String {
        guard let name = name.map(stripLineBreaks), !name.isEmpty else { return address }
        if name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) {
            let escaped = name.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"")
            return "\"\(escaped)\" <\(address)>"
        }
        return encodedWords(name).joined(separator: " ") + " <\(address)>"
    }

    /// Folds `name: value` at white space so no line exceeds 78 characters where possible.
    /// An existing fold (CRLF + space) in `value` counts as a space. Works on UTF-8 bytes.
    public static func fold(_ name: String, _ value: String) -> String {
        var out = Array(name.utf8)
        out.append(UInt8(ascii: ":"))
        let minimum = out.count
        var lineLength = out.count
        let bytes = Array(value.utf8)
        var wordStart = 0
        var index = 0

        func word(_ start: Int, _ end: Int) {
            let length = end - start
            if lineLength + 1 + length > 78, lineLength > minimum {
                out.append(13)
                out.append(10)
                lineLength = 0
            }
            out.append(0x20)
            out.append(contentsOf: bytes[start..<end])
            lineLength += 1 + length
        }

        while index < bytes.count {
            if bytes[index] == 0x20 {
                word(wordStart, index)
                index += 1
                wordStart = index
            } else if bytes[index] == 13, index + 2 < bytes.count, bytes[index + 1] == 10, bytes[index + 2] == 0x20 {
                word(wordStart, index)
                index += 3
                wordStart = index
            } else {
                index += 1
            }
        }
        word(wordStart, bytes.count)
        return String(decoding: out, as: UTF8.self)
    }

    /// Line breaks and other control characters become spaces: a header value is one logical line.
    public static func stripLineBreaks(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F || $0 == "\u{2028}" || $0 == "\u{2029}" ? " " : $0 }))
    }

    /// RFC 2047 B-encoded words, each at most 75 characters, never splitting a UTF-8 sequence.
    static func encodedWords(_ text: String) -> [String] {
        let prefix = "=?UTF-8?B?", suffix = "?="
        let maxPayload = (75 - prefix.count - suffix.count) / 4 * 3  // 45 bytes of UTF-8 per word
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > maxPayload, !chunk.isEmpty {
                words.append(prefix + Base64.encode(chunk) + suffix)
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append(prefix + Base64.encode(chunk) + suffix) }
        return words
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let index = rest.firstRange(of: target) {
            result += rest[..<index.lowerBound] + replacement
            rest = rest[index.upperBound...]
        }
        return result + rest
    }
}
