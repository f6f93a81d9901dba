import Foundation
internal import GRDB
public import RelanceCore

/// What a cycle's decision reads of every invoice of its chunk, read at once: each invoice's row,
/// reminders and payments, in three statements for the chunk instead of three per invoice (on a
/// send of thousands, the statements' own cost was a third of deciding). Read inside the deciding
/// transaction, before any of the chunk's invoices is decided: what the decision writes for one
/// invoice changes no other invoice's rows.
public struct ChunkRows: Sendable {
    /// Each invoice as stored (a document decoded ahead is used when the row still holds it).
    public let invoices: [String: StoredInvoice]
    /// Each invoice's reminders, in send order (`send_at`, then id), as `reminders(invoiceID:)` gives them.
    public let reminders: [String: [ReminderRecord]]
    /// Each invoice's payments, by date then id, as `payments(invoiceID:currency:)` gives them.
    public let payments: [String: [Payment]]
}

extension ReminderRecord {
    /// The Message-IDs a new message about this invoice threads under: those of its reminders that
    /// went (or may have: uncertain, bounced), by send time then id.
    public static func threadReferences(_ reminders: [ReminderRecord]) -> [String] {
        reminders.filter { [.sent, .uncertain, .bounced].contains($0.state) && $0.messageID != nil }
            .sorted { ($0.sentAt ?? .distantPast, $0.id) < ($1.sentAt ?? .distantPast, $1.id) }
            .compactMap(\.messageID)
    }
}

extension StoreTransaction {
    /// The rows, reminders and payments of every invoice in `invoiceIDs` (the ids go as one JSON
    /// array: one cached statement whatever the chunk's size), using the documents `decodedAhead` holds.
    public func chunkRows(invoiceIDs: [String], decodedAhead: DecodedInvoices) throws -> ChunkRows {
        guard !invoiceIDs.isEmpty else { return ChunkRows(invoices: [:], reminders: [:], payments: [:]) }
        let list = try Self.jsonList(invoiceIDs)
        var invoices: [String: StoredInvoice] = [:]
        invoices.reserveCapacity(invoiceIDs.count)
        // The id comes after the columns `storedInvoiceRow` reads by position.
        let invoiceRows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT \(Self.invoiceColumns), id FROM invoices WHERE id IN (SELECT value FROM json_each(?))
            """), arguments: [list])
        while let row = try invoiceRows.next() {
            let id: String = row[Self.invoiceColumnCount]
            invoices[id] = try storedInvoiceRow(row, id: id, decodedAhead: decodedAhead)
        }
        var reminders: [String: [ReminderRecord]] = [:]
        reminders.reserveCapacity(invoiceIDs.count)
        let reminderRows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT \(Self.reminderColumns) FROM reminders WHERE invoice_id IN (SELECT value FROM json_each(?)) ORDER BY invoice_id, send_at, id
            """), arguments: [list])
        while let row = try reminderRows.next() {
            let reminder = try reminderRow(row)
            reminders[reminder.invoiceID, default: []].append(reminder)
        }
        // A payment is in its invoice's currency.
        var payments: [String: [Payment]] = [:]
        let paymentRows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT invoice_id, \(Self.paymentColumns) FROM payments WHERE invoice_id IN (SELECT value FROM json_each(?)) ORDER BY invoice_id, date, id
            """), arguments: [list])
        while let row = try paymentRows.next() {
            let id: String = row[0]
            guard let currency = invoices[id]?.invoice.currency, let payment = Self.payment(row, from: 1, currency: currency) else { continue }
            payments[id, default: []].append(payment)
        }
        return ChunkRows(invoices: invoices, reminders: reminders, payments: payments)
    }

    /// `ids` as one JSON array, for `… IN (SELECT value FROM json_each(?))`: one cached statement for any number of ids.
    static func jsonList(_ ids: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(ids), as: UTF8.self)
    }

    /// Whether any address is known to be undeliverable (most stores: none, and no lookup per invoice).
    public func hasUndeliverable() throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM undeliverable)")) ?? false
    }
}
