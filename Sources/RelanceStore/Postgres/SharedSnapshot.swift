public import Foundation
internal import GRDB
import PostgresNIO

/// The invoices a command asks about, copied from the shared PostgreSQL store into a temporary
/// SQLite store with every row that belongs to them: exists so that `relance status` on a shared
/// store shows exactly what it shows on one machine, computed by the same code from the same rows
/// (the two schemas are column for column the same, `PostgresSchema`), instead of a second reading
/// of each table that could drift from the first. The copy is read in one PostgreSQL transaction
/// (one consistent moment) and never written back.
public enum SharedSnapshot {
    /// Which invoices to copy.
    public enum Selection: Sendable {
        /// One invoice.
        case invoice(String)
        /// The open ones and those in collection; with `includeClosed`, every invoice.
        case invoices(includeClosed: Bool)
        /// Every invoice of the customers who have an open task (`relance tasks`: the task, its
        /// invoice and the customer's history).
        case customersWithOpenTasks
        /// Every invoice of these customers (`letter` and `export collection --customer`).
        case customers(keys: [String])
        /// Every invoice of the customers with a message held for review (`relance review`, `show`:
        /// the held message is decided with the customer's other invoices, as it would go).
        case customersWithHeldReminders
        /// The invoices with a reminder waiting to go (planned or deferred) at an instant in
        /// `from ..< to` (`relance plan`).
        case waitingBetween(from: Date, to: Date)
        /// Every invoice of the customers with a reminder due at an instant (planned or deferred,
        /// its send instant reached): `relance run --dry-run`, which decides them as a send pass
        /// would, one message per customer with their other invoices.
        case customersWithRemindersDue(at: Date)
    }

    /// Copies the selected invoices and their rows from `source` into the new SQLite store at
    /// `path` (created; it must not exist), with the bank entries waiting for a person when
    /// `waitingBankEntries` (the morning digest lists them). Returns the number of invoices copied.
    public static func copy(_ selection: Selection, waitingBankEntries: Bool = false, from source: PostgresStore, into path: String) async throws
        -> Int {
        let store = try Store(path: path, scratch: true)
        let columnsByTable = try await store.pool.read { db in try localColumns(db) }
        let copied = try await source.transaction("read the invoices asked for") { connection in
            let ids = try await invoiceIDs(selection, on: connection)
            var tables = try await rows(of: ids, columns: columnsByTable, on: connection)
            if waitingBankEntries {
                tables.append(try await read("bank_entries", where: "state IN ('unmatched', 'ambiguous')", orderBy: "id", binds: PostgresBindings(),
                                             columns: columnsByTable["bank_entries"] ?? [], on: connection))
            }
            return (ids.count, tables)
        }
        try await store.pool.write { db in try insert(copied.1, into: db) }
        return copied.0
    }

    /// The bank entries waiting for a person (unmatched or ambiguous), copied from `source` into
    /// the new SQLite store at `path`, for `relance payments unmatched`; returns how many.
    public static func copyWaitingBankEntries(from source: PostgresStore, into path: String) async throws -> Int {
        let store = try Store(path: path, scratch: true)
        let columns = try await store.pool.read { db in try localColumns(db) }["bank_entries"] ?? []
        let table = try await source.transaction("read the waiting bank entries") { connection in
            try await read("bank_entries", where: "state IN ('unmatched', 'ambiguous')", orderBy: "id", binds: PostgresBindings(),
                           columns: columns, on: connection)
        }
        try await store.pool.write { db in try insert([table], into: db) }
        return table.rows.count
    }

    /// The rows of one table as read from PostgreSQL, in the local table's columns.
    struct TableRows: Sendable {
        let name: String
        let columns: [String]
        let rows: [[DatabaseValue]]
    }

    /// The columns of each copied table in the local SQLite schema (PostgreSQL's tables have a few
    /// more: the leases).
    static func localColumns(_ db: Database) throws -> [String: Set<String>] {
        var columns: [String: Set<String>] = [:]
        for table in PostgresSchema.copiedTables {
            columns[table.name] = Set(try Row.fetchAll(db, sql: "PRAGMA table_info(\(table.name))").map { $0["name"] as String })
        }
        return columns
    }

    /// Every row that belongs to the invoices `ids`, table by table, parents first.
    static func rows(of ids: [String], columns columnsByTable: [String: Set<String>], skipping: Set<String> = [],
                     on connection: PostgresConnection) async throws -> [TableRows] {
        var tables: [TableRows] = []
        for table in PostgresSchema.copiedTables where !skipping.contains(table.name) {
            guard let filter = filter(for: table.name), let local = columnsByTable[table.name] else { continue }
            tables.append(try await read(table.name, where: filter, orderBy: table.orderBy, binds: binds(ids), columns: local, on: connection))
        }
        return tables
    }

