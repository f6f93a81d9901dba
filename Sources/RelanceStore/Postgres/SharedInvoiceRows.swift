public import Foundation
public import PostgresNIO
public import RelanceCore

/// The invoice rows an intake writes on the shared store, the PostgreSQL twins of
/// `StoreTransaction`'s (same columns, same JSON document, same rules): exists so that an invoice
/// taken in by any instance is stored exactly as the SQLite store keeps it, and so that a plan is
/// replaced without touching a reminder another instance has claimed. Every function runs inside
/// the caller's transaction.
public enum SharedInvoiceRows {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// The stored invoice, locked for this transaction (an amendment or a credit note read, then
    /// write it; a second instance doing the same waits), or nil when it is not known.
    public static func invoiceForUpdate(_ id: String, on connection: PostgresConnection) async throws -> Invoice? {
        let rows = try await connection.query("SELECT document FROM invoices WHERE id = \(id) FOR UPDATE", logger: SharedQueue.logger)
        for try await document in rows.decode(String.self) {
            return try JSONDecoder().decode(Invoice.self, from: Data(document.utf8))
        }
        return nil
    }

    /// Inserts a new invoice or amends an existing one (revision + 1), in one statement: two
    /// instances amending the same invoice at once count two revisions, never lose one.
    /// Returns the revision now stored.
    @discardableResult
    public static func upsert(_ invoice: Invoice, customerKey: String, sourceFile: String, sourceHash: String, format: String,
                              at now: Date, on connection: PostgresConnection) async throws -> Int64 {
        let document = String(decoding: try encoder.encode(invoice), as: UTF8.self)
        let due = invoice.dueDate?.iso ?? invoice.issueDate.iso
        let owed = (invoice.total - invoice.amountPaid).minorUnits
        let seconds = SharedQueue.seconds(now)
        let reference = CreditorReference(invoiceNumber: invoice.id).value
        let rows = try await connection.query("""
            INSERT INTO invoices (id, customer_key, currency, total_minor, issue_date, due_date, source_file, source_hash,
                                  format, document, revision, ingested_at, updated_at, owed_minor, creditor_ref)
            VALUES (\(invoice.id), \(customerKey), \(invoice.currency.code), \(invoice.total.minorUnits), \(invoice.issueDate.iso),
                    \(due), \(sourceFile), \(sourceHash), \(format), \(document), 1, \(seconds), \(seconds), \(owed), \(reference))
            ON CONFLICT (id) DO UPDATE SET customer_key = EXCLUDED.customer_key, currency = EXCLUDED.currency,
                total_minor = EXCLUDED.total_minor, issue_date = EXCLUDED.issue_date, due_date = EXCLUDED.due_date,
                source_file = EXCLUDED.source_file, source_hash = EXCLUDED.source_hash, format = EXCLUDED.format,
                document = EXCLUDED.document, revision = invoices.revision + 1, updated_at = EXCLUDED.updated_at,
                state = 'open', owed_minor = EXCLUDED.owed_minor
            RETURNING revision
            """, logger: SharedQueue.logger)
        for try await revision in rows.decode(Int64.self) { return revision }
        throw StoreError(operation: "store invoice \(invoice.id)", underlying: "the server returned no revision")
    }

    /// The invoice's payments, oldest first.
    public static func payments(invoiceID: String, currency: Currency, on connection: PostgresConnection) async throws -> [Payment] {
        let rows = try await connection.query("""
            SELECT amount_minor, date, reference FROM payments WHERE invoice_id = \(invoiceID) ORDER BY date, id
            """, logger: SharedQueue.logger)
        var payments: [Payment] = []
        for try await (amount, date, reference) in rows.decode((Int64, String, String?).self) {
            guard let day = LocalDate(iso: date) else { continue }
            payments.append(Payment(amount: Money(minorUnits: amount, currency: currency), date: day, reference: reference))
        }
        return payments
    }

