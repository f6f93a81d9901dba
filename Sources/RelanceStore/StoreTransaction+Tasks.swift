public import Foundation
import GRDB
public import RelanceCore

/// A task for a person: a `call` step of a policy, with its due date, its owner, and the grace
/// period during which the steps after it wait.
public struct TaskRecord: Sendable, Equatable {
    /// Whether a person still has to act (`relance tasks` lists the open ones).
    public enum State: String, Sendable {
        case open, done
    }

    public let id: Int64
    public let invoiceID: String
    public let customerKey: String
    public let step: String
    public let kind: StepKind
    public let owner: String?
    public let due: LocalDate
    public let graceUntil: LocalDate
    public let state: State
    public let outcome: TaskOutcome?
    public let outcomeDate: LocalDate?
    public let note: String?
    /// How many times it was set (an unanswered call is set again).
    public let attempts: Int
    public let createdAt: Date
    public let doneAt: Date?
    /// Why it was set (a policy's call, a dispute, a request for a plan…).
    public var purpose: TaskPurpose = .call
    /// What the person needs beyond the script: the words of the reply, the new contact it names.
    public var detail: String? = nil
}

/// A task move the store refused: it was not open.
public struct TaskTransitionError: Error, CustomStringConvertible, Sendable {
    public let taskID: Int64
    public var description: String { "task \(taskID) is not open" }
}

/// Tasks: created once per invoice and step, completed or set again only while open.
extension StoreTransaction {
    /// The task of a `call` step, created once (a second call for the same step returns the first's id).
    public func createTask(invoiceID: String, customerKey: String, step: String, kind: StepKind, owner: String?, due: LocalDate,
                           graceUntil: LocalDate, purpose: TaskPurpose = .call, detail: String? = nil, at: Date) throws -> Int64 {
        try db.cachedExecute(sql: """
            INSERT OR IGNORE INTO tasks (invoice_id, customer_key, step, kind, owner, due_date, grace_until, state, created_at, purpose, detail)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)
            """, arguments: [invoiceID, customerKey, step, kind.rawValue, owner, due.iso, graceUntil.iso, Int64(at.timeIntervalSince1970),
                             purpose.rawValue, detail])
        return try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM tasks WHERE invoice_id = ? AND step = ?"), arguments: [invoiceID, step]) ?? 0
    }

    /// A waiting `call` reminder handed to a person: `planned`/`deferred` → `tasked`.
    public func markTasked(_ reminderID: Int64, taskID: Int64, at: Date) throws {
        try db.cachedExecute(sql: """
            UPDATE reminders SET state = 'tasked', detail = ?, sent_at = ?, updated_at = ?, batch_id = NULL
            WHERE id = ? AND state IN ('planned', 'deferred')
            """, arguments: ["task \(taskID)", Int64(at.timeIntervalSince1970), Int64(at.timeIntervalSince1970), reminderID])
        guard db.changesCount == 1 else { throw TransitionError(reminderID: reminderID, from: [.planned, .deferred], to: .tasked) }
    }

    /// Whether any task is open at all (most cycles need not look for an invoice's tasks then).
    public func hasOpenTasks() throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM tasks WHERE state = 'open')")) ?? false
    }

    /// The invoice's open tasks, oldest first.
    public func openTasks(invoiceID: String) throws -> [TaskRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM tasks WHERE invoice_id = ? AND state = 'open' ORDER BY id"),
                         arguments: [invoiceID]).map(taskRecord)
    }

    /// Tasks, open ones by default, by due date.
    public func tasks(includeDone: Bool = false) throws -> [TaskRecord] {
        try Row.fetchAll(db.cachedStatement(sql: includeDone ? "SELECT * FROM tasks ORDER BY due_date, id"
                                                : "SELECT * FROM tasks WHERE state = 'open' ORDER BY due_date, id")).map(taskRecord)
    }

    public func task(id: Int64) throws -> TaskRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM tasks WHERE id = ?"), arguments: [id]).map(taskRecord)
    }

    /// `open` → `done` with what the person found out.
    public func completeTask(_ id: Int64, outcome: TaskOutcome, date: LocalDate?, note: String?, at: Date) throws {
        try db.cachedExecute(sql: """
            UPDATE tasks SET state = 'done', outcome = ?, outcome_date = ?, note = ?, done_at = ? WHERE id = ? AND state = 'open'
            """, arguments: [outcome.rawValue, date?.iso, note, Int64(at.timeIntervalSince1970), id])
        guard db.changesCount == 1 else { throw TaskTransitionError(taskID: id) }
    }

    /// An unanswered call, set again: still `open`, with a new due date and grace.
    public func rescheduleTask(_ id: Int64, due: LocalDate, graceUntil: LocalDate, note: String?, at: Date) throws {
        try db.cachedExecute(sql: """
            UPDATE tasks SET due_date = ?, grace_until = ?, outcome = 'no-answer', note = COALESCE(?, note), attempts = attempts + 1
            WHERE id = ? AND state = 'open'
            """, arguments: [due.iso, graceUntil.iso, note, id])
        guard db.changesCount == 1 else { throw TaskTransitionError(taskID: id) }
    }

    private func taskRecord(_ row: Row) throws -> TaskRecord {
        let id: Int64 = row["id"]
        guard let kind = StepKind(rawValue: row["kind"]), let state = TaskRecord.State(rawValue: row["state"]),
              let purpose = TaskPurpose(rawValue: row["purpose"]),
              let due = LocalDate(iso: row["due_date"] as String), let grace = LocalDate(iso: row["grace_until"] as String) else {
            throw StoreError(operation: "read task \(id)", underlying: "unreadable kind, state or date")
        }
        return TaskRecord(id: id, invoiceID: row["invoice_id"], customerKey: row["customer_key"], step: row["step"], kind: kind,
                          owner: row["owner"], due: due, graceUntil: grace, state: state,
                          outcome: (row["outcome"] as String?).flatMap(TaskOutcome.init(rawValue:)),
                          outcomeDate: (row["outcome_date"] as String?).flatMap { LocalDate(iso: $0) }, note: row["note"],
                          attempts: row["attempts"], createdAt: Date(timeIntervalSince1970: TimeInterval(row["created_at"] as Int64)),
                          doneAt: (row["done_at"] as Int64?).map { Date(timeIntervalSince1970: TimeInterval($0)) },
                          purpose: purpose, detail: row["detail"])
    }

    /// The address a customer's reminders go to instead of the invoices' (a reply named it, `[replies] update_contacts`).
    public func setContactOverride(customerKey: String, address: String, source: String, at: Date) throws {
        try db.cachedExecute(sql: "INSERT OR REPLACE INTO contact_overrides (customer_key, address, source, at) VALUES (?, ?, ?, ?)",
                             arguments: [customerKey, address, source, Int64(at.timeIntervalSince1970)])
    }

    public func hasContactOverrides() throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM contact_overrides)")) ?? false
    }

    public func contactOverride(customerKey: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT address FROM contact_overrides WHERE customer_key = ?"), arguments: [customerKey])
    }
}