    /// One table's rows (those `filter` keeps), in the local table's columns.
    static func read(_ name: String, where filter: String, orderBy: String, binds: PostgresBindings, columns local: Set<String>,
                     on connection: PostgresConnection) async throws -> TableRows {
        let query = PostgresQuery(unsafeSQL: "SELECT * FROM \(name) WHERE \(filter) ORDER BY \(orderBy)", binds: binds)
        var columns: [String] = []
        var rows: [[DatabaseValue]] = []
        for try await row in try await connection.query(query, logger: SharedQueue.logger) {
            var values: [DatabaseValue] = []
            if columns.isEmpty { columns = row.map(\.columnName) }
            for cell in row where local.contains(cell.columnName) { values.append(try value(of: cell)) }
            rows.append(values)
        }
        return TableRows(name: name, columns: columns.filter(local.contains), rows: rows)
    }

    /// Writes the rows read into the local store, parents first.
    static func insert(_ tables: [TableRows], into db: Database) throws {
        for table in tables where !table.rows.isEmpty {
            let sql = "INSERT INTO \(table.name) (\(table.columns.joined(separator: ", "))) VALUES (\(table.columns.map { _ in "?" }.joined(separator: ", ")))"
            let statement = try db.makeStatement(sql: sql)
            for row in table.rows { try statement.execute(arguments: StatementArguments(row)) }
        }
    }

    private static func invoiceIDs(_ selection: Selection, on connection: PostgresConnection) async throws -> [String] {
        switch selection {
        case .invoice(let id):
            return try await connection.query("SELECT id FROM invoices WHERE id = \(id)", logger: SharedQueue.logger).collect().map { try $0.decode(String.self) }
        case .invoices(let includeClosed):
            let sql = includeClosed ? "SELECT id FROM invoices" : "SELECT id FROM invoices WHERE state IN ('open', 'collection')"
            return try await connection.query(PostgresQuery(unsafeSQL: sql), logger: SharedQueue.logger).collect().map { try $0.decode(String.self) }
        case .customersWithOpenTasks:
            return try await connection.query("""
                SELECT id FROM invoices WHERE customer_key IN (SELECT customer_key FROM tasks WHERE state = 'open') ORDER BY id
                """, logger: SharedQueue.logger).collect().map { try $0.decode(String.self) }
        case .customersWithHeldReminders:
            return try await connection.query("""
                SELECT id FROM invoices WHERE customer_key IN
                    (SELECT i.customer_key FROM reminders r JOIN invoices i ON i.id = r.invoice_id WHERE r.state = 'held') ORDER BY id
                """, logger: SharedQueue.logger).collect().map { try $0.decode(String.self) }
        case .customers(let keys):
            return try await connection.query("SELECT id FROM invoices WHERE customer_key = ANY(\(keys)) ORDER BY id", logger: SharedQueue.logger)
                .collect().map { try $0.decode(String.self) }
        case .waitingBetween(let from, let to):
            return try await connection.query("""
                SELECT DISTINCT invoice_id FROM reminders
                WHERE state IN ('planned', 'deferred') AND send_at >= \(SharedQueue.seconds(from)) AND send_at < \(SharedQueue.seconds(to))
                ORDER BY invoice_id
                """, logger: SharedQueue.logger).collect().map { try $0.decode(String.self) }
        case .customersWithRemindersDue(let instant):
            return try await connection.query("""
                SELECT id FROM invoices WHERE customer_key IN
                    (SELECT i.customer_key FROM reminders r JOIN invoices i ON i.id = r.invoice_id
                     WHERE r.state IN ('planned', 'deferred') AND r.send_at <= \(SharedQueue.seconds(instant)))
                ORDER BY id
                """, logger: SharedQueue.logger).collect().map { try $0.decode(String.self) }
        }
    }

    /// The rows of `table` that belong to the invoices `$1` (a text array), or nil for a table that
    /// is not the invoices' (intake, mailboxes, the daemon's own records, bank entries).
    private static func filter(for table: String) -> String? {
        switch table {
        case "invoices": "id = ANY($1)"
        case "payments", "reminders", "replies", "events", "tasks", "promises", "installment_plans": "invoice_id = ANY($1)"
        case "installments": "plan_id IN (SELECT id FROM installment_plans WHERE invoice_id = ANY($1))"
        case "customer_policies", "contact_overrides", "customer_names": "customer_key IN (SELECT customer_key FROM invoices WHERE id = ANY($1))"
        default: nil
        }
    }

    static func binds(_ ids: [String]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(ids)
        return bindings
    }

    /// A cell as SQLite keeps it: the schema's columns are BIGINT or TEXT.
    static func value(of cell: PostgresCell) throws -> DatabaseValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int8, .int4, .int2: return try cell.decode(Int64.self).databaseValue
        default: return try cell.decode(String.self).databaseValue
        }
    }
}
