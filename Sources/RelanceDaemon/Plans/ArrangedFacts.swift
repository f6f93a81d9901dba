import Foundation
import RelanceCore
import RelanceMail
import RelanceStore

/// The facts of a message arranged with the customer: a plan's schedule and its instalments (what
/// each part has received, the part reminded, its own wording and amount), what a call agreed, or
/// the invoice sent again to a customer who asked for it.
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
        case .invoiceCopy:
            // The invoice's own document goes when it came with one; else a copy drawn from its data.
            if invoice.attachment == nil {
                let line = StatementLine(invoice: invoice, paid: invoice.total - facts.amountDue, balance: facts.amountDue, asOf: today,
                                         levelReached: 0, lateCharges: nil)
                facts.invoiceCopy = InvoiceCopy(statement: StatementOfAccount(customer: invoice.customer, asOf: today, lines: [line]),
                                                creditor: context.configuration.creditorParty)
            }
            facts.discount = invoice.discountOffers.first { today <= $0.deadline }.map {
                DiscountOffer(percent: $0.percent, days: $0.days, deadline: $0.deadline, discount: $0.discount, payable: facts.amountDue - $0.discount)
            }
        default:
            break
        }
        return true
    }
}
