import Foundation
import PostgresNIO
import Synchronization

/// One row statement of a write-back (`SharedWriteBack`): an update or a delete guarded by the
/// values the row was copied with, or an insert. Exists so that the rows of one shape (the same
/// table, the same columns, the same guards) are written by one set-based statement, the rows'
/// values bound as arrays, instead of one round trip to the server each: a send pass writes back a
/// few hundred reminders and events at a time. Every row must still be touched, or the whole
/// write-back is refused.
struct GuardedStatement: Sendable, Equatable {
    /// What the statement does, without its values: statements of one shape are written together.
    enum Shape: Hashable, Sendable {
        /// `UPDATE table SET set… [, extra] WHERE guards… [suffix]`: values are the set columns', then the guards'.
        case update(table: String, set: [String], extra: String, guards: [String], suffix: String)
        /// `DELETE FROM table WHERE guards… [suffix]`.
        case delete(table: String, guards: [String], suffix: String)
        /// `INSERT INTO table (columns…) VALUES (…) [ON CONFLICT conflict]`.
        case insert(table: String, columns: [String], conflict: String)

        var table: String {
            switch self {
            case .update(let table, _, _, _, _), .delete(let table, _, _), .insert(let table, _, _): table
            }
        }

        /// The column each value is compared with or written to, in order.
        var parameters: [String] {
            switch self {
            case .update(_, let set, _, let guards, _): set + guards
            case .delete(_, let guards, _): guards
            case .insert(_, let columns, _): columns
            }
        }
    }

    let shape: Shape
    let values: [SharedWriteBack.Cell]
    /// The row it names, for a conflict's message ("new" for an insert).
    let id: String

    /// The statement for this row alone, its values bound as `$1…`.
    var singleRowSQL: String {
        let placeholders = (1...max(1, values.count)).map { "$\($0)" }
        switch shape {
        case .update(let table, let set, let extra, let guards, let suffix):
            let assignments = zip(set, placeholders).map { "\($0) = \($1)" } + (extra.isEmpty ? [] : [extra])
            let conditions = zip(guards, placeholders.dropFirst(set.count)).map { "\($0) = \($1)" }
            return "UPDATE \(table) SET \(assignments.joined(separator: ", ")) WHERE \(conditions.joined(separator: " AND "))\(suffix) RETURNING 1"
        case .delete(let table, let guards, let suffix):
            let conditions = zip(guards, placeholders).map { "\($0) = \($1)" }
            return "DELETE FROM \(table) WHERE \(conditions.joined(separator: " AND "))\(suffix) RETURNING 1"
        case .insert(let table, let columns, let conflict):
            let clause = conflict.isEmpty ? "" : " ON CONFLICT \(conflict)"
            return "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(placeholders.prefix(columns.count).joined(separator: ", ")))\(clause) RETURNING 1"
        }
    }

    /// The statement for every row of `shape` at once: each parameter bound as an array of the
    /// column's type (`types`), the rows read with `unnest`. Updates and deletes return the id
    /// of each row they touched; inserts keep the rows' order (the events' ids follow it).
    static func setSQL(_ shape: Shape, types: [String]) -> String {
        let names = shape.parameters.indices.map { "p\($0 + 1)" }
        let arrays = zip(shape.parameters.indices, types).map { "$\($0 + 1)::\($1)[]" }.joined(separator: ", ")
        switch shape {
        case .update(let table, let set, let extra, let guards, let suffix):
            let assignments = zip(set, names).map { "\($0) = v.\($1)" } + (extra.isEmpty ? [] : [extra])
            let conditions = zip(guards, names.dropFirst(set.count)).map { "t.\($0) = v.\($1)" }
            return "UPDATE \(table) AS t SET \(assignments.joined(separator: ", ")) FROM unnest(\(arrays)) AS v(\(names.joined(separator: ", "))) "
                + "WHERE \(conditions.joined(separator: " AND "))\(qualified(suffix)) RETURNING t.\(guards[0])::text"
        case .delete(let table, let guards, let suffix):
            let conditions = zip(guards, names).map { "t.\($0) = v.\($1)" }
            return "DELETE FROM \(table) AS t USING unnest(\(arrays)) AS v(\(names.joined(separator: ", "))) "
                + "WHERE \(conditions.joined(separator: " AND "))\(qualified(suffix)) RETURNING t.\(guards[0])::text"
        case .insert(let table, let columns, let conflict):
            let clause = conflict.isEmpty ? "" : " ON CONFLICT \(conflict)"
            return "INSERT INTO \(table) (\(columns.joined(separator: ", "))) SELECT \(names.joined(separator: ", ")) "
                + "FROM unnest(\(arrays)) WITH ORDINALITY AS v(\(names.joined(separator: ", ")), relance_order) ORDER BY relance_order\(clause) RETURNING 1"
        }
    }

    /// A suffix's bare column names are the target row's (" AND lease_owner IS NULL").
    private static func qualified(_ suffix: String) -> String {
        suffix.replacingOccurrences(of: " AND ", with: " AND t.")
    }

    /// Writes `statements` in order inside the caller's transaction: each run of one shape as one
    /// statement. Throws `conflict` at the first row a guard missed.
    static func apply(_ statements: [GuardedStatement], on connection: PostgresConnection) async throws {
        guard !statements.isEmpty else { return }
        let types = try await ColumnTypes.load(on: connection)
        for run in runs(statements) {
            if run.count > 1, let arrays = arrays(for: run, types: types[run[0].shape.table] ?? [:]) {
                try await applyTogether(run, arrays: arrays, on: connection)
            } else {
                for statement in run { try await applyAlone(statement, on: connection) }
            }
        }
    }

