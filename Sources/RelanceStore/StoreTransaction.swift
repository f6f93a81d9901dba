public import Foundation
public import RelanceCore
internal import GRDB

/// The store's operations, valid inside one `Store.write` or `Store.read`.
/// All SQL lives here; callers deal in domain values.
public struct StoreTransaction {
    let db: Database

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    // MARK: - Source files

    public func sourceOutcome(hash: String) throws -> SourceOutcome {
        if let id = try String.fetchOne(db.cachedStatement(sql: "SELECT document_id FROM source_files WHERE hash = ?"), arguments: [hash]) {
            return .duplicate(documentID: id)
        }
        return .new
    }

    public func recordSource(hash: String, name: String, documentID: String, kind: String, at: Date) throws {
        try db.cachedExecute(sql: "INSERT OR IGNORE INTO source_files (hash, name, document_id, kind, ingested_at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [hash, name, documentID, kind, seconds(at)])
    }

    // MARK: - Invoices

    public func invoice(id: String) throws -> StoredInvoice? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM invoices WHERE id = ?"), arguments: [id]).map(storedInvoice)
    }

    public func invoices(state: InvoiceState? = nil) throws -> [StoredInvoice] {
        if let state {
            return try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM invoices WHERE state = ? ORDER BY due_date, id"), arguments: [state.rawValue]).map(storedInvoice)
        }
        return try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM invoices ORDER BY due_date, id")).map(storedInvoice)
    }

