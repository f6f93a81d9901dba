import Foundation
import RelanceStore

/// When a deferred reminder is tried again: 5 minutes after the first
/// failure, doubling up to 4 hours, and `failed` once the first attempt is
/// older than the give-up period (3 days by default).
struct RetryPolicy {
    var first: TimeInterval = 5 * 60
    var maximum: TimeInterval = 4 * 3600
    var giveUpAfter: TimeInterval = 3 * 86_400

    /// Whether a temporary failure at `now` ends the retries: the first attempt is older than the
    /// give-up period.
    func givesUp(firstAttempt: Date, now: Date) -> Bool {
        now.timeIntervalSince(firstAttempt) > giveUpAfter
    }

    /// When a reminder's retries started: its first hand-off since it was planned or resent
    /// (`firstAttemptAt`, kept by the store), this one when it has not been tried before, and for a
    /// row deferred before the store kept that instant, its planned slot.
    static func firstAttempt(of row: ReminderRecord, plannedSlot: Date, now: Date) -> Date {
        row.firstAttemptAt ?? (row.attempts == 0 ? now : plannedSlot)
    }

    /// The instant of the next try after `attempts` failed ones.
    func nextAttempt(after attempts: Int, now: Date) -> Date {
        let delay = min(maximum, first * pow(2, Double(max(0, attempts - 1))))
        return now.addingTimeInterval(delay)
    }
}
