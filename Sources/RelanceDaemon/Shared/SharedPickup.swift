import Foundation
public import Logging
public import RelanceConfig
public import RelanceCore
import RelanceFormats
public import RelanceStore
import Synchronization

/// Takes inbox files into a shared PostgreSQL store: exists so that several instances may watch
/// one shared folder (or each its own) and every file's invoice is committed once. Files are read
/// and judged exactly as the local intake does (`InboxReading`); a batch of them is one
/// transaction (`SharedIntakeRules`), each file all its documents or none. The batch's invoices
/// are locked first and the files' content hashes recorded: an instance taking the same file at
/// the same moment waits for the first one's transaction, then learns it was not first and only
/// archives its copy.
///
/// An invoice is stored as the SQLite store keeps it (same document, same revision rule) and its
/// reminders are planned by the pure `Planner`, under the customer's policy: their explicit one,
/// else the first `[[policy_rules]]` their record matches (read from the shared store in the
/// batch's transaction, `SharedCustomerRecords`), else the default. A reminder another instance
/// has claimed is never replanned. The other
/// instances are woken (NOTIFY) once the batch committed.
///
/// It runs on a thread of the daemon's own, never on a Swift concurrency thread (each batch waits
/// for its transaction with `PostgresStore.blockingTransaction`).
public struct SharedPickup: Sendable {
    public let configuration: RelanceConfiguration
    public let store: PostgresStore
    public let sendLog: SendLog
    public let clock: any WallClock
    public let logger: Logger
    /// Files per transaction: the batch's statements are few whatever its size, and an instance
    /// waiting on one of its files waits for one transaction of this size.
    static let batchSize = 256

    public init(configuration: RelanceConfiguration, store: PostgresStore, sendLog: SendLog, clock: any WallClock, logger: Logger) {
        self.configuration = configuration
        self.store = store
        self.sendLog = sendLog
        self.clock = clock
        self.logger = logger
    }

    /// What a pass did: files that left the inbox, and whether one batch or move failed (the
    /// files stay and are tried again by the next pass).
    public struct Summary: Sendable, Equatable {
        public var taken = 0
        public var failed = false

        public init(taken: Int = 0, failed: Bool = false) {
            self.taken = taken
            self.failed = failed
        }
    }

    /// Takes every ready file of the inbox.
    public func scan() -> Summary {
        ingest(names: InboxScanner.candidates(in: configuration.paths.inbox))
    }

    /// Takes the named inbox files.
    public func ingest(names: [String]) -> Summary {
        var summary = Summary()
        let ready = names.filter(InboxScanner.isReadyName)
        let batches = stride(from: 0, to: ready.count, by: Self.batchSize).map { Array(ready[$0..<min($0 + Self.batchSize, ready.count)]) }
        // While one batch is written and filed (the store's round trips, the file system's syncs),
        // the next one's files are read and judged on another thread.
        var ahead = batches.first.map { ReadAhead($0, configuration: configuration) }
        for index in batches.indices {
            guard let reading = ahead else { break }
            let verdicts = reading.verdicts()
            ahead = index + 1 < batches.count ? ReadAhead(batches[index + 1], configuration: configuration) : nil
            let batch = ingestBatch(verdicts)
            summary.taken += batch.taken
            summary.failed = summary.failed || batch.failed
        }
        return summary
    }

    /// One batch's files being read on a thread of their own.
    final class ReadAhead: Sendable {
        private let done = DispatchSemaphore(value: 0)
        private let result = Mutex<[(path: String, verdict: Prepared)]>([])

        init(_ names: [String], configuration: RelanceConfiguration) {
            Thread { [self] in
                // The invoices' attachments are read here too, before the batch's transaction.
                let verdicts = InboxReading.read(names, configuration: configuration).map { entry in
                    (path: entry.path, verdict: Prepared(entry.verdict, paths: configuration.paths))
                }
                result.withLock { $0 = verdicts }
                done.signal()
            }.start()
        }

        /// The verdicts, once read.
        func verdicts() -> [(path: String, verdict: Prepared)] {
            done.wait()
            return result.withLock { $0 }
        }
    }

    /// A file as read and judged, its invoices' attachments read with it.
    enum Prepared: Sendable {
        case accepted(SharedIntakeRules.File)
        case rejected([String])

        init(_ verdict: InboxVerdict, paths: PathSettings) {
            switch verdict {
            case .rejected(let reasons): self = .rejected(reasons)
            case .accepted(let read, let hash):
                switch SharedAttachmentIntake.prepare(read, paths: paths) {
                case .success(let prepared): self = .accepted(SharedIntakeRules.File(read: prepared.read, hash: hash, attachments: prepared.attachments))
                case .failure(let rejection): self = .rejected(rejection.reasons)
                }
            }
        }
    }

    /// What became of one file in the batch transaction: its rejection reasons (nil: committed)
    /// and its send-log lines, written once the transaction committed.
    struct FileResult: Sendable {
        var reasons: [String]?
        var lines: [String]
    }

    private func ingestBatch(_ verdicts: [(path: String, verdict: Prepared)]) -> Summary {
        guard !verdicts.isEmpty else { return Summary() }
        let now = clock.now()
        let rules = SharedIntakeRules(configuration: configuration, now: now)
        var accepted: [(index: Int, file: SharedIntakeRules.File)] = []
        var results: [FileResult] = verdicts.map { _ in FileResult(reasons: nil, lines: []) }
        for (index, entry) in verdicts.enumerated() {
            switch entry.verdict {
            case .accepted(let file): accepted.append((index, file))
            case .rejected(let reasons): results[index].reasons = reasons
            }
        }
        do {
            let files = accepted.map(\.file)
            let committed = try store.blockingTransaction("take in \(verdicts.count) file(s)") { connection in
                guard !files.isEmpty else { return [FileResult]() }
                let committed = try await rules.commit(files, on: connection)
                if committed.contains(where: { $0.reasons == nil }) { try await WorkListener.announce(on: connection) }
                return committed
            }
            for (position, entry) in accepted.enumerated() { results[entry.index] = committed[position] }
        } catch {
            logger.error("shared pickup: the batch could not be committed; files stay in the inbox and are tried again",
                         metadata: ["error": "\(error)"])
            return Summary(taken: 0, failed: true)
        }
        sendLog.append(results.flatMap(\.lines))
        let outcomes = zip(verdicts, results).map { ($0.0.path, $0.1.reasons) }
        let filed = InboxFiling.file(outcomes, paths: configuration.paths, today: configuration.calendar.localDate(of: now),
                                     journal: Journal(zone: configuration.company.timeZone), sendLog: sendLog, logger: logger, at: now)
        return Summary(taken: filed.taken, failed: filed.moveFailed)
    }

    static let logger = Logger(label: "relance.shared.pickup")
}
