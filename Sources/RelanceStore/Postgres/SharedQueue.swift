public import Foundation
public import PostgresNIO
public import RelanceCore

/// A due reminder one instance holds for a while: exists so that an instance's right to act on a
/// row can be checked by the row itself. `attempt` is the fencing token: it grows with every claim,
/// so an instance that lost its lease (frozen past it, cut off) and comes back holds a token the
/// row no longer has, and whatever it tries to write changes nothing.
public struct ReminderLease: Sendable, Equatable, Hashable {
    public let reminderID: Int64
    public let invoiceID: String
    public let step: String
    public let owner: String
    public let attempt: Int64
    /// Seconds since 1970, as the store keeps instants.
    public let expiresAt: Int64
    /// How many times it was handed off before this claim (SMTP attempts, for the retry delay).
    public let sendAttempts: Int64
}

/// What became of a handed-off reminder's SMTP transaction, as the sending instance records it.
public enum LeasedOutcome: Sendable, Equatable {
    /// The server accepted it (250).
    case sent(reply: String)
    /// Refused for now, before the data: tried again at `retryAt`.
    case deferred(reason: String, retryAt: Date)
    /// Refused for good.
    case failed(reason: String)
    /// The connection was lost after the data: it may have gone; never resent on its own.
    case uncertain(reason: String)
}

/// What one pass of the reaper did with the leases that ran out.
public struct ReapedLeases: Sendable, Equatable {
    /// Claimed and never handed off: waiting again, for any instance to claim.
    public var waitingAgain: [Int64] = []
    /// Handed off and never confirmed: `uncertain`, reported, never resent on their own.
    public var uncertain: [Int64] = []

    public init(waitingAgain: [Int64] = [], uncertain: [Int64] = []) {
        self.waitingAgain = waitingAgain
        self.uncertain = uncertain
    }
}

/// An instance sharing the store, as `relance status` lists it.
public struct InstanceRecord: Sendable, Equatable {
    public let name: String
    public let host: String
    public let pid: Int64
    public let startedAt: Date
    public let heartbeatAt: Date
    public let leasesHeld: Int
    public let counts: Counts

    public init(name: String, host: String, pid: Int64, startedAt: Date, heartbeatAt: Date, leasesHeld: Int, counts: Counts) {
        self.name = name
        self.host = host
        self.pid = pid
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.leasesHeld = leasesHeld
        self.counts = counts
    }

    /// What this instance recorded since it registered: outcomes of its own hand-offs, and the
    /// expired leases of others it reaped.
    public struct Counts: Sendable, Equatable {
        public let sent, deferred, failed, uncertain, reaped: Int64

        public init(sent: Int64, deferred: Int64, failed: Int64, uncertain: Int64, reaped: Int64) {
            self.sent = sent
            self.deferred = deferred
            self.failed = failed
            self.uncertain = uncertain
            self.reaped = reaped
        }
    }
}

/// The protocol by which several instances share one queue of reminders without sending one twice,
/// the one the best PostgreSQL job queues use (River, Oban, graphile-worker, Solid Queue): claim in
/// small batches with `FOR UPDATE SKIP LOCKED` (two instances never get the same row, and neither
/// waits for the other), a lease with an expiry and a fencing token on each claimed row, every later
/// write guarded by id, token, owner and state, and a reaper that any instance runs. Each guard is a
/// transition the store owns: an update that touches no row is the answer "not yours any more".
///
/// Every method runs on a connection the caller holds in a transaction (`PostgresStore.transaction`),
/// so that a test can hold one open while another instance acts.
public struct SharedQueue: Sendable {
    /// This instance's name (unique among those sharing the store).
    public let owner: String
    /// How long a claim holds before another instance may act on it; renewed while the instance works.
    public let leaseSeconds: Int64

    public init(owner: String, leaseSeconds: Int64 = 60) {
        self.owner = owner
        self.leaseSeconds = max(1, leaseSeconds)
    }

