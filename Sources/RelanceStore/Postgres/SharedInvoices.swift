public import Foundation
public import PostgresNIO

/// Invoice transitions on the shared store that race with sending: exists so that a payment
/// recorded by one instance while another hands off a reminder of the same invoice ends in one of
/// the two serial orders, never in a reminder sent after the payment was committed. The invoice
/// row is updated first (the hand-off reads it `FOR SHARE`, so it waits for this transaction or
/// sees its result), then its waiting reminders are cancelled.
public enum SharedInvoices {
    /// The invoice is paid in full: `paid`, and its waiting reminders (claimed or not) cancelled.
    /// Returns how many reminders were cancelled, or nil when the invoice was not open (or in collection).
    public static func settlePaid(_ invoiceID: String, at now: Date, on connection: PostgresConnection) async throws -> Int? {
        let seconds = SharedQueue.seconds(now)
        let settled = try await connection.query("""
            UPDATE invoices SET state = 'paid', updated_at = \(seconds) WHERE id = \(invoiceID) AND state IN ('open', 'collection') RETURNING id
            """, logger: SharedQueue.logger)
        guard try await SharedQueue.count(settled) == 1 else { return nil }
        let cancelled = try await connection.query("""
            UPDATE reminders SET state = 'cancelled', detail = 'paid', lease_owner = NULL, lease_expires_at = NULL, updated_at = \(seconds)
            WHERE invoice_id = \(invoiceID) AND state IN ('planned', 'deferred')
            RETURNING id
            """, logger: SharedQueue.logger)
        return try await SharedQueue.count(cancelled)
    }
}
