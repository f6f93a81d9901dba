import Foundation
public import Logging
public import RelanceConfig
public import RelanceCore
import RelanceFormats
public import RelanceStore

/// Takes payment files (bank statements, payments CSVs) from the payments folder into a shared
/// PostgreSQL store: exists so that a payment stops the chase on a shared store as it does on one
/// machine, applied once whichever instance, or how many, watch the folder or receive the file.
///
/// The one-machine code applies the file (`StatementApplier`, `PaymentFileRecording`: the same
/// matching, allocation, settlement, replanning and send-log lines) on a working set copied from
/// PostgreSQL (`SharedWorkingSet.loadForPayments`): every invoice of every customer the file may
/// pay, read after those invoices' advisory locks are taken, with the names, accounts, bank entries
/// and file hash the matching and the duplicate checks read. What it changed is written back in
/// the same transaction under guards (`SharedWriteBack`), so a payment, a send pass and an intake
/// on the same invoices follow one another, and a bank entry or a file another instance recorded
/// first makes the write-back a conflict, tried again on a fresh copy (which then sees it).
///
/// A statement is applied in parts of `entriesPerPart` entries, each its own transaction (the
/// locks a part takes stay few); a crash between parts leaves the file in the folder, and the next
/// pass skips the entries already recorded. Its summary line and content hash go with the last
/// part. A CSV is one transaction: all its lines or none.
///
/// It runs on a thread of the daemon's own, never on a Swift concurrency thread.
public struct SharedPaymentPickup: Sendable {
    public let configuration: RelanceConfiguration
    public let store: PostgresStore
    public let sendLog: SendLog
    public let clock: any WallClock
    public let logger: Logger
    let workingSet: SharedWorkingSet
    /// Statement entries per transaction.
    static let entriesPerPart = 200

    public init(configuration: RelanceConfiguration, store: PostgresStore, sendLog: SendLog, clock: any WallClock, logger: Logger,
                workingSetPath: String) throws {
        self.configuration = configuration
        self.store = store
        self.sendLog = sendLog
        self.clock = clock
        self.logger = logger
        workingSet = try SharedWorkingSet(path: workingSetPath)
    }

    /// Takes every ready file of the payments folder; returns how many left it.
    @discardableResult
    public func scan() -> Int {
        var taken = 0
        for name in InboxScanner.candidates(in: configuration.paths.payments) where InboxScanner.isReadyName(name) {
            if take(name) { taken += 1 }
        }
        return taken
    }

    /// One file: applied (or found a duplicate) and archived, or rejected with its reasons; false
    /// when it stays for another try (the store unreachable, a conflict that did not clear).
    private func take(_ name: String) -> Bool {
        let paths = configuration.paths
        let path = paths.payments + "/" + name
        let now = clock.now()
        let journal = Journal(zone: configuration.company.timeZone)
        var reasons: [String] = []
        do throws(InvoiceRejection) {
            let bytes = try InboxFile.read(path, inbox: paths.payments, sizeLimit: paths.maxFileBytes)
            let hash = SHA256.hex(bytes)
            do {
                if BankStatementReader.format(of: bytes) != nil {
                    let statement = try BankStatementReader.read(bytes, file: path)
                    try applyStatement(statement.entries, format: statement.format, hash: hash, name: name, at: now)
                } else {
                    reasons = try applyLines(try PaymentCSVReader.read(bytes, file: path), hash: hash, name: name, at: now)
                }
            } catch let rejection as InvoiceRejection {
                throw rejection
            } catch {
                logger.error("shared payments: \(name) could not be recorded, it stays for another try: \(error)")
                return false
            }
        } catch {
            reasons = error.problems.map(\.description)
        }
        do {
            try PaymentFileRecording.file(path, name: name, reasons: reasons, paths: paths, today: configuration.calendar.localDate(of: now),
                                          journal: journal, sendLog: sendLog, at: now)
            return true
        } catch {
            logger.error("shared payments: \(error)")
            return false
        }
    }

    /// What one transaction did: the statement's counts, the problems of a CSV (nothing written
    /// when there are any), whether the file was found recorded before, and the send-log lines.
    struct PartResult: Sendable {
        var counts = StatementApplier.Counts()
        var problems: [String] = []
        var duplicate = false
        var lines: [String] = []
    }

