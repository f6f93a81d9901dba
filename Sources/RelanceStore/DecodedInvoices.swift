import Foundation
import Synchronization
internal import GRDB
import RelanceCore

/// Invoices decoded ahead of the transaction that decides them. Decoding a stored invoice's JSON
/// document is the largest single cost of deciding a reminder; a cycle decodes the next chunk's
/// invoices on another thread, from a snapshot, while the current chunk is being sent. An entry
/// is used only when the row still holds the very document that was decoded (compared as text),
/// so a document amended in between is decoded again, in the deciding transaction (`chunkRows`).
public final class DecodedInvoices: Sendable {
    private let entries = Mutex<[String: (document: String, invoice: Invoice)]>([:])

    public init() {}

    /// How many invoices wait to be used.
    public var count: Int { entries.withLock { $0.count } }

    func take(_ id: String, document: String) -> Invoice? {
        entries.withLock { entries in
            guard let entry = entries.removeValue(forKey: id), entry.document == document else { return nil }
            return entry.invoice
        }
    }

    func missing(_ ids: [String]) -> [String] { entries.withLock { entries in ids.filter { entries[$0] == nil } } }

    func add(_ id: String, document: String, invoice: Invoice) { entries.withLock { $0[id] = (document, invoice) } }
}

extension Store {
    /// Reads and decodes, on a snapshot (beside any writer), the documents of `ids` that `decoded`
    /// does not hold yet. A document that cannot be read is left for the deciding transaction,
    /// which reports it.
    public func decodeAhead(_ ids: [String], into decoded: DecodedInvoices) {
        let wanted = decoded.missing(ids)
        guard !wanted.isEmpty else { return }
        try? pool.read { db in
            let rows = try Row.fetchCursor(db.cachedStatement(sql: "SELECT id, document FROM invoices WHERE id IN (SELECT value FROM json_each(?))"),
                                           arguments: [try StoreTransaction.jsonList(wanted)])
            while let row = try rows.next() {
                let document: String = row[1]
                guard let invoice = try? InvoiceDocument.decode(document) else { continue }
                decoded.add(row[0], document: document, invoice: invoice)
            }
        }
    }
}
