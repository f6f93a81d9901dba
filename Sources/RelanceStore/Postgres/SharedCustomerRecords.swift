public import Foundation
internal import GRDB
public import PostgresNIO
public import RelanceCore

/// The customers' records that `[[policy_rules]]` judge, read from the shared PostgreSQL store
/// inside the caller's transaction: exists so that an intake batch on a shared store chooses a
/// customer's policy from the same histories as one machine (`StoreTransaction.receivableHistories`,
/// run on a temporary SQLite copy of those customers' invoices and the rows it reads), not from a
/// second reading of each table that could drift from the first. The copy is removed after.
public enum SharedCustomerRecords {
    /// The tables `receivableHistories` does not read, left out of the copy.
    private static let unread: Set<String> = ["events", "tasks", "replies", "customer_policies", "contact_overrides", "customer_names"]

    /// Every invoice of `customerKeys` with its payments, sent reminders and promises, as
    /// `StoreTransaction.receivableHistories` gives them; `day` turns an instant into the creditor's date.
    public static func histories(customerKeys: [String], day: @escaping @Sendable (Date) -> LocalDate,
                                 on connection: PostgresConnection) async throws -> [ReceivableHistory] {
        guard !customerKeys.isEmpty else { return [] }
        let ids = try await connection.query("SELECT id FROM invoices WHERE customer_key = ANY(\(customerKeys)) ORDER BY id",
                                             logger: SharedQueue.logger).collect().map { try $0.decode(String.self) }
        guard !ids.isEmpty else { return [] }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("relance-records-\(UUID().uuidString).sqlite").path
        defer { try? Store.removeFiles(at: path) }
        let store = try Store(path: path, scratch: true)
        let columns = try await store.pool.read { db in try SharedSnapshot.localColumns(db) }
        let tables = try await SharedSnapshot.rows(of: ids, columns: columns, skipping: unread, on: connection)
        try await store.pool.write { db in try SharedSnapshot.insert(tables, into: db) }
        return try store.read { tx in try tx.receivableHistories(day: day) }
    }
}
