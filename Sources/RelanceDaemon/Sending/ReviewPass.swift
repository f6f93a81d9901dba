import Foundation
import RelanceCore
import RelanceStore

/// `[review] on_timeout = "send"`: a held message nobody approved by the end of its day goes at
/// the next slot (unless a person chose to keep it held). With `"wait"`, the default, it waits.
extension Cycle {
    func releaseHeldOnTimeout(now: Date) throws {
        let configuration = context.configuration
        guard configuration.review.sendOnTimeout else { return }
        let calendar = configuration.calendar
        let today = calendar.localDate(of: now)
        guard try context.store.read({ tx in try tx.heldReminders().contains { !$0.heldByPerson && $0.reminder.localDate < today } }) else { return }
        let journal = context.journal()
        try context.store.write { tx in
            journal.discard()
            for (row, byPerson) in try tx.heldReminders() where !byPerson && row.localDate < today {
                try tx.approve(row.id, slot: calendar.windowOpen(atOrAfter: now), localDate: today, at: now)
                try journal.record(tx, at: now, event: "planned", invoice: row.invoiceID, [
                    ("step", row.step), ("reason", "not reviewed by the end of \(row.localDate.iso): sent (review on_timeout = send)"),
                ])
            }
        }
        journal.flush(to: context.sendLog)
    }
}
