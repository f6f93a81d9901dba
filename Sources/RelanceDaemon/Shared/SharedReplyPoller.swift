import Foundation
import Logging
import RelanceConfig
import RelanceCore
import RelanceMail
import RelanceStore
import RelanceTransport

/// Reads the reply mailbox for a shared PostgreSQL store: exists so that a customer's reply pauses,
/// postpones or redirects the chase whichever instance sent the reminder, while only one instance
/// reads a given mailbox at a time. The right to read it is a lease with a fencing token
/// (`MailboxLease`), renewed before each message; the position (UIDVALIDITY, last UID) is kept in
/// the shared store under that lease, so another instance takes over where a dead one stopped.
///
/// Each message is acted on as on one machine: it is read (`ReplyProcessor.read`), the invoices its
/// best evidence names are found in PostgreSQL, that customer is copied into a working set under
/// the invoices' advisory locks, `ReplyProcessor` runs unchanged on the copy, and what it changed
/// (the reply, once by its fingerprint; pauses, attention notes, bounces, undeliverable addresses,
/// a contact, tasks, promises, an invoice sent again) is written back under guards in the same
/// transaction that checks the lease is still held. A frozen instance's late write is refused.
final class SharedReplyPoller: @unchecked Sendable {
    let configuration: RelanceConfiguration
    let settings: RepliesSettings
    let store: PostgresStore
    let owner: String
    let leaseSeconds: Int64
    let sendLog: SendLog
    let clock: any WallClock
    let logger: Logger
    private let client: IMAPClient
    private let workingSet: SharedWorkingSet

    /// The lease ran out, or another instance took it, while a message was being recorded.
    struct LeaseLost: SharedStoreAnswer, CustomStringConvertible {
        let mailbox: String
        var description: String { "the lease on mailbox \(mailbox) is no longer this instance's: another one reads it now" }
    }

    /// Nil without `[replies]`.
    init?(configuration: RelanceConfiguration, store: PostgresStore, owner: String, leaseSeconds: Int64, sendLog: SendLog, clock: any WallClock,
          logger: Logger, workingSetPath: String) throws {
        guard let settings = configuration.replies else { return nil }
        self.configuration = configuration
        self.settings = settings
        self.store = store
        self.owner = owner
        self.leaseSeconds = leaseSeconds
        self.sendLog = sendLog
        self.clock = clock
        self.logger = logger
        let secret = try SecretSource(file: settings.passwordFile, credentialName: "imap-password",
                                      environmentVariable: "RELANCE_IMAP_PASSWORD").read()
        client = try IMAPClient(settings: IMAPSettings(url: settings.url, tls: settings.tls == "none" ? .none : .required,
                                                       username: settings.username, caFile: settings.caFile,
                                                       timeoutSeconds: min(60, DaemonContext.watchdogTimeoutCap(ProcessInfo.processInfo.environment))),
                                secret: secret)
        workingSet = try SharedWorkingSet(path: workingSetPath)
    }

    /// The mailbox's name in the shared store: its folder, as a one-machine store keeps its
    /// position (so that `relance migrate` carries it over).
    var mailbox: String { settings.folder }

    /// Takes or renews the lease; nil while another instance holds it.
    private func lease() throws -> MailboxLease? {
        let mailbox = mailbox, owner = owner, seconds = leaseSeconds, now = clock.now()
        return try store.blockingStatement("take the lease on mailbox \(mailbox)") {
            try await MailboxLease.take(mailbox, owner: owner, seconds: seconds, at: now, on: $0)
        }
    }

