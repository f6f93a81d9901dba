public import Foundation
public import PostgresNIO
public import RelanceCore

/// Due reminders claimed a customer at a time, with the customers they belong to.
public struct ClaimedCustomers: Sendable, Equatable {
    /// Every due reminder of the customers claimed, oldest first.
    public let leases: [ReminderLease]
    /// The customer key of each claimed reminder's invoice.
    public let customerKeys: [String: String]
    /// Customers (or invoices) picked and not claimed: another instance claimed them at the same
    /// moment, or held one of their reminders while this claim ran. Worth another claim shortly.
    public let contended: Int

    public init(leases: [ReminderLease], customerKeys: [String: String], contended: Int = 0) {
        self.leases = leases
        self.customerKeys = customerKeys
        self.contended = contended
    }
}

extension SharedQueue {
    /// Claims the due reminders of a few customers, whole: the send-time rules judge a customer's
    /// (with `group = "invoice"`, an invoice's) due reminders together (the highest level goes, the
    /// lower ones are skipped; one statement per customer), so one instance must hold them all.
    /// Up to `limit` due reminders are picked with `FOR UPDATE SKIP LOCKED`; a customer of theirs
    /// is kept when this transaction gets its advisory lock at once (another instance claiming the
    /// same customer at the same moment keeps it instead), and then every due reminder of that
    /// customer nobody holds is claimed with it.
    ///
    /// A customer is claimed whole or not at all. Another instance's claim at the same moment may
    /// have picked (row-locked) one of the customer's reminders and lost the customer's advisory
    /// lock to this one: that row is skipped by the lock, never waited for, so the customer's
    /// reminders this statement could lock are fewer than those it saw due. Claiming the rest
    /// would split the customer's statement in two messages (the other instance would claim the
    /// skipped one once its transaction ends); the customer is left to a later claim instead, and
    /// counted in `contended` so that the caller tries again shortly rather than at the next poll.
    public func claimDueCustomers(at now: Date, limit: Int, groupByCustomer: Bool, on connection: PostgresConnection) async throws
        -> ClaimedCustomers {
        let seconds = Self.seconds(now), expires = Self.seconds(now) + leaseSeconds
        // The unit claimed: the customer, or the invoice, a plain column (the indexes on invoices(customer_key) and
        // reminders(invoice_id, step) find its reminders); its advisory lock is keyed with a prefix, apart from the other kind.
        let unit = groupByCustomer ? "i.customer_key" : "r.invoice_id", prefix = groupByCustomer ? "'c'" : "'i'"
        // Due now and held by nobody; the instant is an integer, so it is written into the text as such.
        let dueNow = "r.state IN ('planned', 'deferred') AND r.send_at <= \(seconds) AND (r.lease_owner IS NULL OR r.lease_expires_at <= \(seconds))"
        // The picked rows' units: their invoices are read for the few rows picked. (Joining the invoices before the
        // LIMIT made PostgreSQL hash every invoice of the store for each claim: 33 ms of a 35 ms claim on 100,000.)
        let pickedUnit = groupByCustomer ? "i.customer_key" : "p.invoice_id"
        let rows = try await connection.query("""
            WITH picked_rows AS (
                SELECT r.id, r.invoice_id FROM reminders r
                WHERE \(unescaped: dueNow)
                ORDER BY r.send_at, r.id
                LIMIT \(Int64(max(1, limit)))
                FOR UPDATE SKIP LOCKED
            ), picked AS (
                SELECT \(unescaped: pickedUnit) AS unit FROM picked_rows p JOIN invoices i ON i.id = p.invoice_id
            ), units AS (
                SELECT unit FROM (SELECT DISTINCT unit FROM picked) AS distinct_units
                WHERE pg_try_advisory_xact_lock(\(Self.claimLockSpace), hashtext(\(unescaped: prefix) || unit))
            ), seen AS (
                SELECT \(unescaped: unit) AS unit, COUNT(*) AS reminders FROM reminders r JOIN invoices i ON i.id = r.invoice_id
                WHERE \(unescaped: unit) IN (SELECT unit FROM units)
                  AND \(unescaped: dueNow)
                GROUP BY 1
            ), locked AS (
                SELECT r.id, i.customer_key, \(unescaped: unit) AS unit FROM reminders r JOIN invoices i ON i.id = r.invoice_id
                WHERE \(unescaped: unit) IN (SELECT unit FROM units)
                  AND \(unescaped: dueNow)
                FOR UPDATE OF r SKIP LOCKED
            ), whole AS MATERIALIZED (
                -- Computed once: inlined, PostgreSQL re-ran it for every locked row (256 x 256 lookups,
                -- up to 1.5 s a claim on 1,000,000 invoices; 28 ms so).
                SELECT seen.unit FROM seen JOIN (SELECT unit, COUNT(*) AS reminders FROM locked GROUP BY unit) AS held
                    ON held.unit = seen.unit AND held.reminders = seen.reminders
            ), claimed AS (
                UPDATE reminders r SET lease_owner = \(owner), lease_expires_at = \(expires), lease_attempt = r.lease_attempt + 1,
                    updated_at = \(seconds)
                FROM locked WHERE r.id = locked.id AND locked.unit IN (SELECT unit FROM whole)
                RETURNING r.id, r.invoice_id, r.step, r.lease_attempt, r.send_at, r.attempts, locked.customer_key
            )
            SELECT claimed.*, contention.units FROM
                (SELECT (SELECT COUNT(DISTINCT unit) FROM picked) - (SELECT COUNT(*) FROM whole) AS units) AS contention
                LEFT JOIN claimed ON TRUE
            """, logger: Self.logger)
        var leases: [(ReminderLease, Int64)] = []
        var keys: [String: String] = [:]
        var contended = 0
        typealias Row = (Int64?, String?, String?, Int64?, Int64?, Int64?, String?, Int64)
        for try await (id, invoice, step, attempt, sendAt, attempts, customer, units) in rows.decode(Row.self) {
            contended = Int(units)
            guard let id, let invoice, let step, let attempt, let sendAt, let attempts, let customer else { continue }
            leases.append((ReminderLease(reminderID: id, invoiceID: invoice, step: step, owner: owner, attempt: attempt, expiresAt: expires,
                                         sendAttempts: attempts), sendAt))
            keys[invoice] = customer
        }
        return ClaimedCustomers(leases: leases.sorted { ($0.1, $0.0.reminderID) < ($1.1, $1.0.reminderID) }.map(\.0), customerKeys: keys,
                                contended: contended)
    }

