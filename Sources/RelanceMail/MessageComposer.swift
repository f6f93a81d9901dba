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

/// Builds a reminder email from `ReminderFacts`: RFC 5322 headers (stable
/// Message-ID, threading headers, Auto-Submitted, the invoice named in
/// X-Relance-Invoice) and a quoted-printable UTF-8 text body.
public enum MessageComposer {
    public static func compose(_ facts: ReminderFacts) -> OutgoingMessage {
        var headers: [(String, String)] = [
            ("Date", rfc5322Date(facts.date, in: facts.timeZone)),
            ("From", HeaderEncoding.mailbox(name: facts.companyName, address: facts.from.value)),
            ("To", facts.to.map { HeaderEncoding.mailbox(name: nil, address: $0.value) }.joined(separator: ", ")),
        ]
        if !facts.cc.isEmpty { headers.append(("Cc", facts.cc.map(\.value).joined(separator: ", "))) }
        if let replyTo = facts.replyTo { headers.append(("Reply-To", replyTo.value)) }
        headers.append(("Subject", HeaderEncoding.encodeUnstructured(ReminderText.subject(facts))))
        headers.append(("Message-ID", facts.messageID))
        if let last = facts.references.last {
            headers.append(("In-Reply-To", last))
            headers.append(("References", facts.references.joined(separator: " ")))
        }
        headers += [
            ("Auto-Submitted", "auto-generated"),
            ("X-Relance-Invoice", HeaderEncoding.encodeUnstructured(facts.invoice.id)),
            ("X-Relance-Step", HeaderEncoding.encodeUnstructured(facts.step)),
            ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Transfer-Encoding", "quoted-printable"),
        ]
        var text = headers.map { HeaderEncoding.fold($0.0, $0.1) }.joined(separator: "\r\n")
        text += "\r\n\r\n" + QuotedPrintable.encode(ReminderText.body(facts)) + "\r\n"
        return OutgoingMessage(messageID: facts.messageID, envelopeFrom: facts.from.value,
                               recipients: (facts.to + facts.cc).map(\.value), data: Array(text.utf8))
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
