import Foundation
public import RelanceCore
public import RelanceStore

/// `relance installments`: agrees a payment plan for an invoice's balance (`InstallmentSchedule`,
/// pure), sends the customer its schedule at the next send slot, and lets the instalments'
/// reminders replace the policy's steps while it runs; or ends one (`--cancel`).
public struct InstallmentActions {
    let context: DaemonContext

    public init(context: DaemonContext) { self.context = context }

    /// What the person asked for.
    public struct Request: Sendable {
        public var parts: Int
        public var first: LocalDate?
        public var everyDays: Int?
        public var dates: [LocalDate]?
        /// Decimal amounts in the invoice's currency, one per part.
        public var amounts: [String]?
        public var note: String?

        public init(parts: Int, first: LocalDate?, everyDays: Int?, dates: [LocalDate]?, amounts: [String]?, note: String?) {
            self.parts = parts
            self.first = first
            self.everyDays = everyDays
            self.dates = dates
            self.amounts = amounts
            self.note = note
        }
    }

    public func agree(invoiceID: String, _ request: Request) throws -> PlanRecord {
        let now = context.clock.now()
        let configuration = context.configuration
        let calendar = configuration.calendar
        let today = calendar.localDate(of: now)
        let journal = context.journal()
        let plan: PlanRecord = try context.store.write { tx in
            journal.discard()
            guard let stored = try tx.invoice(id: invoiceID) else { throw InvoiceActions.Refusal(description: "no invoice \(invoiceID)") }
            guard stored.state == .open else {
                throw InvoiceActions.Refusal(description: "\(invoiceID) is \(stored.state.rawValue): a plan is agreed for an open invoice"
                                             + (stored.state == .collection ? " (relance resume \(invoiceID) brings it back from collection)" : ""))
            }
            if let running = try tx.activePlan(invoiceID: invoiceID) {
                throw InvoiceActions.Refusal(description: "\(invoiceID) already has payment plan \(running.id); end it first with relance installments \(invoiceID) --cancel")
            }
            let invoice = stored.invoice
            let payments = try tx.payments(invoiceID: invoiceID, currency: invoice.currency)
            let balance = Balance.due(invoice, payments: payments, on: today)
            let amounts: [Money]? = try request.amounts.map { texts in
                try texts.map { text in
                    do { return try Money(parsing: text, currency: invoice.currency, allowComma: true) } catch {
                        throw InvoiceActions.Refusal(description: "--amounts: \(error)")
                    }
                }
            }
            let parts: [Installment]
            do {
                parts = try InstallmentSchedule.make(balance: balance, parts: request.parts, first: request.first, everyDays: request.everyDays,
                                                     dates: request.dates, amounts: amounts, today: today)
            } catch {
                throw InvoiceActions.Refusal(description: "\(error)")
            }
            let id = try tx.createPlan(invoiceID: invoiceID, agreedOn: today, total: balance, parts: parts, note: request.note, at: now)
            try journal.record(tx, at: now, event: "plan", invoice: invoiceID, [
                ("result", "agreed"), ("plan", String(id)), ("parts", String(parts.count)), ("amount", balance.description),
                ("first", parts.first?.due.iso), ("last", parts.last?.due.iso), ("note", request.note),
            ])
            // A promise still pending gives way to the plan: it is neither kept nor broken.
            let superseded = try tx.supersedePromises(invoiceID: invoiceID, at: now)
            if superseded > 0 {
                try journal.record(tx, at: now, event: "promise", invoice: invoiceID, [
                    ("result", "superseded"), ("promises", String(superseded)), ("reason", "payment plan \(id) agreed"),
                ])
            }
            // The plan replaces a pause (a promise, a dispute settled by it): the instalments are what happens now.
            if stored.pauseReason != nil || stored.pausedUntil != nil {
                try tx.setPause(invoiceID, until: nil, reason: nil, at: now)
                try tx.markResumed(invoiceID, at: now)
                try journal.record(tx, at: now, event: "resumed", invoice: invoiceID, [("reason", "payment plan \(id) agreed")])
            }
            // The schedule goes to the customer at the next send slot.
            try ArrangedMessages.plan(.plan, step: PlanReminders.scheduleStep(id), invoice: invoice, arrangedID: id,
                                      reason: "the schedule of payment plan \(id)", configuration: configuration, tx: tx, journal: journal, at: now)
            try ReminderPlanning.refresh(tx, invoice: invoice, configuration: configuration, journal: journal, at: now)
            guard let plan = try tx.plan(id: id) else { throw InvoiceActions.Refusal(description: "plan \(id) was not recorded") }
            return plan
        }
        journal.flush(to: context.sendLog)
        WakeSignal.touch(stateDirectory: configuration.paths.stateDirectory)
        return plan
    }

    /// Ends the invoice's running plan: the policy's steps take over again from the next level not yet sent.
    public func cancel(invoiceID: String) throws -> String {
        let now = context.clock.now()
        let configuration = context.configuration
        let journal = context.journal()
        try context.store.write { tx in
            journal.discard()
            guard let stored = try tx.invoice(id: invoiceID) else { throw InvoiceActions.Refusal(description: "no invoice \(invoiceID)") }
            guard let plan = try tx.activePlan(invoiceID: invoiceID) else { throw InvoiceActions.Refusal(description: "\(invoiceID) has no running payment plan") }
            try tx.endPlan(plan.id, .cancelled, at: now)
            try journal.record(tx, at: now, event: "plan", invoice: invoiceID, [("result", "cancelled"), ("plan", String(plan.id))])
            try tx.cancelWaiting(invoiceID: invoiceID, kind: .plan, reason: "payment plan cancelled", at: now)
            try ReminderPlanning.refresh(tx, invoice: stored.invoice, configuration: configuration, journal: journal, at: now)
        }
        journal.flush(to: context.sendLog)
        WakeSignal.touch(stateDirectory: configuration.paths.stateDirectory)
        return "\(invoiceID): payment plan cancelled; the chase goes on from the next level not yet sent"
    }
}
