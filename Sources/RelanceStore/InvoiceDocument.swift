import Foundation
public import RelanceCore

/// An invoice as both stores keep it (`invoices.document`): JSON with sorted keys. Exists so that
/// the SQLite store, the shared PostgreSQL store and the copy between them write and read one
/// format, byte for byte, from one place.
public enum InvoiceDocument {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    public static func encode(_ invoice: Invoice) throws -> String {
        String(decoding: try encoder.encode(invoice), as: UTF8.self)
    }

    public static func decode(_ document: String) throws -> Invoice {
        try JSONDecoder().decode(Invoice.self, from: Data(document.utf8))
    }
}