    /// Hands off every reminder one message covers, or none (`handOff`'s guards for each): false
    /// when one of them may no longer go, and then nothing changed.
    public func handOff(all leases: [ReminderLease], today: LocalDate, at now: Date, on connection: PostgresConnection) async throws -> Bool {
        for lease in leases where try await !handOff(lease, today: today, at: now, on: connection) {
            throw NotHandedOff()
        }
        return true
    }

    /// Hands off several messages at once, each all its reminders or none, inside the caller's
    /// transaction: the reminders that pass `handOff`'s guards (lease, token, owner, state, unexpired,
    /// the invoice still open and not paused) are locked in one statement, and those of the messages
    /// whose every reminder passed are marked `sending` in a second. For a transport whose
    /// acceptance is durable only once synced (the outbox folder), whose messages are handed off,
    /// written, synced and recorded as a batch, as on one machine (`Cycle.deliverToOutbox`).
    /// Returns the reminders handed off.
    public func handOff(messages: [[ReminderLease]], today: LocalDate, at now: Date, on connection: PostgresConnection) async throws -> Set<Int64> {
        let all = messages.flatMap { $0 }
        guard !all.isEmpty else { return [] }
        let seconds = Self.seconds(now)
        var passed = Set<Int64>()
        for try await id in try await connection.query("""
            SELECT r.id FROM reminders r JOIN unnest(\(all.map(\.reminderID)), \(all.map(\.attempt))) AS l(id, attempt) ON r.id = l.id
            WHERE r.lease_attempt = l.attempt AND r.lease_owner = \(owner) AND r.state IN ('planned', 'deferred') AND r.lease_expires_at > \(seconds)
              AND \(unescaped: Self.invoiceStillGoes(today: today))
            FOR UPDATE OF r
            """, logger: Self.logger).decode(Int64.self) {
            passed.insert(id)
        }
        let going = messages.filter { $0.allSatisfy { passed.contains($0.reminderID) } }.flatMap { $0.map(\.reminderID) }
        guard !going.isEmpty else { return [] }
        var handed = Set<Int64>()
        for try await id in try await connection.query("""
            UPDATE reminders r SET state = 'sending', handed_off_at = \(seconds), sent_at = \(seconds), attempts = r.attempts + 1,
                updated_at = \(seconds), first_attempt_at = COALESCE(r.first_attempt_at, \(seconds))
            WHERE r.id = ANY(\(going)) AND r.lease_owner = \(owner) AND r.state IN ('planned', 'deferred')
            RETURNING r.id
            """, logger: Self.logger).decode(Int64.self) {
            handed.insert(id)
        }
        return handed
    }

