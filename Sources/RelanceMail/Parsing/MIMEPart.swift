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

/// Text out of HTML, enough to read what a person wrote: tags removed, common entities decoded.
enum HTMLText {
    static func strip(_ html: String) -> String {
        var out = ""
        var inTag = false
        for ch in html {
            if ch == "<" { inTag = true; continue }
            if ch == ">" { inTag = false; out.append(" "); continue }
            if !inTag { out.append(ch) }
        }
        for (entity, value) in [("&nbsp;", " "), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&eacute;", "é"), ("&egrave;", "è"), ("&agrave;", "à"), ("&uuml;", "ü"), ("&ouml;", "ö"), ("&auml;", "ä")] {
            out = out.replacingAll(entity, with: value)
        }
        return out
    }
}
