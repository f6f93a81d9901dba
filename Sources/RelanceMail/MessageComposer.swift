public import Foundation
import RelanceCore

/// A message ready for a transport: envelope and RFC 5322 bytes with CRLF line ends.
public struct OutgoingMessage: Sendable {
    public let messageID: String
    public let envelopeFrom: String
    public let recipients: [String]
    public let data: [UInt8]

    public init(messageID: String, envelopeFrom: String, recipients: [String], data: [UInt8]) {
        self.messageID = messageID
        self.envelopeFrom = envelopeFrom
        self.recipients = recipients
        self.data = data
    }
}

/// Builds a reminder email from `ReminderFacts` and the templates: RFC 5322
/// headers (stable Message-ID, In-Reply-To/References to the earlier
/// reminders, Auto-Submitted, the invoice in X-Relance-Invoice), a
/// multipart/alternative text + HTML body in quoted-printable UTF-8, wrapped
/// in multipart/mixed with the invoice attached (base64, RFC 2231 file name)
/// when there is one.
public enum MessageComposer {
    public static func compose(_ facts: ReminderFacts, templates: MessageTemplates) throws(TemplateError) -> OutgoingMessage {
        let rendered = try templates.render(facts)
        var headers: [(String, String)] = [
            ("Date", rfc5322Date(facts.date, in: facts.timeZone)),
            ("From", HeaderEncoding.mailbox(name: facts.companyName, address: facts.from.value)),
            ("To", facts.to.map { HeaderEncoding.mailbox(name: nil, address: $0.asciiForm ?? $0.value) }.joined(separator: ", ")),
        ]
        if !facts.cc.isEmpty { headers.append(("Cc", facts.cc.map { $0.asciiForm ?? $0.value }.joined(separator: ", "))) }
        if let replyTo = facts.replyTo { headers.append(("Reply-To", replyTo.value)) }
        headers.append(("Subject", HeaderEncoding.encodeUnstructured(rendered.subject)))
        headers.append(("Message-ID", facts.messageID))
        if let last = facts.references.last {
            headers.append(("In-Reply-To", last))
            headers.append(("References", facts.references.joined(separator: " ")))
        }
        headers += [
            ("Auto-Submitted", "auto-generated"),
            ("X-Auto-Response-Suppress", "OOF, AutoReply"),
            ("X-Relance-Invoice", HeaderEncoding.encodeUnstructured(facts.invoice.id)),
            ("X-Relance-Step", HeaderEncoding.encodeUnstructured(facts.step)),
            ("MIME-Version", "1.0"),
        ]
        let token = MessageID.fnv1a(facts.messageID)
        // "=_" never occurs in quoted-printable or base64 output, so these boundaries cannot collide with content.
        var html = Part.text(rendered.html, subtype: "html")
        if let qr = facts.paymentQR {
            // The QR image travels with the HTML that shows it (RFC 2387), referred to by its Content-ID (RFC 2392).
            html = Part.multipart("related", boundary: "=_relance_rel_\(token)", parts: [html, Part.inline(qr, contentID: qrContentID(facts.messageID))])
        }
        let alternative = Part.multipart("alternative", boundary: "=_relance_alt_\(token)", parts: [
            Part.text(rendered.text, subtype: "plain"), html,
        ])
        let attachments = [facts.attachment, facts.letter].compactMap { $0 }
        let body = attachments.isEmpty
            ? alternative
            : Part.multipart("mixed", boundary: "=_relance_mix_\(token)", parts: [alternative] + attachments.map(Part.attachment))
        var text = (headers + body.headers).map { HeaderEncoding.fold($0.0, $0.1) }.joined(separator: "\r\n")
        text += "\r\n\r\n" + body.body
        return OutgoingMessage(messageID: facts.messageID, envelopeFrom: facts.from.value,
                               recipients: (facts.to + facts.cc).map { $0.asciiForm ?? $0.value }, data: Array(text.utf8))
    }

