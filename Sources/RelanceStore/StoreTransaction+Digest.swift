public import Foundation
import GRDB
public import RelanceCore

/// What the daily digest reads.
extension StoreTransaction {
    /// Open or collection invoices with a note for a person (a reply, a wrong contact, a payment announced).
    public func invoicesNeedingAttention() throws -> [(invoice: StoredInvoice, note: String)] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.invoiceColumns), attention FROM invoices WHERE attention IS NOT NULL AND state IN ('open', 'collection') ORDER BY id"))
            .map { (try storedInvoiceRow($0), $0["attention"] as String) }
    }

    /// Open invoices paused for a dispute.
    public func disputedInvoices() throws -> [StoredInvoice] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.invoiceColumns) FROM invoices WHERE state = 'open' AND pause_reason LIKE '%disput%' ORDER BY id"))
            .map(storedInvoiceRow)
    }

    /// Promises judged broken since `since`.
    public func promisesBroken(since: Date) throws -> [PromiseRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM promises WHERE state = 'broken' AND decided_at >= ? ORDER BY id"),
                         arguments: [Int64(since.timeIntervalSince1970)]).map(promiseRecord)
    }

    /// Pending promises for `day`.
    public func promisesDue(on day: LocalDate) throws -> [PromiseRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM promises WHERE state = 'pending' AND promised_for = ? ORDER BY id"),
                         arguments: [day.iso]).map(promiseRecord)
    }
}
