public import Foundation
public import RelanceCore

/// Classifies an incoming message, in this order (bounces often carry
/// Auto-Submitted too): a delivery-status report (RFC 3464) or a common
/// non-standard bounce → `bounce`; an abuse feedback report (ARF) →
/// `complaint`; an auto-reply (RFC 3834 `Auto-Submitted`, `X-Autoreply`,
/// `Precedence`, usual out-of-office subjects in EN/FR/DE) → `auto-reply`
/// with its return date; anything else → `reply`, whose intent is read in
/// the author's own words (quoted text removed): already paid, a promise to
/// pay (with its date), a dispute, or other.
public enum ReplyClassifier {
    /// How replies are read: the zone their Date header is placed in, the order of an ambiguous
    /// `03/04`, and the addresses that are never a new contact (the company's own).
    public struct Settings: Sendable {
        public var timeZone: TimeZone
        public var dayFirst: Bool
        public var ownAddresses: Set<String>
        /// false: relative dates count from the given reference day, whatever the message's Date says (`inspect --reference`).
        public var readsDateHeader: Bool

        public init(timeZone: TimeZone = TimeZone(identifier: "UTC") ?? .current, dayFirst: Bool = true, ownAddresses: Set<String> = [],
                    readsDateHeader: Bool = true) {
            self.timeZone = timeZone
            self.dayFirst = dayFirst
            self.ownAddresses = Set(ownAddresses.map { $0.lowercased() })
            self.readsDateHeader = readsDateHeader
        }
    }

    /// - Parameter reference: the day relative dates count from when the message has no readable Date header.
    public static func analyze(_ bytes: [UInt8], reference: LocalDate, settings: Settings = Settings()) -> ReplyAnalysis {
        let message: ParsedMessage
        do { message = try MIMEParser.parse(bytes) } catch {
            var unreadable = ReplyAnalysis(kind: .unreadable)
            unreadable.problem = error.reason
            return unreadable
        }
        return analyze(message, reference: reference, settings: settings)
    }

    public static func analyze(_ message: ParsedMessage, reference fallback: LocalDate, settings: Settings = Settings()) -> ReplyAnalysis {
        let root = message.root
        let written = settings.readsDateHeader
            ? root.header("Date").flatMap(MessageDate.instant(fromHeader:)).map { ZonedDateTime.localDate(of: $0, in: settings.timeZone) } : nil
        let reference = written ?? fallback
        let subject = root.header("Subject") ?? ""
        let from = root.header("From") ?? ""
        var analysis = ReplyAnalysis(kind: .reply)
        analysis.writtenOn = written
        analysis.subject = subject
        analysis.from = firstAddress(in: from)
        analysis.references = references(of: message)
        analysis.invoice = root.allParts.lazy.compactMap { $0.header("X-Relance-Invoice") }.first
        analysis.envelopeTag = envelopeTag(root)
        let parts = root.allParts
        let reportType = root.parameters["report-type"]?.lowercased()

        if let status = parts.first(where: { $0.contentType == "message/delivery-status" || $0.contentType == "message/global-delivery-status" }) {
            analysis.kind = .bounce
            analysis.bounce = deliveryStatus(status.text, fallbackText: notificationText(message))
            return analysis
        }
        if reportType == "feedback-report" || parts.contains(where: { $0.contentType == "message/feedback-report" })
            || complaintSubjects.contains(where: { subject.lowercased().contains($0) }) {
            analysis.kind = .complaint
            analysis.bounce = ReplyAnalysis.Bounce(recipient: feedbackRecipient(parts), status: nil, hard: true)
            return analysis
        }
        if reportType == "delivery-status" || looksLikeBounce(subject: subject, from: from, message: message) {
            analysis.kind = .bounce
            analysis.bounce = nonStandardBounce(notificationText(message), from: from)
            return analysis
        }
        let body = ownWords(message.bodyText)
        analysis.invoiceNumbers = InvoiceMentions.find(in: subject + "\n" + body)
        let words = NormalizedText(body)
        let reading = Intents.read(body + "\n" + subject, reference: reference, dayFirst: settings.dayFirst,
                                   ownAddresses: settings.ownAddresses.union(analysis.from.map { [$0.lowercased()] } ?? []))
        // An absence: said by the headers or the subject, or in the opening lines when they say nothing else.
        if isAutoReply(root, subject: subject) || (AbsenceReading.saysAway(words) && reading.intent == .other) {
            analysis.kind = .autoReply
            analysis.returnDate = AbsenceReading.returnDate(in: subject + "\n" + body, reference: reference, dayFirst: settings.dayFirst)
            analysis.evidence = words.sentences.first.map { String($0.original.prefix(160)) }
            return analysis
        }
        analysis.intent = reading.intent
        analysis.evidence = reading.evidence
        analysis.phrase = reading.phrase
        analysis.newContact = reading.newContact
        switch reading.intent {
        case .promise: analysis.promiseDate = reading.date
        case .paid: analysis.paidDate = reading.date
        default: break
        }
        return analysis
    }