    /// One pass over the mailbox, when this instance holds (or can take) its lease; returns how
    /// many new messages were handled.
    @discardableResult
    func poll() -> Int {
        let folder = settings.folder, mailbox = mailbox
        do {
            guard try lease() != nil else { return 0 }
            let status = try client.status(folder: folder)
            let stored = try store.blockingStatement("read the position in mailbox \(mailbox)") { try await MailboxLease.position(of: mailbox, on: $0) }
            let validity = Int64(status.uidValidity)
            var last = stored?.uidValidity == validity ? UInt64(stored?.lastUID ?? 0) : 0
            if let stored, stored.uidValidity != validity {
                logger.warning("replies: UIDVALIDITY of \(folder) changed (\(stored.uidValidity) → \(validity)); reading it again")
            }
            if let moveTo = settings.moveTo { try client.create(folder: moveTo) }
            var handled = 0
            var recorded = stored?.uidValidity == validity
            for uid in try client.uids(folder: folder, from: last + 1) {
                // Renewed before each message: a poll longer than the lease keeps it while it works.
                guard let current = try lease() else { throw LeaseLost(mailbox: mailbox) }
                let bytes = try client.fetch(folder: folder, uid: uid, markRead: settings.markRead)
                if try record(bytes, under: current) { handled += 1 }
                if let moveTo = settings.moveTo { try client.move(folder: folder, uid: uid, to: moveTo) }
                last = uid
                try recordPosition(under: current, uidValidity: validity, lastUID: last)
                recorded = true
            }
            if !recorded, let current = try lease() { try recordPosition(under: current, uidValidity: validity, lastUID: last) }
            return handled
        } catch {
            logger.error("replies: \(error)")
            return 0
        }
    }

    private func recordPosition(under lease: MailboxLease, uidValidity: Int64, lastUID: UInt64) throws {
        let now = clock.now()
        let kept = try store.blockingTransaction("record the position in mailbox \(mailbox)") {
            try await lease.recordPosition(uidValidity: uidValidity, lastUID: Int64(lastUID), at: now, on: $0)
        }
        guard kept else { throw LeaseLost(mailbox: mailbox) }
    }

    /// Acts on one message on a copy of the customer it concerns, written back while the lease is
    /// held; false when it had been recorded before.
    private func record(_ bytes: [UInt8], under lease: MailboxLease) throws -> Bool {
        let now = clock.now()
        let reading = ReplyProcessor.read(bytes, configuration: configuration, on: configuration.calendar.localDate(of: now))
        let analysis = reading.analysis
        var candidates = SharedWorkingSet.ReplyCandidates(fingerprint: reading.fingerprint)
        candidates.messageIDs = analysis.references
        candidates.envelopeTag = analysis.envelopeTag
        candidates.invoiceIDs = (analysis.invoice.map { [$0] } ?? []) + analysis.invoiceNumbers.flatMap { [$0, $0.uppercased()] }
        if analysis.kind == .reply || analysis.kind == .autoReply { candidates.sender = analysis.from }
        let workingSet = workingSet, mailbox = mailbox, found = candidates
        let (fresh, lines) = try SharedWorkingSetTransaction.run(
            "record a reply", store: store, workingSet: workingSet, configuration: configuration, clock: clock, logger: logger,
            load: { try await workingSet.loadForReply(found, on: $0) },
            body: { context in (try ReplyProcessor(context: context).process(bytes) != nil, true) },
            guarded: { connection in
                guard try await lease.stillHeld(at: now, on: connection) else { throw LeaseLost(mailbox: mailbox) }
            })
        sendLog.append(lines)
        return fresh
    }

    /// Gives the lease up when the instance stops in order, so another may read the mailbox at once.
    func release() {
        let mailbox = mailbox, owner = owner, now = clock.now(), seconds = leaseSeconds
        do {
            try store.blockingTransaction("give up the lease on mailbox \(mailbox)") { connection in
                // Only a lease still ours (taking it again gives the same token while it runs).
                guard let held = try await MailboxLease.take(mailbox, owner: owner, seconds: seconds, at: now, on: connection) else { return }
                try await held.release(on: connection)
            }
        } catch {
            logger.warning("replies: the lease on mailbox \(mailbox) not given up: \(error)")
        }
    }
}
