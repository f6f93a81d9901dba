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
/// - when two steps land on the same day, the one with the later nominal date
///   is sent and the other is marked superseded;
/// - with `now`, steps whose instant is before it are left out.
public enum Planner {
    public static func plan(
        invoice: Invoice,
        payments: [Payment] = [],
        policy: Policy,
        calendar: BusinessCalendar,
        now: Date? = nil
    ) -> [PlannedStep] {
        guard let due = invoice.dueDate else { return [] }
        let offers = invoice.discountOffers
        let paidOn = Balance.paidInFullOn(invoice, payments: payments)

        var steps: [PlannedStep] = []
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
            let day = calendar.sendingDay(onOrAfter: max(nominal, invoice.issueDate))
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
            for loser in index..<end { ordered[loser].supersededBy = ordered[end].name }
            index = end + 1
        }
        if let now { ordered.removeAll { $0.sendAt < now } }
        return ordered
    }
}
