public import Foundation
internal import GRDB
public import PostgresNIO

/// What a send pass changed in its working set (`SharedWorkingSet`), as guarded statements for the
/// shared PostgreSQL store: exists so that the one-machine code's changes reach the shared store
/// only where nobody changed the row since it was read. Every statement must touch exactly the one
/// row it names, or the whole write-back is refused (`SharedWriteBackError.conflict`) and its
/// transaction rolled back.
///
/// - A reminder this instance holds a lease on is written under that lease: id, owner and token,
///   and the state it was copied in. Its lease is given back with the write, unless the reminder
///   is about to be handed off (`keepLeases`).
/// - Any other reminder, and an invoice, is written only when its state and `updated_at` are still
///   what was copied, and a reminder only when nobody holds a lease on it.
/// - Only the columns that changed are written; the copy's own send batch (`batch_id`) never is.
/// - New events are added; their lines (`lines`) are the send log's, in order.
/// - What a payments file adds (payments, bank entries under the ids reserved for them, the file's
///   content hash, the accounts a debtor paid from) is added; a bank entry or a file that another
///   instance recorded first is a conflict. Such rows are never removed; a bank entry waiting for
///   a person is changed by an assignment while it still waits as copied.
/// - What a reply adds (the reply, once by its fingerprint; an address found undeliverable; a
///   contact it names; a person's task under the id reserved for it; a promise) is added, an
///   address or a contact upserted; a reply or a task another instance recorded first is a
///   conflict. A promise's verdict is written only while it is still pending.
/// - The policy `[[policy_rules]]` chose for a customer is upserted (the latest choice kept).
/// - A payment plan agreed is added with its id and its instalments; a running plan's end is
///   written only while it still runs.
public struct SharedWriteBack: Sendable {
    /// A value as both stores keep it: the schemas' columns are BIGINT or TEXT.
    enum Cell: Sendable, Equatable {
        case null, integer(Int64), text(String)

        init(_ value: DatabaseValue) {
            switch value.storage {
            case .int64(let number): self = .integer(number)
            case .string(let text): self = .text(text)
            case .double(let number): self = .integer(Int64(number))
            case .blob(let data): self = .text(String(decoding: data, as: UTF8.self))
            case .null: self = .null
            }
        }
    }

    let leases: [Int64: ReminderLease]
    let keepLeases: Set<Int64>
    var statements: [GuardedStatement] = []
    /// The reminders a statement writes.
    var touchedReminders: Set<Int64> = []
    /// Leased reminders the pass left as they were: their leases are given back.
    var releases: [Int64] = []
    /// Whether a statement writes a row no lease of this instance guards (an invoice, a reminder
    /// nobody holds): then the invoices' advisory locks are taken first, as the intake takes them.
    public private(set) var needsInvoiceLocks = false
    /// The send-log lines of the events added, in order.
    public private(set) var lines: [String] = []
    /// The tables rows were added to with their ids (bank entries, tasks): their identity
    /// sequences are then moved past them.
    private var identitiesKept: Set<String> = []

    /// Tables keyed by a value, not an id, that SQLite's `INSERT OR REPLACE` rewrites under a new
    /// rowid: the old row gone and a new one of the same key is the new row's upsert, not a deletion.
    private static let replacedByKey: [String: String] = ["customer_accounts": "iban", "undeliverable": "address",
                                                          "contact_overrides": "customer_key"]

    /// A customer's policy choice written over the one kept (`StoreTransaction.setCustomerPolicy`'s upsert).
    private static let policyUpsert = "(customer_key) DO UPDATE SET policy = EXCLUDED.policy, reason = EXCLUDED.reason, decided_at = EXCLUDED.decided_at"

    init(leases: [Int64: ReminderLease], keepLeases: Set<Int64>) {
        self.leases = leases
        self.keepLeases = keepLeases
    }

    /// Nothing to write and no lease to give back.
    public var isEmpty: Bool { statements.isEmpty && releases.isEmpty }

    /// The columns never written back: a row's identity and the copy's own send batch.
    private static let neverWritten: Set<String> = ["id", "batch_id"]

