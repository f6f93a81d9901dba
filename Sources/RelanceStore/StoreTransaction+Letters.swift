public import Foundation
import GRDB
public import RelanceCore

/// The formal notice and the collection file: the deadline a letter set, the invoices whose
/// deadline passed, the guarded moves into and out of `collection`, and what the export reads
/// (a customer's invoices, the sent messages' copies, the replies' copies, the events).
extension StoreTransaction {
    /// Records the formal notice sent for an invoice: its deadline and its letter.
    public func recordFormalNotice(invoiceID: String, deadline: LocalDate, letter: String?, at: Date) throws {
        try db.cachedExecute(sql: "UPDATE invoices SET notice_deadline = ?, notice_letter = COALESCE(?, notice_letter), updated_at = ? WHERE id = ?",
                             arguments: [deadline.iso, letter, Int64(at.timeIntervalSince1970), invoiceID])
    }

    /// Open invoices whose formal notice's deadline is before `today`. `+state` keeps SQLite on the
    /// small partial index of notices: on `invoices_state` it walked every open invoice (0.24 s of a
    /// 1,000,000-invoice cycle).
    public func noticesPastDeadline(today: LocalDate) throws -> [StoredInvoice] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(Self.invoiceColumns) FROM invoices WHERE notice_deadline IS NOT NULL AND notice_deadline < ? AND +state = 'open' ORDER BY notice_deadline, id
            """), arguments: [today.iso]).map(storedInvoiceRow)
    }

    /// `open` → `collection`; throws `InvoiceTransitionError` from any other state.
    public func enterCollection(_ id: String, at: Date) throws {
        try invoiceTransition(id, from: [.open], to: .collection, at: at)
    }

    /// `collection` → `open` (`relance resume`): the notice's deadline is cleared, so the invoice
    /// does not fall back into collection at the next cycle.
    public func leaveCollection(_ id: String, at: Date) throws {
        try invoiceTransition(id, from: [.collection], to: .open, at: at)
        try db.cachedExecute(sql: "UPDATE invoices SET notice_deadline = NULL, resumed_at = ? WHERE id = ?",
                             arguments: [Int64(at.timeIntervalSince1970), id])
    }

    /// Moves an invoice between states, only from one of `from`.
    func invoiceTransition(_ id: String, from: [InvoiceState], to: InvoiceState, at: Date) throws {
        let placeholders = from.map { _ in "?" }.joined(separator: ", ")
        var arguments: [(any DatabaseValueConvertible)?] = [to.rawValue, Int64(at.timeIntervalSince1970), id]
        arguments += from.map(\.rawValue)
        try db.cachedExecute(sql: "UPDATE invoices SET state = ?, updated_at = ? WHERE id = ? AND state IN (\(placeholders))",
                             arguments: StatementArguments(arguments))
        guard db.changesCount == 1 else { throw InvoiceTransitionError(invoiceID: id, from: from, to: to) }
    }

    /// The invoices of one customer (by the key reminders are grouped by), oldest first.
    public func invoices(customerKey: String) throws -> [StoredInvoice] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.invoiceColumns) FROM invoices WHERE customer_key = ? ORDER BY issue_date, id"),
                         arguments: [customerKey]).map(storedInvoiceRow)
    }

    /// The customer key of an invoice.
    public func customerKey(invoiceID: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT customer_key FROM invoices WHERE id = ?"), arguments: [invoiceID])
    }

    /// Message-IDs of what was sent to a customer, oldest first: a message per customer threads under the earlier ones.
    public func sentMessageIDs(customerKey: String) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: """
            SELECT r.message_id FROM reminders r JOIN invoices i ON i.id = r.invoice_id
            WHERE i.customer_key = ? AND r.message_id IS NOT NULL AND r.state IN ('sent', 'uncertain', 'bounced')
            GROUP BY r.message_id ORDER BY MIN(r.sent_at), MIN(r.id)
            """), arguments: [customerKey])
    }

    /// Where the copy of each message sent for an invoice is kept, with its step and time.
    public func sentCopies(invoiceID: String) throws -> [(step: String, messageID: String, sentAt: Date?, file: String?)] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT step, message_id, sent_at, archive_file FROM reminders
            WHERE invoice_id = ? AND message_id IS NOT NULL AND state IN ('sent', 'uncertain', 'bounced') ORDER BY sent_at, id
            """), arguments: [invoiceID]).map {
            ($0["step"], $0["message_id"], ($0["sent_at"] as Int64?).map { Date(timeIntervalSince1970: TimeInterval($0)) }, $0["archive_file"])
        }
    }

    /// Records where the copy of a sent message is kept.
    public func setArchiveFile(_ id: Int64, _ path: String) throws {
        try db.cachedExecute(sql: "UPDATE reminders SET archive_file = ? WHERE id = ?", arguments: [path, id])
    }

    /// The replies received about an invoice, with their kept copies.
    public func replies(invoiceID: String) throws -> [(receivedAt: Date, kind: String, subject: String?, file: String?)] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT received_at, kind, detail, raw_file FROM replies WHERE invoice_id = ? ORDER BY received_at, id"),
                         arguments: [invoiceID]).map {
            (Date(timeIntervalSince1970: TimeInterval($0["received_at"] as Int64)), $0["kind"], $0["detail"], $0["raw_file"])
        }
    }

    /// Records where the copy of a reply is kept.
    public func setReplyFile(fingerprint: String, _ path: String) throws {
        try db.cachedExecute(sql: "UPDATE replies SET raw_file = ? WHERE fingerprint = ?", arguments: [path, fingerprint])
    }

    /// The send log's lines about an invoice, oldest first (its timeline).
    public func events(invoiceID: String) throws -> [(at: Date, event: String, line: String)] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT at, event, line FROM events WHERE invoice_id = ? ORDER BY id"), arguments: [invoiceID]).map {
            (Date(timeIntervalSince1970: TimeInterval($0["at"] as Int64)), $0["event"], $0["line"])
        }
    }

    /// Every payment recorded for an invoice, with where it came from.
    public func paymentRecords(invoiceID: String) throws -> [(date: LocalDate, minorUnits: Int64, reference: String?, source: String)] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM payments WHERE invoice_id = ? ORDER BY date, id"), arguments: [invoiceID]).compactMap { row in
            guard let date = LocalDate(iso: row["date"] as String) else { return nil }
            return (date, row["amount_minor"], row["reference"], row["source"])
        }
    }
}

