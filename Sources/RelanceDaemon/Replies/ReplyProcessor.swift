import Foundation
public import RelanceConfig
public import RelanceCore
public import RelanceMail
import RelanceStore

/// Acts on one incoming message: classifies it, finds the reminder or invoice
/// it concerns (In-Reply-To/References, then the envelope tag, then the
/// Message-ID quoted in a bounce, then the invoice number, last the sender),
/// records it once, and pauses, postpones or flags the chase. Every decision
/// is an event and a send-log line.
public struct ReplyProcessor {
    let context: DaemonContext

    public init(context: DaemonContext) { self.context = context }

    /// A task for a person, due today, set from what a reply said: a problem reported in answer to
    /// the check-in, a dispute, a request to pay in parts, a wrong contact (with the address it names).
    private func task(_ purpose: TaskPurpose, _ tx: StoreTransaction, invoiceID: String, step: String, detail: String?, journal: Journal,
                      now: Date) throws {
        guard let stored = try tx.invoice(id: invoiceID) else { return }
        let configuration = context.configuration
        let today = configuration.calendar.localDate(of: now)
        let owner = configuration.owner(for: stored.invoice.customer)
        let id = try tx.createTask(invoiceID: invoiceID, customerKey: ReminderPlanning.customerKey(stored.invoice.customer), step: step,
                                   kind: .call, owner: owner, due: today, graceUntil: today.adding(days: configuration.people.taskGraceDays),
                                   purpose: purpose, detail: detail, at: now)
        try journal.record(tx, at: now, event: "task", invoice: invoiceID, [
            ("step", step), ("task", String(id)), ("owner", owner), ("purpose", purpose.rawValue), ("reason", detail),
        ])
    }