    mutating func add(table: String, columns: [String], before: [Int64: [DatabaseValue]], after: [Int64: [DatabaseValue]]) throws {
        let index = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1, $0) })
        func cell(_ row: [DatabaseValue], _ column: String) -> Cell { index[column].map { Cell(row[$0]) } ?? .null }
        let keyColumn = "id"
        // Reminders whose invoice or step changed: written as new rows once every row that goes
        // was deleted (a replanned step may take the name another row gave up).
        var moved: [[DatabaseValue]] = []
        for (rowid, old) in before.sorted(by: { $0.key < $1.key }) {
            guard let new = after[rowid] else {
                // An account learned again, an address marked again (SQLite's INSERT OR REPLACE gives it a new row): the new row's upsert says it.
                if let key = Self.replacedByKey[table], after.values.contains(where: { cell($0, key) == cell(old, key) }) { continue }
                guard table == "reminders" else { throw SharedWriteBackError.unsupported(table: table) }
                deleteReminder(old, cell: cell)
                continue
            }
            guard new != old else { continue }
            if table == "reminders", cell(old, "invoice_id") != cell(new, "invoice_id") || cell(old, "step") != cell(new, "step") {
                deleteReminder(old, cell: cell)
                moved.append(new)
                continue
            }
            let changed = columns.filter { !Self.neverWritten.contains($0) && cell(old, $0) != cell(new, $0) }
            guard !changed.isEmpty else { continue }
            switch table {
            case "reminders": updateReminder(old, new, changed: changed, cell: cell)
            case "invoices": update(table, key: cell(old, keyColumn), changed: changed, new: new, guardState: cell(old, "state"),
                                    guards: [("updated_at", cell(old, "updated_at"))], cell: cell)
            case "promises" where cell(old, "state") == .text("pending"):
                // A verdict (kept, broken, superseded): written only while nobody else judged it.
                update(table, key: cell(old, keyColumn), changed: changed, new: new, guardState: cell(old, "state"), cell: cell)
            case "tasks" where cell(old, "state") == .text("open"):
                // A task's outcome (done, or set again after no answer): written only while it is still open,
                // under the invoices' advisory locks that the copy was read under.
                update(table, key: cell(old, keyColumn), changed: changed, new: new, guardState: cell(old, "state"), cell: cell)
            case "installment_plans" where cell(old, "state") == .text("active"):
                // A running plan's end (completed, broken, cancelled): written only while it still runs.
                update(table, key: cell(old, keyColumn), changed: changed, new: new, guardState: cell(old, "state"), cell: cell)
            case "customer_policies":
                // The policy `[[policy_rules]]` chose again from the customer's record, copied whole under the invoices'
                // locks: the latest judgment is kept, as on one machine.
                insert(table: table, columns: columns, new, onConflict: Self.policyUpsert, cell: cell)
            case "bank_entries" where [.text("unmatched"), .text("ambiguous")].contains(cell(old, "state")):
                // A person's assignment (`payments assign`), whole or in part: written only while the entry still
                // waits with what was assigned of it when copied (the load holds the table's lock meanwhile).
                update(table, key: cell(old, keyColumn), changed: changed, new: new, guardState: cell(old, "state"),
                       guards: [("assigned_minor", cell(old, "assigned_minor"))], cell: cell)
            default: throw SharedWriteBackError.unsupported(table: table)
            }
        }
        for new in moved { insert(table: table, columns: columns, new, cell: cell) }
        for (rowid, new) in after.sorted(by: { $0.key < $1.key }) where before[rowid] == nil {
            switch table {
            case "reminders": insert(table: table, columns: columns, new, cell: cell)
            case "events":
                insert(table: table, columns: columns, new, cell: cell)
                if case .text(let line) = cell(new, "line") { lines.append(line) }
            case "payments": insert(table: table, columns: columns, new, cell: cell)
            case "bank_entries":
                // With its id: the send log's lines and the payments' sources already name it (`SharedWorkingSet.loadForPayments`
                // reserved the ids). Another instance's entry of the same key makes it a conflict.
                insert(table: table, columns: columns, new, keepID: true, onConflict: "(entry_key) DO NOTHING", cell: cell)
                identitiesKept.insert(table)
            case "tasks":
                // With its id, reserved by the load (`SharedWorkingSet.reserveIDs`): the send log's `task=` names it. A task
                // another instance created for the same step, or under the same id, makes it a conflict.
                insert(table: table, columns: columns, new, keepID: true, onConflict: "DO NOTHING", cell: cell)
                identitiesKept.insert(table)
            case "source_files": insert(table: table, columns: columns, new, onConflict: "(hash) DO NOTHING", cell: cell)
            case "replies":
                // Recorded once by its fingerprint: one recorded meanwhile by another instance is a conflict.
                insert(table: table, columns: columns, new, onConflict: "(fingerprint) DO NOTHING", cell: cell)
            case "promises": insert(table: table, columns: columns, new, cell: cell)
            case "customer_accounts":
                insert(table: table, columns: columns, new,
                       onConflict: "(iban) DO UPDATE SET customer_key = EXCLUDED.customer_key, learned_at = EXCLUDED.learned_at", cell: cell)
            case "undeliverable":
                insert(table: table, columns: columns, new, onConflict: "(address) DO UPDATE SET reason = EXCLUDED.reason, at = EXCLUDED.at", cell: cell)
            case "customer_policies": insert(table: table, columns: columns, new, onConflict: Self.policyUpsert, cell: cell)
            case "installment_plans":
                // With its id, reserved by the load (`SharedWorkingSet.reservePlanIDs`): its schedule's step and reminders name
                // it. A plan another instance agreed under the same id, or for the same invoice, makes it a conflict.
                insert(table: table, columns: columns, new, keepID: true, onConflict: "DO NOTHING", cell: cell)
                identitiesKept.insert(table)
            case "installments": insert(table: table, columns: columns, new, cell: cell)
            case "contact_overrides":
                insert(table: table, columns: columns, new,
                       onConflict: "(customer_key) DO UPDATE SET address = EXCLUDED.address, source = EXCLUDED.source, at = EXCLUDED.at", cell: cell)
            default: throw SharedWriteBackError.unsupported(table: table)
            }
        }
    }

    private mutating func updateReminder(_ old: [DatabaseValue], _ new: [DatabaseValue], changed: [String],
                                         cell: ([DatabaseValue], String) -> Cell) {
        guard case .integer(let id) = cell(old, "id") else { return }
        touchedReminders.insert(id)
        let values = changed.map { cell(new, $0) } + [.integer(id), cell(old, "state")]
        if let lease = leases[id] {
            let extra = keepLeases.contains(id) ? "" : "lease_owner = NULL, lease_expires_at = NULL"
            statements.append(GuardedStatement(shape: .update(table: "reminders", set: changed, extra: extra,
                                                              guards: ["id", "state", "lease_owner", "lease_attempt"], suffix: ""),
                                               values: values + [.text(lease.owner), .integer(lease.attempt)], id: String(id)))
        } else {
            needsInvoiceLocks = true
            statements.append(GuardedStatement(shape: .update(table: "reminders", set: changed, extra: "", guards: ["id", "state", "updated_at"],
                                                              suffix: " AND lease_owner IS NULL"),
                                               values: values + [cell(old, "updated_at")], id: String(id)))
        }
    }

    private mutating func deleteReminder(_ old: [DatabaseValue], cell: ([DatabaseValue], String) -> Cell) {
        guard case .integer(let id) = cell(old, "id") else { return }
        touchedReminders.insert(id)
        needsInvoiceLocks = true
        if let lease = leases[id] {
            // One this pass claimed (a step the one-machine code replaced): by its lease, as an update.
            statements.append(GuardedStatement(shape: .delete(table: "reminders", guards: ["id", "state", "lease_owner", "lease_attempt"], suffix: ""),
                                               values: [.integer(id), cell(old, "state"), .text(lease.owner), .integer(lease.attempt)], id: String(id)))
            return
        }
        statements.append(GuardedStatement(shape: .delete(table: "reminders", guards: ["id", "state", "updated_at"], suffix: " AND lease_owner IS NULL"),
                                           values: [.integer(id), cell(old, "state"), cell(old, "updated_at")], id: String(id)))
    }

    /// A row written only while its state (and the columns of `guards`: an invoice's `updated_at`,
    /// what was assigned of a bank entry) is still what was copied.
    private mutating func update(_ table: String, key: Cell, changed: [String], new: [DatabaseValue], guardState: Cell,
                                 guards: [(column: String, value: Cell)] = [], cell: ([DatabaseValue], String) -> Cell) {
        needsInvoiceLocks = true
        let described = switch key {
        case .text(let text): text
        case .integer(let number): String(number)
        case .null: "null"
        }
        statements.append(GuardedStatement(shape: .update(table: table, set: changed, extra: "", guards: ["id", "state"] + guards.map(\.column), suffix: ""),
                                           values: changed.map { cell(new, $0) } + [key, guardState] + guards.map(\.value), id: described))
    }

    /// A new row, its id given by PostgreSQL (nothing refers to a new reminder's, event's or
    /// payment's id) unless `keepID`. With `onConflict`, a row whose key is taken inserts nothing,
    /// which is a conflict (or an upsert, which is not).
    private mutating func insert(table: String, columns: [String], _ new: [DatabaseValue], keepID: Bool = false, onConflict: String? = nil,
                                 cell: ([DatabaseValue], String) -> Cell) {
        if ["reminders", "payments", "tasks", "promises", "installment_plans", "installments"].contains(table) { needsInvoiceLocks = true }
        let written = columns.filter { !Self.neverWritten.contains($0) || (keepID && $0 == "id") }
        statements.append(GuardedStatement(shape: .insert(table: table, columns: written, conflict: onConflict ?? ""),
                                           values: written.map { cell(new, $0) }, id: "new"))
    }

    /// Writes it all inside the caller's transaction, or throws `conflict` at the first guard that
    /// missed (the caller's transaction is then rolled back, and with it every statement before).
    public func apply(at now: Date, on connection: PostgresConnection) async throws {
        try await GuardedStatement.apply(statements, on: connection)
        for table in identitiesKept.sorted() {
            try await connection.query(PostgresQuery(unsafeSQL: """
                SELECT setval(pg_get_serial_sequence('\(table)', 'id'), (SELECT MAX(id) FROM \(table)))
                """), logger: SharedQueue.logger)
        }
        let given = releases.compactMap { leases[$0] }
        guard !given.isEmpty else { return }
        let ids = given.map(\.reminderID), tokens = given.map(\.attempt), owner = given[0].owner, seconds = SharedQueue.seconds(now)
        // Given back only while still this instance's (a lease already reaped is someone else's now).
        try await connection.query("""
            UPDATE reminders r SET lease_owner = NULL, lease_expires_at = NULL, updated_at = \(seconds)
            FROM unnest(\(ids)::bigint[], \(tokens)::bigint[]) AS held(id, token)
            WHERE r.id = held.id AND r.lease_attempt = held.token AND r.lease_owner = \(owner) AND r.state IN ('planned', 'deferred')
            """, logger: SharedQueue.logger)
    }
}
