/// How often an invoice was paid in full within a week of one policy step's reminder.
public struct StepEffectiveness: Sendable, Equatable {
    public let step: String
    /// Reminders of this step whose week has passed by the report date (or that were followed by payment already).
    public let sent: Int
    public let paidWithinWeek: Int

    public var share: Ratio? { sent > 0 ? Ratio(Int128(paidWithinWeek), Int128(sent)) : nil }
}

/// Reminder effectiveness: for each policy step, the share of invoices paid in
/// full within 7 days after its reminder went out. A reminder counts once its
/// seven days are over, or earlier when the payment already came.
public enum ReminderEffectiveness {
    public static let window = 7

    /// Steps in the order they usually go out (mean days from the due date), then by name.
    public static func compute(_ histories: [ReceivableHistory], asOf: LocalDate) -> [StepEffectiveness] {
        struct Tally { var sent = 0, paid = 0, offsetSum = 0 }
        var tallies: [String: Tally] = [:]
        for history in histories where history.isBooked(on: asOf) {
            let settled = history.settledOn(by: asOf)
            for reminder in history.reminders where reminder.sentOn <= asOf {
                let paidInWindow = settled.map { $0 >= reminder.sentOn && reminder.sentOn.days(until: $0) <= window } ?? false
                guard paidInWindow || reminder.sentOn.adding(days: window) <= asOf else { continue }
                tallies[reminder.step, default: Tally()].sent += 1
                tallies[reminder.step, default: Tally()].offsetSum += history.effectiveDueDate.days(until: reminder.sentOn)
                if paidInWindow { tallies[reminder.step, default: Tally()].paid += 1 }
            }
        }
        return tallies.sorted { lhs, rhs in
            let l = lhs.value.offsetSum * rhs.value.sent, r = rhs.value.offsetSum * lhs.value.sent
            return l != r ? l < r : lhs.key < rhs.key
        }.map { StepEffectiveness(step: $0.key, sent: $0.value.sent, paidWithinWeek: $0.value.paid) }
    }
}
