public import Foundation
public import RelanceCore
internal import GRDB

/// The store's operations, valid inside one `Store.write` or `Store.read`.
/// All SQL lives here; callers deal in domain values.
public struct StoreTransaction {
    let db: Database

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
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.invoiceColumns) FROM invoices WHERE id = ?"), arguments: [id]).map(storedInvoiceRow)
    }

    public func invoices(state: InvoiceState? = nil) throws -> [StoredInvoice] {
        if let state {
            return try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.invoiceColumns) FROM invoices WHERE state = ? ORDER BY due_date, id"), arguments: [state.rawValue]).map(storedInvoiceRow)
        }
        return try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.invoiceColumns) FROM invoices ORDER BY due_date, id")).map(storedInvoiceRow)
    }

    public func invoiceCount() throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM invoices")) ?? 0
    }

    /// Inserts a new invoice or amends an existing one (revision + 1). Returns the revision now stored.
    @discardableResult
    public func upsertInvoice(_ invoice: Invoice, customerKey: String, sourceFile: String, sourceHash: String,
                              format: String, at: Date) throws -> Int {
        let document = try InvoiceDocument.encode(invoice)
        let due = invoice.dueDate?.iso ?? invoice.issueDate.iso
        let owed = (invoice.total - invoice.amountPaid).minorUnits
        if let existing = try Int.fetchOne(db.cachedStatement(sql: "SELECT revision FROM invoices WHERE id = ?"), arguments: [invoice.id]) {
            try db.cachedExecute(sql: """
                UPDATE invoices SET customer_key = ?, currency = ?, total_minor = ?, issue_date = ?, due_date = ?,
                    source_file = ?, source_hash = ?, format = ?, document = ?, revision = ?, updated_at = ?, state = 'open', owed_minor = ?
                WHERE id = ?
                """, arguments: [customerKey, invoice.currency.code, invoice.total.minorUnits, invoice.issueDate.iso, due,
                                 sourceFile, sourceHash, format, document, existing + 1, seconds(at), owed, invoice.id])
            try rememberCustomerName(invoice.customer.name, customerKey: customerKey)
            return existing + 1
        }
        try db.cachedExecute(sql: """
            INSERT INTO invoices (id, customer_key, currency, total_minor, issue_date, due_date, source_file, source_hash,
                                  format, document, revision, ingested_at, updated_at, owed_minor, creditor_ref)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)
            """, arguments: [invoice.id, customerKey, invoice.currency.code, invoice.total.minorUnits, invoice.issueDate.iso,
                             due, sourceFile, sourceHash, format, document, seconds(at), seconds(at), owed,
                             CreditorReference(invoiceNumber: invoice.id).value])
        try rememberCustomerName(invoice.customer.name, customerKey: customerKey)
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
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.paymentColumns) FROM payments WHERE invoice_id = ? ORDER BY date, id"),
                         arguments: [invoiceID]).compactMap { Self.payment($0, from: 0, currency: currency) }
    }

    public func addPayment(invoiceID: String, _ payment: Payment, source: String, at: Date) throws {
        try db.cachedExecute(sql: "INSERT INTO payments (invoice_id, amount_minor, date, reference, source, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [invoiceID, payment.amount.minorUnits, payment.date.iso, payment.reference, source, seconds(at)])
    }

    // MARK: - Reminders

    public func reminders(invoiceID: String) throws -> [ReminderRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.reminderColumns) FROM reminders WHERE invoice_id = ? ORDER BY send_at, id"), arguments: [invoiceID]).map(reminderRow)
    }

    public func reminders(state: ReminderState) throws -> [ReminderRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.reminderColumns) FROM reminders WHERE state = ? ORDER BY send_at, id"), arguments: [state.rawValue]).map(reminderRow)
    }

    /// Reminders waiting to go (planned, or deferred for a retry) whose time has come, oldest first.
    public func dueReminders(at instant: Date, limit: Int = 100_000) throws -> [ReminderRecord] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(Self.reminderColumns) FROM reminders WHERE state IN ('planned', 'deferred') AND send_at <= ? ORDER BY send_at, id LIMIT ?
            """), arguments: [seconds(instant), limit]).map(reminderRow)
    }

    /// Planned or deferred reminders in a window of send instants.
    public func upcomingReminders(from: Date, to: Date) throws -> [ReminderRecord] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(Self.reminderColumns) FROM reminders WHERE state IN ('planned', 'deferred') AND send_at >= ? AND send_at < ? ORDER BY send_at, id
            """), arguments: [seconds(from), seconds(to)]).map(reminderRow)
    }

    /// The earliest instant at which a reminder is waiting to go.
    public func nextWake() throws -> Date? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT MIN(send_at) FROM reminders WHERE state IN ('planned', 'deferred')"))
            .map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// Replaces the invoice's planned rows with `plan`, leaving every step that has
    /// already gone further (sent, skipped, uncertain…) untouched: history is never rewritten.
    public func replacePlanned(invoiceID: String, with plan: [PlannedReminder], at: Date) throws {
        // A row a send batch has claimed stays: it may be handed off at any moment. So does a message
        // a person arranged (a plan's schedule, a call's confirmation): no policy plans it again.
        try db.cachedExecute(sql: """
            DELETE FROM reminders WHERE invoice_id = ? AND +state = 'planned' AND batch_id IS NULL AND kind NOT IN \(Self.goingWhilePaused)
            """, arguments: [invoiceID])
        for step in plan { try insertPlanned(invoiceID: invoiceID, step, at: at) }
    }

    /// A message a person arranged with the customer, planned for `step.sendAt` (once per step).
    public func planArranged(invoiceID: String, _ step: PlannedReminder, at: Date) throws {
        try insertPlanned(invoiceID: invoiceID, step, at: at)
    }

    private func insertPlanned(invoiceID: String, _ step: PlannedReminder, at: Date) throws {
        try db.cachedExecute(sql: """
            INSERT OR IGNORE INTO reminders (invoice_id, step, kind, local_date, send_at, state, amount_minor, updated_at, arranged_id, part)
            VALUES (?, ?, ?, ?, ?, 'planned', ?, ?, ?, ?)
            """, arguments: [invoiceID, step.step, step.kind.rawValue, step.localDate.iso, seconds(step.sendAt),
                             step.amount.minorUnits, seconds(at), step.arrangedID, step.part])
    }

    /// Cancels the invoice's waiting reminders of one kind (a plan's schedule not yet sent when the plan ends).
    @discardableResult
    public func cancelWaiting(invoiceID: String, kind: StepKind, reason: String, at: Date) throws -> Int {
        try db.cachedExecute(sql: """
            UPDATE reminders SET state = 'cancelled', detail = ?, updated_at = ?
            WHERE invoice_id = ? AND kind = ? AND state IN ('planned', 'deferred') AND batch_id IS NULL
            """, arguments: [reason, seconds(at), invoiceID, kind.rawValue])
        return db.changesCount
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

    // MARK: - Guarded transitions

    /// Moves one reminder from one of `from` to `to`; throws `TransitionError` when it was not in `from`.
    private func transition(_ id: Int64, from: [ReminderState], to: ReminderState, detail: String?, sentAt: Date? = nil,
                            retryAt: Date? = nil, archive: String? = nil, at: Date) throws {
        let placeholders = from.map { _ in "?" }.joined(separator: ", ")
        var arguments: [(any DatabaseValueConvertible)?] = [to.rawValue, detail, sentAt.map(seconds), retryAt.map(seconds), archive, seconds(at), id]
        arguments += from.map(\.rawValue)
        try db.cachedExecute(sql: """
            UPDATE reminders SET state = ?, detail = ?, sent_at = COALESCE(?, sent_at), send_at = COALESCE(?, send_at),
                archive_file = COALESCE(?, archive_file), updated_at = ?, batch_id = NULL
            WHERE id = ? AND state IN (\(placeholders))
            """, arguments: StatementArguments(arguments))
        guard db.changesCount == 1 else { throw TransitionError(reminderID: id, from: from, to: to) }
    }

    /// A waiting reminder that would no longer be true (a lapsed discount, a check-in after the due date…).
    public func skip(_ id: Int64, reason: String, at: Date) throws {
        try transition(id, from: [.planned, .deferred], to: .skipped, detail: reason, at: at)
    }

    /// A waiting reminder that must not go (no contact, a small balance…).
    public func cancelReminder(_ id: Int64, reason: String, at: Date) throws {
        try transition(id, from: [.planned, .deferred], to: .cancelled, detail: reason, at: at)
    }

    /// A waiting reminder that cannot be sent at all (no deliverable address, a broken template).
    public func failBeforeHandOff(_ id: Int64, reason: String, at: Date) throws {
        try transition(id, from: [.planned, .deferred], to: .failed, detail: reason, at: at)
    }

    /// The server accepted it (250).
    public func markSent(_ id: Int64, reply: String, archive: String? = nil, at: Date) throws {
        try transition(id, from: [.sending], to: .sent, detail: reply, sentAt: at, archive: archive, at: at)
    }

    /// Refused for now (4xx, network trouble before the data): tried again at `retryAt`.
    public func markDeferred(_ id: Int64, reason: String, retryAt: Date, at: Date) throws {
        try transition(id, from: [.sending], to: .deferred, detail: reason, retryAt: retryAt, at: at)
    }

    /// Refused for good (5xx, TLS, authentication), or given up after retries.
    public func markFailed(_ id: Int64, reason: String, at: Date) throws {
        try transition(id, from: [.sending], to: .failed, detail: reason, at: at)
    }

    /// It may or may not have gone (the connection was lost after the data): never resent on its own.
    public func markUncertain(_ id: Int64, reason: String, archive: String? = nil, at: Date) throws {
        try transition(id, from: [.sending], to: .uncertain, detail: reason, sentAt: at, archive: archive, at: at)
    }

    /// A delivery-status notification came back for it.
    public func markBounced(_ id: Int64, detail: String, at: Date) throws {
        try transition(id, from: [.sent, .uncertain, .bounced, .sending], to: .bounced, detail: detail, at: at)
    }

    /// `relance resolve`: an uncertain or failed reminder settled by a person.
    public func resolve(_ id: Int64, _ resolution: Resolution, note: String?, nextSlot: Date, localDate: LocalDate, at: Date) throws {
        let why = "resolved \(resolution.rawValue) by hand" + (note.map { ": \($0)" } ?? "")
        switch resolution {
        case .sent: try transition(id, from: [.uncertain, .failed], to: .sent, detail: why, at: at)
        case .cancel: try transition(id, from: [.uncertain, .failed], to: .cancelled, detail: why, at: at)
        case .resend:
            try transition(id, from: [.uncertain, .failed], to: .planned, detail: why, retryAt: nextSlot, at: at)
            try db.cachedExecute(sql: "UPDATE reminders SET local_date = ?, attempts = 0, first_attempt_at = NULL WHERE id = ?", arguments: [localDate.iso, id])
        }
    }

    // MARK: - Send batches and the hand-off

    /// Opens a send batch on this boot; committed durably before any of its reminders is handed off.
    public func beginBatch(bootID: String, at: Date) throws -> Int64 {
        try db.cachedExecute(sql: "INSERT INTO send_batches (boot_id, started_at) VALUES (?, ?)", arguments: [bootID, seconds(at)])
        return db.lastInsertedRowID
    }

    /// Claims a waiting reminder for a batch with its stable Message-ID; it stays waiting until handed off.
    public func claim(_ id: Int64, batch: Int64, messageID: String, recipients: String, envelopeTag: String?, at: Date) throws {
        try db.cachedExecute(sql: """
            UPDATE reminders SET batch_id = ?, message_id = ?, recipients = ?, envelope_tag = ?, updated_at = ?
            WHERE id = ? AND state IN ('planned', 'deferred') AND batch_id IS NULL
            """, arguments: [batch, messageID, recipients, envelopeTag, seconds(at), id])
        guard db.changesCount == 1 else { throw TransitionError(reminderID: id, from: [.planned, .deferred], to: .planned) }
    }

    /// The point of no return, just before this reminder's own SMTP transaction: `sending`, with the
    /// time of hand-off, in one statement that re-checks what may have changed since the batch was
    /// decided: the row still claimed by this batch and waiting (a payment in full, a dispute or a
    /// `relance pause` cancels or re-plans it), its invoice still open and not paused on `today`.
    /// False when it should not go any more (it is then let go from the batch).
    public func handOff(_ id: Int64, batch: Int64, today: LocalDate, at: Date) throws -> Bool {
        try db.cachedExecute(sql: """
            UPDATE reminders SET state = 'sending', handed_off_at = ?, sent_at = ?, attempts = attempts + 1, updated_at = ?,
                first_attempt_at = COALESCE(first_attempt_at, ?)
            WHERE id = ? AND batch_id = ? AND state IN ('planned', 'deferred')
              AND EXISTS (SELECT 1 FROM invoices i WHERE i.id = reminders.invoice_id AND i.state = 'open'
                          AND ((i.pause_reason IS NULL AND i.paused_until IS NULL) OR (i.paused_until IS NOT NULL AND i.paused_until <= ?)
                               OR reminders.kind IN \(Self.goingWhilePaused)))
            """, arguments: [seconds(at), seconds(at), seconds(at), seconds(at), id, batch, today.iso])
        if db.changesCount == 1 { return true }
        try release(id, at: at)
        return false
    }

    /// Lets go of a claimed reminder that was not handed off (it waits as before).
    public func release(_ id: Int64, at: Date) throws {
        try db.cachedExecute(sql: "UPDATE reminders SET batch_id = NULL, updated_at = ? WHERE id = ? AND state IN ('planned', 'deferred')",
                             arguments: [seconds(at), id])
    }

    /// Closes a batch: reminders it claimed but never handed off wait again as before.
    public func finishBatch(_ batch: Int64, at: Date) throws {
        try db.cachedExecute(sql: "UPDATE reminders SET batch_id = NULL WHERE batch_id = ? AND state IN ('planned', 'deferred')", arguments: [batch])
        try db.cachedExecute(sql: "UPDATE send_batches SET finished_at = ? WHERE id = ?", arguments: [seconds(at), batch])
    }

    /// Whether a send batch is still open (a cycle that could not close it).
    public func hasUnfinishedBatch() throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM send_batches WHERE finished_at IS NULL)")) ?? false
    }

    /// After a crash. A reminder handed off and not confirmed becomes `uncertain`. When the machine
    /// itself restarted (another boot id), commits after the batch's own durable one may have been
    /// lost with the power, so every reminder that batch claimed and did not confirm is uncertain
    /// too; on the same boot the ones never handed off simply wait again. Returns the uncertain rows.
    public func recoverInterrupted(bootID: String, at: Date) throws -> [ReminderRecord] {
        var uncertain = try reminders(state: .sending)
        try db.cachedExecute(sql: """
            UPDATE reminders SET state = 'uncertain', detail = 'interrupted while sending; not resent automatically', updated_at = ?,
                batch_id = NULL
            WHERE state = 'sending'
            """, arguments: [seconds(at)])
        let open = try Row.fetchAll(db.cachedStatement(sql: "SELECT id, boot_id FROM send_batches WHERE finished_at IS NULL"))
        for batch in open {
            let id: Int64 = batch["id"]
            if (batch["boot_id"] as String) != bootID {
                uncertain += try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT \(Self.reminderColumns) FROM reminders WHERE batch_id = ? AND state IN ('planned', 'deferred')
                    """), arguments: [id]).map(reminderRow)
                try db.cachedExecute(sql: """
                    UPDATE reminders SET state = 'uncertain', updated_at = ?, batch_id = NULL,
                        detail = 'the machine restarted during its send batch: it may have gone; not resent automatically'
                    WHERE batch_id = ? AND state IN ('planned', 'deferred')
                    """, arguments: [seconds(at), id])
            }
            try finishBatch(id, at: at)
        }
        return uncertain
    }

    /// Moves a waiting reminder to a later slot (minimum gap between two reminders, a pause).
    public func reschedule(_ id: Int64, to sendAt: Date, localDate: LocalDate, at: Date) throws {
        // Moved to another day, it starts its give-up period afresh when next tried.
        try db.cachedExecute(sql: "UPDATE reminders SET send_at = ?, local_date = ?, updated_at = ?, first_attempt_at = NULL WHERE id = ?",
                       arguments: [seconds(sendAt), localDate.iso, seconds(at), id])
    }

    /// The last instant a reminder went (or may have gone, or is claimed to go) to this customer.
    public func lastReminderSent(customerKey: String) throws -> Date? {
        try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT MAX(CASE WHEN r.state IN ('sent', 'sending', 'uncertain', 'bounced') THEN r.sent_at
                            WHEN r.batch_id IS NOT NULL THEN r.updated_at END)
            FROM reminders r JOIN invoices i ON i.id = r.invoice_id
            WHERE i.customer_key = ? AND (r.state IN ('sent', 'sending', 'uncertain', 'bounced') OR r.batch_id IS NOT NULL)
            """), arguments: [customerKey]).map { Date(timeIntervalSince1970: TimeInterval($0)) }
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

    private func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) }

    /// `('plan', 'confirmation', 'invoice-copy')`: the kinds that go while the chase is paused, which no replan removes.
    static let goingWhilePaused = "(" + StepKind.allCases.filter(\.goesWhilePaused).map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"
}

extension StoreTransaction {
    /// Runs `body` in a savepoint: its changes stay only when it returns true.
    public func savepoint(_ body: () throws -> Bool) throws {
        try db.inSavepoint { try body() ? .commit : .rollback }
    }
}
