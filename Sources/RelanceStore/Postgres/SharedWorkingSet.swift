import Foundation
internal import GRDB
public import PostgresNIO

/// The rows one instance's send pass works on, copied from the shared PostgreSQL store into a
/// local SQLite store: exists so that the send-time decision and the recording of outcomes run on
/// a shared store through exactly the code they run through on one machine (`Cycle`, on a
/// `StoreTransaction`), instead of a second version of every rule. The copy holds the customers
/// whose due reminders this instance claimed (every invoice of theirs, with its rows); what the
/// local code changes in it is then written back as guarded statements (`SharedWriteBack`): a row
/// this instance holds a lease on by that lease's token, any other row by the state and instant
/// it had when it was copied. A guard that misses means someone else changed the row: the whole
/// write-back is rolled back and nothing the copy says is kept.
///
/// A reminder another instance holds a lease on is marked in the copy as claimed by a send batch
/// (`batch_id = -1`), which the local rules already leave alone (never replanned, never cancelled
/// as waiting of one kind).
public final class SharedWorkingSet: @unchecked Sendable {
    /// The local copy (one file, emptied and filled again for each pass).
    public let store: Store
    /// The rows as they were copied or last written back, by table and id.
    private var before: [String: [Int64: [DatabaseValue]]] = [:]
    private var columns: [String: [String]] = [:]
    private var localColumns: [String: Set<String>] = [:]

    /// The tables written back, with the columns a write-back never copies (the copy's own batch).
    static let writtenBack: [String] = ["invoices", "reminders", "events", "payments", "bank_entries", "source_files", "customer_accounts",
                                        "replies", "undeliverable", "contact_overrides", "tasks", "promises",
                                        "customer_policies", "installment_plans", "installments"]
    /// What a shared pass never changes through the copy (the names the intake records): a
    /// change there is refused, never dropped.
    static let readOnly: [String] = ["customer_names"]
    /// The copy's mark of a reminder another instance holds.
    public static let leasedElsewhere: Int64 = -1

    public init(path: String) throws {
        try Store.removeFiles(at: path)
        store = try Store(path: path, scratch: true)
        localColumns = try store.pool.read { db in try SharedSnapshot.localColumns(db) }
        try store.pool.write { db in try Self.trackChanges(db) }
    }

