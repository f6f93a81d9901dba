public import Foundation
public import RelanceCore
public import RelanceMail
public import RelanceStore
public import RelanceTransport

/// One instance's share of the sending when several share a PostgreSQL store: exists so that the
/// queue protocol (`SharedQueue`) is applied the same way by every instance. It claims a small batch
/// of due reminders, and for each: hand-off committed before its own SMTP transaction (nothing is
/// sent unless that update touched the row), the outcome committed right after under the same
/// guard. A reminder it could not hand off was paid, paused or taken by another instance since.
/// The batch's leases are renewed while it works through them; `maintain` beats the instance's
/// heart and reaps expired leases, which any instance may do.
///
/// It runs on a thread of the daemon's own (the SMTP transaction blocks in libcurl; store calls
/// wait with `PostgresStore.blockingStatement`), never on a Swift concurrency thread. Each step of
/// the protocol is one guarded statement, atomic on its own, so it runs without BEGIN and COMMIT:
/// one round trip to the server instead of three.
public struct SharedSender: Sendable {
    public let store: PostgresStore
    public let queue: SharedQueue
    public let transport: any MailTransport
    public let clock: any WallClock
    /// The calendar day of an instant in the creditor's time zone (the pause re-check's "today").
    public let today: @Sendable (Date) -> LocalDate
    /// The message a claimed reminder sends, with its stable Message-ID.
    public let compose: @Sendable (ReminderLease) throws -> OutgoingMessage
    public let batchSize: Int
    let retry = RetryPolicy()

    public init(store: PostgresStore, queue: SharedQueue, transport: any MailTransport, clock: any WallClock,
                today: @escaping @Sendable (Date) -> LocalDate, batchSize: Int = 20,
                compose: @escaping @Sendable (ReminderLease) throws -> OutgoingMessage) {
        self.store = store
        self.queue = queue
        self.transport = transport
        self.clock = clock
        self.today = today
        self.batchSize = max(1, batchSize)
        self.compose = compose
    }

    /// What one pass did.
    public struct Summary: Sendable, Equatable {
        public var claimed = 0, sent = 0, deferred = 0, failed = 0, uncertain = 0
        /// Claimed but not handed off: paid, paused or in collection since, or the lease lost.
        public var notHandedOff = 0
        /// Outcomes the store refused: the lease was reaped while the message was in flight.
        public var refusedOutcomes = 0
        /// The pass ended with `.vanish`: the instance recorded nothing after its last hand-off.
        public var vanished = false
        public init() {}
    }

    /// When `sendDue` asks whether to go on.
    public enum Moment: Sendable {
        /// Before a claimed reminder is composed and handed off.
        case beforeHandOff
        /// Right after its hand-off committed, before its SMTP transaction.
        case afterHandOff
    }

    /// Where a pass stopped on purpose: the chaos test's faults, and the daemon's SIGTERM.
    public enum Interruption: Sendable {
        /// Go on.
        case none
        /// Stop before the next message; what is claimed and not handed off is given back.
        case stop
        /// Vanish right after this hand-off, recording nothing more (a kill -9, a lost machine).
        case vanish
    }

    /// Claims what is due now and sends it, one message at a time. `interrupt` is asked before
    /// each message and after each hand-off. Throws when the store cannot be reached: what is
    /// claimed then waits for its lease to run out.
    public func sendDue(interrupt: (ReminderLease, Moment) -> Interruption = { _, _ in .none }) throws -> Summary {
        var summary = Summary()
        let queue = queue
        let claimedAt = clock.now()
        let limit = batchSize
        var leases = try store.blockingStatement("claim due reminders") { try await queue.claimDue(at: claimedAt, limit: limit, on: $0) }
        summary.claimed = leases.count
        var index = 0
        while index < leases.count {
            // Half the lease gone: the rest of the batch is renewed (what is lost is someone else's now).
            if Int64(clock.now().timeIntervalSince1970) + queue.leaseSeconds / 2 >= leases[index].expiresAt {
                let rest = Array(leases[index...]), now = clock.now()
                let renewed = try store.blockingStatement("renew leases") { try await queue.renew(rest, at: now, on: $0) }
                summary.notHandedOff += rest.count - renewed.count
                leases = Array(leases[..<index]) + renewed
                guard index < leases.count else { break }
            }
            let lease = leases[index]
            index += 1
            if interrupt(lease, .beforeHandOff) == .stop {
                for rest in leases[(index - 1)...] {
                    let now = clock.now()
                    _ = try store.blockingStatement("give back a claim") { try await queue.release(rest, at: now, on: $0) }
                }
                break
            }
            let message: OutgoingMessage
            do {
                message = try compose(lease)
            } catch {
                let now = clock.now(), reason = "cannot be composed: \(error)"
                _ = try store.blockingStatement("fail a reminder") { try await queue.failBeforeHandOff(lease, reason: reason, at: now, on: $0) }
                summary.failed += 1
                continue
            }
            let now = clock.now(), day = today(now)
            guard try store.blockingStatement("hand off", { try await queue.handOff(lease, today: day, at: now, on: $0) }) else {
                summary.notHandedOff += 1
                continue
            }
            if interrupt(lease, .afterHandOff) == .vanish {
                summary.vanished = true
                return summary
            }
            let outcome = Self.outcome(of: transport.send(message), attempts: lease.sendAttempts + 1, retry: retry, at: clock.now())
            if try record(outcome, for: lease) {
                switch outcome {
                case .sent: summary.sent += 1
                case .deferred: summary.deferred += 1
                case .failed: summary.failed += 1
                case .uncertain: summary.uncertain += 1
                }
            } else {
                summary.refusedOutcomes += 1
            }
        }
        return summary
    }

    /// Records an outcome, trying again while the store cannot be reached (PostgreSQL restarting)
    /// for as long as the lease lasts: the server's answer is known here and nowhere else, and once
    /// the lease runs out the reaper can only call the message uncertain. False when the store
    /// refused it (the lease was reaped); throws the last error when the store stayed unreachable.
    func record(_ outcome: LeasedOutcome, for lease: ReminderLease) throws -> Bool {
        let queue = queue
        while true {
            let now = clock.now()
            do {
                return try store.blockingStatement("record an outcome") { try await queue.record(outcome, for: lease, at: now, on: $0) }
            } catch {
                guard Int64(now.timeIntervalSince1970) + 1 < lease.expiresAt else { throw error }
                // A wait on the monotonic uptime clock, not a reading of the business clock.
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
    }

    /// Beats this instance's heart, then ends every lease that ran out (any instance's).
    @discardableResult
    public func maintain() throws -> ReapedLeases {
        let queue = queue, now = clock.now()
        return try store.blockingTransaction("heartbeat and reap leases") { connection in
            try await queue.heartbeat(at: now, on: connection)
            return try await queue.reap(at: now, on: connection)
        }
    }

    /// The transport's answer as the queue records it: a 4xx is tried again after the retry delay.
    static func outcome(of delivery: DeliveryOutcome, attempts: Int64, retry: RetryPolicy, at now: Date) -> LeasedOutcome {
        switch delivery {
        case .delivered(let reply): .sent(reply: reply)
        case .deferred(let reason): .deferred(reason: reason, retryAt: retry.nextAttempt(after: Int(attempts), now: now))
        case .failed(let reason): .failed(reason: reason)
        case .uncertain(let reason): .uncertain(reason: reason)
        }
    }
}
