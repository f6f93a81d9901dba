/// One parsed MIME entity: its headers, its content type, its decoded body,
/// and what it contains (sub-parts of a multipart, or the message inside a
/// `message/rfc822` or `text/rfc822-headers` part).
public struct MIMEPart: Sendable {
    /// Header fields in order, unfolded, encoded words decoded; names as written.
    public let headers: [(name: String, value: String)]
    /// `type/subtype`, lower case; `text/plain` when absent.
    public let contentType: String
    /// Content-Type parameters, names lower case.
    public let parameters: [String: String]
    /// The body after transfer decoding (still in its charset).
    public let body: [UInt8]
    public let children: [MIMEPart]
    /// The message carried by a message/rfc822 or text/rfc822-headers part.
    public let embedded: ParsedMessage?

    /// The first header of that name (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    public func headers(_ name: String) -> [String] {
        let lower = name.lowercased()
        return headers.filter { $0.name.lowercased() == lower }.map(\.value)
    }

    /// The body as text, in the declared charset.
    public var text: String { Charsets.decode(body, charset: parameters["charset"]) }

    /// This part and every part below it, depth first.
    public var allParts: [MIMEPart] {
        [self] + children.flatMap(\.allParts) + (embedded.map { $0.root.allParts } ?? [])
    }
}

/// A whole message as read from a mailbox. (A class: a part may hold a message that holds parts.)
public final class ParsedMessage: Sendable {
    public let root: MIMEPart

    public init(root: MIMEPart) { self.root = root }

    public func header(_ name: String) -> String? { root.header(name) }

    /// The first text/plain part (not inside an attached message), else text/html with tags removed.
    public var bodyText: String {
        func firstText(_ part: MIMEPart, subtype: String) -> MIMEPart? {
            if part.contentType == "text/\(subtype)", part.header("Content-Disposition")?.lowercased().hasPrefix("attachment") != true {
                return part
            }
            for child in part.children { if let found = firstText(child, subtype: subtype) { return found } }
            return nil
        }
        if let plain = firstText(root, subtype: "plain") { return plain.text }
        if let html = firstText(root, subtype: "html") { return HTMLText.strip(html.text) }
        return ""
    }
}

/// Text out of HTML, enough to read what a person wrote: tags removed, block ends as line breaks,
/// quoted messages (`<blockquote>`, Gmail's and Outlook's quote blocks), styles and scripts dropped,
/// named and numeric entities decoded.
enum HTMLText {
    static let entities: [String: String] = [
        "nbsp": " ", "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "eacute": "é", "egrave": "è", "ecirc": "ê",
        "agrave": "à", "acirc": "â", "ccedil": "ç", "ocirc": "ô", "ucirc": "û", "ugrave": "ù", "icirc": "î", "iuml": "ï", "euml": "ë",
        "uuml": "ü", "ouml": "ö", "auml": "ä", "Uuml": "Ü", "Ouml": "Ö", "Auml": "Ä", "szlig": "ß", "Eacute": "É", "euro": "€",
        "rsquo": "’", "lsquo": "‘", "rdquo": "”", "ldquo": "“", "laquo": "«", "raquo": "»", "hellip": "…", "ndash": "–", "mdash": "—",
    ]
    static let blocks: Set<String> = ["br", "p", "/p", "div", "/div", "li", "/li", "tr", "/tr", "h1", "h2", "h3", "/h1", "/h2", "/h3", "table", "/table"]
    /// Elements whose whole content is no one's own words.
    static let dropped: Set<String> = ["blockquote", "style", "script", "head", "title"]

    static func strip(_ html: String) -> String {
        var out = ""
        var depth: [String: Int] = [:]
        var index = html.startIndex
        while index < html.endIndex {
            let ch = html[index]
            if ch == "<", let close = html[index...].firstIndex(of: ">") {
                let tag = html[html.index(after: index)..<close]
                let lower = tag.lowercased()
                // Everything below a mail program's quote block is the earlier message.
                if lower.contains("gmail_quote") || lower.contains("divrplyfwdmsg") || lower.contains("moz-cite-prefix") { break }
                let closing = lower.hasPrefix("/")
                let name = String(lower.drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber })
                if dropped.contains(name), !lower.hasSuffix("/") { depth[name, default: 0] += closing ? -1 : 1 }
                out.append(blocks.contains(closing ? "/" + name : name) ? "\n" : " ")
                index = html.index(after: close)
                continue
            }
            if depth.values.contains(where: { $0 > 0 }) { index = html.index(after: index); continue }
            if ch == "&", let semicolon = html[index...].prefix(10).firstIndex(of: ";") {
                let name = String(html[html.index(after: index)..<semicolon])
                if let value = entities[name] {
                    out.append(value)
                } else if name.hasPrefix("#x") || name.hasPrefix("#X"), let code = UInt32(name.dropFirst(2), radix: 16), let scalar = Unicode.Scalar(code) {
                    out.append(Character(scalar))
                } else if name.hasPrefix("#"), let code = UInt32(name.dropFirst()), let scalar = Unicode.Scalar(code) {
                    out.append(Character(scalar))
                } else {
                    out.append(ch)
                    index = html.index(after: index)
                    continue
                }
                index = html.index(after: semicolon)
                continue
            }
            out.append(ch)
            index = html.index(after: index)
        }
        return out
    }
}
