/// Reads what real mailboxes contain: folded headers, RFC 2047 words, CRLF,
/// LF or CR-only line ends, nested multiparts, quoted-printable and base64,
/// and messages inside messages. Damaged input gives a best-effort tree;
/// only input with nothing like a message in it is `unreadable`. Depth,
/// part count and size are bounded so hostile input cannot exhaust memory.
public enum MIMEParser {
    public static let maximumDepth = 12
    public static let maximumParts = 400
    public static let maximumSize = 25 * 1024 * 1024

    /// Why a message could not be read (recorded as unreadable, never dropped).
    public struct Unreadable: Error, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { "unreadable message: \(reason)" }
    }

    public static func parse(_ bytes: [UInt8]) throws(Unreadable) -> ParsedMessage {
        guard !bytes.isEmpty else { throw Unreadable(reason: "the message is empty") }
        guard bytes.count <= maximumSize else { throw Unreadable(reason: "the message is larger than \(maximumSize) bytes") }
        let normalized = normalizeLineEnds(bytes)
        var budget = maximumParts
        let root = parsePart(normalized[...], depth: 0, budget: &budget, defaultType: "text/plain")
        guard root.headers.contains(where: { ["from", "subject", "date", "message-id", "content-type", "to", "received", "return-path"].contains($0.name.lowercased()) }) else {
            throw Unreadable(reason: "no message header was found")
        }
        return ParsedMessage(root: root)
    }

    /// CRLF and lone CR become LF.
    static func normalizeLineEnds(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let b = bytes[index]
            if b == 0x0D {
                out.append(0x0A)
                if index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
            } else {
                out.append(b)
            }
            index += 1
        }
        return out
    }

    static func parsePart(_ bytes: ArraySlice<UInt8>, depth: Int, budget: inout Int, defaultType: String) -> MIMEPart {
        budget -= 1
        let (headers, bodyStart) = parseHeaders(bytes)
        let raw = bytes[bodyStart...]
        let (type, parameters) = contentType(headers.first { $0.name.lowercased() == "content-type" }?.value, default: defaultType)
        let encoding = headers.first { $0.name.lowercased() == "content-transfer-encoding" }?.value.lowercased()
            .trimmingCharacters(in: [" ", "\t"]) ?? "7bit"
        var children: [MIMEPart] = []
        var embedded: ParsedMessage?
        if type.hasPrefix("multipart/"), let boundary = parameters["boundary"], !boundary.isEmpty, depth < maximumDepth, budget > 0 {
            let childDefault = type == "multipart/digest" ? "message/rfc822" : "text/plain"
            for section in split(raw, boundary: boundary) where budget > 0 {
                children.append(parsePart(section, depth: depth + 1, budget: &budget, defaultType: childDefault))
            }
        }
        let body = decode(Array(raw), encoding: encoding)
        if (type == "message/rfc822" || type == "text/rfc822-headers" || type == "message/global"), depth < maximumDepth, budget > 0 {
            let inner = parsePart(body[...], depth: depth + 1, budget: &budget, defaultType: "text/plain")
            if !inner.headers.isEmpty { embedded = ParsedMessage(root: inner) }
        }
        return MIMEPart(headers: headers, contentType: type, parameters: parameters, body: body, children: children, embedded: embedded)
    }

    /// Header fields up to the first empty line, unfolded and decoded; the index where the body starts.
    static func parseHeaders(_ bytes: ArraySlice<UInt8>) -> ([(name: String, value: String)], ArraySlice<UInt8>.Index) {
        var headers: [(name: String, value: String)] = []
        var index = bytes.startIndex
        var current: (name: String, value: [UInt8])?
        func finish() {
            if let field = current {
                let value = Charsets.decode(field.value, charset: nil).trimmingCharacters(in: [" ", "\t"])
                headers.append((field.name, EncodedWords.decode(value)))
            }
            current = nil
        }
        while index < bytes.endIndex {
            let lineEnd = bytes[index...].firstIndex(of: 0x0A) ?? bytes.endIndex
            let line = bytes[index..<lineEnd]
            let next = lineEnd < bytes.endIndex ? lineEnd + 1 : lineEnd
            if line.isEmpty {
                finish()
                return (headers, next)
            }
            if let first = line.first, first == 0x20 || first == 0x09 {
                if current != nil { current!.value += [0x20] + line.drop(while: { $0 == 0x20 || $0 == 0x09 }) }
            } else if let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                      line[line.startIndex..<colon].allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
                finish()
                current = (String(decoding: line[line.startIndex..<colon], as: UTF8.self), Array(line[(colon + 1)...]))
            } else if headers.isEmpty, current == nil, !line.starts(with: Array("From ".utf8)) {
                // Not a header at all: the whole part is body.
                return (headers, bytes.startIndex)
            } else if current == nil, line.starts(with: Array("From ".utf8)) {
                // An mbox separator line: skip it.
            } else {
                finish()
                return (headers, index)
            }
            index = next
        }
        finish()
        return (headers, bytes.endIndex)
    }

    /// `text/plain; charset="utf-8"` → ("text/plain", ["charset": "utf-8"]), RFC 2231 continuations joined.
    static func contentType(_ value: String?, default fallback: String) -> (String, [String: String]) {
        guard let value, !value.isEmpty else { return (fallback, [:]) }
        var pieces = splitParameters(value)
        let type = pieces.removeFirst().lowercased().trimmingCharacters(in: [" ", "\t"])
        var parameters: [String: String] = [:]
        for piece in pieces {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            var name = piece[..<equals].lowercased().trimmingCharacters(in: [" ", "\t"])
            var value = piece[piece.index(after: equals)...].trimmingCharacters(in: [" ", "\t"])
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            if let star = name.firstIndex(of: "*") { name = String(name[..<star]) }
            parameters[name, default: ""] += value
        }
        return (type.contains("/") ? type : fallback, parameters)
    }

    /// Splits at `;` outside quoted strings.
    static func splitParameters(_ value: String) -> [String] {
        var pieces: [String] = [""]
        var quoted = false
        for ch in value {
            if ch == "\"" { quoted.toggle() }
            if ch == ";", !quoted { pieces.append(""); continue }
            pieces[pieces.count - 1].append(ch)
        }
        return pieces
    }

    /// The sections between `--boundary` lines, up to `--boundary--`.
    static func split(_ body: ArraySlice<UInt8>, boundary: String) -> [ArraySlice<UInt8>] {
        let marker = Array(("--" + boundary).utf8)
        var sections: [ArraySlice<UInt8>] = []
        var start: ArraySlice<UInt8>.Index?
        var index = body.startIndex
        while index < body.endIndex {
            let lineEnd = body[index...].firstIndex(of: 0x0A) ?? body.endIndex
            let line = body[index..<lineEnd]
            if line.starts(with: marker) {
                let rest = line.dropFirst(marker.count)
                if let begin = start {
                    let end = index > begin ? index - 1 : index  // drop the line break before the boundary
                    sections.append(body[begin..<max(begin, end)])
                }
                if rest.starts(with: [UInt8(ascii: "-"), UInt8(ascii: "-")]) { return sections }
                start = lineEnd < body.endIndex ? lineEnd + 1 : lineEnd
            }
            index = lineEnd < body.endIndex ? lineEnd + 1 : lineEnd
        }
        if let begin = start, begin < body.endIndex { sections.append(body[begin...]) }  // no closing boundary
        return sections
    }

    static func decode(_ body: [UInt8], encoding: String) -> [UInt8] {
        switch encoding {
        case "base64": return TransferDecoding.base64(body) ?? body
        case "quoted-printable": return TransferDecoding.quotedPrintable(body)
        default: return body
        }
    }
}
