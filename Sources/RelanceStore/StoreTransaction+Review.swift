public import Foundation
import GRDB
public import RelanceCore

/// Review before sending (`[review]`): a reminder due is held for a person, who approves it (it
/// goes at the next send slot) or holds it on.
extension StoreTransaction {
    /// `planned`/`deferred` → `held`, awaiting review.
    public func holdForReview(_ id: Int64, at: Date) throws {
        try db.cachedExecute(sql: """
            UPDATE reminders SET state = 'held', detail = 'awaiting review', updated_at = ?, batch_id = NULL
            WHERE id = ? AND state IN ('planned', 'deferred') AND approved_at IS NULL
            """, arguments: [Int64(at.timeIntervalSince1970), id])
        guard db.changesCount == 1 else { throw TransitionError(reminderID: id, from: [.planned, .deferred], to: .held) }
    }

    /// `held` → `planned`, approved: it goes at `slot` and is not held again.
    public func approve(_ id: Int64, slot: Date, localDate: LocalDate, at: Date) throws {
        try db.cachedExecute(sql: """
            UPDATE reminders SET state = 'planned', approved_at = ?, held_by_person = 0, send_at = ?, local_date = ?, detail = 'approved', updated_at = ?
            WHERE id = ? AND state = 'held'
            """, arguments: [Int64(at.timeIntervalSince1970), Int64(slot.timeIntervalSince1970), localDate.iso, Int64(at.timeIntervalSince1970), id])
        guard db.changesCount == 1 else { throw TransitionError(reminderID: id, from: [.held], to: .planned) }
    }

    /// A person keeps it held: it does not go when its day ends, even with `on_timeout = "send"`.
    public func keepHeld(_ id: Int64, at: Date) throws {
        try db.cachedExecute(sql: "UPDATE reminders SET held_by_person = 1, detail = 'held by a person', updated_at = ? WHERE id = ? AND state = 'held'",
                             arguments: [Int64(at.timeIntervalSince1970), id])
        guard db.changesCount == 1 else { throw TransitionError(reminderID: id, from: [.held], to: .held) }
    }

    /// `held` → `planned` for `slot`, not approved: it is held again for review on that day.
    public func postponeHeld(_ id: Int64, slot: Date, localDate: LocalDate, at: Date) throws {
        try db.cachedExecute(sql: """
            UPDATE reminders SET state = 'planned', held_by_person = 0, send_at = ?, local_date = ?, detail = 'held until a later day', updated_at = ?
            WHERE id = ? AND state = 'held'
            """, arguments: [Int64(slot.timeIntervalSince1970), localDate.iso, Int64(at.timeIntervalSince1970), id])
        guard db.changesCount == 1 else { throw TransitionError(reminderID: id, from: [.held], to: .planned) }
    }

    /// Held reminders (`personHeld`: those a person chose to keep), by day.
    public func heldReminders() throws -> [(reminder: ReminderRecord, heldByPerson: Bool)] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.reminderColumns), held_by_person FROM reminders WHERE state = 'held' ORDER BY local_date, id")).map {
            (try reminderRow($0), ($0["held_by_person"] as Int64) != 0)
        }
    }

    public func reminder(id: Int64) throws -> ReminderRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.reminderColumns) FROM reminders WHERE id = ?"), arguments: [id]).map(reminderRow)
    }
}
