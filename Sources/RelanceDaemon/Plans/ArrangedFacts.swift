import Foundation
import RelanceCore
import RelanceMail
import RelanceStore

/// The facts of a message a person arranged with the customer: a plan's schedule and its
/// instalments (what each part has received, the part reminded, its own wording and amount), or
/// what a call agreed.
extension Cycle {
    /// False when the message is no longer true and was cancelled (its plan ended, its task is gone).
    func arrangement(_ facts: inout ReminderFacts, row: ReminderRecord, invoice: Invoice, payments: [Payment], today: LocalDate,
                     tx: StoreTransaction, journal: Journal, now: Date, dryRun: Bool) throws -> Bool {
        func drop(_ reason: String) throws -> Bool {
            guard !dryRun else { return false }
            try tx.cancelReminder(row.id, reason: reason, at: now)
            try journal.record(tx, at: now, event: "cancelled", invoice: invoice.id, [("step", row.step), ("reason", reason)])
            return false
        }
        switch row.kind {
        case .plan, .installment:
            guard let id = row.arrangedID, let plan = try tx.plan(id: id) else { return try drop("its payment plan is not in the store") }
            guard plan.state == .active else { return try drop("payment plan \(id) is \(plan.state.rawValue)") }
            let standings = PlanReminders.standings(plan, invoice: invoice, payments: payments, today: today)
            facts.plan = (plan.agreedOn, standings)
            guard row.kind == .installment else { return true }
            guard let standing = standings.first(where: { $0.installment.number == row.part }) else {
                return try drop("payment plan \(id) has no instalment \(row.part.map(String.init) ?? "?")")
            }
            guard !standing.isPaid else { return try drop("instalment \(standing.installment.number) is paid") }
            facts.installment = standing
            facts.amountDue = standing.left
            facts.discount = nil
            facts.wording = Wording.installment(standing.installment, of: plan.parts.count, sendDate: today)
        case .confirmation:
            guard let id = row.arrangedID, let task = try tx.task(id: id), let outcome = task.outcome else {
                return try drop("its call is not in the store")
            }
            let calledOn = task.doneAt.map(context.configuration.calendar.localDate(of:)) ?? today
            facts.confirmation = CallConfirmation(outcome: outcome, calledOn: calledOn, date: task.outcomeDate)
            facts.discount = nil
        default:
            break
        }
        return true
    }
}
