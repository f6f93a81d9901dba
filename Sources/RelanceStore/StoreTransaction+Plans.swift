public import Foundation
import GRDB
public import RelanceCore

/// A payment plan agreed with a customer for one invoice's balance, and how it ended.
public struct PlanRecord: Sendable, Equatable {
    /// Where the plan stands; each change is a guarded transition of the store.
    public enum State: String, Sendable {
        /// Running: the instalments replace the invoice's policy steps.
        case active
        /// Every part paid.
        case completed
        /// A part missed past its grace period: the chase resumed on the whole balance.
        case broken
        /// Ended by a person (`relance installments INVOICE --cancel`).
        case cancelled
    }

    public let id: Int64
    public let invoiceID: String
    public let agreedOn: LocalDate
    /// The balance the plan was agreed on; the parts add up to it.
    public let total: Money
    public let parts: [Installment]
    public let state: State
    /// The part that broke it.
    public let brokenPart: Int?
    public let note: String?
    public let decidedAt: Date?
}

/// A plan move the store refused: it was not active.
public struct PlanTransitionError: Error, CustomStringConvertible, Sendable {
    public let planID: Int64
    public var description: String { "payment plan \(planID) is not active" }
}

/// Payment plans: at most one active per invoice (a unique index), ended once (`active` →
/// `completed` | `broken` | `cancelled`).
extension StoreTransaction {
    /// Records an agreed plan; throws when the invoice already has an active one.
    public func createPlan(invoiceID: String, agreedOn: LocalDate, total: Money, parts: [Installment], note: String?, at: Date) throws -> Int64 {
        if let running = try activePlan(invoiceID: invoiceID) {
            throw StoreError(operation: "agree a payment plan for \(invoiceID)", underlying: "plan \(running.id) is still running")
        }
        try db.cachedExecute(sql: """
            INSERT INTO installment_plans (invoice_id, agreed_on, total_minor, currency, note, created_at) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [invoiceID, agreedOn.iso, total.minorUnits, total.currency.code, note, Int64(at.timeIntervalSince1970)])
        let id = db.lastInsertedRowID
        for part in parts {
            try db.cachedExecute(sql: "INSERT INTO installments (plan_id, number, due_date, amount_minor) VALUES (?, ?, ?, ?)",
                                 arguments: [id, part.number, part.due.iso, part.amount.minorUnits])
        }
        return id
    }

    public func activePlan(invoiceID: String) throws -> PlanRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM installment_plans WHERE invoice_id = ? AND state = 'active'"),
                         arguments: [invoiceID]).map(planRecord)
    }

    /// Every running plan, the oldest first.
    public func activePlans() throws -> [PlanRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM installment_plans WHERE state = 'active' ORDER BY id")).map(planRecord)
    }

    public func hasActivePlans() throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM installment_plans WHERE state = 'active')")) ?? false
    }

    /// An invoice's plans, the first agreed first.
    public func plans(invoiceID: String) throws -> [PlanRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM installment_plans WHERE invoice_id = ? ORDER BY id"),
                         arguments: [invoiceID]).map(planRecord)
    }

    public func plan(id: Int64) throws -> PlanRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM installment_plans WHERE id = ?"), arguments: [id]).map(planRecord)
    }

    /// `active` → `completed`, `broken` (with the part missed) or `cancelled`; throws from any other state.
    public func endPlan(_ id: Int64, _ state: PlanRecord.State, brokenPart: Int? = nil, at: Date) throws {
        precondition(state != .active, "a plan ends in completed, broken or cancelled")
        try db.cachedExecute(sql: "UPDATE installment_plans SET state = ?, broken_part = ?, decided_at = ? WHERE id = ? AND state = 'active'",
                             arguments: [state.rawValue, brokenPart, Int64(at.timeIntervalSince1970), id])
        guard db.changesCount == 1 else { throw PlanTransitionError(planID: id) }
    }

    /// Plans broken since `since` (for the morning digest).
    public func plansBroken(since: Date) throws -> [PlanRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM installment_plans WHERE state = 'broken' AND decided_at >= ? ORDER BY id"),
                         arguments: [Int64(since.timeIntervalSince1970)]).map(planRecord)
    }

    /// The last plan the customer broke on this invoice, for the next message to say so.
    public func lastBrokenPlan(invoiceID: String) throws -> BrokenPlan? {
        guard let plan = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT * FROM installment_plans WHERE invoice_id = ? AND state = 'broken' ORDER BY id DESC LIMIT 1
            """), arguments: [invoiceID]).map(planRecord), let part = plan.parts.first(where: { $0.number == plan.brokenPart }) else { return nil }
        return BrokenPlan(agreedOn: plan.agreedOn, missed: part)
    }

    private func planRecord(_ row: Row) throws -> PlanRecord {
        let id: Int64 = row["id"]
        guard let agreed = LocalDate(iso: row["agreed_on"] as String), let currency = Currency(code: row["currency"]),
              let state = PlanRecord.State(rawValue: row["state"]) else {
            throw StoreError(operation: "read payment plan \(id)", underlying: "unreadable date, currency or state")
        }
        let parts = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM installments WHERE plan_id = ? ORDER BY number"), arguments: [id]).map { part in
            guard let due = LocalDate(iso: part["due_date"] as String) else {
                throw StoreError(operation: "read payment plan \(id)", underlying: "unreadable instalment date")
            }
            return Installment(number: part["number"], due: due, amount: Money(minorUnits: part["amount_minor"], currency: currency))
        }
        return PlanRecord(id: id, invoiceID: row["invoice_id"], agreedOn: agreed, total: Money(minorUnits: row["total_minor"], currency: currency),
                          parts: parts, state: state, brokenPart: row["broken_part"], note: row["note"],
                          decidedAt: (row["decided_at"] as Int64?).map { Date(timeIntervalSince1970: TimeInterval($0)) })
    }
}
