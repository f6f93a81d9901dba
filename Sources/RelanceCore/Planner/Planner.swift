public import Foundation

/// Decides which reminders an invoice gets and when. A pure function of its
/// inputs: no clock, no I/O, so every date rule is unit-testable.
///
/// Rules:
/// - a step's nominal date is its anchor (issue date, first discount deadline,
///   due date) plus its offset; `discount±N` steps are skipped when the invoice
///   has no discount;
/// - a nominal date on a non-sending day moves to the next sending day, at the
///   configured send time in the company's zone;
/// - no step lands before the issue date, nor on or after the day the invoice
///   is paid in full;
/// - a discount step is kept only while the discount can still be taken on its
///   sending day;
/// - escalation levels (post-due and final steps) are never superseded: each
///   keeps at least its policy spacing (the difference of the nominal dates,
///   at least `min_spacing_days`, at least one day) from the level before it,
///   counted from the day that level was actually sent (`history`);
/// - when two other steps land on the same day, or one lands on a level's
///   day, the one with the later nominal date is sent and the other is marked
///   superseded;
/// - steps already in `history` are not planned again;
/// - with `now`, steps whose instant is before it are left out.
public enum Planner {
    public static func plan(
        invoice: Invoice,
        payments: [Payment] = [],
        policy: Policy,
        calendar: BusinessCalendar,
        history: [String: LocalDate] = [:],
        now: Date? = nil
    ) -> [PlannedStep] {
        guard let due = invoice.dueDate else { return [] }
        let offers = invoice.discountOffers
        let paidOn = Balance.paidInFullOn(invoice, payments: payments)

        var steps: [PlannedStep] = []
        // The last escalation level placed (sent, or planned just before): the next one keeps its spacing from it.
        // `late`: it went (or is planned) after its own calendar day, so the levels after it shift with it.
        var previousLevel: (nominal: LocalDate, day: LocalDate, late: Bool)?
        for step in policy.steps {
            let anchor: LocalDate
            switch step.offset.anchor {
            case .issue: anchor = invoice.issueDate
            case .due: anchor = due
            case .discount:
                guard let first = offers.first else { continue }
                anchor = first.deadline
            }
            let nominal = anchor.adding(days: step.offset.days)
            let ownDay = calendar.sendingDay(onOrAfter: max(nominal, invoice.issueDate))
            if let sentOn = history[step.name] {
                if step.kind.isEscalation { previousLevel = (nominal, sentOn, sentOn > ownDay) }
                continue
            }
            var day = ownDay
            if step.kind.isEscalation {
                if let previous = previousLevel {
                    // The policy's gap, counted from the previous level's actual day when it went late.
                    let base = previous.late ? previous.day : previous.nominal
                    let earliest = max(base.adding(days: previous.nominal.days(until: nominal)),
                                       previous.day.adding(days: max(1, policy.minSpacingDays)))
                    day = max(day, calendar.sendingDay(onOrAfter: earliest))
                }
                previousLevel = (nominal, day, day > ownDay)
            }
            if let paidOn, day >= paidOn { continue }
            let offer = offers.first { day <= $0.deadline }
            if step.kind == .discount, offer == nil { continue }
            steps.append(PlannedStep(
                name: step.name, kind: step.kind, nominalDate: nominal, date: day, sendAt: calendar.slot(on: day),
                amountDue: Balance.due(invoice, payments: payments, on: day), discount: offer, supersededBy: nil))
        }

        // Time order; on the same day the later nominal date wins (ties: later in the policy).
        let order = steps.indices.sorted { a, b in
            (steps[a].date, steps[a].nominalDate, a) < (steps[b].date, steps[b].nominalDate, b)
        }
        var ordered = order.map { steps[$0] }
        var index = 0
        while index < ordered.count {
            var end = index
            while end + 1 < ordered.count, ordered[end + 1].date == ordered[index].date { end += 1 }
            // The winner of a day is its last escalation level if it has one (levels never share a day), else its latest step.
            // A call is not a message: it shares its day with the messages (it is a person's task, not the customer's inbox).
            let messages = (index...end).filter { !ordered[$0].kind.isPersonTask }
            let winner = messages.last { ordered[$0].kind.isEscalation } ?? messages.last
            for loser in messages where loser != winner { ordered[loser].supersededBy = winner.map { ordered[$0].name } }
            index = end + 1
        }
        if let now { ordered.removeAll { $0.sendAt < now } }
        return ordered
    }
}