    public static func addPayment(invoiceID: String, _ payment: Payment, source: String, at now: Date,
                                  on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO payments (invoice_id, amount_minor, date, reference, source, recorded_at)
            VALUES (\(invoiceID), \(payment.amount.minorUnits), \(payment.date.iso), \(payment.reference), \(source), \(SharedQueue.seconds(now)))
            """, logger: SharedQueue.logger)
    }

    /// The days on which the invoice's reminders went or may have gone, by step (what the planner
    /// spaces the remaining levels from): the instant sent when known, else the planned day.
    public static func history(invoiceID: String, zone: TimeZone, on connection: PostgresConnection) async throws -> [String: LocalDate] {
        let rows = try await connection.query("""
            SELECT step, local_date, sent_at FROM reminders
            WHERE invoice_id = \(invoiceID) AND state IN ('sent', 'sending', 'uncertain', 'bounced')
            """, logger: SharedQueue.logger)
        var days: [String: LocalDate] = [:]
        for try await (step, localDate, sentAt) in rows.decode((String, String, Int64?).self) {
            days[step] = sentAt.map { ZonedDateTime.localDate(of: Date(timeIntervalSince1970: TimeInterval($0)), in: zone) } ?? LocalDate(iso: localDate)
        }
        return days
    }

    /// Sets the invoice's state (open again after an amendment, paid when nothing is left).
    public static func setState(_ invoiceID: String, _ state: InvoiceState, at now: Date, on connection: PostgresConnection) async throws {
        try await connection.query("""
            UPDATE invoices SET state = \(state.rawValue), updated_at = \(SharedQueue.seconds(now)) WHERE id = \(invoiceID)
            """, logger: SharedQueue.logger)
    }

    /// Replaces the invoice's planned reminders with `plan`. A row an instance has claimed (it holds
    /// a lease) stays: it may be handed off at any moment; so does a message a person arranged,
    /// which no policy plans again (the same rule as the SQLite store's).
    public static func replacePlanned(invoiceID: String, with plan: [PlannedReminder], at now: Date,
                                      on connection: PostgresConnection) async throws {
        let arranged = StepKind.allCases.filter(\.goesWhilePaused).map(\.rawValue)
        try await connection.query("""
            DELETE FROM reminders WHERE invoice_id = \(invoiceID) AND state = 'planned' AND lease_owner IS NULL
                AND batch_id IS NULL AND NOT (kind = ANY(\(arranged)))
            """, logger: SharedQueue.logger)
        guard !plan.isEmpty else { return }
        let seconds = SharedQueue.seconds(now)
        // One statement for the whole plan: its rows as arrays, unnested (one round trip whatever its
        // length). An absent arranged id or part travels as 0, which neither can be (both count from 1).
        try await connection.query("""
            INSERT INTO reminders (invoice_id, step, kind, local_date, send_at, state, amount_minor, updated_at, arranged_id, part)
            SELECT \(invoiceID), step, kind, local_date, send_at, 'planned', amount_minor, \(seconds), NULLIF(arranged_id, 0), NULLIF(part, 0)
            FROM unnest(\(plan.map(\.step)), \(plan.map(\.kind.rawValue)), \(plan.map(\.localDate.iso)),
                        \(plan.map { SharedQueue.seconds($0.sendAt) }), \(plan.map(\.amount.minorUnits)),
                        \(plan.map { $0.arrangedID ?? 0 }), \(plan.map { Int64($0.part ?? 0) }))
                AS p(step, kind, local_date, send_at, amount_minor, arranged_id, part)
            ON CONFLICT (invoice_id, step) DO NOTHING
            """, logger: SharedQueue.logger)
    }

    /// True while a payment plan runs for the invoice: its instalments' reminders replace the policy's
    /// steps, and an intake leaves its plan alone.
    public static func hasActivePlan(invoiceID: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("""
            SELECT 1 FROM installment_plans WHERE invoice_id = \(invoiceID) AND state = 'active' LIMIT 1
            """, logger: SharedQueue.logger)
        return try await SharedQueue.count(rows) > 0
    }

    /// The invoice's planned reminders, by send time: the `planned` line's count and next step.
    public static func planned(invoiceID: String, on connection: PostgresConnection) async throws -> [(step: String, localDate: String, sendAt: Int64)] {
        let rows = try await connection.query("""
            SELECT step, local_date, send_at FROM reminders WHERE invoice_id = \(invoiceID) AND state = 'planned' ORDER BY send_at, id
            """, logger: SharedQueue.logger)
        var planned: [(step: String, localDate: String, sendAt: Int64)] = []
        for try await (step, day, sendAt) in rows.decode((String, String, Int64).self) { planned.append((step, day, sendAt)) }
        return planned
    }

    /// One event, as the SQLite store's `events` table keeps it (its send-log line).
    public static func addEvent(at now: Date, event: String, invoiceID: String?, line: String, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO events (at, event, invoice_id, line) VALUES (\(SharedQueue.seconds(now)), \(event), \(invoiceID), \(line))
            """, logger: SharedQueue.logger)
    }
}
