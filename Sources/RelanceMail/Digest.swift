public import Foundation
public import RelanceCore

/// What a credit controller's morning email says: the day's calls and the overdue ones, what goes
/// out to customers today, what needs a person (replies, disputes, promises due or broken, instalments due, plans broken,
/// deliveries in doubt, bank entries to assign). Gathered by the daemon, written here as text and HTML.
public struct DigestFacts: Sendable {
    /// One item of a digest section: the invoice, its customer, and what to say of it.
    public struct Line: Sendable, Equatable {
        public let invoiceID: String
        public let customer: String
        public let text: String

        public init(invoiceID: String, customer: String, text: String) {
            self.invoiceID = invoiceID
            self.customer = customer
            self.text = text
        }
    }

    public var owner: EmailAddress
    public var day: LocalDate
    public var tasks: [Line] = []
    public var sendingToday: [Line] = []
    public var attention: [Line] = []
    public var disputes: [Line] = []
    public var promisesDue: [Line] = []
    public var promisesBroken: [Line] = []
    public var deliveries: [Line] = []
    public var overCreditLimit: [Line] = []
    /// Bank entries no rule could match (the controller's digest only).
    public var unmatchedPayments: [Line] = []
    /// Instalments of payment plans due today and not yet paid, and plans broken since yesterday.
    public var installments: [Line] = []

    public init(owner: EmailAddress, day: LocalDate) {
        self.owner = owner
        self.day = day
    }

    /// The sections in reading order, with their heads.
    public var sections: [(title: String, lines: [Line])] {
        [("Calls to make today and overdue", tasks), ("Going out to customers today", sendingToday),
         ("Replies and notes needing a person", attention), ("Disputes", disputes), ("Promises due today", promisesDue),
         ("Promises broken", promisesBroken), ("Instalments due today and plans broken", installments),
         ("Deliveries uncertain or failed", deliveries), ("Customers over their credit limit", overCreditLimit),
         ("Bank entries to assign", unmatchedPayments)]
    }

    public var isEmpty: Bool { sections.allSatisfy { $0.lines.isEmpty } }
}

/// The digest as an email: plain text and HTML (multipart/alternative, quoted-printable UTF-8),
/// `Auto-Submitted: auto-generated`, a Message-ID of its own per owner and day.
public enum DigestComposer {
    public static func compose(_ facts: DigestFacts, from: EmailAddress, companyName: String, date: Date, timeZone: TimeZone) -> OutgoingMessage {
        let subject = "relance \(facts.day.iso): \(facts.tasks.count) call(s), \(facts.sendingToday.count) reminder(s) today"
            + (facts.attention.count + facts.disputes.count + facts.deliveries.count > 0
                ? ", \(facts.attention.count + facts.disputes.count + facts.deliveries.count) to look at" : "")
        var text = "Digest of \(facts.day.iso) for \(facts.owner.value)\n"
        var html = "<!DOCTYPE html>\n<html><body style=\"font-family:Helvetica,Arial,sans-serif;color:#222;max-width:760px\">\n"
        html += "<h2>\(escape(companyName)) · \(facts.day.iso)</h2>\n"
        for section in facts.sections where !section.lines.isEmpty {
            text += "\n\(section.title) (\(section.lines.count))\n"
            html += "<h3>\(escape(section.title)) (\(section.lines.count))</h3>\n<ul>\n"
            for line in section.lines {
                text += "  - \(line.invoiceID) \(line.customer): \(line.text)\n"
                html += "<li><strong>\(escape(line.invoiceID))</strong> \(escape(line.customer)): \(escape(line.text))</li>\n"
            }
            html += "</ul>\n"
        }
        if facts.isEmpty {
            text += "\nNothing needs you today.\n"
            html += "<p>Nothing needs you today.</p>\n"
        }
        html += "</body></html>\n"
        let messageID = "<relance.digest.\(facts.day.iso).\(MessageID.fnv1a(facts.owner.value))@\(from.domain)>"
        let boundary = "=_relance_digest_\(MessageID.fnv1a(messageID))"
        let headers: [(String, String)] = [
            ("Date", MessageComposer.rfc5322Date(date, in: timeZone)),
            ("From", HeaderEncoding.mailbox(name: companyName, address: from.value)),
            ("To", facts.owner.asciiForm ?? facts.owner.value),
            ("Subject", HeaderEncoding.encodeUnstructured(subject)),
            ("Message-ID", messageID),
            ("Auto-Submitted", "auto-generated"),
            ("X-Relance-Digest", facts.day.iso),
            ("MIME-Version", "1.0"),
        ]
        let body = Part.multipart("alternative", boundary: boundary, parts: [Part.text(text, subtype: "plain"), Part.text(html, subtype: "html")])
        var data = (headers + body.headers).map { HeaderEncoding.fold($0.0, $0.1) }.joined(separator: "\r\n")
        data += "\r\n\r\n" + body.body
        return OutgoingMessage(messageID: messageID, envelopeFrom: from.value, recipients: [facts.owner.asciiForm ?? facts.owner.value],
                               data: Array(data.utf8))
    }

    static func escape(_ text: String) -> String { MessageTemplates.htmlEscape(text) }
}
