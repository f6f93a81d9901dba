public import Foundation
public import RelanceConfig
public import RelanceCore
import RelanceMail
import RelanceStore

/// The daily digest: at `[people] digest_time` (company time), one email to each owner (the
/// controller, and each customer's `owner` that is an address) listing what needs them today. Sent
/// once a day per owner (the store remembers the day), through the configured transport; a failure
/// is logged and tried again at the next pass, never a reason to stop.
public struct DigestJob {
    let context: DaemonContext

    public init(context: DaemonContext) { self.context = context }

    /// The next instant a digest is due (today's time if not sent yet, else tomorrow's); nil without `digest_time`.
    public func nextDue() -> Date? {
        let configuration = context.configuration
        guard let time = configuration.people.digestTime else { return nil }
        let now = context.clock.now()
        let today = configuration.calendar.localDate(of: now)
        let sentToday = (try? context.store.read { tx in try tx.daemonValue(Self.key) }) == today.iso
        let day = sentToday ? today.adding(days: 1) : today
        return ZonedDateTime.instant(of: day, at: time, in: configuration.company.timeZone)
    }

    static let key = "digest_sent_on"

    /// Sends today's digests when their time has come and they have not gone yet; returns how many went.
    @discardableResult
    public func runIfDue() -> Int {
        guard let today = dayDue() else { return 0 }
        let now = context.clock.now()
        do {
            guard try context.store.read({ tx in try tx.daemonValue(Self.key) }) != today.iso else { return 0 }
            let (sent, complete) = try deliver(today: today, now: now)
            guard complete else { return sent }
            try context.store.write { tx in try tx.setDaemonValue(Self.key, today.iso) }
            return sent
        } catch {
            context.logger.warning("daily digest not sent: \(error)")
            return 0
        }
    }

    /// The day whose digest is due now (its `digest_time` reached); nil before it, or without `digest_time`.
    public func dayDue() -> LocalDate? { Self.dayDue(configuration: context.configuration, now: context.clock.now()) }

    /// The same for any instant.
    public static func dayDue(configuration: RelanceConfiguration, now: Date) -> LocalDate? {
        guard let time = configuration.people.digestTime else { return nil }
        let today = configuration.calendar.localDate(of: now)
        return now >= ZonedDateTime.instant(of: today, at: time, in: configuration.company.timeZone) ? today : nil
    }

    /// Gathers the day's digests from the context's store and sends them through its transport,
    /// each said in the send log; stops at the first that does not go (said in the log). Returns
    /// how many went and whether every one did.
    public func deliver(today: LocalDate, now: Date) throws -> (sent: Int, complete: Bool) {
        let configuration = context.configuration
        var sent = 0
        for facts in try gather(today: today, now: now) {
            let message = DigestComposer.compose(facts, from: configuration.company.email, companyName: configuration.company.name, date: now,
                                                 timeZone: configuration.company.timeZone)
            switch context.transport.send(message) {
            case .delivered:
                sent += 1
                var line = LogfmtLine(timestamp: ZonedDateTime.iso8601(now, in: configuration.company.timeZone), event: "digest")
                line.add("to", facts.owner.value)
                line.add("items", String(facts.sections.reduce(0) { $0 + $1.lines.count }))
                line.add("message_id", message.messageID)
                context.sendLog.append([line.text])
            case .deferred(let reason), .failed(let reason), .uncertain(let reason):
                context.logger.warning("daily digest to \(facts.owner.value) not sent: \(reason)")
                return (sent, false)
            }
        }
        _ = context.transport.flush()
        return (sent, true)
    }

