import Foundation
import Logging
import RelanceCore
import RelanceFormats
import RelanceStore

/// Takes files from the inbox into the store: reads and checks each, commits a
/// batch of them in one transaction (invoice, source hash, plan, events), then
/// archives or rejects the files and writes the send-log lines. A crash between
/// the commit and the move leaves the file in the inbox, where the next scan
/// recognises its hash and only archives it.
public struct Pickup {
    let context: DaemonContext
    /// Files committed per transaction: one commit per file cannot keep up with a month-end drop.
    static let batchSize = 256

    public init(context: DaemonContext) { self.context = context }

    /// Scans the whole inbox. Returns how many files were taken (archived or rejected).
    @discardableResult
    public func scan() -> Int {
        quarantineUnreadableNames()
        return ingest(names: InboxScanner.candidates(in: context.configuration.paths.inbox))
    }

    /// Names that are not valid UTF-8 go to `rejected/` under a safe name, with a send-log line.
    private func quarantineUnreadableNames() {
        let paths = context.configuration.paths
        let moved = InboxScanner.quarantineUnreadableNames(inbox: paths.inbox, rejected: paths.rejected)
        guard !moved.isEmpty else { return }
        let journal = context.journal()
        let now = context.clock.now()
        for name in moved {
            journal.lineWithoutCommit(at: now, event: "rejected", invoice: nil, [
                ("file", name), ("moved_to", paths.rejected + "/" + name), ("reason", "the file name is not valid UTF-8"),
            ])
            context.logger.warning("rejected a file whose name is not valid UTF-8, as \(name)")
        }
        journal.flush(to: context.sendLog)
    }

    /// Takes the named inbox files. Returns how many left the inbox.
    @discardableResult
    public func ingest(names: [String]) -> Int {
        // An inotify name that could not be decoded: look for the raw one.
        if names.contains(where: { $0.unicodeScalars.contains("\u{FFFD}") }) { quarantineUnreadableNames() }
        var taken = 0
        var start = 0
        let ready = names.filter(InboxScanner.isReadyName)
        while start < ready.count {
            let batch = Array(ready[start..<min(start + Self.batchSize, ready.count)])
            taken += ingestBatch(batch)
            start += Self.batchSize
        }
        return taken
    }

    private func ingestBatch(_ names: [String]) -> Int {
        let paths = context.configuration.paths
        let verdicts = InboxReading.read(names, configuration: context.configuration)
        let now = context.clock.now()
        let journal = context.journal()
        var outcomes: [(path: String, reasons: [String]?)] = []
        do {
            try context.store.write { tx in
                outcomes = []
                journal.discard()
                for (path, verdict) in verdicts {
                    switch verdict {
                    case .rejected(let reasons):
                        outcomes.append((path, reasons))
                    case .accepted(let read, let hash):
                        outcomes.append((path, try self.commit(read, hash: hash, tx: tx, journal: journal, at: now)))
                    }
                }
            }
        } catch {
            context.logger.error("pickup: the batch could not be committed; files stay in the inbox and are tried again", metadata: ["error": "\(error)"])
            context.pickupNeedsRetry = true
            return 0
        }
        journal.flush(to: context.sendLog)
        let today = context.configuration.calendar.localDate(of: now)
        let filed = InboxFiling.file(outcomes, paths: paths, today: today, journal: journal, sendLog: context.sendLog, logger: context.logger, at: now)
        if filed.moveFailed { context.pickupNeedsRetry = true }
        return filed.taken
    }

    /// Applies one read file inside the batch transaction, all its documents or none (a savepoint).
    /// Returns rejection reasons, or nil when committed.
    private func commit(_ read: InvoiceReader.Read, hash: String, tx: StoreTransaction, journal: Journal, at now: Date) throws -> [String]? {
        let name = (read.file as NSString).lastPathComponent
        if case .duplicate(let id) = try tx.sourceOutcome(hash: hash) {
            try journal.record(tx, at: now, event: "ingested", invoice: id, IntakeRules.duplicate(file: name))
            return nil
        }
        var reasons: [String] = []
        let mark = journal.mark()
        try tx.savepoint {
            for (index, document) in read.documents.enumerated() {
                if let problems = try commit(document, read: read, hash: hash, tx: tx, journal: journal, at: now) {
                    reasons += read.documents.count > 1 ? problems.map { "document \(index + 1): \($0)" } : problems
                }
            }
            return reasons.isEmpty
        }
        if !reasons.isEmpty { journal.rewind(to: mark) }
        return reasons.isEmpty ? nil : reasons
    }

    private func commit(_ document: InvoiceReader.Document, read: InvoiceReader.Read, hash: String, tx: StoreTransaction,
                        journal: Journal, at now: Date) throws -> [String]? {
        let name = (read.file as NSString).lastPathComponent
        switch document {
        case .invoice(let parsed):
            var invoice = parsed
            if let relative = invoice.attachment {
                guard let stored = storeAttachment(relative, from: (parsed.id, name)) else {
                    return ["attachment: \(relative) cannot be read"]
                }
                invoice.attachment = stored
            }
            let previous = try tx.invoice(id: invoice.id)
            if let problem = IntakeRules.amendmentProblem(stored: previous?.invoice.currency, invoice) { return [problem] }
            let revision = try tx.upsertInvoice(invoice, customerKey: ReminderPlanning.customerKey(invoice.customer), sourceFile: name,
                                                sourceHash: hash, format: read.format.rawValue, at: now)
            try tx.recordSource(hash: hash, name: name, documentID: invoice.id, kind: "invoice", at: now)
            try journal.record(tx, at: now, event: "ingested", invoice: invoice.id,
                               IntakeRules.ingested(file: name, format: read.format.rawValue, amended: previous != nil, revision: revision, invoice))
            try ReminderPlanning.refresh(tx, invoice: invoice, configuration: context.configuration, journal: journal, at: now)
        case .creditNote(let note):
            let target = try tx.invoice(id: note.refersTo)
            if let problem = IntakeRules.creditNoteProblem(target: target?.invoice.currency, note) { return [problem] }
            guard let target else { return nil }
            try tx.addPayment(invoiceID: note.refersTo, Payment(amount: note.amount, date: note.issueDate, reference: note.id),
                              source: "credit-note", at: now)
            try tx.recordSource(hash: hash, name: name, documentID: note.id, kind: "credit-note", at: now)
            try journal.record(tx, at: now, event: "ingested", invoice: note.refersTo, IntakeRules.credited(file: name, note))
            try ReminderPlanning.refresh(tx, invoice: target.invoice, configuration: context.configuration, journal: journal, at: now)
        }
        return nil
    }

    /// Copies an invoice's attachment (a path relative to the invoice file, already checked to stay in
    /// the inbox) to `STATE_DIR/attachments/HASH/NAME`, where it stays after the inbox file is archived.
    private func storeAttachment(_ relative: String, from origin: (id: String, file: String)) -> String? {
        let paths = context.configuration.paths
        let source = paths.inbox + "/" + relative
        guard let bytes = try? InboxFile.read(source, inbox: paths.inbox, sizeLimit: paths.maxFileBytes) else { return nil }
        let folder = paths.stateDirectory + "/attachments/" + SHA256.hex(Array(origin.id.utf8) + bytes).prefix(16)
        let target = folder + "/" + (relative as NSString).lastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: target) {
                try Data(bytes).write(to: URL(fileURLWithPath: target), options: .atomic)
            }
            return target
        } catch {
            context.logger.error("cannot store the attachment \(relative) of \(origin.file): \(error)")
            return nil
        }
    }
}
