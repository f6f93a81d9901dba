import Foundation
public import RelanceCore
public import RelanceStore

/// `relance tasks` and `relance task done`: the calls relance asks a person to make, with what to
/// say and the customer's history, and the outcome that moves the chase (`TaskEffect`, pure).
public struct TaskActions {
    let context: DaemonContext

    public init(context: DaemonContext) { self.context = context }

    /// A task with what the person needs for the call.
    public struct Listed: Sendable {
        public let task: TaskRecord
        public let customer: Customer
        public let balance: Money
        public let daysLate: Int
        /// The call script: what to ask, what to say if they have paid.
        public let script: [String]
        /// The customer's history: open invoices, reminders sent, replies, pauses.
        public let history: [String]
    }

    /// Open tasks (`due`: those due today or before), for one owner or all.
    public func list(dueOnly: Bool, owner: String?) throws -> [Listed] {
        let configuration = context.configuration
        let calendar = configuration.calendar
        let today = calendar.localDate(of: context.clock.now())
        return try context.store.read { tx in
            var out: [Listed] = []
            for task in try tx.tasks() where (!dueOnly || task.due <= today) && (owner == nil || task.owner == owner) {
                guard let stored = try tx.invoice(id: task.invoiceID) else { continue }
                let invoice = stored.invoice
                let payments = try tx.payments(invoiceID: invoice.id, currency: invoice.currency)
                let balance = Balance.due(invoice, payments: payments, on: today)
                let daysLate = invoice.dueDate.map { max(0, $0.days(until: today)) } ?? 0
                let language = configuration.language(for: invoice.customer)
                let money = MoneyFormatter.format(balance, language: language)
                let contact = invoice.customer.emails.map(\.value).joined(separator: ", ")
                let call = "Call \(invoice.customer.name)\(contact.isEmpty ? "" : " (\(contact))") about invoice \(invoice.id): \(money) due"
                    + (daysLate > 0 ? ", \(daysLate) days late." : ".")
                let said = task.detail.map { ["What they wrote: \($0)"] } ?? []
                let purpose: [String]
                switch task.purpose {
                case .call:
                    purpose = ["Ask why it is not paid yet, and on which date it will be."]
                case .task:
                    purpose = ["To do: " + (task.detail ?? task.step)]
                case .checkInProblem:
                    purpose = ["They reported a problem in reply to the check-in: find out what is wrong and put it right before the due date."] + said
                case .dispute:
                    purpose = ["They dispute it: find out what is wrong (delivery, amount, quality) and settle it; the chase is stopped "
                               + "until relance resume \(invoice.id)."] + said
                case .installments:
                    purpose = ["They ask to pay in parts: agree the parts and dates, then relance installments \(invoice.id) --parts N --first D "
                               + "[--every DAYS | --dates …]; the customer is sent the schedule."] + said
                case .wrongContact:
                    purpose = ["The person written to is not in charge: find who is, and update the invoices' contact (or [replies] update_contacts)."] + said
                }
                let script = [call] + purpose + [
                    "If they say it is paid: ask the date and the bank reference (\(CreditorReference(invoiceNumber: invoice.id).grouped)), "
                        + "then record it with relance paid \(invoice.id) --date D.",
                    "If they dispute it: note what is wrong; the chase stops until you resume it.",
                    "Then: relance task done \(task.id) --outcome paid|promise|dispute|no-answer|wrong-contact|other [--date D] [--note TEXT]",
                ]
                var history: [String] = []
                let owed = try tx.invoices(customerKey: task.customerKey).filter { $0.state == .open || $0.state == .collection }
                history.append("open invoices of the customer: " + owed.map(\.invoice.id).joined(separator: ", "))
                for row in try tx.reminders(invoiceID: invoice.id) where [.sent, .uncertain, .bounced].contains(row.state) {
                    history.append("\(row.step) \(row.state.rawValue) \(row.sentAt.map { calendar.localDate(of: $0).iso } ?? "")")
                }
                for reply in try tx.replies(invoiceID: invoice.id) {
                    history.append("reply \(calendar.localDate(of: reply.receivedAt).iso) (\(reply.kind)): \(reply.subject ?? "")")
                }
                for promise in try tx.promises(invoiceID: invoice.id) {
                    history.append("promise made \(promise.madeOn.iso) for \(promise.promisedFor.iso) (\(promise.source)): \(promise.state.rawValue)")
                }
                for plan in try tx.plans(invoiceID: invoice.id) {
                    history.append("payment plan \(plan.id) agreed \(plan.agreedOn.iso), \(plan.parts.count) parts: \(plan.state.rawValue)")
                }
                if stored.isPaused(on: today) { history.append("paused" + (stored.pauseReason.map { ": \($0)" } ?? "")) }
                out.append(Listed(task: task, customer: invoice.customer, balance: balance, daysLate: daysLate, script: script, history: history))
            }
            return out
        }
    }