/// An invoice move the store refused: the invoice was not in a state it may leave that way.
public struct InvoiceTransitionError: Error, CustomStringConvertible, Sendable {
    public let invoiceID: String
    public let from: [InvoiceState]
    public let to: InvoiceState

    public var description: String {
        "invoice \(invoiceID) is not \(from.map(\.rawValue).joined(separator: " or ")): it cannot become \(to.rawValue)"
    }
}

extension StoreTransaction {
    /// A claimed reminder joins another's message (one message per customer): it takes that
    /// message's Message-ID and envelope tag. Only while claimed by `batch` and not handed off.
    public func shareMessage(_ id: Int64, batch: Int64, messageID: String, envelopeTag: String?) throws {
        try db.cachedExecute(sql: """
            UPDATE reminders SET message_id = ?, envelope_tag = ? WHERE id = ? AND batch_id = ? AND state IN ('planned', 'deferred')
            """, arguments: [messageID, envelopeTag, id, batch])
        guard db.changesCount == 1 else { throw TransitionError(reminderID: id, from: [.planned, .deferred], to: .planned) }
    }

    /// For each invoice with a reminder due at `instant`, its customer key (one message per customer).
    public func dueCustomerKeys(at instant: Date) throws -> [String: String] {
        var keys: [String: String] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: """
            SELECT DISTINCT r.invoice_id, i.customer_key FROM reminders r JOIN invoices i ON i.id = r.invoice_id
            WHERE r.state IN ('planned', 'deferred') AND r.send_at <= ?
            """), arguments: [Int64(instant.timeIntervalSince1970.rounded(.down))]) {
            keys[row["invoice_id"]] = row["customer_key"]
        }
        return keys
    }

    /// Invoices by state, for `metrics`.
    public func invoiceStateCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT state, COUNT(*) AS n FROM invoices GROUP BY state")) { counts[row["state"]] = row["n"] }
        return counts
    }
}

extension StoreTransaction {
    /// The reminders sent in the same message as `id` (itself included): one message per customer covers several.
    public func reminderIDs(sharingMessageWith id: Int64) throws -> [Int64] {
        let ids = try Int64.fetchAll(db.cachedStatement(sql: """
            SELECT r.id FROM reminders r JOIN reminders s ON s.message_id = r.message_id WHERE s.id = ? ORDER BY r.id
            """), arguments: [id])
        return ids.isEmpty ? [id] : ids
    }
}