    /// Claims up to `limit` reminders whose time has come and which nobody holds (or whose holder's
    /// lease ran out before it handed them off), oldest first, each with a new fencing token.
    public func claimDue(at now: Date, limit: Int, on connection: PostgresConnection) async throws -> [ReminderLease] {
        let seconds = Self.seconds(now), expires = Self.seconds(now) + leaseSeconds
        let rows = try await connection.query("""
            WITH due AS (
                SELECT id FROM reminders
                WHERE state IN ('planned', 'deferred') AND send_at <= \(seconds)
                  AND (lease_owner IS NULL OR lease_expires_at <= \(seconds))
                ORDER BY send_at, id
                LIMIT \(Int64(max(0, limit)))
                FOR UPDATE SKIP LOCKED
            )
            UPDATE reminders r SET lease_owner = \(owner), lease_expires_at = \(expires), lease_attempt = r.lease_attempt + 1,
                updated_at = \(seconds)
            FROM due WHERE r.id = due.id
            RETURNING r.id, r.invoice_id, r.step, r.lease_attempt, r.send_at, r.attempts
            """, logger: Self.logger)
        var leases: [(ReminderLease, Int64)] = []
        for try await (id, invoice, step, attempt, sendAt, attempts) in rows.decode((Int64, String, String, Int64, Int64, Int64).self) {
            leases.append((ReminderLease(reminderID: id, invoiceID: invoice, step: step, owner: owner, attempt: attempt, expiresAt: expires,
                                         sendAttempts: attempts), sendAt))
        }
        // RETURNING gives no order: the oldest first, as claimed.
        return leases.sorted { ($0.1, $0.0.reminderID) < ($1.1, $1.0.reminderID) }.map(\.0)
    }

    /// The point of no return, just before the reminder's own SMTP transaction: `sending`, guarded by
    /// id, token, owner, a waiting state and an unexpired lease, the invoice still open and not
    /// paused on `today` (its row locked `FOR SHARE`, so a payment committing at the same time is
    /// either seen here or waits for this). False: the instance must not send it.
    public func handOff(_ lease: ReminderLease, today: LocalDate, at now: Date, on connection: PostgresConnection) async throws -> Bool {
        let seconds = Self.seconds(now)
        let rows = try await connection.query("""
            UPDATE reminders r SET state = 'sending', handed_off_at = \(seconds), sent_at = \(seconds), attempts = r.attempts + 1,
                updated_at = \(seconds), first_attempt_at = COALESCE(r.first_attempt_at, \(seconds))
            WHERE r.id = \(lease.reminderID) AND r.lease_attempt = \(lease.attempt) AND r.lease_owner = \(owner)
              AND r.state IN ('planned', 'deferred') AND r.lease_expires_at > \(seconds)
              AND \(unescaped: Self.invoiceStillGoes(today: today))
            RETURNING r.id
            """, logger: Self.logger)
        return try await Self.count(rows) == 1
    }

    /// The hand-off's check of the reminder `r`'s invoice: still open, and not paused on `today`
    /// unless the reminder is of a kind that goes while paused; the invoice's row locked `FOR
    /// SHARE`, so a payment committing at the same time is either seen or waits. SQL text (the day
    /// written as a literal: `LocalDate.iso` is digits and dashes only).
    static func invoiceStillGoes(today: LocalDate) -> String {
        """
        EXISTS (SELECT 1 FROM invoices i WHERE i.id = r.invoice_id AND i.state = 'open'
                AND ((i.pause_reason IS NULL AND i.paused_until IS NULL) OR (i.paused_until IS NOT NULL AND i.paused_until <= '\(today.iso)')
                     OR r.kind IN \(StoreTransaction.goingWhilePaused))
                FOR SHARE OF i)
        """
    }

