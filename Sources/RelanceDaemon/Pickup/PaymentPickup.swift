import Foundation
import Logging
import RelanceCore
import RelanceFormats
import RelanceStore

/// Takes payment files from the payments folder, recognised by content: bank statements (camt.05x,
/// MT940), whose entries are matched to invoices (`StatementApplier`), and CSV files of payments,
/// all of whose lines are applied in one transaction or none is. Then the file is archived
/// (`archive/payments/YYYY/MM/`) or rejected with its reasons. The same file, or an overlapping
/// statement, dropped again applies nothing twice.
public struct PaymentPickup {
    let context: DaemonContext

    public init(context: DaemonContext) { self.context = context }

    @discardableResult
    public func scan() -> Int { ingest(names: InboxScanner.candidates(in: context.configuration.paths.payments)) }

    @discardableResult
    public func ingest(names: [String]) -> Int {
        let paths = context.configuration.paths
        var taken = 0
        for name in names where InboxScanner.isReadyName(name) {
            let path = paths.payments + "/" + name
            let now = context.clock.now()
            let journal = context.journal()
            var reasons: [String]
            do throws(InvoiceRejection) {
                let bytes = try InboxFile.read(path, inbox: paths.payments, sizeLimit: paths.maxFileBytes)
                do {
                    if BankStatementReader.format(of: bytes) != nil {
                        let statement = try BankStatementReader.read(bytes, file: path)
                        reasons = []
                        try applyStatement(statement.entries, format: statement.format, hash: SHA256.hex(bytes), name: name, journal: journal, at: now)
                    } else {
                        reasons = try apply(try PaymentCSVReader.read(bytes, file: path), hash: SHA256.hex(bytes), name: name, journal: journal, at: now)
                    }
                } catch let rejection as InvoiceRejection {
                    throw rejection
                } catch {
                    context.logger.error("payments: \(name) could not be recorded, it stays for another try: \(error)")
                    context.pickupNeedsRetry = true
                    continue
                }
            } catch {
                reasons = error.problems.map(\.description)
            }
            let mover = FileMover(archive: paths.archive + "/payments", rejected: paths.rejected)
            do {
                if !reasons.isEmpty {
                    let destination = try mover.reject(path, reasons: reasons)
                    journal.lineWithoutCommit(at: now, event: "rejected", invoice: nil, [
                        ("file", name), ("moved_to", destination), ("reason", reasons.joined(separator: "; ")),
                    ])
                } else {
                    _ = try mover.archive(path, on: context.configuration.calendar.localDate(of: now))
                }
                mover.finish()
                journal.flush(to: context.sendLog)
                taken += 1
            } catch {
                context.logger.error("payments: \(error)")
                context.pickupNeedsRetry = true
            }
        }
        return taken
    }

    /// A statement's entries, in one transaction; the same file again changes nothing.
    private func applyStatement(_ entries: [BankEntry], format: BankStatementReader.Format, hash: String, name: String, journal: Journal,
                                at now: Date) throws {
        var counts = StatementApplier.Counts()
        try context.store.write { tx in
            journal.discard()
            if case .duplicate = try tx.sourceOutcome(hash: hash) {
                try journal.record(tx, at: now, event: "paid", invoice: nil, [("file", name), ("result", "duplicate"), ("change", "none")])
                return
            }
            // Thousands of scattered updates: a bigger page cache while they are applied, the default again after.
            if entries.count > 1_000 { try tx.setBulkCache(megabytes: 48) }
            defer { if entries.count > 1_000 { try? tx.setBulkCache(megabytes: nil) } }
            counts = try StatementApplier(context: context).apply(entries, file: name, tx: tx, journal: journal, at: now)
            try journal.record(tx, at: now, event: "statement", invoice: nil, [
                ("file", name), ("format", format.rawValue), ("entries", String(entries.count)), ("applied", String(counts.applied)),
                ("unmatched", String(counts.held)), ("debits", String(counts.debits)), ("already_recorded", String(counts.duplicates)),
            ])
            try tx.recordSource(hash: hash, name: name, documentID: "statement", kind: "payments", at: now)
        }
    }

    /// Applies every line or none; returns the problems (empty when applied).
    private func apply(_ lines: [PaymentLine], hash: String, name: String, journal: Journal, at now: Date) throws -> [String] {
        var problems: [String] = []
        do {
            try write(lines, hash: hash, name: name, journal: journal, at: now, problems: &problems)
        } catch is PaymentFileRefused {
            journal.discard()
        }
        return problems
    }

    private func write(_ lines: [PaymentLine], hash: String, name: String, journal: Journal, at now: Date, problems: inout [String]) throws {
        var found: [String] = []
        defer { problems = found }
        try context.store.write { tx in
            journal.discard()
            found = []
            if case .duplicate = try tx.sourceOutcome(hash: hash) {
                try journal.record(tx, at: now, event: "paid", invoice: nil, [("file", name), ("result", "duplicate"), ("change", "none")])
                return
            }
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
                try ReminderPlanning.refresh(tx, invoice: invoice, configuration: context.configuration, journal: journal, at: now,
                                             announcePaid: false)
            }
            try tx.recordSource(hash: hash, name: name, documentID: "payments", kind: "payments", at: now)
        }
    }
}

/// Raised inside the transaction to roll back a payments file with a bad line.
struct PaymentFileRefused: Error {}