    private func applyStatement(_ entries: [BankEntry], format: BankStatementReader.Format, hash: String, name: String, at now: Date) throws {
        let parts = entries.isEmpty ? [[]] : stride(from: 0, to: entries.count, by: Self.entriesPerPart).map {
            Array(entries[$0..<min($0 + Self.entriesPerPart, entries.count)])
        }
        var total = StatementApplier.Counts()
        for (index, part) in parts.enumerated() {
            let last = index == parts.count - 1, counted = total
            let result = try applyPart(Self.candidates(of: part, hash: hash), name: name, at: now) { context, tx, journal in
                var result = PartResult()
                if case .duplicate = try tx.sourceOutcome(hash: hash) {
                    result.duplicate = true
                    if index == 0 { try PaymentFileRecording.recordDuplicate(name: name, tx: tx, journal: journal, at: now) }
                    return result
                }
                result.counts = try StatementApplier(context: context).apply(part, file: name, tx: tx, journal: journal, at: now)
                if last {
                    var all = counted
                    all.add(result.counts)
                    try PaymentFileRecording.recordStatement(name: name, format: format, entries: entries.count, counts: all, hash: hash,
                                                             tx: tx, journal: journal, at: now)
                }
                return result
            }
            sendLog.append(result.lines)
            if result.duplicate { return }
            total.add(result.counts)
        }
    }

    /// A payments CSV, all its lines or none; returns the problems (empty when applied).
    private func applyLines(_ lines: [PaymentLine], hash: String, name: String, at now: Date) throws -> [String] {
        var candidates = SharedWorkingSet.PaymentCandidates(hash: hash)
        candidates.invoiceIDs = Array(Set(lines.map(\.invoiceID))).sorted()
        let result = try applyPart(candidates, name: name, at: now) { context, tx, journal in
            var result = PartResult()
            if case .duplicate = try tx.sourceOutcome(hash: hash) {
                result.duplicate = true
                try PaymentFileRecording.recordDuplicate(name: name, tx: tx, journal: journal, at: now)
                return result
            }
            do {
                try PaymentFileRecording.applyLines(lines, hash: hash, name: name, context: context, tx: tx, journal: journal, at: now,
                                                    problems: &result.problems)
            } catch is PaymentFileRefused {
                // Its problems are returned; `applyPart` writes nothing back.
            }
            return result
        }
        sendLog.append(result.lines)
        return result.problems
    }

    /// One transaction (`SharedWorkingSetTransaction`): the working set loaded for `candidates`
    /// (locks taken), `body` run on it by the one-machine code, and what it changed written back,
    /// unless it found problems (then nothing is); with the send-log lines of what was written.
    private func applyPart(_ candidates: SharedWorkingSet.PaymentCandidates, name: String, at now: Date,
                           _ body: @escaping @Sendable (DaemonContext, StoreTransaction, Journal) throws -> PartResult) throws -> PartResult {
        let workingSet = workingSet, zone = configuration.company.timeZone
        var (result, lines) = try SharedWorkingSetTransaction.run(
            "apply payments file \(name)", store: store, workingSet: workingSet, configuration: configuration, clock: clock, logger: logger,
            load: { try await workingSet.loadForPayments(candidates, on: $0) },
            body: { context in
                let journal = Journal(zone: zone)
                let result = try context.store.write(durable: false) { tx in try body(context, tx, journal) }
                // Problems found: nothing of this file is written back (the copy is loaded afresh for the next one).
                return (result, result.problems.isEmpty)
            })
        result.lines = lines
        return result
    }

    /// What the entries may touch: their references and the invoice numbers in their text, their
    /// debtors' names and accounts, their keys and end-to-end ids.
    static func candidates(of entries: [BankEntry], hash: String) -> SharedWorkingSet.PaymentCandidates {
        var candidates = SharedWorkingSet.PaymentCandidates(hash: hash)
        var references = Set<String>(), names = Set<String>(), ibans = Set<String>(), ends = Set<String>()
        for entry in entries {
            candidates.entryKeys.append(entry.key)
            if let id = entry.endToEndID, id.uppercased() != "NOTPROVIDED" { ends.insert(id) }
            guard entry.isIncomingPayment else { continue }
            for (reference, _) in PaymentMatching.references(entry) { references.insert(reference.value) }
            for number in PaymentMatching.numberCandidates(in: entry.remittance ?? "") {
                references.insert(CreditorReference(invoiceNumber: number).value)
            }
            if let name = entry.debtorName { names.insert(PaymentMatching.nameKey(name)) }
            if let iban = entry.debtorIBAN { ibans.insert(iban) }
        }
        candidates.creditorReferences = references.sorted()
        candidates.nameKeys = names.sorted()
        candidates.ibans = ibans.sorted()
        candidates.endToEndIDs = ends.sorted()
        return candidates
    }
}
