import Foundation
import RelanceCore
import RelanceStore

/// The start of each cycle: each running payment plan is judged (`InstallmentRule`, pure).
/// Completed: the invoice is paid. Broken: an instalment was not covered by its date plus
/// `[people] plan_grace_days`; the policy's steps take over again on the whole remaining balance,
/// from the next level not yet sent, and the next message says the plan was broken. Both are in
/// the send log (`event=plan result=completed|broken`).
extension Cycle {
    func judgePlans(now: Date) throws {
        let configuration = context.configuration
        let today = configuration.calendar.localDate(of: now)
        guard try context.store.read({ tx in try tx.hasActivePlans() }) else { return }
        let journal = context.journal()
        try context.store.write { tx in
            journal.discard()
            for plan in try tx.activePlans() {
                guard let stored = try tx.invoice(id: plan.invoiceID) else { continue }
                let invoice = stored.invoice
                let payments = try tx.payments(invoiceID: invoice.id, currency: invoice.currency)
                switch InstallmentRule.verdict(plan.parts, total: plan.total, invoice: invoice, payments: payments,
                                               graceDays: configuration.people.planGraceDays, today: today) {
                case nil:
                    continue
                case .completed:
                    try tx.endPlan(plan.id, .completed, at: now)
                    try journal.record(tx, at: now, event: "plan", invoice: invoice.id, [("result", "completed"), ("plan", String(plan.id))])
                case .broken(let part):
                    try tx.endPlan(plan.id, .broken, brokenPart: part.number, at: now)
                    let left = Balance.due(invoice, payments: payments, on: today)
                    try journal.record(tx, at: now, event: "plan", invoice: invoice.id, [
                        ("result", "broken"), ("plan", String(plan.id)), ("part", String(part.number)), ("due", part.due.iso),
                        ("amount", part.amount.description), ("balance", left.description),
                    ])
                    guard stored.state == .open else { continue }
                    try tx.markResumed(invoice.id, at: now)
                    try journal.record(tx, at: now, event: "resumed", invoice: invoice.id, [
                        ("reason", "payment plan \(plan.id) broken: instalment \(part.number) of \(part.due.iso) unpaid"),
                    ])
                    try ReminderPlanning.refresh(tx, invoice: invoice, configuration: configuration, journal: journal, at: now)
                }
            }
        }
        journal.flush(to: context.sendLog)
    }
}
