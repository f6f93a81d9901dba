import Foundation
public import RelanceCore
public import RelanceStore

/// What the command line does to an invoice (`paid`, `pause`, `resume`): each
/// a transaction with its events, then the send-log lines, then a wake-up for
/// a running daemon.
public struct InvoiceActions {
    let context: DaemonContext

    public init(context: DaemonContext) { self.context = context }

    /// Why an action could not be done.
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// Records a payment (the whole balance when `amount` is nil) and re-plans.
    public func paid(invoiceID: String, amount: String?, date: LocalDate?) throws -> String {
        let now = context.clock.now()
        let today = context.configuration.calendar.localDate(of: now)
        let journal = context.journal()
        let message: String = try context.store.write { tx in
            journal.discard()
            guard let stored = try tx.invoice(id: invoiceID) else { throw Refusal(description: "no invoice \(invoiceID)") }
            let invoice = stored.invoice
            let payments = try tx.payments(invoiceID: invoiceID, currency: invoice.currency)
            let day = date ?? today
            let money: Money
            if let amount {
                do { money = try Money(parsing: amount, currency: invoice.currency, allowComma: true) } catch {
                    throw Refusal(description: "--amount: \(error)")
                }
                guard money.isPositive else { throw Refusal(description: "--amount must be positive") }
            } else {
                // The whole balance; the discounted amount when paid by a discount deadline.
                let balance = Balance.due(invoice, payments: payments, on: day)
                let offer = invoice.discountOffers.first { day <= $0.deadline }
                money = offer.map { balance - $0.discount } ?? balance
                guard money.isPositive else { throw Refusal(description: "\(invoiceID) has nothing left to pay") }
            }
            let after = try PaymentRecording.record(Payment(amount: money, date: day, reference: "command line"), to: invoice, before: payments,
                                                    source: "cli", details: [], balanceOn: max(day, today), tx: tx, journal: journal, at: now)
            try ReminderPlanning.refresh(tx, invoice: invoice, configuration: context.configuration, journal: journal, at: now,
                                         announcePaid: false)
            return after.isZero ? "\(invoiceID): paid in full" : "\(invoiceID): \(money) recorded, \(after) still due"
        }
        journal.flush(to: context.sendLog)
        WakeSignal.touch(stateDirectory: context.configuration.paths.stateDirectory)
        return message
    }

    public func pause(invoiceID: String, until: LocalDate?, reason: String?) throws -> String {
        let now = context.clock.now()
        let journal = context.journal()
        try context.store.write { tx in
            journal.discard()
            guard try tx.invoice(id: invoiceID) != nil else { throw Refusal(description: "no invoice \(invoiceID)") }
            try tx.setPause(invoiceID, until: until, reason: reason ?? "paused from the command line", at: now)
            try journal.record(tx, at: now, event: "paused", invoice: invoiceID, [("until", until?.iso ?? "resume"), ("reason", reason)])
        }
        journal.flush(to: context.sendLog)
        WakeSignal.touch(stateDirectory: context.configuration.paths.stateDirectory)
        return until.map { "\(invoiceID): paused until \($0)" } ?? "\(invoiceID): paused until resumed"
    }

    /// `relance promise`: the customer promised to pay by `date` (on the phone, by letter): it is
    /// recorded, the chase waits until the day after, and the promise is judged kept or broken.
    public func promise(invoiceID: String, date: LocalDate, note: String?) throws -> String {
        let now = context.clock.now()
        let today = context.configuration.calendar.localDate(of: now)
        guard date >= today else { throw Refusal(description: "the promised date \(date.iso) is already past") }
        let journal = context.journal()
        try context.store.write { tx in
            journal.discard()
            guard let stored = try tx.invoice(id: invoiceID) else { throw Refusal(description: "no invoice \(invoiceID)") }
            guard stored.state == .open else { throw Refusal(description: "\(invoiceID) is \(stored.state.rawValue)") }
            try tx.recordPromise(invoiceID: invoiceID, madeOn: today, promisedFor: date, source: "command", note: note, at: now)
            try tx.setPause(invoiceID, until: date.adding(days: 1), reason: "promise to pay by \(date.iso)", at: now)
            try journal.record(tx, at: now, event: "paused", invoice: invoiceID, [
                ("until", date.adding(days: 1).iso), ("reason", "promise to pay by \(date.iso)"), ("note", note),
            ])
        }
        journal.flush(to: context.sendLog)
        WakeSignal.touch(stateDirectory: context.configuration.paths.stateDirectory)
        return "\(invoiceID): promised for \(date.iso); paused until \(date.adding(days: 1).iso)"
    }

