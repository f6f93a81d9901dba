public import Foundation
import GRDB
public import RelanceCore

/// A promise to pay, from a reply, a call or the command line, until it is judged kept or broken.
public struct PromiseRecord: Sendable, Equatable {
    /// Where the promise stands: waiting for its day, then judged once.
    public enum State: String, Sendable {
        case pending, kept, broken
        /// Replaced, before its day, by a payment plan agreed for the invoice: neither kept nor broken.
        case superseded
    }

    public let id: Int64
    public let invoiceID: String
    public let madeOn: LocalDate
    public let promisedFor: LocalDate
    /// `reply`, `call` or `command`.
    public let source: String
    public let note: String?
    public let state: State
}

/// Promises: recorded once per source and date, judged once (`pending` → `kept` | `broken`).
extension StoreTransaction {
    @discardableResult
    public func recordPromise(invoiceID: String, madeOn: LocalDate, promisedFor: LocalDate, source: String, note: String?, at: Date) throws -> Int64 {
        try db.cachedExecute(sql: """
            INSERT INTO promises (invoice_id, made_on, promised_for, source, note, recorded_at) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [invoiceID, madeOn.iso, promisedFor.iso, source, note, Int64(at.timeIntervalSince1970)])
        return db.lastInsertedRowID
    }

    /// Pending promises, the earliest date first.
    public func pendingPromises() throws -> [PromiseRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM promises WHERE state = 'pending' ORDER BY promised_for, id")).map(promiseRecord)
    }

    public func promises(invoiceID: String) throws -> [PromiseRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM promises WHERE invoice_id = ? ORDER BY id"), arguments: [invoiceID]).map(promiseRecord)
    }

    /// `pending` → `kept` or `broken`; throws when it was already judged.
    public func judgePromise(_ id: Int64, _ verdict: PromiseVerdict, at: Date) throws {
        try db.cachedExecute(sql: "UPDATE promises SET state = ?, decided_at = ? WHERE id = ? AND state = 'pending'",
                             arguments: [verdict.rawValue, Int64(at.timeIntervalSince1970), id])
        guard db.changesCount == 1 else { throw PromiseTransitionError(promiseID: id) }
    }

    /// The invoice's pending promises give way to a payment plan (`pending` → `superseded`); returns how many.
    @discardableResult
    public func supersedePromises(invoiceID: String, at: Date) throws -> Int {
        try db.cachedExecute(sql: "UPDATE promises SET state = 'superseded', decided_at = ? WHERE invoice_id = ? AND state = 'pending'",
                             arguments: [Int64(at.timeIntervalSince1970), invoiceID])
        return db.changesCount
    }

    /// The last promise the customer broke on this invoice, for the next message to cite (`+state`:
    /// found through the invoice's promises, not by walking every broken promise).
    public func lastBrokenPromise(invoiceID: String) throws -> BrokenPromise? {
        try Row.fetchOne(db.cachedStatement(sql: """
            SELECT made_on, promised_for FROM promises WHERE invoice_id = ? AND +state = 'broken' ORDER BY promised_for DESC, id DESC LIMIT 1
            """), arguments: [invoiceID]).flatMap { row in
            guard let made = LocalDate(iso: row["made_on"] as String), let promised = LocalDate(iso: row["promised_for"] as String) else { return nil }
            return BrokenPromise(madeOn: made, promisedFor: promised)
        }
    }

    func promiseRecord(_ row: Row) throws -> PromiseRecord {
        let id: Int64 = row["id"]
        guard let made = LocalDate(iso: row["made_on"] as String), let promised = LocalDate(iso: row["promised_for"] as String),
              let state = PromiseRecord.State(rawValue: row["state"]) else {
            throw StoreError(operation: "read promise \(id)", underlying: "unreadable date or state")
        }
        return PromiseRecord(id: id, invoiceID: row["invoice_id"], madeOn: made, promisedFor: promised, source: row["source"],
                             note: row["note"], state: state)
    }
}

/// A promise judged twice.
public struct PromiseTransitionError: Error, CustomStringConvertible, Sendable {
    public let promiseID: Int64
    public var description: String { "promise \(promiseID) was already judged" }
}
