import Foundation
import RelanceConfig
import RelanceCore
import RelanceFormats
import RelanceStore

/// What a payments file does to a store, inside one of its transactions: exists so that the
/// one-machine pickup (`PaymentPickup`, on the SQLite store) and the shared store's
/// (`SharedPaymentPickup`, on a working set copied from PostgreSQL) apply a file through the same
/// code, line for line and event for event.
enum PaymentFileRecording {
    /// The file was recorded before (by its content hash): the send log says so, nothing changes.
    static func recordDuplicate(name: String, tx: StoreTransaction, journal: Journal, at now: Date) throws {
        try journal.record(tx, at: now, event: "paid", invoice: nil, [("file", name), ("result", "duplicate"), ("change", "none")])
    }

    /// A statement applied (in one transaction, or in several parts whose counts were added up):
    /// its summary line, and its content hash recorded so that the same file changes nothing again.
    static func recordStatement(name: String, format: BankStatementReader.Format, entries: Int, counts: StatementApplier.Counts, hash: String,
                                tx: StoreTransaction, journal: Journal, at now: Date) throws {
        try journal.record(tx, at: now, event: "statement", invoice: nil, [
            ("file", name), ("format", format.rawValue), ("entries", String(entries)), ("applied", String(counts.applied)),
            ("unmatched", String(counts.held)), ("debits", String(counts.debits)), ("already_recorded", String(counts.duplicates)),
        ])
        try tx.recordSource(hash: hash, name: name, documentID: "statement", kind: "payments", at: now)
    }

    /// Every line of a payments CSV, or none: returns the problems found, and throws
    /// `PaymentFileRefused` (to roll the transaction back) when there is one. The invoices paid are
    /// planned again (or settled), and the file's hash recorded.
    static func applyLines(_ lines: [PaymentLine], hash: String, name: String, context: DaemonContext, tx: StoreTransaction, journal: Journal,
                           at now: Date, problems found: inout [String]) throws {
        var touched: [String: Invoice] = [:]
        for line in lines {
            guard let stored = try tx.invoice(id: line.invoiceID) else {
                found.append("line \(line.line): no invoice \(line.invoiceID) is known")
                continue
            }
            let invoice = stored.invoice
            let amount: Money
            do { amount = try Money(parsing: line.amount, currency: invoice.currency) } catch {
                found.append("line \(line.line): \(error) for \(invoice.currency.code)")
                continue
            }
            guard amount.isPositive else { found.append("line \(line.line): the amount must be positive"); continue }
            try PaymentRecording.record(Payment(amount: amount, date: line.date, reference: line.reference), to: invoice,
                                        before: try tx.payments(invoiceID: invoice.id, currency: invoice.currency), source: "payments-file:\(name)",
                                        details: [("reference", line.reference), ("file", name)], tx: tx, journal: journal, at: now)
            touched[invoice.id] = invoice
        }
        guard found.isEmpty else {
            // All or nothing: undo this file's lines by failing the transaction.
            throw PaymentFileRefused()
        }
        for invoice in touched.values.sorted(by: { $0.id < $1.id }) {
            try ReminderPlanning.refresh(tx, invoice: invoice, configuration: context.configuration, journal: journal, at: now, announcePaid: false)
        }
        try tx.recordSource(hash: hash, name: name, documentID: "payments", kind: "payments", at: now)
    }
}

extension PaymentFileRecording {
    /// The file moved once its fate is known: archived (`archive/payments/YYYY/MM/`) when applied
    /// or a duplicate, rejected with its `reasons` (and a `rejected` line) otherwise; then the
    /// journal's lines go to the send log.
    static func file(_ path: String, name: String, reasons: [String], paths: PathSettings, today: LocalDate, journal: Journal, sendLog: SendLog,
                     at now: Date) throws {
        let mover = FileMover(archive: paths.archive + "/payments", rejected: paths.rejected)
        if !reasons.isEmpty {
            let destination = try mover.reject(path, reasons: reasons)
            journal.lineWithoutCommit(at: now, event: "rejected", invoice: nil, [
                ("file", name), ("moved_to", destination), ("reason", reasons.joined(separator: "; ")),
            ])
        } else {
            _ = try mover.archive(path, on: today)
        }
        mover.finish()
        journal.flush(to: sendLog)
    }
}

/// Raised inside the transaction to roll back a payments file with a bad line.
struct PaymentFileRefused: Error {}
