import Foundation
import PostgresNIO

/// `relance migrate`'s step for the invoices' documents: exists because a SQLite store keeps each
/// as a file in its state directory (`STATE_DIR/attachments/HASH/NAME`) that the other instances
/// cannot read. Inside the copy's transaction, each copied invoice whose document names such a
/// file has the file's bytes stored in `SharedAttachments` under the key "HASH/NAME" (the one new
/// files get) and its document changed to the reference. A file that cannot be read is reported
/// and its path kept: the invoice's reminders go without it, as they did on one machine.
enum AttachmentCopy {
    /// What the step did.
    struct Outcome: Sendable {
        var stored = 0
        /// Invoices whose document's file could not be read, with the path.
        var notFound: [(invoice: String, path: String)] = []
    }

    static func copy(at now: Date, on connection: PostgresConnection) async throws -> Outcome {
        var outcome = Outcome()
        var documents: [(id: String, document: String)] = []
        // The JSON encoder leaves an absent attachment out: only documents naming one are read.
        for try await (id, document) in try await connection.query("""
            SELECT id, document FROM invoices WHERE document LIKE '%"attachment":%' ORDER BY id
            """, logger: SharedQueue.logger).decode((String, String).self) {
            documents.append((id, document))
        }
        for (id, document) in documents {
            var invoice = try InvoiceDocument.decode(document)
            guard let path = invoice.attachment, path.hasPrefix("/") else { continue }
            guard let data = FileManager.default.contents(atPath: path) else {
                outcome.notFound.append((id, path))
                continue
            }
            let parts = path.split(separator: "/").suffix(2).map(String.init)
            let key = parts.joined(separator: "/")
            try await SharedAttachments.store([(key, Array(data))], at: now, on: connection)
            invoice.attachment = SharedAttachments.reference(key: key)
            let changed = try InvoiceDocument.encode(invoice)
            try await connection.query("UPDATE invoices SET document = \(changed) WHERE id = \(id)", logger: SharedQueue.logger)
            outcome.stored += 1
        }
        return outcome
    }
}