    /// Counts outcomes recorded through a working set into this instance's counters.
    public func addOutcomes(sent: Int, deferred: Int, failed: Int, uncertain: Int, on connection: PostgresConnection) async throws {
        guard sent + deferred + failed + uncertain > 0 else { return }
        try await connection.query("""
            UPDATE instances SET sent = sent + \(Int64(sent)), deferred = deferred + \(Int64(deferred)), failed = failed + \(Int64(failed)),
                uncertain = uncertain + \(Int64(uncertain))
            WHERE name = \(owner)
            """, logger: Self.logger)
    }

    /// What the send log says of reminders the reaper made uncertain: invoice, step, Message-ID and
    /// the reaper's reason, in id order.
    public static func uncertainFacts(_ ids: [Int64], on connection: PostgresConnection) async throws
        -> [(invoice: String, step: String, messageID: String?, detail: String?)] {
        let rows = try await connection.query("""
            SELECT invoice_id, step, message_id, detail FROM reminders WHERE id = ANY(\(ids)) ORDER BY id
            """, logger: logger)
        var facts: [(invoice: String, step: String, messageID: String?, detail: String?)] = []
        for try await (invoice, step, messageID, detail) in rows.decode((String, String, String?, String?).self) {
            facts.append((invoice, step, messageID, detail))
        }
        return facts
    }

    /// One event of the send log, kept in the shared store's `events` as the SQLite store keeps it.
    public static func addEvent(at now: Date, event: String, invoiceID: String?, line: String, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO events (at, event, invoice_id, line) VALUES (\(seconds(now)), \(event), \(invoiceID), \(line))
            """, logger: logger)
    }

    /// Thrown inside `handOff(all:)`'s transaction so that it is rolled back.
    public struct NotHandedOff: SharedStoreAnswer, Sendable {}

    /// Takes the advisory locks of these invoices for the caller's transaction, in one order for
    /// every instance (the intake takes the same ones): a file amending one of them waits.
    public static func lockInvoices(_ ids: [String], on connection: PostgresConnection) async throws {
        let sorted = Array(Set(ids)).sorted()
        try await connection.query("""
            SELECT COUNT(pg_advisory_xact_lock(\(invoiceLockSpace), hashtext(id))) FROM (SELECT id FROM unnest(\(sorted)) AS id ORDER BY id) AS ids
            """, logger: logger)
    }

    /// The advisory-lock space of invoice ids ("in" in ASCII), apart from the migration's and the mailboxes'.
    public static let invoiceLockSpace: Int32 = 0x696E

    /// The advisory-lock space of the claims' customers ("cl" in ASCII), apart from the invoices'.
    static let claimLockSpace: Int32 = 0x636C
}
