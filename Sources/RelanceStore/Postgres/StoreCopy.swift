public import Foundation
internal import GRDB
import PostgresNIO

/// `relance migrate --to postgresql://…`: copies a SQLite store into an empty PostgreSQL store, every
/// table row for row, in one PostgreSQL transaction (a copy that fails leaves the target empty),
/// then checks that each table holds as many rows on both sides. Exists so that a business that
/// outgrows one machine keeps its history: every reminder sent, every reply, every payment.
/// The SQLite side is read from one snapshot, so the daemon may keep running while it is copied
/// (what it writes after the snapshot is not copied: stop it for the final copy).
public enum StoreCopy {
    /// One table's rows on both sides after the copy.
    public struct TableCount: Sendable, Equatable {
        public let table: String
        public let rows: Int
    }

    /// The copy refused or failed, and why.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// What a copy did: each table's rows, and the invoices' documents moved into the store
    /// (`AttachmentCopy`), with those whose file could not be read.
    public struct Outcome: Sendable {
        public let counts: [TableCount]
        public let attachmentsStored: Int
        public let attachmentsNotFound: [(invoice: String, path: String)]
    }

    /// Rows per INSERT: PostgreSQL takes at most 65,535 parameters in one statement.
    static let parameterBudget = 60_000

    /// - Parameter progress: called after each table with its row count.
    public static func copy(from store: Store, to target: PostgresStore, at now: Date,
                            progress: @Sendable (TableCount) -> Void = { _ in }) async throws -> Outcome {
        try await target.migrate(at: now)
        let snapshot: DatabaseSnapshot
        do {
            snapshot = try store.pool.makeSnapshot()
        } catch {
            throw Failure(description: "cannot read \(store.path): \(error)")
        }
        // The target must be empty: a copy over rows of its own would mix two histories.
        let occupied = try await target.transaction("look at the target") { connection in
            var occupied: [String] = []
            for table in PostgresSchema.copiedTables where try await count(table.name, on: connection) > 0 { occupied.append(table.name) }
            return occupied
        }
        guard occupied.isEmpty else {
            throw Failure(description: "\(target.location) is not empty (\(occupied.joined(separator: ", ")) hold rows): copy into a new database")
        }
        let tables = PostgresSchema.copiedTables
        let (counts, attachments) = try await target.transaction("copy \(store.path)") { connection in
            var counts: [TableCount] = []
            let typesByTable = try await ColumnTypes.load(on: connection)
            for table in tables {
                let types = typesByTable[table.name] ?? [:]
                var copied = 0
                var after: [DatabaseValue]?
                let keys = table.orderBy.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                let perPage = max(1, parameterBudget / max(1, types.count))
                while true {
                    let page = try readPage(snapshot, table: table.name, keys: keys, after: after, limit: perPage)
                    guard !page.rows.isEmpty else { break }
                    try await insert(page.rows, columns: page.columns, into: table.name, types: types, on: connection)
                    copied += page.rows.count
                    after = page.lastKey
                }
                if table.identity {
                    try await connection.query(PostgresQuery(unsafeSQL: """
                        SELECT setval(pg_get_serial_sequence('\(table.name)', 'id'), COALESCE((SELECT MAX(id) FROM \(table.name)), 0) + 1, false)
                        """), logger: SharedQueue.logger)
                }
                counts.append(TableCount(table: table.name, rows: copied))
            }
            // Verified inside the copy's transaction: a mismatch rolls the whole copy back.
            for (table, expected) in zip(tables, counts) {
                let source = try await snapshot.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.name)") ?? -1 }
                let copied = try await count(table.name, on: connection)
                guard source == expected.rows, copied == expected.rows else {
                    throw Failure(description: "\(table.name): \(source) rows in SQLite, \(expected.rows) read, \(copied) in PostgreSQL")
                }
            }
            return (counts, try await AttachmentCopy.copy(at: now, on: connection))
        }
        // The planner's statistics, gathered now: a freshly loaded table has none until autovacuum
        // gets to it, and without them PostgreSQL walked every reminder (a sequential scan) for each
        // `invoice_id = ANY(…)` of the instances' copies: 60 ms a pass on 200,000 reminders, ten
        // times that on a store of 1,000,000 invoices. (pg_restore's documentation gives the same
        // advice: run ANALYZE after a restore.)
        try await target.transaction("gather statistics on the copied tables") { connection in
            for table in tables {
                try await connection.query(PostgresQuery(unsafeSQL: "ANALYZE \(table.name)"), logger: SharedQueue.logger)
            }
        }
        counts.forEach(progress)
        return Outcome(counts: counts, attachmentsStored: attachments.stored, attachmentsNotFound: attachments.notFound)
    }

    /// One page of a table in key order, after the key `after` (keyset pagination: each page costs
    /// the same, however far into a million rows it is).
    private static func readPage(_ snapshot: DatabaseSnapshot, table: String, keys: [String], after: [DatabaseValue]?,
                                 limit: Int) throws -> (columns: [String], rows: [[DatabaseValue]], lastKey: [DatabaseValue]?) {
        try snapshot.read { db in
            let order = keys.joined(separator: ", ")
            let condition = after == nil ? "" : "WHERE (\(order)) > (\(keys.map { _ in "?" }.joined(separator: ", ")))"
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(table) \(condition) ORDER BY \(order) LIMIT \(limit)",
                                        arguments: StatementArguments(after ?? []))
            guard let first = rows.first else { return ([], [], nil) }
            let columns = Array(first.columnNames)
            let values = rows.map { row in columns.indices.map { row[$0] as DatabaseValue } }
            let last = rows.last.map { row in keys.map { row[$0] as DatabaseValue } }
            return (columns, values, last)
        }
    }

    /// One multi-row INSERT; each value bound as its PostgreSQL column's type (SQLite is dynamically
    /// typed: a number in a TEXT column arrives as text, text in a BIGINT column is refused by name).
    private static func insert(_ rows: [[DatabaseValue]], columns: [String], into table: String, types: [String: String],
                               on connection: PostgresConnection) async throws {
        var bindings = PostgresBindings(capacity: rows.count * columns.count)
        var tuples: [String] = []
        tuples.reserveCapacity(rows.count)
        var parameter = 0
        for row in rows {
            var placeholders: [String] = []
            for (column, value) in zip(columns, row) {
                guard let type = types[column] else {
                    throw Failure(description: "\(table).\(column) exists in SQLite but not in the PostgreSQL schema")
                }
                try bind(value, as: type, column: "\(table).\(column)", into: &bindings)
                parameter += 1
                placeholders.append("$\(parameter)")
            }
            tuples.append("(" + placeholders.joined(separator: ", ") + ")")
        }
        let sql = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES " + tuples.joined(separator: ", ")
        try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: SharedQueue.logger)
    }

    private static func bind(_ value: DatabaseValue, as type: String, column: String, into bindings: inout PostgresBindings) throws {
        switch (value.storage, type) {
        case (.null, _): bindings.appendNull()
        case (.int64(let number), "bigint"): bindings.append(number)
        case (.int64(let number), "text"): bindings.append(String(number))
        case (.string(let text), "text"): bindings.append(text)
        case (.string(let text), "bigint"):
            guard let number = Int64(text) else { throw Failure(description: "\(column) holds \"\(text)\", not a whole number") }
            bindings.append(number)
        default:
            throw Failure(description: "\(column) holds \(value), which a \(type) column cannot take")
        }
    }

    static func count(_ table: String, on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(table)"), logger: SharedQueue.logger)
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }
}
