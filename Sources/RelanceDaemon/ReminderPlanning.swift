import Foundation
import RelanceConfig
import RelanceCore
import RelanceStore

/// Keeps an invoice's stored plan in step with what it now is: after an
/// ingest, an amendment, a payment, a credit note or a resume, the planned
/// rows are recomputed by the pure `Planner`, or the invoice is marked paid
/// and its waiting reminders cancelled.
enum ReminderPlanning {
    /// The customer a minimum gap applies to: their id, else their first address.
    static func customerKey(_ customer: Customer) -> String {
        customer.id.map { "id:" + $0 } ?? "email:" + (customer.emails.first?.value.lowercased() ?? "")
    }

    /// The days on which the invoice's reminders went (or may have gone): the planner spaces
    /// the remaining escalation levels from them.
    static func history(_ tx: StoreTransaction, invoiceID: String, zone: TimeZone) throws -> [String: LocalDate] {
        var days: [String: LocalDate] = [:]
        for row in try tx.reminders(invoiceID: invoiceID) where wentStates.contains(row.state) {
            days[row.step] = row.sentAt.map { ZonedDateTime.localDate(of: $0, in: zone) } ?? row.localDate
        }
        return days
    }

    /// The customer's policy, chosen again: their explicit one, else the first `[[policy_rules]]` that
    /// their record (`CustomerStandings`, in the invoice's currency) matches, else the default. The
    /// choice is kept for the send-time decision and `status`.
    static func choosePolicy(_ tx: StoreTransaction, invoice: Invoice, configuration: RelanceConfiguration, at now: Date) throws -> Policy {
        guard !configuration.policyRules.isEmpty else { return configuration.policy(for: invoice.customer) }
        let calendar = configuration.calendar
        let key = customerKey(invoice.customer)
        let today = calendar.localDate(of: now)
        let histories = try tx.receivableHistories(customerKey: key) { calendar.localDate(of: $0) }
        let standing = CustomerStandings.compute(histories, asOf: today).first { $0.currency == invoice.currency }
        let choice = PolicyChoice.choose(explicit: configuration.explicitPolicy(for: invoice.customer), rules: configuration.policyRules,
                                         standing: standing, defaultPolicy: configuration.defaultPolicy.name)
        try tx.setCustomerPolicy(key, choice, at: now)
        return configuration.policy(named: choice.policy)
    }

    /// The policy a customer was last given (for the send-time decision: the plan was made under it).
    static func currentPolicy(_ tx: StoreTransaction, invoice: Invoice, configuration: RelanceConfiguration) throws -> Policy {
        guard !configuration.policyRules.isEmpty, configuration.explicitPolicy(for: invoice.customer) == nil,
              let chosen = try tx.customerPolicy(customerKey(invoice.customer)) else { return configuration.policy(for: invoice.customer) }
        return configuration.policy(named: chosen.policy)
    }

    /// Recomputes the planned rows from the policy and the history (rows that went further are kept).
    static func replan(_ tx: StoreTransaction, invoice: Invoice, payments: [Payment], configuration: RelanceConfiguration,
                       history: [String: LocalDate], at now: Date) throws {
        // While a payment plan runs, its instalments' reminders replace the policy's steps.
        if let plan = try tx.activePlan(invoiceID: invoice.id) {
            try tx.replacePlanned(invoiceID: invoice.id, with: PlanReminders.planned(plan, invoice: invoice, payments: payments,
                                                                                      configuration: configuration, at: now), at: now)
            return
        }
        let policy = try choosePolicy(tx, invoice: invoice, configuration: configuration, at: now)
        try tx.replacePlanned(invoiceID: invoice.id, with: planned(invoice, payments: payments, policy: policy,
                                                                   calendar: configuration.calendar, history: history), at: now)
    }

    /// The reminders the pure `Planner` plans for the invoice now (its active steps), for either store.
    static func planned(_ invoice: Invoice, payments: [Payment], policy: Policy, calendar: BusinessCalendar,
                        history: [String: LocalDate]) -> [PlannedReminder] {
        Planner.plan(invoice: invoice, payments: payments, policy: policy, calendar: calendar, history: history).filter(\.isActive).map {
            PlannedReminder(step: $0.name, kind: $0.kind, localDate: $0.date, sendAt: $0.sendAt, amount: $0.amountDue)
        }
    }

    /// The `planned` line after an invoice was planned again: how many steps wait, the next one
    /// (the first not yet past, else the last), the due date and the balance.
    static func plannedLine(upcoming: [(step: String, localDate: String, sendAt: Date)], invoice: Invoice, balance: Money,
                            at now: Date) -> [(String, String?)] {
        let next = upcoming.first { $0.sendAt >= now } ?? upcoming.last
        return [("steps", String(upcoming.count)), ("next", next.map { "\($0.step)@\($0.localDate)" }), ("due", invoice.dueDate?.iso),
                ("amount", balance.description)]
    }

    /// The states in which a reminder went or may have gone: the planner spaces the remaining levels from them.
    static let wentStates: Set<ReminderState> = [.sent, .sending, .uncertain, .bounced]

    /// An invoice paid in full: `paid`, its waiting reminders cancelled, both in the send log.
    static func settlePaid(_ tx: StoreTransaction, invoiceID: String, currency: Currency, journal: Journal, at now: Date,
                           announcePaid: Bool) throws {
        try tx.setInvoiceState(invoiceID, .paid, at: now)
        let cancelled = try tx.cancelWaiting(invoiceID: invoiceID, reason: "paid", at: now)
        if announcePaid {
            try journal.record(tx, at: now, event: "paid", invoice: invoiceID, [("balance", Money.zero(currency).description)])
        }
        if cancelled > 0 {
            try journal.record(tx, at: now, event: "cancelled", invoice: invoiceID, [("reminders", String(cancelled)), ("reason", "paid")])
        }
    }

    /// `announcePaid`: record a `paid` event when the balance reaches zero (false when the caller already did).
    static func refresh(_ tx: StoreTransaction, invoice: Invoice, configuration: RelanceConfiguration,
                        journal: Journal, at now: Date, announcePaid: Bool = true) throws {
        let payments = try tx.payments(invoiceID: invoice.id, currency: invoice.currency)
        let today = configuration.calendar.localDate(of: now)
        if Balance.due(invoice, payments: payments, on: max(today, payments.map(\.date).max() ?? today)).isZero {
            try settlePaid(tx, invoiceID: invoice.id, currency: invoice.currency, journal: journal, at: now, announcePaid: announcePaid)
            return
        }
        try tx.setInvoiceState(invoice.id, .open, at: now)
        try replan(tx, invoice: invoice, payments: payments, configuration: configuration, history: try history(tx, invoiceID: invoice.id, zone: configuration.company.timeZone), at: now)
        let upcoming = try tx.reminders(invoiceID: invoice.id).filter { $0.state == .planned }.map { ($0.step, $0.localDate.iso, $0.sendAt) }
        try journal.record(tx, at: now, event: "planned", invoice: invoice.id,
                           plannedLine(upcoming: upcoming, invoice: invoice, balance: Balance.due(invoice, payments: payments, on: today), at: now))
    }
}