    /// Ends a pause, or brings an invoice back from `collection` (its notice's deadline cleared):
    /// the chase continues with the next level not yet sent.
    public func resume(invoiceID: String) throws -> String {
        let now = context.clock.now()
        let journal = context.journal()
        var fromCollection = false
        try context.store.write { tx in
            journal.discard()
            guard let stored = try tx.invoice(id: invoiceID) else { throw Refusal(description: "no invoice \(invoiceID)") }
            fromCollection = stored.state == .collection
            if fromCollection { try tx.leaveCollection(invoiceID, at: now) }
            try tx.setPause(invoiceID, until: nil, reason: nil, at: now)
            try tx.markResumed(invoiceID, at: now)
            try journal.record(tx, at: now, event: "resumed", invoice: invoiceID, fromCollection ? [("from", "collection")] : [])
            try ReminderPlanning.refresh(tx, invoice: stored.invoice, configuration: context.configuration, journal: journal, at: now)
        }
        journal.flush(to: context.sendLog)
        WakeSignal.touch(stateDirectory: context.configuration.paths.stateDirectory)
        return fromCollection ? "\(invoiceID): back from collection (open)" : "\(invoiceID): resumed"
    }

    /// `relance resolve`: settles an `uncertain` or `failed` reminder (the only one of the invoice
    /// in doubt, or `step`): `sent` records it as delivered, `resend` plans it again at the next
    /// send slot with its stable Message-ID, `cancel` drops it. The send log records the resolution.
    public func resolve(invoiceID: String, step: String?, as resolution: Resolution, note: String?) throws -> String {
        let now = context.clock.now()
        let calendar = context.configuration.calendar
        let journal = context.journal()
        var message = ""
        try context.store.write { tx in
            journal.discard()
            guard try tx.invoice(id: invoiceID) != nil else { throw Refusal(description: "no invoice \(invoiceID)") }
            let inDoubt = try tx.reminders(invoiceID: invoiceID).filter { $0.state == .uncertain || $0.state == .failed }
            let candidates = step.map { name in inDoubt.filter { $0.step == name } } ?? inDoubt
            guard let row = candidates.first else {
                throw Refusal(description: "\(invoiceID) has no uncertain or failed reminder" + (step.map { " named \($0)" } ?? ""))
            }
            guard candidates.count == 1 else {
                throw Refusal(description: "\(invoiceID) has several reminders in doubt (\(candidates.map(\.step).joined(separator: ", "))): name the step")
            }
            let opening = calendar.windowOpen(atOrAfter: now)
            let slot = (date: calendar.localDate(of: opening), at: opening)
            try tx.resolve(row.id, resolution, note: note, nextSlot: slot.at, localDate: slot.date, at: now)
            let fields: [(String, String?)] = [("step", row.step), ("resolved", resolution.rawValue), ("was", row.state.rawValue),
                                                ("message_id", row.messageID), ("note", note)]
            switch resolution {
            case .sent:
                try journal.record(tx, at: now, event: "sent", invoice: invoiceID, fields)
                message = "\(invoiceID) \(row.step): recorded as sent"
            case .resend:
                try journal.record(tx, at: now, event: "planned", invoice: invoiceID, fields + [("date", slot.date.iso)])
                message = "\(invoiceID) \(row.step): will be sent again at \(ZonedDateTime.iso8601(slot.at, in: calendar.timeZone)) with its Message-ID"
            case .cancel:
                try journal.record(tx, at: now, event: "cancelled", invoice: invoiceID, fields)
                message = "\(invoiceID) \(row.step): cancelled"
            }
        }
        journal.flush(to: context.sendLog)
        WakeSignal.touch(stateDirectory: context.configuration.paths.stateDirectory)
        return message
    }
}
