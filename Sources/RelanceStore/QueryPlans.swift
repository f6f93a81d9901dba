import Synchronization
internal import GRDB

/// Every SQL statement a store ran, as written (placeholders, not values): what a test gives to
/// `Store.queryPlan` to prove that the statements of a cycle find their rows through an index.
/// Without `ANALYZE` statistics SQLite plans the same way for ten invoices as for a million, so a
/// plan read on a small store is the plan of a large one; one statement that walked every open
/// invoice cost a quarter of a second of a 1,000,000-invoice cycle before it was caught this way.
public final class StatementRecorder: Sendable {
    private let seen = Mutex<Set<String>>([])

    public init() {}

    /// The distinct statements run so far.
    public var statements: Set<String> { seen.withLock { $0 } }

    func record(_ sql: String) { _ = seen.withLock { $0.insert(sql) } }

    func install(on db: Database) {
        db.trace(options: .statement) { [self] event in
            if case .statement(let statement) = event { record(statement.sql) }
        }
    }
}

extension Store {
    /// SQLite's `EXPLAIN QUERY PLAN` of `sql`, one line per step (`SEARCH invoices USING INDEX …`,
    /// `SCAN reminders`); its parameters are left unbound, which does not change the plan.
    public func queryPlan(_ sql: String) throws -> [String] {
        do {
            return try pool.read { db in
                let statement = try db.makeStatement(sql: "EXPLAIN QUERY PLAN " + sql)
                statement.setUncheckedArguments([])
                return try Row.fetchAll(statement).map { $0["detail"] as String? ?? "" }
            }
        } catch let error as DatabaseError {
            throw StoreError(operation: "explain", underlying: error.description)
        }
    }
}
