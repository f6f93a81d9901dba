public import Foundation
public import PostgresNIO

/// What comes in (invoice files, bank entries) taken once when several instances watch the same
/// folder or receive the same statement: exists because two instances can pick the same file in
/// the same second. Each record is an insert that a unique index decides: the second instance's
/// insert waits for the first one's transaction and then does nothing, and the answer "not
/// first" tells it to leave the file to the one that took it.
public enum SharedIntake {
    /// Records a source file (by its content hash); true when this transaction is the first to.
    public static func recordSource(hash: String, name: String, documentID: String, kind: String, at now: Date,
                                    on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("""
            INSERT INTO source_files (hash, name, document_id, kind, ingested_at)
            VALUES (\(hash), \(name), \(documentID), \(kind), \(SharedQueue.seconds(now)))
            ON CONFLICT (hash) DO NOTHING
            RETURNING hash
            """, logger: SharedQueue.logger)
        return try await SharedQueue.count(rows) == 1
    }

    /// Records a bank entry by its key (account + the bank's entry reference, or a content hash);
    /// its id when this transaction is the first to, nil when it was recorded before or by another
    /// instance at the same time (the same statement dropped twice, a camt.054 and the next camt.053).
    public static func recordBankEntry(key: String, account: String?, amountMinor: Int64, currency: String, credit: Bool, file: String,
                                       state: String, at now: Date, on connection: PostgresConnection) async throws -> Int64? {
        let rows = try await connection.query("""
            INSERT INTO bank_entries (entry_key, account, amount_minor, currency, credit, reversal, file, state, recorded_at)
            VALUES (\(key), \(account), \(amountMinor), \(currency), \(credit ? Int64(1) : 0), 0, \(file), \(state), \(SharedQueue.seconds(now)))
            ON CONFLICT (entry_key) DO NOTHING
            RETURNING id
            """, logger: SharedQueue.logger)
        for try await id in rows.decode(Int64.self) { return id }
        return nil
    }
}