    /// Writes `replies/YYYY/MM/<hash>.eml` under the state directory; nil when it cannot.
    static func keepCopy(_ bytes: [UInt8], fingerprint: String, day: LocalDate, stateDirectory: String) -> String? {
        let folder = "\(stateDirectory)/replies/\(day.yearMonthPath)"
        let path = "\(folder)/\(MessageID.fnv1a(fingerprint)).eml"
        if FileManager.default.fileExists(atPath: path) { return path }
        guard (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)) != nil,
              FileManager.default.createFile(atPath: path + ".tmp", contents: Data(bytes)), rename(path + ".tmp", path) == 0 else { return nil }
        return path
    }

    /// A message as read (pure): what it says, its parsed form, its Message-ID and the fingerprint
    /// it is recorded once under (the Message-ID, else a hash of its bytes).
    public struct Reading: Sendable {
        public let analysis: ReplyAnalysis
        let parsed: ParsedMessage?
        public let messageID: String?
        public let fingerprint: String
    }

    /// Reads a message as `process` does; shared with the shared store's poller, which must know
    /// what a reply names before it copies the invoices concerned.
    public static func read(_ bytes: [UInt8], configuration: RelanceConfiguration, on today: LocalDate) -> Reading {
        let own = Set([configuration.company.email.value] + (configuration.company.replyTo.map { [$0.value] } ?? []))
        let analysis = ReplyClassifier.analyze(bytes, reference: today, settings: ReplyClassifier.Settings(
            timeZone: configuration.company.timeZone, dayFirst: configuration.company.dayFirst, ownAddresses: own))
        let parsed = try? MIMEParser.parse(bytes)
        let messageID = parsed?.header("Message-ID").flatMap { ReplyClassifier.messageIDs(in: $0).first }
        return Reading(analysis: analysis, parsed: parsed, messageID: messageID, fingerprint: messageID ?? "sha256:" + SHA256.hex(bytes))
    }

    /// Returns the analysis, or nil when the message had been recorded before.
    @discardableResult
    public func process(_ bytes: [UInt8]) throws -> ReplyAnalysis? {
        let now = context.clock.now()
        let calendar = context.configuration.calendar
        let today = calendar.localDate(of: now)
        let reading = Self.read(bytes, configuration: context.configuration, on: today)
        let (analysis, parsed, messageID, fingerprint) = (reading.analysis, reading.parsed, reading.messageID, reading.fingerprint)
        let journal = context.journal()
        var fresh = true
        // The reply as received, byte for byte, for the collection file (kept before it is recorded; a
        // copy that cannot be written, for want of space, leaves the reply recorded without one).
        let copy = Self.keepCopy(bytes, fingerprint: fingerprint, day: today, stateDirectory: context.configuration.paths.stateDirectory)
        try context.store.write { tx in
            journal.discard()
            let (reminderID, invoiceID) = try match(analysis, parsed: parsed, tx: tx)
            fresh = try tx.recordReply(fingerprint: fingerprint, messageID: messageID, invoiceID: invoiceID, kind: analysis.kind.rawValue,
                                       intent: analysis.intent?.rawValue, sender: analysis.from, detail: analysis.subject,
                                       promiseDate: analysis.intent == .promise ? analysis.promiseDate : nil, at: now)
            guard fresh else { return }
            if let copy { try tx.setReplyFile(fingerprint: fingerprint, copy) }
            var fields: [(String, String?)] = [("kind", analysis.kind.rawValue), ("from", analysis.from), ("subject", analysis.subject)]
            switch analysis.kind {
            case .unreadable:
                fields.append(("reason", analysis.problem))
                try journal.record(tx, at: now, event: "reply", invoice: invoiceID, fields)
            case .bounce:
                let bounce = analysis.bounce
                if let reminderID {
                    // A bounce for a reminder a person already settled (resolved, cancelled) leaves its state alone.
                    do {
                        // One message may have reminded several invoices of the customer: each of them bounced.
                        for id in try tx.reminderIDs(sharingMessageWith: reminderID) {
                            try tx.markBounced(id, detail: [bounce?.status, bounce?.recipient].compactMap { $0 }.joined(separator: " "), at: now)
                        }
                    } catch is TransitionError {
                        context.logger.info("bounce for reminder \(reminderID), which is no longer sent or uncertain: state kept")
                    }
                }
                try journal.record(tx, at: now, event: "bounced", invoice: invoiceID, [
                    ("recipient", bounce?.recipient), ("status", bounce?.status), ("hard", (bounce?.hard ?? false) ? "true" : "false"),
                ])
                if bounce?.hard == true, let recipient = bounce?.recipient {
                    try tx.markUndeliverable(recipient, reason: "hard bounce \(bounce?.status ?? "")", at: now)
                    if let invoiceID { try tx.setAttention(invoiceID, "hard bounce: \(recipient) is undeliverable") }
                }
            case .complaint:
                if let recipient = analysis.bounce?.recipient { try tx.markUndeliverable(recipient, reason: "complaint", at: now) }
                if let invoiceID { try tx.setAttention(invoiceID, "complaint from \(analysis.bounce?.recipient ?? "the recipient"): no more mail to that address") }
                try journal.record(tx, at: now, event: "reply", invoice: invoiceID, fields + [("recipient", analysis.bounce?.recipient)])
            case .autoReply:
                try journal.record(tx, at: now, event: "reply", invoice: invoiceID, fields + [
                    ("return_date", analysis.returnDate?.iso), ("evidence", analysis.evidence),
                ])
                if let invoiceID, let back = analysis.returnDate, back > today {
                    try pause(tx, invoiceID, until: back, reason: "out of office until \(back.iso)", journal: journal, at: now)
                }
            case .reply:
                try journal.record(tx, at: now, event: "reply", invoice: invoiceID, fields + [
                    ("intent", analysis.intent?.rawValue), ("promise_date", analysis.promiseDate?.iso), ("paid_date", analysis.paidDate?.iso),
                    ("new_contact", analysis.newContact), ("evidence", analysis.evidence),
                ])
                guard let invoiceID else { break }
                try act(on: analysis, reminderID: reminderID, invoiceID: invoiceID, tx: tx, journal: journal, now: now)
            }
        }
        journal.flush(to: context.sendLog)
        return fresh ? analysis : nil
    }

    /// What a person's reply makes of the chase (docs/replies.md): each intent pauses, stops or
    /// redirects it, and the ones a person must handle set a task.
    private func act(on analysis: ReplyAnalysis, reminderID: Int64?, invoiceID: String, tx: StoreTransaction, journal: Journal, now: Date) throws {
        let configuration = context.configuration
        let today = configuration.calendar.localDate(of: now)
        let pauseDays = configuration.replies?.pauseDays ?? 7
        let intent = analysis.intent ?? .other
        let said = analysis.evidence.map { "\"\($0)\"" } ?? analysis.subject ?? ""
        try tx.setAttention(invoiceID, "the customer replied (\(intent.rawValue)): \(said)")
        switch intent {
        case .paid:
            let when = analysis.paidDate.map { " on \($0.iso)" } ?? ""
            try pause(tx, invoiceID, until: nil, reason: "the customer says it was paid\(when): verify, then record it or resume", journal: journal, at: now)
        case .dispute:
            try pause(tx, invoiceID, until: nil, reason: "disputed by the customer: stopped until resumed", journal: journal, at: now)
            if let reminderID, let row = try tx.reminder(id: reminderID), row.kind == .checkIn {
                try task(.checkInProblem, tx, invoiceID: invoiceID, step: row.step + "-reply", detail: said, journal: journal, now: now)
            } else {
                try task(.dispute, tx, invoiceID: invoiceID, step: "dispute-\(today.iso)", detail: said, journal: journal, now: now)
            }
        case .promise:
            if let promised = analysis.promiseDate {
                try tx.recordPromise(invoiceID: invoiceID, madeOn: today, promisedFor: promised, source: "reply", note: analysis.subject, at: now)
            }
            let until = analysis.promiseDate.map { $0.adding(days: 1) } ?? today.adding(days: pauseDays)
            try pause(tx, invoiceID, until: until, reason: "promise to pay\(analysis.promiseDate.map { " on \($0.iso)" } ?? "")", journal: journal, at: now)
        case .invoiceRequest:
            // The invoice goes again at the next slot, even while paused; the chase resumes after the pause.
            if let stored = try tx.invoice(id: invoiceID) {
                try ArrangedMessages.plan(.invoiceCopy, step: "copy-\(today.iso)", invoice: stored.invoice,
                                          reason: "the customer asks for the invoice: it is sent again", configuration: configuration, tx: tx,
                                          journal: journal, at: now)
            }
            try pause(tx, invoiceID, until: today.adding(days: pauseDays), reason: "the invoice was asked for and is sent again", journal: journal, at: now)
        case .installments:
            try pause(tx, invoiceID, until: today.adding(days: pauseDays), reason: "the customer asks to pay in parts", journal: journal, at: now)
            try task(.installments, tx, invoiceID: invoiceID, step: "installments-\(today.iso)", detail: said, journal: journal, now: now)
        case .wrongContact:
            let contact = analysis.newContact.flatMap { try? EmailAddress($0) }
            if let contact, configuration.replies?.updateContacts == true, let stored = try tx.invoice(id: invoiceID) {
                let key = ReminderPlanning.customerKey(stored.invoice.customer)
                try tx.setContactOverride(customerKey: key, address: contact.value, source: "reply", at: now)
                try journal.record(tx, at: now, event: "contact", invoice: invoiceID, [("to", contact.value), ("reason", "named in a reply (wrong contact)")])
            } else {
                try pause(tx, invoiceID, until: today.adding(days: pauseDays), reason: "the person written to is not in charge", journal: journal, at: now)
            }
            let detail = (contact.map { "new contact \($0.value); " } ?? "") + said
            try task(.wrongContact, tx, invoiceID: invoiceID, step: "wrong-contact-\(today.iso)", detail: detail, journal: journal, now: now)
        case .other:
            try pause(tx, invoiceID, until: today.adding(days: pauseDays), reason: "the customer replied", journal: journal, at: now)
        }
    }

    private func pause(_ tx: StoreTransaction, _ invoiceID: String, until: LocalDate?, reason: String, journal: Journal, at now: Date) throws {
        try tx.setPause(invoiceID, until: until, reason: reason, at: now)
        try journal.record(tx, at: now, event: "paused", invoice: invoiceID, [("until", until?.iso ?? "resume"), ("reason", reason)])
    }

    /// The reminder and invoice a message concerns, best evidence first.
    private func match(_ analysis: ReplyAnalysis, parsed: ParsedMessage?, tx: StoreTransaction) throws -> (Int64?, String?) {
        for id in analysis.references {
            if let hit = try tx.reminder(messageID: id) { return (hit.id, hit.invoiceID) }
        }
        if let tag = analysis.envelopeTag, let hit = try tx.reminder(envelopeTag: tag) { return (hit.id, hit.invoiceID) }
        if let invoice = analysis.invoice, try tx.invoice(id: invoice) != nil { return (nil, invoice) }
        // An invoice number the subject or body names ("Relance facture H-06"), as written or in capitals.
        for number in analysis.invoiceNumbers {
            for candidate in [number, number.uppercased()] where try tx.invoice(id: candidate) != nil { return (nil, candidate) }
        }
        if analysis.kind == .reply || analysis.kind == .autoReply, let from = analysis.from,
           let invoice = try tx.openInvoiceIDs(customerAddress: from).first {
            return (nil, invoice)
        }
        return (nil, nil)
    }
}
