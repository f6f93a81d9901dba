public import PostgresNIO

/// The shared store's questions about promises to pay: exists so that an instance finds the few
/// promises that can be judged today without copying every pending one.
public enum SharedPromises {
    /// The invoices with a pending promise that can be judged: its date and grace passed (`promised_for`
    /// before `cutoff`, an ISO date), or its invoice no longer open (paid, so perhaps kept).
    public static func invoicesToJudge(promisedBefore cutoff: String, on connection: PostgresConnection) async throws -> [String] {
        try await connection.query("""
            SELECT DISTINCT p.invoice_id FROM promises p JOIN invoices i ON i.id = p.invoice_id
            WHERE p.state = 'pending' AND (p.promised_for < \(cutoff) OR i.state NOT IN ('open', 'collection'))
            ORDER BY p.invoice_id
            """, logger: SharedQueue.logger).collect().map { try $0.decode(String.self) }
    }
}

/// The shared store's questions about a person's tasks: exists so that `relance task done N`
/// finds the invoice whose customer it must copy.
public enum SharedTasks {
    /// The invoice task `id` is about; nil when there is no such task.
    public static func invoice(ofTask id: Int64, on connection: PostgresConnection) async throws -> String? {
        try await connection.query("SELECT invoice_id FROM tasks WHERE id = \(id)", logger: SharedQueue.logger).collect()
            .first.map { try $0.decode(String.self) }
    }
}

/// The shared store's question about formal notices: exists so that an instance finds the few
/// invoices whose notice's deadline passed without copying every open one.
public enum SharedCollection {
    /// The open invoices whose formal notice's deadline is before `today` (an ISO date), oldest first.
    public static func noticesPastDeadline(before today: String, on connection: PostgresConnection) async throws -> [String] {
        try await connection.query("""
            SELECT id FROM invoices WHERE notice_deadline IS NOT NULL AND notice_deadline < \(today) AND state = 'open'
            ORDER BY notice_deadline, id
            """, logger: SharedQueue.logger).collect().map { try $0.decode(String.self) }
    }
}

/// The shared store's questions about the messages `[review]` holds: exists so that `approve`,
/// `hold` and the `on_timeout = "send"` pass find the few invoices whose customers they must copy.
public enum SharedReview {
    /// The invoices with a held reminder, among `ids` when given (all of them otherwise).
    public static func invoices(holding ids: [Int64]?, on connection: PostgresConnection) async throws -> [String] {
        let all = ids == nil
        return try await connection.query("""
            SELECT DISTINCT invoice_id FROM reminders WHERE state = 'held' AND (\(all) OR id = ANY(\(ids ?? [])))
            ORDER BY invoice_id
            """, logger: SharedQueue.logger).collect().map { try $0.decode(String.self) }
    }

    /// The invoices with a message held for review on a day before `today` (an ISO date) that no
    /// person chose to keep held: those `on_timeout = "send"` lets go.
    public static func invoicesHeldPast(before today: String, on connection: PostgresConnection) async throws -> [String] {
        try await connection.query("""
            SELECT DISTINCT invoice_id FROM reminders WHERE state = 'held' AND held_by_person = 0 AND local_date < \(today)
            ORDER BY invoice_id
            """, logger: SharedQueue.logger).collect().map { try $0.decode(String.self) }
    }
}

/// The shared store's question about payment plans: exists so that an instance finds the running
/// plans that may have ended without copying every one of them each minute.
public enum SharedPlans {
    /// The invoices with a running plan that may be judged: their invoice is no longer open (paid,
    /// perhaps completing it), or one of their instalments fell due before `cutoff` (an ISO date:
    /// today less the plan grace, so perhaps broken).
    public static func invoicesToJudge(dueBefore cutoff: String, on connection: PostgresConnection) async throws -> [String] {
        try await connection.query("""
            SELECT p.invoice_id FROM installment_plans p JOIN invoices i ON i.id = p.invoice_id
            WHERE p.state = 'active'
              AND (i.state <> 'open' OR EXISTS (SELECT 1 FROM installments s WHERE s.plan_id = p.id AND s.due_date < \(cutoff)))
            ORDER BY p.invoice_id
            """, logger: SharedQueue.logger).collect().map { try $0.decode(String.self) }
    }
}