    /// Every change the local code makes to the copy is noted by a trigger (the table, and the
    /// row for the tables written back): a write-back then looks at those rows only, instead of
    /// comparing whole tables after every message.
    private static func trackChanges(_ db: Database) throws {
        try db.execute(sql: "CREATE TABLE IF NOT EXISTS relance_changed (tbl TEXT NOT NULL, row INTEGER)")
        // Off while the copy is emptied and filled (`fill`), in the same transaction: what the load
        // writes is what PostgreSQL holds, and noting each of its rows cost a third of the fill.
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS relance_tracking (noting INTEGER NOT NULL);
            INSERT INTO relance_tracking SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM relance_tracking);
            """)
        let noting = "WHEN (SELECT noting FROM relance_tracking)"
        for table in writtenBack {
            try db.execute(sql: """
                CREATE TRIGGER IF NOT EXISTS relance_\(table)_insert AFTER INSERT ON \(table) \(noting) BEGIN
                    INSERT INTO relance_changed VALUES ('\(table)', NEW.rowid); END;
                CREATE TRIGGER IF NOT EXISTS relance_\(table)_update AFTER UPDATE ON \(table) \(noting) BEGIN
                    INSERT INTO relance_changed VALUES ('\(table)', OLD.rowid); INSERT INTO relance_changed VALUES ('\(table)', NEW.rowid); END;
                CREATE TRIGGER IF NOT EXISTS relance_\(table)_delete AFTER DELETE ON \(table) \(noting) BEGIN
                    INSERT INTO relance_changed VALUES ('\(table)', OLD.rowid); END;
                """)
        }
        for table in readOnly {
            for change in ["INSERT", "UPDATE", "DELETE"] {
                try db.execute(sql: """
                    CREATE TRIGGER IF NOT EXISTS relance_\(table)_\(change.lowercased()) AFTER \(change) ON \(table) \(noting) BEGIN
                        INSERT INTO relance_changed VALUES ('\(table)', NULL); END;
                    """)
            }
        }
    }

    /// Empties the copy and fills it with every invoice of `customerKeys` and their rows, read in
    /// one PostgreSQL transaction, with the undeliverable addresses; the reminders leased by
    /// anyone but `mine` are marked as leased elsewhere, and the ids of the tasks a `call` step
    /// sets are reserved after the store's last. Returns the invoices copied.
    @discardableResult
    public func load(customerKeys: [String], mine: Set<Int64>, from source: PostgresStore) async throws -> Int {
        let local = localColumns
        let (count, tables, leased) = try await source.transaction("read the claimed customers") { connection in
            let ids = try await connection.query("SELECT id FROM invoices WHERE customer_key = ANY(\(customerKeys)) ORDER BY id",
                                                 logger: SharedQueue.logger).collect().map { try $0.decode(String.self) }
            // The invoices' past events are not read: a pass only adds to them.
            var tables = try await SharedSnapshot.rows(of: ids, columns: local, skipping: ["events"], on: connection)
            tables.append(try await SharedSnapshot.read("undeliverable", where: "TRUE", orderBy: "address", binds: PostgresBindings(),
                                                        columns: local["undeliverable"] ?? [], on: connection))
            let leased = try await connection.query("""
                SELECT id FROM reminders WHERE invoice_id = ANY(\(ids)) AND lease_owner IS NOT NULL
                """, logger: SharedQueue.logger).collect().map { try $0.decode(Int64.self) }
            return (ids.count, tables, (leased, try await Self.lastTaskID(on: connection)))
        }
        try await fill(with: tables, leasedElsewhere: leased.0.filter { !mine.contains($0) }, lastTask: leased.1)
        return count
    }

    /// For a command that changes one invoice (`relance paid`, `pause`, …), inside the caller's
    /// transaction: empties the copy and fills it with every invoice of that invoice's customer and
    /// their rows, after taking those invoices' advisory locks (as the intake and a send pass take
    /// them); reminders another instance holds are marked as leased elsewhere. Returns the
    /// invoices copied (none when the invoice is unknown).
    @discardableResult
    public func load(customerOf invoiceID: String, on connection: PostgresConnection) async throws -> Int {
        try await load(customersOf: [invoiceID], on: connection)
    }

    /// The same for the customers of several invoices (`relance approve --all`: every customer
    /// with a held message).
    @discardableResult
    public func load(customersOf invoiceIDs: [String], on connection: PostgresConnection) async throws -> Int {
        let logger = SharedQueue.logger
        let ids = try await connection.query("""
            SELECT id FROM invoices WHERE customer_key IN (SELECT customer_key FROM invoices WHERE id = ANY(\(invoiceIDs))) ORDER BY id
            """, logger: logger).collect().map { try $0.decode(String.self) }
        try await SharedQueue.lockInvoices(ids, on: connection)
        let tables = try await SharedSnapshot.rows(of: ids, columns: localColumns, skipping: ["events"], on: connection)
        let leased = try await connection.query("SELECT id FROM reminders WHERE invoice_id = ANY(\(ids)) AND lease_owner IS NOT NULL",
                                                logger: logger).collect().map { try $0.decode(Int64.self) }
        let lastPlan = try await connection.query("SELECT COALESCE(MAX(id), 0) FROM installment_plans", logger: logger)
            .collect().first.map { try $0.decode(Int64.self) } ?? 0
        try await fill(with: tables, leasedElsewhere: leased, lastTask: try await Self.lastTaskID(on: connection)) { db in
            try Self.reservePlanIDs(after: lastPlan, db)
        }
        return ids.count
    }

    /// The copy emptied and filled with `tables` (then `extra` run on it), the reminders
    /// `leasedElsewhere` marked, the ids of new tasks reserved after `lastTask` (PostgreSQL's
    /// last), and its image taken.
    private func fill(with tables: [SharedSnapshot.TableRows], leasedElsewhere: [Int64], lastTask: Int64? = nil,
                      extra: @escaping @Sendable (Database) throws -> Void = { _ in }) async throws {
        try await store.pool.write { db in
            try db.execute(sql: "UPDATE relance_tracking SET noting = 0")
            for table in PostgresSchema.copiedTables.reversed() { try db.execute(sql: "DELETE FROM \(table.name)") }
            try db.execute(sql: "DELETE FROM send_batches")
            try SharedSnapshot.insert(tables, into: db)
            for id in leasedElsewhere {
                try db.execute(sql: "UPDATE reminders SET batch_id = ? WHERE id = ?", arguments: [Self.leasedElsewhere, id])
            }
            if let lastTask { try Self.reserveTaskIDs(after: lastTask, db) }
            try extra(db)
            try db.execute(sql: "DELETE FROM relance_changed")
            try db.execute(sql: "UPDATE relance_tracking SET noting = 1")
        }
        try takeImage()
    }

    /// The next task the copy creates takes the id after PostgreSQL's last (the send log's `task=`
    /// and `relance tasks done N` name it): a closed row standing for that last one, on an invoice
    /// of the copy (a task needs one), never open, never written back. Without an invoice in the
    /// copy no task can be created, and nothing is reserved.
    private static func reserveTaskIDs(after last: Int64, _ db: Database) throws {
        let localLast = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM tasks") ?? 0
        guard last > localLast, let invoice = try String.fetchOne(db, sql: "SELECT MIN(id) FROM invoices") else { return }
        try db.execute(sql: """
            INSERT INTO tasks (id, invoice_id, customer_key, step, kind, due_date, grace_until, state, created_at, purpose)
            VALUES (?, ?, '', ' relance: the last task of the shared store', 'call', '1970-01-01', '1970-01-01', 'done', 0, 'call')
            """, arguments: [last, invoice])
    }

    /// The next payment plan the copy agrees takes the id after PostgreSQL's last (its schedule's
    /// step, its reminders' `arranged_id` and the send log name it): an ended plan standing for
    /// that last one, on an invoice of the copy, never written back, which no rule reads (only
    /// running, completed and broken plans count).
    private static func reservePlanIDs(after last: Int64, _ db: Database) throws {
        let localLast = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM installment_plans") ?? 0
        guard last > localLast, let invoice = try String.fetchOne(db, sql: "SELECT MIN(id) FROM invoices") else { return }
        try db.execute(sql: """
            INSERT INTO installment_plans (id, invoice_id, agreed_on, total_minor, currency, state, note, created_at)
            VALUES (?, ?, '1970-01-01', 0, 'EUR', 'cancelled', ' relance: the last plan of the shared store', 0)
            """, arguments: [last, invoice])
    }

    /// PostgreSQL's last task id (0 with none).
    private static func lastTaskID(on connection: PostgresConnection) async throws -> Int64 {
        try await connection.query("SELECT COALESCE(MAX(id), 0) FROM tasks", logger: SharedQueue.logger)
            .collect().first.map { try $0.decode(Int64.self) } ?? 0
    }

    /// What a reply may concern, found in PostgreSQL before it is acted on (`ReplyProcessor`'s
    /// evidence, best first): the Message-IDs it refers to, the envelope tag of a bounce, the
    /// invoice numbers it names, its sender.
    public struct ReplyCandidates: Sendable {
        public var messageIDs: [String] = []
        public var envelopeTag: String?
        public var invoiceIDs: [String] = []
        /// The sender, looked for among the open invoices' addresses when nothing better names one.
        public var sender: String?
        /// The reply's fingerprint: its row, if it was recorded before, is copied too.
        public var fingerprint: String

        public init(fingerprint: String) { self.fingerprint = fingerprint }
    }

    /// For a reply, inside the caller's transaction: empties the copy and fills it with every
    /// invoice of the customer the best evidence names (with their rows, the reply's own row if it
    /// was recorded before, and the ids of new tasks reserved), after taking those invoices'
    /// advisory locks. Returns the invoices copied (none when the reply names no known invoice: it
    /// is then recorded alone).
    @discardableResult
    public func loadForReply(_ candidates: ReplyCandidates, on connection: PostgresConnection) async throws -> Int {
        let local = localColumns, logger = SharedQueue.logger
        // The first kind of evidence that names an invoice decides, as the local matching reads it.
        var named = try await connection.query("""
            SELECT invoice_id FROM reminders WHERE message_id = ANY(\(candidates.messageIDs))
            UNION SELECT invoice_id FROM reminders WHERE envelope_tag = \(candidates.envelopeTag)
            UNION SELECT id FROM invoices WHERE id = ANY(\(candidates.invoiceIDs))
            """, logger: logger).collect().map { try $0.decode(String.self) }
        if named.isEmpty, let sender = candidates.sender {
            // As `StoreTransaction.openInvoiceIDs(customerAddress:)` looks in the document.
            let pattern = "%\"" + sender.lowercased() + "\"%"
            named = try await connection.query("SELECT id FROM invoices WHERE state = 'open' AND document LIKE \(pattern)",
                                               logger: logger).collect().map { try $0.decode(String.self) }
        }
        let ids = try await connection.query("""
            SELECT id FROM invoices WHERE customer_key IN (SELECT customer_key FROM invoices WHERE id = ANY(\(named))) ORDER BY id
            """, logger: logger).collect().map { try $0.decode(String.self) }
        try await SharedQueue.lockInvoices(ids, on: connection)
        var tables = try await SharedSnapshot.rows(of: ids, columns: local, skipping: ["events", "replies"], on: connection)
        var binds = PostgresBindings(capacity: 2)
        binds.append(ids)
        binds.append(candidates.fingerprint)
        tables.append(try await SharedSnapshot.read("replies", where: "invoice_id = ANY($1) OR fingerprint = $2", orderBy: "id", binds: binds,
                                                    columns: local["replies"] ?? [], on: connection))
        let leased = try await connection.query("SELECT id FROM reminders WHERE invoice_id = ANY(\(ids)) AND lease_owner IS NOT NULL",
                                                logger: logger).collect().map { try $0.decode(Int64.self) }
        try await fill(with: tables, leasedElsewhere: leased, lastTask: try await Self.lastTaskID(on: connection))
        return ids.count
    }

    /// What a payments file may touch, found in PostgreSQL before its entries are applied to the
    /// copy: the invoices its references and numbers name, the customers its debtors' accounts and
    /// names are known by, the bank entries and the file already recorded.
    public struct PaymentCandidates: Sendable {
        /// RF references (those the entries carry, and those of the invoice numbers in their text).
        public var creditorReferences: [String] = []
        /// Invoice numbers a payments CSV names.
        public var invoiceIDs: [String] = []
        public var nameKeys: [String] = []
        public var ibans: [String] = []
        public var entryKeys: [String] = []
        public var endToEndIDs: [String] = []
        /// The file's content hash.
        public var hash: String

        public init(hash: String) { self.hash = hash }
    }

    /// What `relance payments assign` may touch: the bank entry `entryID` (by its key), the
    /// invoice `invoiceID`, and the account the entry was paid from (learnt for its customer).
    /// An unknown entry gives none of its own, and the one-machine code then says it is unknown.
    public static func assignmentCandidates(entryID: Int64, invoiceID: String, on connection: PostgresConnection) async throws
        -> PaymentCandidates {
        var candidates = PaymentCandidates(hash: "")
        candidates.invoiceIDs = [invoiceID]
        let rows = try await connection.query("SELECT entry_key, debtor_iban FROM bank_entries WHERE id = \(entryID)", logger: SharedQueue.logger)
        for try await (key, iban) in rows.decode((String, String?).self) {
            candidates.entryKeys = [key]
            candidates.ibans = iban.map { [$0] } ?? []
        }
        return candidates
    }

    /// For a payments file, inside the caller's transaction: empties the copy and fills it with
    /// every invoice of every customer the file may pay (with their rows), the customers' names and
    /// accounts the matching reads, the bank entries and the source file already recorded. The
    /// invoices' advisory locks are taken first (as the intake and a send pass take them), and the
    /// bank entries' table is locked so that the ids the copy gives new entries (the send log
    /// names them) are the ones PostgreSQL keeps. Returns the invoices copied.
    @discardableResult
    public func loadForPayments(_ candidates: PaymentCandidates, on connection: PostgresConnection) async throws -> Int {
        let local = localColumns, logger = SharedQueue.logger
        try await connection.query("LOCK TABLE bank_entries IN SHARE ROW EXCLUSIVE MODE", logger: logger)
        let customers = try await connection.query("""
            SELECT customer_key FROM invoices WHERE creditor_ref = ANY(\(candidates.creditorReferences)) OR id = ANY(\(candidates.invoiceIDs))
            UNION SELECT customer_key FROM customer_names WHERE name_key = ANY(\(candidates.nameKeys))
            UNION SELECT customer_key FROM customer_accounts WHERE iban = ANY(\(candidates.ibans))
            """, logger: logger).collect().map { try $0.decode(String.self) }
        let ids = try await connection.query("SELECT id FROM invoices WHERE customer_key = ANY(\(customers)) ORDER BY id",
                                             logger: logger).collect().map { try $0.decode(String.self) }
        try await SharedQueue.lockInvoices(ids, on: connection)
        var tables = try await SharedSnapshot.rows(of: ids, columns: local, skipping: ["events", "customer_names"], on: connection)
        func binds(_ lists: [String]...) -> PostgresBindings {
            var bindings = PostgresBindings(capacity: lists.count)
            for list in lists { bindings.append(list) }
            return bindings
        }
        tables.append(try await SharedSnapshot.read("customer_names", where: "name_key = ANY($1) OR customer_key = ANY($2)",
                                                    orderBy: "name_key, customer_key", binds: binds(candidates.nameKeys, customers),
                                                    columns: local["customer_names"] ?? [], on: connection))
        tables.append(try await SharedSnapshot.read("customer_accounts", where: "iban = ANY($1)", orderBy: "iban", binds: binds(candidates.ibans),
                                                    columns: local["customer_accounts"] ?? [], on: connection))
        tables.append(try await SharedSnapshot.read("bank_entries", where: "entry_key = ANY($1) OR end_to_end = ANY($2)", orderBy: "id",
                                                    binds: binds(candidates.entryKeys, candidates.endToEndIDs),
                                                    columns: local["bank_entries"] ?? [], on: connection))
        tables.append(try await SharedSnapshot.read("source_files", where: "hash = ANY($1)", orderBy: "hash", binds: binds([candidates.hash]),
                                                    columns: local["source_files"] ?? [], on: connection))
        let lastEntry = try await connection.query("SELECT COALESCE(MAX(id), 0) FROM bank_entries", logger: logger)
            .collect().first.map { try $0.decode(Int64.self) } ?? 0
        let leased = try await connection.query("SELECT id FROM reminders WHERE invoice_id = ANY(\(ids)) AND lease_owner IS NOT NULL",
                                                logger: logger).collect().map { try $0.decode(Int64.self) }
        // The next entry the copy records takes the id after PostgreSQL's last: a row standing for
        // that last one (no key a statement can carry, never waiting, never written back).
        try await fill(with: tables, leasedElsewhere: leased) { db in
            let localLast = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM bank_entries") ?? 0
            if lastEntry > localLast {
                try db.execute(sql: """
                    INSERT INTO bank_entries (id, entry_key, amount_minor, currency, credit, reversal, file, state, recorded_at)
                    VALUES (?, ' relance: the last entry of the shared store', 0, 'EUR', 0, 0, '', 'debit', 0)
                    """, arguments: [lastEntry])
            }
        }
        return ids.count
    }

    /// The copy as loaded is what PostgreSQL holds: the image every later change is compared with.
    private func takeImage() throws {
        let images = try store.pool.write { db in
            var images: [String: (columns: [String], rows: [Int64: [DatabaseValue]])] = [:]
            for table in Self.writtenBack {
                var rows: [Int64: [DatabaseValue]] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT rowid AS relance_rowid, * FROM \(table)") {
                    rows[row["relance_rowid"]] = Array(row.databaseValues.dropFirst())
                }
                let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map { $0["name"] as String }
                images[table] = (columns, rows)
            }
            try db.execute(sql: "DELETE FROM relance_changed")
            return images
        }
        before = images.mapValues(\.rows)
        columns = images.mapValues(\.columns)
    }

    /// Takes the copy as it is now as what PostgreSQL holds (after a write-back, or after a change
    /// PostgreSQL made by itself the same way: a hand-off): the rows changed since are taken into
    /// the image.
    public func rebase() throws {
        let changed = try store.pool.write { db in
            let current = try Self.changedRows(db)
            try db.execute(sql: "DELETE FROM relance_changed")
            return current
        }
        for (table, rows) in changed.rows {
            for (rowid, row) in rows { before[table, default: [:]][rowid] = row }
        }
        for (table, rowids) in changed.gone { for rowid in rowids { before[table]?[rowid] = nil } }
    }

    /// The rows the triggers noted, as they are now (`rows`) or gone (`gone`), by table; and the
    /// tables never written back that were changed at all.
    private static func changedRows(_ db: Database) throws -> (rows: [String: [Int64: [DatabaseValue]]], gone: [String: Set<Int64>],
                                                                 readOnlyTouched: [String]) {
        var rows: [String: [Int64: [DatabaseValue]]] = [:]
        var gone: [String: Set<Int64>] = [:]
        var touched = Set<String>()
        var noted: [String: Set<Int64>] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT tbl, row FROM relance_changed") {
            let table: String = row["tbl"]
            if let rowid: Int64 = row["row"] { noted[table, default: []].insert(rowid) } else { touched.insert(table) }
        }
        for (table, rowids) in noted {
            let found = try Row.fetchAll(db, sql: "SELECT rowid AS relance_rowid, * FROM \(table) WHERE rowid IN (\(rowids.map(String.init).joined(separator: ",")))")
            var present: [Int64: [DatabaseValue]] = [:]
            for row in found { present[row["relance_rowid"]] = Array(row.databaseValues.dropFirst()) }
            rows[table] = present
            gone[table] = rowids.subtracting(present.keys)
        }
        return (rows, gone, touched.sorted())
    }

    /// What the local code changed since the copy was taken (or last rebased), as the guarded
    /// statements that write it to PostgreSQL. Throws `SharedWriteBackError.unsupported` when it
    /// changed a table a shared pass does not write.
    public func changes(leases: [Int64: ReminderLease], keepLeases: Set<Int64>) throws -> SharedWriteBack {
        let before = self.before, columns = self.columns
        return try store.pool.read { db in
            var writeBack = SharedWriteBack(leases: leases, keepLeases: keepLeases)
            let changed = try Self.changedRows(db)
            if let table = changed.readOnlyTouched.first { throw SharedWriteBackError.unsupported(table: table) }
            for table in Self.writtenBack {
                guard let names = columns[table], changed.rows[table] != nil || changed.gone[table] != nil else { continue }
                let noted = Set(changed.rows[table]?.keys.map { $0 } ?? []).union(changed.gone[table] ?? [])
                let old = (before[table] ?? [:]).filter { noted.contains($0.key) }
                let now = changed.rows[table] ?? [:]
                guard now != old else { continue }
                try writeBack.add(table: table, columns: names, before: old, after: now)
            }
            // A leased reminder the pass did not change is given back all the same (unless it is about to go).
            for id in leases.keys where !keepLeases.contains(id) && !writeBack.touchedReminders.contains(id) { writeBack.releases.append(id) }
            return writeBack
        }
    }
}

/// Why a working set's changes could not be written back.
public enum SharedWriteBackError: SharedStoreAnswer, CustomStringConvertible, Sendable, Equatable {
    /// The local code changed a table a shared pass does not write (a feature the shared store
    /// does not carry yet): refused whole, so nothing is half-done.
    case unsupported(table: String)
    /// A row changed in PostgreSQL since it was copied (another instance, a lease reaped): the
    /// pass's changes were rolled back; the reminders are decided afresh by a later pass.
    case conflict(table: String, id: String)

    public var description: String {
        switch self {
        case .unsupported(let table): "the shared store does not take changes to \(table) yet"
        case .conflict(let table, let id): "\(table) row \(id) changed in the shared store since it was read; decided again later"
        }
    }
}