    /// The Content-ID of a message's QR image: unique per message, as RFC 2392 asks.
    public static func qrContentID(_ messageID: String) -> String {
        "qr-\(MessageID.fnv1a(messageID))@relance"
    }

    /// `Mon, 02 Dec 2026 09:30:00 +0100` (RFC 5322 §3.3).
    public static func rfc5322Date(_ instant: Date, in zone: TimeZone) -> String {
        let iso = ZonedDateTime.iso8601(instant, in: zone)  // 2026-12-02T09:30:00+01:00
        let date = ZonedDateTime.localDate(of: instant, in: zone)
        let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let weekday = days[Weekday.allCases.firstIndex(of: date.weekday)!]
        let time = iso.dropFirst(11).prefix(8)
        let offset = String(iso.suffix(6)).replacingAll(":", with: "")
        let day = date.day < 10 ? "0\(date.day)" : String(date.day)
        return "\(weekday), \(day) \(months[date.month - 1]) \(date.year) \(time) \(offset)"
    }
}

/// One MIME entity: its headers and its encoded body (CRLF line ends).
struct Part {
    let headers: [(String, String)]
    let body: String

    static func text(_ content: String, subtype: String) -> Part {
        Part(headers: [("Content-Type", "text/\(subtype); charset=utf-8"), ("Content-Transfer-Encoding", "quoted-printable")],
             body: QuotedPrintable.encode(content))
    }

    static func multipart(_ subtype: String, boundary: String, parts: [Part]) -> Part {
        var body = ""
        for part in parts {
            body += "--\(boundary)\r\n"
            body += part.headers.map { HeaderEncoding.fold($0.0, $0.1) }.joined(separator: "\r\n")
            body += "\r\n\r\n" + part.body + "\r\n"
        }
        body += "--\(boundary)--\r\n"
        return Part(headers: [("Content-Type", "multipart/\(subtype); boundary=\"\(boundary)\"")], body: body)
    }

    static func inline(_ image: MailAttachment, contentID: String) -> Part {
        Part(headers: [
            ("Content-Type", "\(image.contentType); " + RFC2231.parameters("name", image.fileName)),
            ("Content-ID", "<\(contentID)>"),
            ("Content-Disposition", "inline; " + RFC2231.parameters("filename", image.fileName)),
            ("Content-Transfer-Encoding", "base64"),
        ], body: Base64.encode(image.bytes, lineLength: 76))
    }

    static func attachment(_ attachment: MailAttachment) -> Part {
        let name = RFC2231.parameters("filename", attachment.fileName)
        return Part(headers: [
            ("Content-Type", "\(attachment.contentType); " + RFC2231.parameters("name", attachment.fileName)),
            ("Content-Disposition", "attachment; \(name)"),
            ("Content-Transfer-Encoding", "base64"),
        ], body: Base64.encode(attachment.bytes, lineLength: 76))
    }
}

/// MIME parameter values (RFC 2231): plain ASCII names as a quoted string;
/// anything else percent-encoded UTF-8, split into numbered sections.
enum RFC2231 {
    /// RFC 2231 `attribute-char`: the bytes written as they are.
    static let attributeCharacters = ASCIICharacters("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&+-.^_`|~")

    static func parameters(_ name: String, _ value: String) -> String {
        let clean = HeaderEncoding.stripLineBreaks(value)
        if clean.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" }), clean.count <= 60 {
            return "\(name)=\"\(clean)\""
        }
        var pieces: [String] = []
        var current = ""
        for character in clean {
            var encoded = ""
            for byte in String(character).utf8 {
                encoded += Self.attributeCharacters.contains(byte) ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
            }
            if current.count + encoded.count > 50 { pieces.append(current); current = "" }
            current += encoded
        }
        if !current.isEmpty || pieces.isEmpty { pieces.append(current) }
        if pieces.count == 1 { return "\(name)*=UTF-8''\(pieces[0])" }
        return pieces.enumerated().map { index, piece in
            index == 0 ? "\(name)*0*=UTF-8''\(piece)" : "\(name)*\(index)*=\(piece)"
        }.joined(separator: "; ")
    }
}