    /// Records what the call found out, and applies its effect on the chase. With `confirm`, the
    /// customer is written what was agreed at the next send slot (a promise, a payment they say they
    /// made, a dispute noted), even while the chase is paused for it.
    public func done(taskID: Int64, outcome: TaskOutcome, date: LocalDate?, note: String?, confirm: Bool = false) throws -> String {
        let now = context.clock.now()
        let configuration = context.configuration
        let calendar = configuration.calendar
        let today = calendar.localDate(of: now)
        let journal = context.journal()
        var message = ""
        try context.store.write { tx in
            journal.discard()
            guard let task = try tx.task(id: taskID) else { throw InvoiceActions.Refusal(description: "no task \(taskID)") }
            guard task.state == .open else { throw InvoiceActions.Refusal(description: "task \(taskID) is already done (\(task.outcome?.rawValue ?? ""))") }
            if confirm, !CallConfirmation.confirmable.contains(outcome) {
                throw InvoiceActions.Refusal(description: "--confirm writes what was agreed: a promise, a payment the customer says they made, "
                                             + "or a dispute noted, not \(outcome.rawValue)")
            }
            let effect: TaskEffect
            do {
                effect = try TaskEffect.of(outcome, date: date, today: today, nextCallDay: calendar.sendingDay(onOrAfter: today.adding(days: 1)),
                                           graceDays: configuration.people.taskGraceDays)
            } catch {
                throw InvoiceActions.Refusal(description: "\(error)")
            }
            var fields: [(String, String?)] = [("task", String(taskID)), ("outcome", outcome.rawValue), ("date", date?.iso), ("note", note)]
            switch effect {
            case .reschedule(let due, let grace):
                try tx.rescheduleTask(taskID, due: due, graceUntil: grace, note: note, at: now)
                fields.append(("next", due.iso))
                message = "task \(taskID): no answer; set again for \(due.iso)"
            default:
                try tx.completeTask(taskID, outcome: outcome, date: date, note: note, at: now)
                message = "task \(taskID): \(outcome.rawValue)"
            }
            try journal.record(tx, at: now, event: "task", invoice: task.invoiceID, fields)
            switch effect {
            case .pauseUntil(let until):
                if let date { try tx.recordPromise(invoiceID: task.invoiceID, madeOn: today, promisedFor: date, source: "call", note: note, at: now) }
                try tx.setPause(task.invoiceID, until: until, reason: "promise by \(date?.iso ?? "") (call)", at: now)
                try journal.record(tx, at: now, event: "paused", invoice: task.invoiceID, [("until", until.iso), ("reason", "promise (call)")])
                message += "; paused until \(until.iso)"
            case .stop:
                try tx.setPause(task.invoiceID, until: nil, reason: "dispute (call)" + (note.map { ": \($0)" } ?? ""), at: now)
                try journal.record(tx, at: now, event: "paused", invoice: task.invoiceID, [("until", "resume"), ("reason", "dispute (call)")])
                message += "; the chase stops until relance resume \(task.invoiceID)"
            case .askForPayment:
                try tx.setAttention(task.invoiceID, "the customer says it is paid (call): record it with relance paid \(task.invoiceID)")
                message += "; record the payment with relance paid \(task.invoiceID) --date D"
            case .flagContact:
                try tx.setAttention(task.invoiceID, "wrong contact (call)" + (note.map { ": \($0)" } ?? ""))
            case .reschedule, .none:
                break
            }
            if confirm, let stored = try tx.invoice(id: task.invoiceID) {
                let step = "call-\(taskID)-confirmation"
                try ArrangedMessages.plan(.confirmation, step: step, invoice: stored.invoice, arrangedID: taskID,
                                          reason: "the confirmation of what the call agreed", configuration: configuration, tx: tx, journal: journal, at: now)
                message += "; the customer is written what was agreed (\(step))"
            }
            // The steps that waited for the task get their planned days back (those past go at the next slot).
            if case .reschedule = effect {} else if let stored = try tx.invoice(id: task.invoiceID) {
                try ReminderPlanning.refresh(tx, invoice: stored.invoice, configuration: configuration, journal: journal, at: now)
            }
        }
        journal.flush(to: context.sendLog)
        WakeSignal.touch(stateDirectory: configuration.paths.stateDirectory)
        return message
    }
}