    // MARK: - Bounces

    static let bounceSubjects = [
        "undelivered mail returned to sender", "mail delivery failed", "delivery status notification (failure)",
        "delivery status notification (delay)", "undeliverable:", "undeliverable mail", "returned mail:", "failure notice",
        "delivery failure", "mail system error", "delivery notification", "non remis", "non distribué", "unzustellbar",
        "nicht zustellbar", "warning: could not send message", "postmaster notify", "mail could not be delivered",
        "delayed 24 hours", "delayed 4 hours", "delivery delayed", "returning to sender", "returned to sender",
    ]
    static let complaintSubjects = ["complaint about message", "abuse report", "feedback report", "spam report", "email feedback report"]

    static func looksLikeBounce(subject: String, from: String, message: ParsedMessage) -> Bool {
        let lowerSubject = subject.lowercased()
        if bounceSubjects.contains(where: { lowerSubject.contains($0) }) { return true }
        let sender = (firstAddress(in: from) ?? from).lowercased()
        let local = sender.split(separator: "@").first.map(String.init) ?? sender
        // The mail system writes as MAILER-DAEMON only to report on a delivery.
        return ["mailer-daemon", "mail-daemon", "mailerdaemon", "mail delivery subsystem"].contains(local)
    }

    /// The per-recipient fields of a message/delivery-status body (RFC 3464).
    static func deliveryStatus(_ text: String, fallbackText: String) -> ReplyAnalysis.Bounce {
        var recipient: String?, status: String?, action: String?, diagnostic: String?
        for line in text.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased().trimmingCharacters(in: [" ", "\t"])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: [" ", "\t"])
            switch name {
            case "final-recipient": if recipient == nil || action == nil { recipient = firstAddress(in: value) ?? recipient }
            case "original-recipient": if recipient == nil { recipient = firstAddress(in: value) }
            case "action": if action == nil || value.lowercased() == "failed" { action = value.lowercased() }
            case "status": if status == nil || (status?.hasPrefix("2") ?? false) { status = statusCode(in: value) ?? status }
            case "diagnostic-code": if diagnostic == nil { diagnostic = value }
            default: break
            }
        }
        if status == nil || status == "5.0.0" || status == "4.0.0" {
            status = diagnostic.flatMap(statusCode(in:)) ?? status ?? statusCode(in: fallbackText)
        }
        let hard = status.map { $0.hasPrefix("5") } ?? (action == "failed")
        return ReplyAnalysis.Bounce(recipient: recipient ?? firstAddress(in: fallbackText), status: status, hard: hard && action != "delayed")
    }

    static func nonStandardBounce(_ text: String, from: String) -> ReplyAnalysis.Bounce {
        let sender = firstAddress(in: from)?.lowercased()
        let addresses = allAddresses(in: text).filter { address in
            let local = address.split(separator: "@").first.map { $0.lowercased() } ?? ""
            return address.lowercased() != sender && !["postmaster", "mailer-daemon", "root"].contains(local)
        }
        var status = statusCode(in: text)
        if status == nil, let code = smtpCode(in: text) { status = "\(code.first!).0.0" }
        let lower = text.lowercased()
        let soft = lower.contains("temporar") || lower.contains("delayed") || lower.contains("will retry") || lower.contains("mailbox full")
        let hard = status.map { $0.hasPrefix("5") } ?? !soft
        return ReplyAnalysis.Bounce(recipient: addresses.first, status: status, hard: hard)
    }

    /// The human-readable notification: the text before the returned message.
    static func notificationText(_ message: ParsedMessage) -> String {
        for part in message.root.allParts where part.contentType == "text/plain" && part.embedded == nil {
            return part.text
        }
        return message.bodyText
    }

    static func feedbackRecipient(_ parts: [MIMEPart]) -> String? {
        if let report = parts.first(where: { $0.contentType == "message/feedback-report" }) {
            for line in report.text.split(whereSeparator: \.isNewline) where line.lowercased().hasPrefix("original-rcpt-to:") || line.lowercased().hasPrefix("removal-recipient:") {
                if let address = firstAddress(in: String(line)) { return address }
            }
        }
        return parts.lazy.compactMap { $0.embedded?.header("To") }.compactMap(firstAddress(in:)).first
    }

    /// `5.1.1`-style enhanced status codes (RFC 3463).
    static func statusCode(in text: String) -> String? {
        let chars = Array(text)
        var index = 0
        while index < chars.count {
            if "245".contains(chars[index]), index + 4 < chars.count, chars[index + 1] == ".", index == 0 || !chars[index - 1].isNumber {
                var j = index + 2
                var second = ""
                while j < chars.count, chars[j].isNumber, second.count < 3 { second.append(chars[j]); j += 1 }
                if !second.isEmpty, j < chars.count, chars[j] == "." {
                    j += 1
                    var third = ""
                    while j < chars.count, chars[j].isNumber, third.count < 3 { third.append(chars[j]); j += 1 }
                    if !third.isEmpty, j >= chars.count || !chars[j].isNumber { return "\(chars[index]).\(second).\(third)" }
                }
            }
            index += 1
        }
        return nil
    }

    /// A three-digit SMTP reply code (`550 …`).
    static func smtpCode(in text: String) -> String? {
        for word in text.split(whereSeparator: { $0 == " " || $0.isNewline || $0 == "-" }) where word.count == 3 {
            if let first = word.first, "45".contains(first), word.allSatisfy(\.isNumber) { return String(word) }
        }
        return nil
    }

    // MARK: - Auto-replies

    static let autoReplySubjects = [
        "out of office", "out-of-office", "automatic reply", "auto reply", "autoreply", "auto-reply", "auto:", "away until",
        "on vacation", "on holiday", "abwesenheitsnotiz", "automatische antwort", "abwesend", "réponse automatique",
        "reponse automatique", "absence", "absent", "en congé", "en conge", "vacances",
    ]

    static func isAutoReply(_ root: MIMEPart, subject: String) -> Bool {
        if let submitted = root.header("Auto-Submitted")?.lowercased(), !submitted.hasPrefix("no") { return true }
        if root.header("X-Autoreply") != nil || root.header("X-Autorespond") != nil || root.header("X-Autoresponse") != nil { return true }
        if let precedence = root.header("Precedence")?.lowercased(), ["auto_reply", "bulk", "junk"].contains(precedence) { return true }
        let lower = subject.lowercased()
        return autoReplySubjects.contains { lower.contains($0) }
    }

    // MARK: - Helpers

    /// The author's own words: quoted lines, the quoted original below "On … wrote:" and the like,
    /// and the signature below a closing line ("Cordialement", "Mit freundlichen Grüßen") or "-- "
    /// are dropped, so a signature's "Service litiges" or a disclaimer's "received in error" says nothing.
    static func ownWords(_ text: String) -> String {
        var kept: [Substring] = []
        for line in text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: [" ", "\t", "\u{00A0}"])
            let lower = trimmed.lowercased()
            let folded = NormalizedText.words(trimmed).joined(separator: " ")
            if ReplyPhrases.quoteHeaders.contains(where: { lower.hasPrefix($0) || folded.hasPrefix(NormalizedText.words($0).joined(separator: " ") + " ") && $0.hasPrefix("-") })
                || (lower.hasPrefix("on ") && (lower.hasSuffix("wrote:") || lower.contains(" wrote:")))
                || (lower.hasPrefix("le ") && lower.contains("a écrit")) || (lower.hasPrefix("am ") && lower.contains("schrieb"))
                || trimmed == "--" || line.hasPrefix("-- ") || line.hasPrefix("__________") {
                break
            }
            if trimmed.hasPrefix(">") { continue }
            kept.append(line)
            // A closing line alone ("Best regards,"): what follows is the signature.
            if kept.count > 1, trimmed.count <= 40, ReplyPhrases.closings.contains(folded) { break }
        }
        return kept.joined(separator: "\n")
    }

    static func references(of message: ParsedMessage) -> [String] {
        var ids: [String] = []
        for value in [message.header("In-Reply-To"), message.header("References")].compactMap({ $0 }) {
            ids += messageIDs(in: value)
        }
        // A bounce or complaint carries the original message (or its headers).
        for part in message.root.allParts where part.embedded != nil {
            if let id = part.embedded?.header("Message-ID") { ids += messageIDs(in: id) }
        }
        var seen = Set<String>()
        return ids.filter { seen.insert($0).inserted }
    }

    public static func messageIDs(in text: String) -> [String] {
        var ids: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
            let id = String(rest[open...close])
            if id.contains("@"), !id.contains(" ") { ids.append(id) }
            rest = rest[rest.index(after: close)...]
        }
        return ids
    }

    static func envelopeTag(_ root: MIMEPart) -> String? {
        for value in root.headers("Delivered-To") + root.headers("X-Original-To") + root.headers("To") {
            for address in allAddresses(in: value) {
                let local = address.split(separator: "@").first ?? ""
                if let plus = local.firstIndex(of: "+") { return String(local[local.index(after: plus)...]) }
            }
        }
        return nil
    }

    static func firstAddress(in text: String) -> String? { allAddresses(in: text).first }

    /// What a mailbox address is made of (RFC 5322 `atext`, the dot and the @).
    static let addressCharacters = ASCIICharacters("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+-/=?^_`{|}~@")

    /// Things that look like mailbox addresses, in order.
    static func allAddresses(in text: String) -> [String] {
        var found: [String] = []
        for raw in text.split(whereSeparator: { !Self.addressCharacters.contains($0) || $0 == "/" }) where raw.contains("@") {
            let candidate = raw.trimmingCharacters(in: [".", "'", "`"])
            let parts = candidate.split(separator: "@")
            if parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasSuffix(".") { found.append(candidate) }
        }
        return found
    }
}