    public func invoiceCount() throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM invoices")) ?? 0
    }

    /// Inserts a new invoice or amends an existing one (revision + 1). Returns the revision now stored.
    @discardableResult
    public func upsertInvoice(_ invoice: Invoice, customerKey: String, sourceFile: String, sourceHash: String,
                              format: String, at: Date) throws -> Int {
        let document = String(decoding: try Self.encoder.encode(invoice), as: UTF8.self)
        let due = invoice.dueDate?.iso ?? invoice.issueDate.iso
        let owed = (invoice.total - invoice.amountPaid).minorUnits
        if let existing = try Int.fetchOne(db.cachedStatement(sql: "SELECT revision FROM invoices WHERE id = ?"), arguments: [invoice.id]) {
            try db.cachedExecute(sql: """
                UPDATE invoices SET customer_key = ?, currency = ?, total_minor = ?, issue_date = ?, due_date = ?,
                    source_file = ?, source_hash = ?, format = ?, document = ?, revision = ?, updated_at = ?, state = 'open', owed_minor = ?
                WHERE id = ?
                """, arguments: [customerKey, invoice.currency.code, invoice.total.minorUnits, invoice.issueDate.iso, due,
                                 sourceFile, sourceHash, format, document, existing + 1, seconds(at), owed, invoice.id])
            return existing + 1
        }
        try db.cachedExecute(sql: """
            INSERT INTO invoices (id, customer_key, currency, total_minor, issue_date, due_date, source_file, source_hash,
                                  format, document, revision, ingested_at, updated_at, owed_minor)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
            """, arguments: [invoice.id, customerKey, invoice.currency.code, invoice.total.minorUnits, invoice.issueDate.iso,
                             due, sourceFile, sourceHash, format, document, seconds(at), seconds(at), owed])
        return 1
    }

    public func setInvoiceState(_ id: String, _ state: InvoiceState, at: Date) throws {
        try db.cachedExecute(sql: "UPDATE invoices SET state = ?, updated_at = ? WHERE id = ?", arguments: [state.rawValue, seconds(at), id])
    }

    /// Pauses until `until` (nil: until resumed), or clears the pause when `reason` and `until` are both nil.
    public func setPause(_ id: String, until: LocalDate?, reason: String?, at: Date) throws {
        try db.cachedExecute(sql: "UPDATE invoices SET paused_until = ?, pause_reason = ?, updated_at = ? WHERE id = ?",
                       arguments: [until?.iso, reason, seconds(at), id])
    }

    /// Records that the invoice's chase resumed now (the send log then says "resumed after pause").
    public func markResumed(_ id: String, at: Date) throws {
        try db.cachedExecute(sql: "UPDATE invoices SET resumed_at = ?, updated_at = ? WHERE id = ?", arguments: [seconds(at), seconds(at), id])
    }

    // MARK: - Running periods

    /// Opens a new running period at `at`; returns it with the end of the one before.
    public func beginRun(at: Date) throws -> RunPeriod {
        let previous = try Int64.fetchOne(db.cachedStatement(sql: "SELECT last_seen_at FROM daemon_runs ORDER BY id DESC LIMIT 1"))
        try db.cachedExecute(sql: "INSERT INTO daemon_runs (started_at, last_seen_at) VALUES (?, ?)", arguments: [seconds(at), seconds(at)])
        return RunPeriod(id: db.lastInsertedRowID, startedAt: at, previousRunEnded: previous.map { Date(timeIntervalSince1970: TimeInterval($0)) })
    }

    /// Extends the running period to `at` (after each cycle).
    public func touchRun(_ id: Int64, at: Date) throws {
        try db.cachedExecute(sql: "UPDATE daemon_runs SET last_seen_at = MAX(last_seen_at, ?) WHERE id = ?", arguments: [seconds(at), id])
    }

    // MARK: - Payments

    public func payments(invoiceID: String, currency: Currency) throws -> [Payment] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT amount_minor, date, reference FROM payments WHERE invoice_id = ? ORDER BY date, id"),
                         arguments: [invoiceID]).compactMap { row in
            guard let date = LocalDate(iso: row["date"] as String) else { return nil }
            return Payment(amount: Money(minorUnits: row["amount_minor"], currency: currency), date: date, reference: row["reference"])
        }
    }

    public func addPayment(invoiceID: String, _ payment: Payment, source: String, at: Date) throws {
        try db.cachedExecute(sql: "INSERT INTO payments (invoice_id, amount_minor, date, reference, source, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [invoiceID, payment.amount.minorUnits, payment.date.iso, payment.reference, source, seconds(at)])
    }

    // MARK: - Reminders

    public func reminders(invoiceID: String) throws -> [ReminderRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM reminders WHERE invoice_id = ? ORDER BY send_at, id"), arguments: [invoiceID]).map(reminder)
    }

    public func reminders(state: ReminderState) throws -> [ReminderRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM reminders WHERE state = ? ORDER BY send_at, id"), arguments: [state.rawValue]).map(reminder)
    }

    /// Reminders waiting to go (planned, or deferred for a retry) whose time has come, oldest first.
    public func dueReminders(at instant: Date, limit: Int = 100_000) throws -> [ReminderRecord] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM reminders WHERE state IN ('planned', 'deferred') AND send_at <= ? ORDER BY send_at, id LIMIT ?
            """), arguments: [seconds(instant), limit]).map(reminder)
    }

    /// Planned or deferred reminders in a window of send instants.
    public func upcomingReminders(from: Date, to: Date) throws -> [ReminderRecord] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM reminders WHERE state IN ('planned', 'deferred') AND send_at >= ? AND send_at < ? ORDER BY send_at, id
            """), arguments: [seconds(from), seconds(to)]).map(reminder)
    }

    /// The earliest instant at which a reminder is waiting to go.
    public func nextWake() throws -> Date? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT MIN(send_at) FROM reminders WHERE state IN ('planned', 'deferred')"))
            .map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// Replaces the invoice's planned rows with `plan`, leaving every step that has
    /// already gone further (sent, skipped, uncertain…) untouched: history is never rewritten.
    public func replacePlanned(invoiceID: String, with plan: [PlannedReminder], at: Date) throws {
        try db.cachedExecute(sql: "DELETE FROM reminders WHERE invoice_id = ? AND +state = 'planned'", arguments: [invoiceID])
        for step in plan {
            try db.cachedExecute(sql: """
                INSERT OR IGNORE INTO reminders (invoice_id, step, kind, local_date, send_at, state, amount_minor, updated_at)
                VALUES (?, ?, ?, ?, ?, 'planned', ?, ?)
                """, arguments: [invoiceID, step.step, step.kind.rawValue, step.localDate.iso, seconds(step.sendAt),
                                 step.amount.minorUnits, seconds(at)])
        }
    }

    /// Cancels every planned or deferred reminder of the invoice; returns how many.
    @discardableResult
    public func cancelWaiting(invoiceID: String, reason: String, at: Date) throws -> Int {
        try db.cachedExecute(sql: """
            UPDATE reminders SET state = 'cancelled', detail = ?, updated_at = ?
            WHERE invoice_id = ? AND state IN ('planned', 'deferred')
            """, arguments: [reason, seconds(at), invoiceID])
        return db.changesCount
    }

    /// Commits the point of no return: the row is `sending` with its stable Message-ID; `sent_at`
    /// holds the attempt so the minimum gap sees it before the outcome is recorded.
    public func markSending(_ id: Int64, messageID: String, recipients: String, envelopeTag: String? = nil, at: Date) throws {
        try db.cachedExecute(sql: """
            UPDATE reminders SET state = 'sending', message_id = ?, recipients = ?, attempts = attempts + 1, updated_at = ?, sent_at = ?,
                envelope_tag = ?
            WHERE id = ?
            """, arguments: [messageID, recipients, seconds(at), seconds(at), envelopeTag, id])
    }

    public func setReminderState(_ id: Int64, _ state: ReminderState, detail: String?, sentAt: Date? = nil,
                                 retryAt: Date? = nil, at: Date) throws {
        try db.cachedExecute(sql: """
            UPDATE reminders SET state = ?, detail = ?, sent_at = COALESCE(?, sent_at), send_at = COALESCE(?, send_at), updated_at = ?
            WHERE id = ?
            """, arguments: [state.rawValue, detail, sentAt.map(seconds), retryAt.map(seconds), seconds(at), id])
    }

    /// Moves a waiting reminder to a later slot (minimum gap between two reminders, a pause).
    public func reschedule(_ id: Int64, to sendAt: Date, localDate: LocalDate, at: Date) throws {
        try db.cachedExecute(sql: "UPDATE reminders SET send_at = ?, local_date = ?, updated_at = ? WHERE id = ?",
                       arguments: [seconds(sendAt), localDate.iso, seconds(at), id])
    }

    /// Rows left in `sending` by a crash become `uncertain`; returns them.
    public func markInterruptedUncertain(at: Date) throws -> [ReminderRecord] {
        let rows = try reminders(state: .sending)
        try db.cachedExecute(sql: """
            UPDATE reminders SET state = 'uncertain', detail = 'interrupted while sending; not resent automatically', updated_at = ?
            WHERE state = 'sending'
            """, arguments: [seconds(at)])
        return rows
    }

    /// The last instant a reminder went (or may have gone) to this customer.
    public func lastReminderSent(customerKey: String) throws -> Date? {
        try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT MAX(r.sent_at) FROM reminders r JOIN invoices i ON i.id = r.invoice_id
            WHERE i.customer_key = ? AND r.state IN ('sent', 'sending', 'uncertain', 'bounced')
            """), arguments: [customerKey]).map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// Message-IDs of the reminders already sent for an invoice, oldest first (for threading).
    public func sentMessageIDs(invoiceID: String) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: """
            SELECT message_id FROM reminders WHERE invoice_id = ? AND message_id IS NOT NULL
              AND state IN ('sent', 'uncertain', 'bounced') ORDER BY sent_at, id
            """), arguments: [invoiceID])
    }

    public func reminderCounts() throws -> [ReminderState: Int] {
        var counts: [ReminderState: Int] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT state, COUNT(*) AS n FROM reminders GROUP BY state")) {
            if let state = ReminderState(rawValue: row["state"]) { counts[state] = row["n"] }
        }
        return counts
    }

    // MARK: - Events

    public func addEvent(at: Date, event: String, invoiceID: String?, line: String) throws {
        try db.cachedExecute(sql: "INSERT INTO events (at, event, invoice_id, line) VALUES (?, ?, ?, ?)",
                       arguments: [seconds(at), event, invoiceID, line])
    }

    public func lastEvent(invoiceID: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT line FROM events WHERE invoice_id = ? ORDER BY id DESC LIMIT 1"), arguments: [invoiceID])
    }

    // MARK: - Row mapping

    private func storedInvoice(_ row: Row) throws -> StoredInvoice {
        let document: String = row["document"]
        let invoice = try JSONDecoder().decode(Invoice.self, from: Data(document.utf8))
        return StoredInvoice(
            invoice: invoice, state: InvoiceState(rawValue: row["state"]) ?? .open,
            pausedUntil: (row["paused_until"] as String?).flatMap { LocalDate(iso: $0) }, pauseReason: row["pause_reason"],
            sourceFile: row["source_file"], sourceHash: row["source_hash"], format: row["format"], revision: row["revision"],
            ingestedAt: Date(timeIntervalSince1970: TimeInterval(row["ingested_at"] as Int64)),
            resumedAt: (row["resumed_at"] as Int64?).map { Date(timeIntervalSince1970: TimeInterval($0)) })
    }

    private func reminder(_ row: Row) -> ReminderRecord {
        ReminderRecord(
            id: row["id"], invoiceID: row["invoice_id"], step: row["step"],
            kind: StepKind(rawValue: row["kind"]) ?? .postDue,
            localDate: LocalDate(iso: row["local_date"] as String) ?? LocalDate(daysSinceEpoch: 0),
            sendAt: Date(timeIntervalSince1970: TimeInterval(row["send_at"] as Int64)),
            state: ReminderState(rawValue: row["state"]) ?? .uncertain, amount: row["amount_minor"],
            messageID: row["message_id"], recipients: row["recipients"], attempts: row["attempts"], detail: row["detail"],
            sentAt: (row["sent_at"] as Int64?).map { Date(timeIntervalSince1970: TimeInterval($0)) })
    }

    private func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) }
}

extension StoreTransaction {
    /// Runs `body` in a savepoint: its changes stay only when it returns true.
    public func savepoint(_ body: () throws -> Bool) throws {
        try db.inSavepoint { try body() ? .commit : .rollback }
    }
}