    /// The statements in runs of one shape, in an order that writes the same: between two inserts
    /// (whose order is kept: a moved reminder's insert comes after the deletions, the events' ids
    /// follow their order), updates and deletes touch distinct rows under guards of their own, so
    /// those of one shape are brought together in the order their shapes first came.
    static func runs(_ statements: [GuardedStatement]) -> [[GuardedStatement]] {
        var runs: [[GuardedStatement]] = []
        var pending: [Shape: Int] = [:]  // shape -> index in `runs` since the last insert
        for statement in statements {
            if case .insert = statement.shape {
                pending = [:]
                if let last = runs.last, last[0].shape == statement.shape { runs[runs.count - 1].append(statement) } else { runs.append([statement]) }
                continue
            }
            if let index = pending[statement.shape] {
                runs[index].append(statement)
            } else {
                pending[statement.shape] = runs.count
                runs.append([statement])
            }
        }
        return runs
    }

    private static func applyAlone(_ statement: GuardedStatement, on connection: PostgresConnection) async throws {
        var bindings = PostgresBindings(capacity: statement.values.count)
        for value in statement.values {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let number): bindings.append(number)
            case .text(let text): bindings.append(text)
            }
        }
        let rows = try await connection.query(PostgresQuery(unsafeSQL: statement.singleRowSQL, binds: bindings), logger: SharedQueue.logger)
        guard try await SharedQueue.count(rows) == 1 else { throw SharedWriteBackError.conflict(table: statement.shape.table, id: statement.id) }
    }

    private static func applyTogether(_ run: [GuardedStatement], arrays: [CellArray], on connection: PostgresConnection) async throws {
        var bindings = PostgresBindings(capacity: arrays.count)
        for array in arrays { bindings.append(array) }
        let shape = run[0].shape
        let sql = setSQL(shape, types: arrays.map { $0.integer ? "bigint" : "text" })
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: SharedQueue.logger)
        if case .insert = shape {
            guard try await SharedQueue.count(rows) == run.count else { throw SharedWriteBackError.conflict(table: shape.table, id: "new") }
            return
        }
        var touched = Set<String>()
        for try await id in rows.decode(String.self) { touched.insert(id) }
        if let missed = run.first(where: { !touched.contains($0.id) }) ?? (touched.count < run.count ? run.first : nil) {
            throw SharedWriteBackError.conflict(table: shape.table, id: missed.id)
        }
    }

    /// Each parameter's values across the rows, typed as its column is; nil when a value cannot
    /// be (text that is not a number in a BIGINT column): the rows are then written one by one.
    private static func arrays(for run: [GuardedStatement], types: [String: String]) -> [CellArray]? {
        var arrays: [CellArray] = []
        for (position, column) in run[0].shape.parameters.enumerated() {
            guard let type = types[column] else { return nil }
            let integer = type == "bigint"
            var elements: [SharedWriteBack.Cell] = []
            elements.reserveCapacity(run.count)
            for statement in run {
                switch (statement.values[position], integer) {
                case (.null, _): elements.append(.null)
                case (.integer(let number), true): elements.append(.integer(number))
                case (.integer(let number), false): elements.append(.text(String(number)))
                case (.text(let text), false): elements.append(.text(text))
                case (.text(let text), true):
                    guard let number = Int64(text) else { return nil }
                    elements.append(.integer(number))
                }
            }
            arrays.append(CellArray(elements: elements, integer: integer))
        }
        return arrays
    }
}

/// The PostgreSQL type of each column of the shared store's tables ("bigint", "text"), by table,
/// read once per process from the catalog (after the schema is brought up to date): the
/// write-backs bind arrays of them, `relance migrate` binds SQLite's values as them.
enum ColumnTypes {
    private static let loaded = Mutex<[String: [String: String]]?>(nil)

    static func load(on connection: PostgresConnection) async throws -> [String: [String: String]] {
        if let known = loaded.withLock({ $0 }) { return known }
        var types: [String: [String: String]] = [:]
        let rows = try await connection.query("""
            SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = current_schema()
            """, logger: SharedQueue.logger)
        for try await (table, column, type) in rows.decode((String, String, String).self) { types[table, default: [:]][column] = type }
        let found = types
        loaded.withLock { $0 = found }
        return found
    }
}

/// A one-dimensional BIGINT or TEXT array whose elements may be NULL, in PostgreSQL's binary
/// array format (`array_recv`): PostgresNIO's arrays take no optional elements.
struct CellArray: PostgresDynamicTypeEncodable, Sendable {
    let elements: [SharedWriteBack.Cell]
    let integer: Bool

    var psqlType: PostgresDataType { integer ? .int8Array : .textArray }
    var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(elements.isEmpty ? 0 : 1, as: Int32.self)
        buffer.writeInteger(elements.contains(.null) ? 1 : 0, as: Int32.self)
        buffer.writeInteger((integer ? PostgresDataType.int8 : PostgresDataType.text).rawValue)
        guard !elements.isEmpty else { return }
        buffer.writeInteger(Int32(elements.count))
        buffer.writeInteger(1, as: Int32.self)
        for element in elements {
            switch element {
            case .null:
                buffer.writeInteger(-1, as: Int32.self)
            case .integer(let number):
                buffer.writeInteger(8, as: Int32.self)
                buffer.writeInteger(number)
            case .text(let text):
                buffer.writeInteger(Int32(text.utf8.count))
                buffer.writeString(text)
            }
        }
    }
}
