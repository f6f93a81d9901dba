public import Foundation
public import PostgresNIO

/// The documents invoices came with (a PDF beside a JSON invoice, a Factur-X file itself), kept in
/// the shared store: exists because the one-machine intake copies them into its state directory,
/// which the other instances cannot read. The intake stores the bytes in the transaction that
/// stores the invoice, and the invoice's document names them by a reference
/// (`shared-store:attachments/HASH/NAME`, HASH the one-machine folder's hash of the invoice id and
/// the bytes) instead of a path; the instance that sends a reminder fetches them before composing
/// it, outside any transaction. Rows are never changed: the same key is the same bytes.
public enum SharedAttachments {
    /// How an invoice document's `attachment` names bytes kept here rather than a file.
    public static let scheme = "shared-store:attachments/"

    /// The reference an invoice document keeps for `key` ("HASH/NAME").
    public static func reference(key: String) -> String { scheme + key }

    /// The key a reference names; nil for a path (a one-machine store's file).
    public static func key(of reference: String) -> String? {
        guard reference.hasPrefix(scheme) else { return nil }
        let key = String(reference.dropFirst(scheme.count))
        return key.isEmpty ? nil : key
    }

    /// The file name the attachment goes under in a message (the key's last part).
    public static func fileName(of key: String) -> String {
        key.split(separator: "/").last.map(String.init) ?? key
    }

    /// Stores attachments by key; a key already stored (the same file taken again, or by another
    /// instance) is left as it is.
    public static func store(_ attachments: [(key: String, bytes: [UInt8])], at now: Date, on connection: PostgresConnection) async throws {
        guard !attachments.isEmpty else { return }
        var seen = Set<String>()
        let unique = attachments.filter { seen.insert($0.key).inserted }
        try await connection.query("""
            INSERT INTO attachments (key, bytes, stored_at)
            SELECT key, bytes, \(SharedQueue.seconds(now))
            FROM unnest(\(unique.map(\.key)), \(unique.map { ByteBuffer(bytes: $0.bytes) })) AS a(key, bytes)
            ON CONFLICT (key) DO NOTHING
            """, logger: SharedQueue.logger)
    }

    /// The bytes of the keys that are stored (a key not stored is left out).
    public static func fetch(keys: [String], on connection: PostgresConnection) async throws -> [String: [UInt8]] {
        let wanted = Array(Set(keys)).sorted()
        guard !wanted.isEmpty else { return [:] }
        var found: [String: [UInt8]] = [:]
        let rows = try await connection.query("SELECT key, bytes FROM attachments WHERE key = ANY(\(wanted))", logger: SharedQueue.logger)
        for try await (key, bytes) in rows.decode((String, ByteBuffer).self) { found[key] = Array(buffer: bytes) }
        return found
    }
}
