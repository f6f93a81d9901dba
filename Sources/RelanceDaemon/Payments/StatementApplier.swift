import Foundation
import RelanceConfig
import RelanceCore
import RelanceStore

/// Applies a bank statement's entries in one transaction: each entry once (`recordBankEntry`), a
/// debit or a return recorded and reported, a credit matched (`BankMatcher`) and applied as
/// payments (the oldest invoice first, partial and over-payments as for a payments file) or held
/// for a person. The send log says what became of each: `paid … source=bank reason=…`,
/// `unmatched`, `debit`.
struct StatementApplier {
    let context: DaemonContext

    struct Counts: Sendable {
        var applied = 0, held = 0, debits = 0, duplicates = 0

        /// Another part's counts added (a statement applied in several transactions).
        mutating func add(_ other: Counts) {
            applied += other.applied
            held += other.held
            debits += other.debits
            duplicates += other.duplicates
        }
    }

    func apply(_ entries: [BankEntry], file: String, tx: StoreTransaction, journal: Journal, at now: Date) throws -> Counts {
        let configuration = context.configuration
        let today = configuration.calendar.localDate(of: now)
        let matcher = BankMatcher(configuration: configuration)
        var counts = Counts()
        var touched: [String: Invoice] = [:]
        // Invoices paid in full on the cheap path, settled at the end (in id order, as the others).
        var settled: [String: Currency] = [:]
        for entry in entries {
            if try tx.hasBankEntry(key: entry.key) { counts.duplicates += 1; continue }
            let common: [(String, String?)] = [("amount", entry.amount.description), ("date", entry.date?.iso), ("file", file),
                                               ("debtor", entry.debtorName), ("bank_reference", entry.entryReference)]
            guard entry.isIncomingPayment else {
                let why = entry.reversal ? "a return" : "a debit"
                guard let id = try tx.recordBankEntry(entry, file: file, state: .debit, reason: why, invoices: [], at: now) else {
                    counts.duplicates += 1
                    continue
                }
                counts.debits += 1
                try journal.record(tx, at: now, event: "debit", invoice: nil, [("entry", String(id))] + common + [
                    ("reason", "\(why): recorded, never applied to an invoice"),
                ])
                continue
            }
            switch try matcher.match(entry, today: today, tx: tx) {
            case .held(let state, let reason):
                guard let id = try tx.recordBankEntry(entry, file: file, state: state, reason: reason, invoices: [], at: now) else {
                    counts.duplicates += 1
                    continue
                }
                counts.held += 1
                try journal.record(tx, at: now, event: "unmatched", invoice: nil, [("entry", String(id))] + common + [
                    ("remittance", entry.remittance), ("reason", reason + "; relance payments assign \(id) INVOICE"),
                ])
            case .matched(let allocations, let customerKey, let reason):
                guard let id = try tx.recordBankEntry(entry, file: file, state: .applied, reason: reason.description,
                                                      invoices: allocations.map(\.invoiceID), at: now) else {
                    counts.duplicates += 1
                    continue
                }
                counts.applied += 1
                if let iban = entry.debtorIBAN { try tx.learnAccount(iban: iban, customerKey: customerKey, at: now) }
                if allocations.count == 1, touched[allocations[0].invoiceID] == nil, settled[allocations[0].invoiceID] == nil,
                   try paysInFull(allocations[0].amount, invoiceID: allocations[0].invoiceID, entry: entry, entryID: id, file: file,
                                  reason: reason.description, tx: tx, journal: journal, at: now) {
                    settled[allocations[0].invoiceID] = allocations[0].amount.currency
                    continue
                }
                for allocation in allocations {
                    guard let stored = try tx.invoice(id: allocation.invoiceID) else { continue }
                    try record(allocation.amount, to: stored.invoice, entry: entry, entryID: id, file: file, reason: reason.description,
                               tx: tx, journal: journal, at: now)
                    touched[stored.invoice.id] = stored.invoice
                }
            }
        }
        // In id order: the invoices' and reminders' pages are then met one after another, not at random.
        for id in Set(touched.keys).union(settled.keys).sorted() {
            if let invoice = touched[id] {
                try ReminderPlanning.refresh(tx, invoice: invoice, configuration: configuration, journal: journal, at: now, announcePaid: false)
            } else if let currency = settled[id] {
                try ReminderPlanning.settlePaid(tx, invoiceID: id, currency: currency, journal: journal, at: now, announcePaid: false)
            }
        }
        return counts
    }

    /// The common case, kept cheap: one invoice, its whole balance (or more), recorded without
    /// reading the invoice's document, to be settled without planning again (`paid`, its reminders
    /// cancelled), exactly as the general path would. False when it is not that case.
    private func paysInFull(_ amount: Money, invoiceID: String, entry: BankEntry, entryID: Int64, file: String, reason: String,
                               tx: StoreTransaction, journal: Journal, at now: Date) throws -> Bool {
        guard let facts = try tx.settlement(invoiceID: invoiceID), facts.currency == amount.currency.code,
              facts.state == .open || facts.state == .collection else { return false }
        let left = facts.owed - facts.received
        guard left > 0, amount.minorUnits >= left else { return false }
        let (payment, details) = paymentOf(amount, entry: entry, entryID: entryID, reason: reason, at: now)
        try PaymentRecording.record(payment, invoiceID: invoiceID, source: "bank:\(file)#\(entryID)",
                                    owed: Money(minorUnits: facts.owed, currency: amount.currency),
                                    receivedBefore: Money(minorUnits: facts.received, currency: amount.currency), balanceAfter: .zero(amount.currency),
                                    details: details, tx: tx, journal: journal, at: now)
        return true
    }

    /// The payment a bank entry makes, and what the send log says of its source.
    private func paymentOf(_ amount: Money, entry: BankEntry, entryID: Int64, reason: String, at now: Date) -> (Payment, [(String, String?)]) {
        let day = entry.date ?? context.configuration.calendar.localDate(of: now)
        let reference = entry.entryReference ?? entry.endToEndID ?? entry.creditorReference
        return (Payment(amount: amount, date: day, reference: reference),
                [("source", "bank"), ("entry", String(entryID)), ("reference", reference), ("reason", reason)])
    }

    /// One payment from a bank entry, as the payments file records them: its balance after, an over-payment said.
    func record(_ amount: Money, to invoice: Invoice, entry: BankEntry, entryID: Int64, file: String, reason: String, tx: StoreTransaction,
                journal: Journal, at now: Date) throws {
        let (payment, details) = paymentOf(amount, entry: entry, entryID: entryID, reason: reason, at: now)
        try PaymentRecording.record(payment, to: invoice, before: try tx.payments(invoiceID: invoice.id, currency: invoice.currency),
                                    source: "bank:\(file)#\(entryID)", details: details, tx: tx, journal: journal, at: now)
    }
}
