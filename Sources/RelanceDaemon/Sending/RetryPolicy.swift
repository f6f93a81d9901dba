import Foundation

/// When a deferred reminder is tried again: 5 minutes after the first
/// failure, doubling up to 4 hours, and `failed` once the first attempt is
/// older than the give-up period (3 days by default).
struct RetryPolicy {
    var first: TimeInterval = 5 * 60
    var maximum: TimeInterval = 4 * 3600
    var giveUpAfter: TimeInterval = 3 * 86_400

    /// The instant of the next try after `attempts` failed ones.
    func nextAttempt(after attempts: Int, now: Date) -> Date {
        let delay = min(maximum, first * pow(2, Double(max(0, attempts - 1))))
        return now.addingTimeInterval(delay)
    }
}
