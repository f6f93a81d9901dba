import Foundation
internal import GRDB
import RelanceCore

/// Rows as the store's readers see them: the columns each kind of row is selected with, and the
/// record it becomes, read by position (GRDB finds a column by name by lowercasing every column
/// name of the row, which counts when a cycle reads thousands). A row that cannot be read is an
/// error, never a default.
extension StoreTransaction {
    /// An invoice row (`invoiceColumns`).
    func storedInvoiceRow(_ row: Row) throws -> StoredInvoice { try storedInvoice(row) }

    /// The invoice in `row`, its document taken from `ahead` when decoded there from the same text.
    func storedInvoiceRow(_ row: Row, id: String, decodedAhead ahead: DecodedInvoices) throws -> StoredInvoice {
        try storedInvoice(row, decoded: (id, ahead))
    }

    private func storedInvoice(_ row: Row, decoded: (id: String, ahead: DecodedInvoices)? = nil) throws -> StoredInvoice {
        let document: String = row[0]
        let invoice = try decoded.flatMap { $0.ahead.take($0.id, document: document) }
            ?? InvoiceDocument.decode(document)
        let stateText: String = row[1]
        guard let state = InvoiceState(rawValue: stateText) else {
            throw StoreError(operation: "read invoice \(invoice.id)", underlying: "unknown state \(stateText)")
        }
        return StoredInvoice(
            invoice: invoice, state: state,
            pausedUntil: (row[2] as String?).flatMap { LocalDate(iso: $0) }, pauseReason: row[3],
            sourceFile: row[4], sourceHash: row[5], format: row[6], revision: row[7],
            ingestedAt: Date(timeIntervalSince1970: TimeInterval(row[8] as Int64)),
            resumedAt: (row[9] as Int64?).map { Date(timeIntervalSince1970: TimeInterval($0)) },
            noticeDeadline: (row[10] as String?).flatMap { LocalDate(iso: $0) }, noticeLetter: row[11])
    }

    /// The invoice columns `storedInvoiceRow(_:)` reads, in its order.
    static let invoiceColumns = "document, state, paused_until, pause_reason, source_file, source_hash, format, revision, ingested_at, resumed_at, notice_deadline, notice_letter"
    static let invoiceColumnCount = 12

    /// A reminder row (`reminderColumns`); a row that cannot be read is an error, never a default.
    func reminderRow(_ row: Row) throws -> ReminderRecord {
        let id: Int64 = row[0]
        let kindText: String? = row[3], stateText: String? = row[6], dateText: String? = row[4]
        guard let kind = kindText.flatMap(StepKind.init(rawValue:)) else {
            throw StoreError(operation: "read reminder \(id)", underlying: "unknown kind \(kindText ?? "NULL")")
        }
        guard let state = stateText.flatMap(ReminderState.init(rawValue:)) else {
            throw StoreError(operation: "read reminder \(id)", underlying: "unknown state \(stateText ?? "NULL")")
        }
        guard let localDate = LocalDate(iso: dateText ?? "") else {
            throw StoreError(operation: "read reminder \(id)", underlying: "unreadable date \(dateText ?? "NULL")")
        }
        return ReminderRecord(
            id: id, invoiceID: row[1], step: row[2], kind: kind, localDate: localDate,
            sendAt: Date(timeIntervalSince1970: TimeInterval(row[5] as Int64)),
            state: state, amount: row[7],
            messageID: row[8], recipients: row[9], attempts: row[10], detail: row[11],
            sentAt: (row[12] as Int64?).map { Date(timeIntervalSince1970: TimeInterval($0)) },
            handedOffAt: (row[13] as Int64?).map { Date(timeIntervalSince1970: TimeInterval($0)) },
            batchID: row[14], approvedAt: (row[15] as Int64?).map { Date(timeIntervalSince1970: TimeInterval($0)) },
            arrangedID: row[16], part: row[17], firstAttemptAt: (row[18] as Int64?).map { Date(timeIntervalSince1970: TimeInterval($0)) })
    }

    /// The reminder columns `reminderRow(_:)` reads, in its order.
    static let reminderColumns = "id, invoice_id, step, kind, local_date, send_at, state, amount_minor, message_id, recipients, attempts, detail, sent_at, handed_off_at, batch_id, approved_at, arranged_id, part, first_attempt_at"

    /// The payment columns `payment(_:from:currency:)` reads, in its order.
    static let paymentColumns = "amount_minor, date, reference"

    /// The payment in `row`'s `paymentColumns` from column `first` on; nil when its date cannot be
    /// read (such a row is not counted).
    static func payment(_ row: Row, from first: Int, currency: Currency) -> Payment? {
        guard let date = LocalDate(iso: row[first + 1] as String) else { return nil }
        return Payment(amount: Money(minorUnits: row[first], currency: currency), date: date, reference: row[first + 2])
    }
}