    /// One digest per owner with an address: the controller's lists everything not owned by someone else.
    func gather(today: LocalDate, now: Date) throws -> [DigestFacts] {
        let configuration = context.configuration
        let calendar = configuration.calendar
        return try context.store.read { tx in
            var byOwner: [String: DigestFacts] = [:]
            let controller = configuration.people.controller
            func facts(for customer: Customer) -> String? {
                let owner = configuration.owner(for: customer) ?? controller
                guard let owner, let address = try? EmailAddress(owner) else { return nil }
                if byOwner[address.value] == nil { byOwner[address.value] = DigestFacts(owner: address, day: today) }
                return address.value
            }
            if let controller, let address = try? EmailAddress(controller) { byOwner[address.value] = DigestFacts(owner: address, day: today) }
            for task in try tx.tasks() where task.due <= today {
                guard let stored = try tx.invoice(id: task.invoiceID), let key = facts(for: stored.invoice.customer) else { continue }
                let late = task.due < today ? " (overdue since \(task.due.iso))" : ""
                byOwner[key]?.tasks.append(.init(invoiceID: task.invoiceID, customer: stored.invoice.customer.name,
                                                 text: "task \(task.id), \(task.step)\(late): relance task done \(task.id) --outcome …"))
            }
            let start = calendar.slot(on: today).addingTimeInterval(-86_400 / 2)
            // What the day's cycle will do: planned messages go to customers, planned calls become calls to make.
            for row in try tx.upcomingReminders(from: min(start, now), to: calendar.slot(on: today.adding(days: 1))) {
                guard calendar.localDate(of: row.sendAt) == today, let stored = try tx.invoice(id: row.invoiceID), stored.state == .open,
                      let key = facts(for: stored.invoice.customer) else { continue }
                let line = DigestFacts.Line(invoiceID: row.invoiceID, customer: stored.invoice.customer.name,
                                            text: row.kind.isPersonTask ? "\(row.step): a \(row.kind == .call ? "call" : "task") set today" : "\(row.step) (\(row.kind.rawValue))")
                if row.kind.isPersonTask { byOwner[key]?.tasks.append(line) } else { byOwner[key]?.sendingToday.append(line) }
            }
            for (stored, note) in try tx.invoicesNeedingAttention() {
                guard let key = facts(for: stored.invoice.customer) else { continue }
                byOwner[key]?.attention.append(.init(invoiceID: stored.invoice.id, customer: stored.invoice.customer.name, text: note))
            }
            for stored in try tx.disputedInvoices() {
                guard let key = facts(for: stored.invoice.customer) else { continue }
                byOwner[key]?.disputes.append(.init(invoiceID: stored.invoice.id, customer: stored.invoice.customer.name, text: stored.pauseReason ?? "disputed"))
            }
            for promise in try tx.promisesDue(on: today) {
                guard let stored = try tx.invoice(id: promise.invoiceID), let key = facts(for: stored.invoice.customer) else { continue }
                byOwner[key]?.promisesDue.append(.init(invoiceID: promise.invoiceID, customer: stored.invoice.customer.name,
                                                       text: "promised on \(promise.madeOn.iso) (\(promise.source))"))
            }
            for promise in try tx.promisesBroken(since: now.addingTimeInterval(-86_400)) {
                guard let stored = try tx.invoice(id: promise.invoiceID), let key = facts(for: stored.invoice.customer) else { continue }
                byOwner[key]?.promisesBroken.append(.init(invoiceID: promise.invoiceID, customer: stored.invoice.customer.name,
                                                          text: "promised for \(promise.promisedFor.iso) on \(promise.madeOn.iso); the chase resumed"))
            }
            for state in [ReminderState.uncertain, .failed] {
                for row in try tx.reminders(state: state) {
                    guard let stored = try tx.invoice(id: row.invoiceID), stored.state == .open, let key = facts(for: stored.invoice.customer) else { continue }
                    byOwner[key]?.deliveries.append(.init(invoiceID: row.invoiceID, customer: stored.invoice.customer.name,
                                                          text: "\(row.step) \(state.rawValue): \(row.detail ?? ""); relance resolve \(row.invoiceID) \(row.step)"))
                }
            }
            for over in try CreditLimits.overLimit(tx: tx, configuration: configuration) {
                guard let stored = try tx.invoices(customerKey: over.customerKey).first, let key = facts(for: stored.invoice.customer) else { continue }
                byOwner[key]?.overCreditLimit.append(.init(invoiceID: over.customerKey, customer: stored.invoice.customer.name,
                                                           text: "owes \(over.owed) of a \(over.limit) limit"))
            }
            for plan in try tx.activePlans() {
                guard let stored = try tx.invoice(id: plan.invoiceID), let key = facts(for: stored.invoice.customer) else { continue }
                let payments = try tx.payments(invoiceID: plan.invoiceID, currency: stored.invoice.currency)
                for standing in PlanReminders.standings(plan, invoice: stored.invoice, payments: payments, today: today)
                    where standing.installment.due == today && !standing.isPaid {
                    byOwner[key]?.installments.append(.init(invoiceID: plan.invoiceID, customer: stored.invoice.customer.name,
                                                            text: "instalment \(standing.installment.number) of \(plan.parts.count): \(standing.left) due today"))
                }
            }
            for plan in try tx.plansBroken(since: now.addingTimeInterval(-86_400)) {
                guard let stored = try tx.invoice(id: plan.invoiceID), let key = facts(for: stored.invoice.customer) else { continue }
                byOwner[key]?.installments.append(.init(invoiceID: plan.invoiceID, customer: stored.invoice.customer.name,
                                                        text: "payment plan \(plan.id) broken (instalment \(plan.brokenPart.map(String.init) ?? "?") unpaid); the chase resumed"))
            }
            // Bank entries concern no customer yet: the controller's digest lists them.
            if let controller, let address = try? EmailAddress(controller) {
                for record in try tx.waitingBankEntries() {
                    byOwner[address.value]?.unmatchedPayments.append(.init(
                        invoiceID: "entry \(record.id)", customer: record.entry.debtorName ?? "unknown debtor",
                        text: "\(record.left) of \(record.entry.date?.iso ?? "?"): \(record.reason ?? ""); relance payments assign \(record.id) INVOICE"))
                }
            }
            return byOwner.keys.sorted().compactMap { byOwner[$0] }
        }
    }
}
