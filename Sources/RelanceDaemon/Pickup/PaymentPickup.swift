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
            do {
                try PaymentFileRecording.file(path, name: name, reasons: reasons, paths: paths, today: context.configuration.calendar.localDate(of: now),
                                              journal: journal, sendLog: context.sendLog, at: now)
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
        try context.store.write { tx in
            journal.discard()
            if case .duplicate = try tx.sourceOutcome(hash: hash) {
                try PaymentFileRecording.recordDuplicate(name: name, tx: tx, journal: journal, at: now)
                return
            }
            // Thousands of scattered updates: a bigger page cache while they are applied, the default again after.
            if entries.count > 1_000 { try tx.setBulkCache(megabytes: 48) }
            defer { if entries.count > 1_000 { try? tx.setBulkCache(megabytes: nil) } }
            let counts = try StatementApplier(context: context).apply(entries, file: name, tx: tx, journal: journal, at: now)
            try PaymentFileRecording.recordStatement(name: name, format: format, entries: entries.count, counts: counts, hash: hash, tx: tx,
                                                     journal: journal, at: now)
        }
    }

    /// Applies every line or none; returns the problems (empty when applied).
    private func apply(_ lines: [PaymentLine], hash: String, name: String, journal: Journal, at now: Date) throws -> [String] {
        var problems: [String] = []
        do {
            try context.store.write { tx in
                journal.discard()
                problems = []
                if case .duplicate = try tx.sourceOutcome(hash: hash) {
                    try PaymentFileRecording.recordDuplicate(name: name, tx: tx, journal: journal, at: now)
                    return
                }
                try PaymentFileRecording.applyLines(lines, hash: hash, name: name, context: context, tx: tx, journal: journal, at: now,
                                                    problems: &problems)
            }
        } catch is PaymentFileRefused {
            journal.discard()
        }
        return problems
    }
}