    /// Records the outcome of a handed-off reminder and gives its lease back, guarded by id, token,
    /// owner and `sending`. The lease's expiry is not part of this guard: a handed-off row whose
    /// lease ran out can only be turned `uncertain` by the reaper, never claimed again, so the token
    /// alone says whether anyone else acted on it; a late but untouched outcome is the truth and is
    /// kept. False: the reaper (or a person) got there first, and this changes nothing.
    public func record(_ outcome: LeasedOutcome, for lease: ReminderLease, at now: Date, on connection: PostgresConnection) async throws -> Bool {
        let seconds = Self.seconds(now)
        let (state, detail, retryAt): (String, String, Int64?) = switch outcome {
        case .sent(let reply): ("sent", reply, nil)
        case .deferred(let reason, let at): ("deferred", reason, Self.seconds(at))
        case .failed(let reason): ("failed", reason, nil)
        case .uncertain(let reason): ("uncertain", reason, nil)
        }
        let sentAt: Int64? = state == "sent" || state == "uncertain" ? seconds : nil
        // The instance's counter moves in the same statement, only when the guarded update took: `state`
        // names one of four columns, from the switch above, never from outside.
        let rows = try await connection.query("""
            WITH recorded AS (
                UPDATE reminders SET state = \(state), detail = \(detail), sent_at = COALESCE(\(sentAt), sent_at),
                    send_at = COALESCE(\(retryAt), send_at), lease_owner = NULL, lease_expires_at = NULL, updated_at = \(seconds)
                WHERE id = \(lease.reminderID) AND lease_attempt = \(lease.attempt) AND lease_owner = \(owner) AND state = 'sending'
                RETURNING id
            ), counted AS (
                UPDATE instances SET \(unescaped: state) = \(unescaped: state) + 1
                WHERE name = \(owner) AND EXISTS (SELECT 1 FROM recorded)
            )
            SELECT id FROM recorded
            """, logger: Self.logger)
        return try await Self.count(rows) == 1
    }

    /// A claimed reminder that cannot be sent at all (no deliverable address, a broken template):
    /// `failed` with the reason, before any hand-off, under the claim's guard.
    @discardableResult
    public func failBeforeHandOff(_ lease: ReminderLease, reason: String, at now: Date, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("""
            UPDATE reminders SET state = 'failed', detail = \(reason), lease_owner = NULL, lease_expires_at = NULL, updated_at = \(Self.seconds(now))
            WHERE id = \(lease.reminderID) AND lease_attempt = \(lease.attempt) AND lease_owner = \(owner) AND state IN ('planned', 'deferred')
            RETURNING id
            """, logger: Self.logger)
        return try await Self.count(rows) == 1
    }

    /// Gives back a claimed reminder that was not handed off (it waits again, for any instance).
    @discardableResult
    public func release(_ lease: ReminderLease, at now: Date, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("""
            UPDATE reminders SET lease_owner = NULL, lease_expires_at = NULL, updated_at = \(Self.seconds(now))
            WHERE id = \(lease.reminderID) AND lease_attempt = \(lease.attempt) AND lease_owner = \(owner) AND state IN ('planned', 'deferred')
            RETURNING id
            """, logger: Self.logger)
        return try await Self.count(rows) == 1
    }

    /// Extends the leases of the reminders this instance is working through (unexpired ones only:
    /// an expired lease is the reaper's) and returns them with their new expiry; a lease missing
    /// from the answer is lost. Only the leases named: a batch abandoned after an error (the store
    /// unreachable mid-pass) is left to run out and be reaped, never kept alive by a heartbeat.
    public func renew(_ leases: [ReminderLease], at now: Date, on connection: PostgresConnection) async throws -> [ReminderLease] {
        guard !leases.isEmpty else { return [] }
        let seconds = Self.seconds(now), expires = seconds + leaseSeconds
        let ids = leases.map(\.reminderID), tokens = leases.map(\.attempt)
        let rows = try await connection.query("""
            UPDATE reminders r SET lease_expires_at = \(expires)
            FROM unnest(\(ids)::bigint[], \(tokens)::bigint[]) AS held(id, token)
            WHERE r.id = held.id AND r.lease_attempt = held.token AND r.lease_owner = \(owner) AND r.lease_expires_at > \(seconds)
            RETURNING r.id
            """, logger: Self.logger)
        var renewed = Set<Int64>()
        for try await id in rows.decode(Int64.self) { renewed.insert(id) }
        return leases.filter { renewed.contains($0.reminderID) }.map {
            ReminderLease(reminderID: $0.reminderID, invoiceID: $0.invoiceID, step: $0.step, owner: $0.owner, attempt: $0.attempt,
                          expiresAt: expires, sendAttempts: $0.sendAttempts)
        }
    }

