import Foundation
import Logging
import RelanceConfig
import RelanceCore
import RelanceStore
import RelanceTransport

/// The morning digest when several instances share a PostgreSQL store: exists so that the
/// controller and each owner get the day's digest once, from whichever instance reaches
/// `digest_time` first, listing what the whole shared store holds. The day is claimed in the store
/// (`SharedDigestClaim`, with an expiry: an instance that dies while sending leaves it to another),
/// the open invoices and the waiting bank entries are copied into a local SQLite store, and the
/// one-machine `DigestJob` gathers and sends from the copy. Tried at most once a minute; a digest
/// that did not go is given back and tried again.
///
/// It runs on the daemon's own thread; every store call waits with the blocking helpers.
final class SharedDigest {
    let configuration: RelanceConfiguration
    let store: PostgresStore
    let owner: String
    let transport: any MailTransport
    let sendLog: SendLog
    let clock: any WallClock
    let logger: Logger
    private let monotonic = ContinuousClock()
    private var lastTry: ContinuousClock.Instant?
    /// How often an instance looks once the time is reached.
    static let interval: Duration = .seconds(60)
    /// How long a claim holds: sending a few digests takes seconds; past this another instance takes over.
    static let claimSeconds: Int64 = 600

    init(configuration: RelanceConfiguration, store: PostgresStore, owner: String, transport: any MailTransport, sendLog: SendLog,
         clock: any WallClock, logger: Logger) {
        self.configuration = configuration
        self.store = store
        self.owner = owner
        self.transport = transport
        self.sendLog = sendLog
        self.clock = clock
        self.logger = logger
    }

    /// Sends the day's digests when their time has come and no instance sent them yet; returns how many went.
    @discardableResult
    func runIfDue() -> Int {
        let now = clock.now()
        guard let today = DigestJob.dayDue(configuration: configuration, now: now) else { return 0 }
        if let lastTry, monotonic.now - lastTry < Self.interval { return 0 }
        lastTry = monotonic.now
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("relance-digest-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let day = today.iso, owner = owner, store = store
            guard try store.blockingTransaction("claim the morning digest", { connection in
                try await SharedDigestClaim.claim(day: day, owner: owner, at: now, for: Self.claimSeconds, on: connection)
            }) else { return 0 }
            var sent = 0, complete = false
            defer {
                let done = complete
                do {
                    _ = try store.blockingTransaction("record the morning digest") { connection in
                        try await SharedDigestClaim.finish(day: day, owner: owner, sent: done, on: connection)
                    }
                } catch {
                    logger.warning("daily digest: its claim is left to run out: \(error)")
                }
            }
            let copy = folder + "/relance.sqlite"
            _ = try store.waitFor("read the digest's invoices") {
                try await SharedSnapshot.copy(.invoices(includeClosed: false), waitingBankEntries: true, from: store, into: copy)
            }
            let context = DaemonContext(configuration: configuration, store: try Store(path: copy, scratch: true), sendLog: sendLog, transport: transport,
                                        clock: clock, logger: logger)
            (sent, complete) = try DigestJob(context: context).deliver(today: today, now: now)
            return sent
        } catch {
            logger.warning("daily digest not sent: \(error)")
            return 0
        }
    }
}
