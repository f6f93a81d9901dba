import Foundation
import RelanceConfig
import RelanceCore
import RelanceMail
import RelanceStore

/// One message a send batch will hand off: the reminder rows it covers (one per invoice, all
/// claimed with the same Message-ID), its facts, and what the composer adds to it (the formal
/// notice letter and where it is kept, the EPC QR code's text).
struct DecidedMessage {
    var rows: [ReminderRecord]
    var facts: ReminderFacts
    /// Where the letter is written under the state directory's `letters/`, for a formal notice.
    var letterPath: String?
    /// The EPC QR text shown as an image in the HTML part.
    var qrPayload: String?
    /// The day's file of copies the message as sent is appended to (`sent/YYYY/MM/DD.messages`).
    var archivePath: String

    /// The invoices the message is about.
    var invoiceIDs: [String] { rows.map(\.invoiceID) }
}

/// Turns the per-invoice decisions of one customer into the message that goes: several reminders
/// due for one customer on one day go as one message, written at the firmest level among them,
/// with a statement of account of every invoice it covers, threaded under what the customer
/// already received. A single reminder gives a message of its own, as before.
enum CustomerMessage {
    /// `items` are one customer's decided reminders (one per invoice); `references` the Message-IDs
    /// already sent to that customer, oldest first.
    static func combine(_ items: [(ReminderRecord, ReminderFacts)], references: [String]?) -> (rows: [ReminderRecord], facts: ReminderFacts) {
        precondition(!items.isEmpty)
        guard items.count > 1 else {
            var facts = items[0].1
            if let references { facts.references = references }
            return ([items[0].0], facts)
        }
        // Firmest wording first; among equals the oldest due date, then the invoice number.
        let ordered = items.sorted { a, b in
            let (fa, fb) = (a.1.wording.firmness, b.1.wording.firmness)
            if fa != fb { return fa > fb }
            let (da, db) = (a.1.invoice.dueDate ?? a.1.invoice.issueDate, b.1.invoice.dueDate ?? b.1.invoice.issueDate)
            return (da, a.1.invoice.id) < (db, b.1.invoice.id)
        }
        var lead = ordered[0].1
        let lines = ordered.map { line(for: $0.1) }
        lead.ownLine = lines[0]
        lead.alsoReminded = Array(lines.dropFirst())
        if let references { lead.references = references }
        for (_, facts) in ordered.dropFirst() {
            for address in facts.to where !lead.to.contains(address) { lead.to.append(address) }
            for address in facts.cc where !lead.cc.contains(address) && !lead.to.contains(address) { lead.cc.append(address) }
        }
        return (ordered.map(\.0), lead)
    }

    /// The statement line of one reminded invoice, as of its send day.
    static func line(for facts: ReminderFacts) -> StatementLine {
        let paid = facts.invoice.total - facts.amountDue
        return StatementLine(invoice: facts.invoice, paid: paid, balance: facts.amountDue, asOf: facts.sendDate,
                             levelReached: facts.wording.level ?? 0, lateCharges: facts.lateCharges)
    }

    /// The formal notice a `formal-notice` message carries: the statement of every invoice it
    /// covers, with interest and compensation as of the send day, and the deadline to pay.
    static func formalNotice(_ facts: ReminderFacts, configuration: RelanceConfiguration) -> FormalNotice {
        let lines = facts.statementLines.isEmpty ? [line(for: facts)] : facts.statementLines
        return FormalNotice.written(StatementOfAccount(customer: facts.invoice.customer, asOf: facts.sendDate, lines: lines),
                                    earlierReminders: facts.earlierReminders, configuration: configuration)
    }

    /// The EPC QR text for paying what the message asks: EUR to the company's IBAN only.
    static func qrPayload(_ facts: ReminderFacts, beneficiary: EPCPaymentCode.Beneficiary?) -> String? {
        guard let beneficiary else { return nil }
        if let notice = facts.formalNotice { return notice.paymentCode?.payload }
        let lines = facts.statementLines
        // A statement pays every balance it lists (in euros only); a single reminder its balance, discounted while the discount holds.
        let amount: Money
        if lines.count > 1 {
            guard lines.allSatisfy({ $0.balance.currency == .eur }) else { return nil }
            amount = lines.reduce(Money.zero(.eur)) { $0.addingSaturating($1.balance) }
        } else {
            amount = facts.discount?.payable ?? facts.amountDue
        }
        return try? EPCPaymentCode(paying: beneficiary, amount: amount,
                                   remittance: .paying(lines.count > 1 ? lines.map(\.invoiceID) : [facts.invoice.id])).payload
    }

    /// `letters/2026/12/mise-en-demeure-F-2026-0042-2026-12-02.pdf`, under the state directory.
    static func letterPath(_ facts: ReminderFacts, stateDirectory: String) -> String {
        "\(stateDirectory)/letters/\(facts.sendDate.yearMonthPath)/\(letterFileName(invoiceID: facts.invoice.id, date: facts.sendDate, language: facts.language))"
    }

    static func letterFileName(invoiceID: String, date: LocalDate, language: Language) -> String {
        let word: String
        switch language {
        case .fr: word = "mise-en-demeure"
        case .de: word = "letzte-mahnung"
        case .en: word = "final-demand"
        }
        return "\(word)-\(FileNames.safe(invoiceID))-\(date.iso).pdf"
    }

    /// `sent/2026/12/02.messages`, under the state directory: the day's messages as sent, one after the other.
    static func archivePath(_ facts: ReminderFacts, stateDirectory: String) -> String {
        "\(stateDirectory)/sent/\(facts.sendDate.yearMonthPath)/\(facts.sendDate.iso.suffix(2)).messages"
    }
}

/// File names made from invoice numbers and Message-IDs: letters, digits, `-`, `_`, `.` kept,
/// anything else (a `/`, a space, a control character) as `_`; never empty, never hidden.
enum FileNames {
    static func safe(_ text: String) -> String {
        var out = String(text.unicodeScalars.prefix(120).map { scalar -> Character in
            let ok = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || "-_.@".unicodeScalars.contains(scalar)
            return ok ? Character(scalar) : "_"
        })
        while out.hasPrefix(".") { out = "_" + out.dropFirst() }
        return out.isEmpty ? "_" : out
    }
}

/// Where the copy of one sent message is: a byte range of a day's file of copies, recorded in the
/// store as `PATH@OFFSET+LENGTH` (what `relance export collection` cuts back into `.eml` files).
struct SentCopy: Sendable, Equatable {
    let file: String
    let offset: UInt64
    let length: UInt64

    var reference: String { "\(file)@\(offset)+\(length)" }

    init(file: String, offset: UInt64, length: UInt64) {
        self.file = file
        self.offset = offset
        self.length = length
    }

    /// Parses a stored reference; a plain path (a whole file) is read whole.
    init?(reference: String) {
        guard let at = reference.lastIndex(of: "@"), let plus = reference[at...].firstIndex(of: "+"),
              let offset = UInt64(reference[reference.index(after: at)..<plus]), let length = UInt64(reference[reference.index(after: plus)...]) else {
            return nil
        }
        file = String(reference[..<at])
        self.offset = offset
        self.length = length
    }

    /// The copy's bytes; nil when the file is gone or shorter than recorded.
    func read() -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: file) else { return nil }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.read(upToCount: Int(length)), data.count == Int(length) else {
            return nil
        }
        return Array(data)
    }
}