    /// Beats this instance's heart in `instances` (what `relance status` will show).
    public func heartbeat(at now: Date, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE instances SET heartbeat_at = \(Self.seconds(now)) WHERE name = \(owner)", logger: Self.logger)
    }

    /// The reaper, which any instance may run: every lease that ran out is ended. A row that was
    /// never handed off waits again; a row handed off and never confirmed becomes `uncertain` (it may
    /// have gone), so a dead or frozen instance never causes a resend.
    public func reap(at now: Date, on connection: PostgresConnection) async throws -> ReapedLeases {
        let seconds = Self.seconds(now)
        let rows = try await connection.query("""
            WITH reaped AS (
                UPDATE reminders SET
                    state = CASE WHEN state = 'sending' THEN 'uncertain' ELSE state END,
                    detail = CASE WHEN state = 'sending' THEN 'its instance (' || lease_owner || ') lost its lease while sending; not resent automatically'
                                  ELSE detail END,
                    lease_owner = NULL, lease_expires_at = NULL, updated_at = \(seconds)
                WHERE lease_owner IS NOT NULL AND lease_expires_at <= \(seconds)
                RETURNING id, state
            ), counted AS (
                UPDATE instances SET reaped = reaped + (SELECT COUNT(*) FROM reaped) WHERE name = \(owner) AND EXISTS (SELECT 1 FROM reaped)
            )
            SELECT id, state FROM reaped
            """, logger: Self.logger)
        var reaped = ReapedLeases()
        for try await (id, state) in rows.decode((Int64, String).self) {
            if state == "uncertain" { reaped.uncertain.append(id) } else { reaped.waitingAgain.append(id) }
        }
        reaped.uncertain.sort()
        reaped.waitingAgain.sort()
        return reaped
    }

    /// Announces this instance (or announces it again after a restart, its counters from zero).
    public func register(host: String, pid: Int64, at now: Date, on connection: PostgresConnection) async throws {
        let seconds = Self.seconds(now)
        try await connection.query("""
            INSERT INTO instances (name, host, pid, started_at, heartbeat_at) VALUES (\(owner), \(host), \(pid), \(seconds), \(seconds))
            ON CONFLICT (name) DO UPDATE SET host = EXCLUDED.host, pid = EXCLUDED.pid, started_at = EXCLUDED.started_at,
                heartbeat_at = EXCLUDED.heartbeat_at, sent = 0, deferred = 0, failed = 0, uncertain = 0, reaped = 0
            """, logger: Self.logger)
    }

    /// The instances sharing the store, with the leases each holds.
    public static func instances(on connection: PostgresConnection) async throws -> [InstanceRecord] {
        let rows = try await connection.query("""
            SELECT i.name, i.host, i.pid, i.started_at, i.heartbeat_at,
                   (SELECT COUNT(*) FROM reminders r WHERE r.lease_owner = i.name) AS leases,
                   i.sent, i.deferred, i.failed, i.uncertain, i.reaped
            FROM instances i ORDER BY i.name
            """, logger: logger)
        var records: [InstanceRecord] = []
        typealias Row = (String, String, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64)
        for try await (name, host, pid, started, heartbeat, leases, sent, deferred, failed, uncertain, reaped) in rows.decode(Row.self) {
            records.append(InstanceRecord(name: name, host: host, pid: pid, startedAt: Date(timeIntervalSince1970: TimeInterval(started)),
                                          heartbeatAt: Date(timeIntervalSince1970: TimeInterval(heartbeat)), leasesHeld: Int(leases),
                                          counts: InstanceRecord.Counts(sent: sent, deferred: deferred, failed: failed, uncertain: uncertain,
                                                                        reaped: reaped)))
        }
        return records
    }

    static let logger = Logger(label: "relance.store.postgres.queue")

    /// An instant as the store keeps it: whole seconds since 1970 (the SQLite store's rule too).
    public static func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) }

    static func count(_ rows: PostgresRowSequence) async throws -> Int {
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }
}
