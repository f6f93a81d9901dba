public import Foundation
public import RelanceCore
public import RelanceFormats
public import RelanceStore

/// The state `status` reports for an invoice, the most pressing first.
public enum Standing: String, CaseIterable, Sendable {
    case collection, noContact = "no-contact", disputed, promised, onPlan = "on-plan", paused, bounced, uncertain, noticeSent = "notice-sent", planned, open, paid, cancelled
}

/// One invoice's standing, as `status` shows it.
public struct InvoiceStatus {
    public let stored: StoredInvoice
    public let balance: Money
    /// Statutory charges owed today (for an invoice paid late: on the day it was paid in full).
    public let lateCharges: LateChargesOwed?
    /// The day the invoice was paid in full, when it was.
    public let paidOn: LocalDate?
    public let reminders: [ReminderRecord]
    public let lastEvent: String?
    public let today: LocalDate
    /// Why a person should look at this invoice (a reply, a hard bounce…).
    public let note: String?

    /// The customer's latest reply that said something (paid, dispute, promise…).
    public let intent: (intent: String, promiseDate: LocalDate?)?
    /// The company's zone, for the instants in `attention`.
    public var timeZone: TimeZone = .gmt
    /// Open tasks (calls to make) for the invoice.
    public var tasks: [TaskRecord] = []
    /// The date of the promise to pay still pending, if any.
    public var pendingPromise: LocalDate?
    /// The policy the customer follows, and why (explicit, a policy rule, the default).
    public var policy: PolicyChoice?
    /// "over its credit limit: owes 12 400,00 € of 10 000,00 €", when it is.
    public var creditAlert: String?
    /// The invoice's payment plans, the first agreed first, each part with what it has received.
    public var plans: [(plan: PlanRecord, parts: [InstallmentStanding])] = []

    /// The running plan, if one runs.
    public var activePlan: (plan: PlanRecord, parts: [InstallmentStanding])? { plans.last { $0.plan.state == .active } }

    public var next: ReminderRecord? {
        reminders.filter { $0.state == .planned || $0.state == .deferred }.min { $0.sendAt < $1.sendAt }
    }

    /// Days past the due date: today for an open invoice, on the day of the last payment for one paid late.
    public var daysLate: Int {
        guard let due = stored.invoice.dueDate else { return 0 }
        switch stored.state {
        case .open, .collection: return max(0, due.days(until: today))
        case .paid: return paidOn.map { max(0, due.days(until: $0)) } ?? 0
        case .cancelled: return 0
        }
    }

    /// The state, its date when it has one (paused until, promised for), and a line for people.
    public var standing: (state: Standing, date: LocalDate?, text: String) {
        switch stored.state {
        case .paid: return (.paid, nil, "paid")
        case .cancelled: return (.cancelled, nil, "cancelled")
        case .collection:
            return (.collection, stored.noticeDeadline, "collection" + (stored.noticeDeadline.map { " (formal notice unpaid by \($0.iso))" } ?? ""))
        case .open: break
        }
        if stored.invoice.customer.emails.isEmpty { return (.noContact, nil, "no contact") }
        if let (plan, parts) = activePlan, let next = parts.first(where: { !$0.isPaid }) {
            return (.onPlan, next.installment.due, "payment plan: instalment \(next.installment.number) of \(parts.count), "
                    + "\(next.left) due \(next.installment.due.iso)" + (plan.note.map { " (\($0))" } ?? ""))
        }
        if stored.isPaused(on: today) {
            if let promised = pendingPromise, stored.pauseReason?.hasPrefix("promise") == true { return (.promised, promised, "promised for \(promised.iso)") }
            if intent?.intent == "dispute", stored.pausedUntil == nil { return (.disputed, nil, "disputed") }
            if intent?.intent == "promise", let promised = intent?.promiseDate, let until = stored.pausedUntil, promised < until {
                return (.promised, promised, "promised for \(promised.iso)")
            }
            let why = stored.pauseReason.map { " (\($0))" } ?? ""
            return (.paused, stored.pausedUntil, (stored.pausedUntil.map { "paused until \($0)" } ?? "paused") + why)
        }
        if reminders.contains(where: { $0.state == .bounced }) || note?.hasPrefix("hard bounce") == true
            || note?.hasPrefix("no deliverable address") == true {
            return (.bounced, nil, "bounced")
        }
        if reminders.contains(where: { $0.state == .uncertain }) { return (.uncertain, nil, "uncertain") }
        if let next { return (.planned, next.localDate, "planned") }
        if let deadline = stored.noticeDeadline { return (.noticeSent, deadline, "formal notice sent, to pay by \(deadline.iso)") }
        return (.open, nil, "open (no reminder left)")
    }

    /// Uncertain and failed reminders, which a person must look at.
    public var attention: [String] {
        let missing = lateCharges?.missingRate.map { ["late-payment interest not computed: \($0)"] } ?? []
        let calls = tasks.map { "task \($0.id) (\($0.step)) due \($0.due.iso)\($0.owner.map { " for \($0)" } ?? ""): relance tasks; relance task done \($0.id) --outcome …" }
        return (note.map { [$0] } ?? []) + (creditAlert.map { [$0] } ?? []) + calls + missing + reminders.compactMap { row in
            switch row.state {
            case .uncertain:
                let since = row.handedOffAt.map { " (handed off \(ZonedDateTime.iso8601($0, in: timeZone)))" } ?? ""
                return "\(row.step) uncertain\(since): \(row.detail ?? ""); relance resolve \(row.invoiceID) \(row.step) --sent|--resend|--cancel"
            case .failed: return "\(row.step) failed: \(row.detail ?? "")"
            case .deferred: return "\(row.step) deferred: \(row.detail ?? "")"
            default: return nil
            }
        }
    }

    /// "sent 2026-12-02": the last event's name and day, from its send-log line.
    public var lastEventSummary: String? {
        guard let lastEvent else { return nil }
        let parts = lastEvent.split(separator: " ")
        guard let event = parts.first(where: { $0.hasPrefix("event=") }) else { return nil }
        return "\(event.dropFirst(6)) \(parts.first?.prefix(10) ?? "")"
    }

    public func json(zone: TimeZone) -> JSONValue {
        let invoice = stored.invoice
        let standing = self.standing
        var fields: [(String, JSONValue)] = [
            ("id", .string(invoice.id)), ("customer", .string(invoice.customer.name)),
            ("dueDate", invoice.dueDate.map { .string($0.iso) } ?? .null), ("currency", .string(invoice.currency.code)),
            ("total", .string(invoice.total.decimalString)), ("amountDue", .string(balance.decimalString)),
            ("state", .string(standing.state.rawValue)), ("stateText", .string(standing.text)),
            ("daysLate", .number(String(daysLate))),
        ]
        switch standing.state {
        case .paused: fields.append(("pausedUntil", standing.date.map { .string($0.iso) } ?? .null))
        case .promised: fields.append(("promisedFor", standing.date.map { .string($0.iso) } ?? .null))
        default: break
        }
        fields.append(("creditorReference", .string(CreditorReference(invoiceNumber: invoice.id).value)))
        if let policy {
            fields.append(("policy", .string(policy.policy)))
            fields.append(("policyReason", .string(policy.reason)))
        }
        if let creditAlert { fields.append(("creditAlert", .string(creditAlert))) }
        if !plans.isEmpty {
            fields.append(("plans", .array(plans.map { plan, parts in
                var item: [(String, JSONValue)] = [
                    ("id", .number(String(plan.id))), ("agreedOn", .string(plan.agreedOn.iso)), ("state", .string(plan.state.rawValue)),
                    ("amount", .string(plan.total.decimalString)),
                ]
                if let part = plan.brokenPart { item.append(("brokenPart", .number(String(part)))) }
                if let note = plan.note { item.append(("note", .string(note))) }
                item.append(("installments", .array(parts.map { standing in
                    let state = standing.isPaid ? "paid" : (standing.installment.due < today ? "late" : "open")
                    return .object([
                        ("number", .number(String(standing.installment.number))), ("dueDate", .string(standing.installment.due.iso)),
                        ("amount", .string(standing.installment.amount.decimalString)), ("paid", .string(standing.paid.decimalString)),
                        ("state", .string(state)),
                    ])
                })))
                return .object(item)
            })))
        }
        if let deadline = stored.noticeDeadline { fields.append(("noticeDeadline", .string(deadline.iso))) }
        if let letter = stored.noticeLetter { fields.append(("noticeLetter", .string(letter))) }
        if let paidOn { fields.append(("paidOn", .string(paidOn.iso))) }
        if let charges = lateCharges {
            fields.append(("lateCharges", .object([
                ("asOf", .string((paidOn ?? today).iso)), ("interest", charges.interest.map { .string($0.decimalString) } ?? .null),
                ("compensation", charges.compensation.map { .string($0.decimalString) } ?? .null),
                ("rate", charges.rate.map { .string($0.description) } ?? .null),
                ("missingRate", charges.missingRate.map { .string($0.description) } ?? .null),
                ("legalBasis", .string(charges.law.legalBasis)),
            ])))
        }
        if let next {
            fields.append(("nextReminder", .object([
                ("step", .string(next.step)), ("kind", .string(next.kind.rawValue)),
                ("sendAt", .string(ZonedDateTime.iso8601(next.sendAt, in: zone))),
            ])))
        }
        fields.append(("reminders", .array(reminders.map { row in
            var item: [(String, JSONValue)] = [
                ("step", .string(row.step)), ("state", .string(row.state.rawValue)), ("date", .string(row.localDate.iso)),
                ("sendAt", .string(ZonedDateTime.iso8601(row.sendAt, in: zone))),
            ]
            if let id = row.messageID { item.append(("messageId", .string(id))) }
            if let handedOff = row.handedOffAt { item.append(("handedOffAt", .string(ZonedDateTime.iso8601(handedOff, in: zone)))) }
            if row.attempts > 0 { item.append(("attempts", .number(String(row.attempts)))) }
            if let detail = row.detail { item.append(("detail", .string(detail))) }
            return .object(item)
        })))
        fields.append(("attention", .array(attention.map { .string($0) })))
        if let lastEvent { fields.append(("lastEvent", .string(lastEvent))) }
        return .object(fields)
    }
}

/// Loads the standing of one invoice or of many, in one read transaction:
/// what `relance status` shows.
public struct StatusQuery {
    let context: DaemonContext

    public init(context: DaemonContext) { self.context = context }

    /// One invoice, or nil when there is none by that number.
    public func one(_ id: String) throws -> InvoiceStatus? {
        try context.store.read { tx in try tx.invoice(id: id).map { try status($0, tx) } }
    }

    /// Invoices still owed, open or in collection (all when `includeClosed`), those `keep` accepts.
    public func many(includeClosed: Bool, keep: (StoredInvoice) -> Bool = { _ in true }) throws -> [InvoiceStatus] {
        try context.store.read { tx in
            let invoices = includeClosed ? try tx.invoices() : try tx.invoices(state: .open) + tx.invoices(state: .collection)
            return try invoices.filter(keep).map { try status($0, tx) }
        }
    }

    private func status(_ stored: StoredInvoice, _ tx: StoreTransaction) throws -> InvoiceStatus {
        let configuration = context.configuration
        let today = configuration.calendar.localDate(of: context.clock.now())
        let payments = try tx.payments(invoiceID: stored.invoice.id, currency: stored.invoice.currency)
        let paidOn = stored.state == .paid ? Balance.paidInFullOn(stored.invoice, payments: payments) : nil
        let asOf: LocalDate? = stored.state == .open ? today : paidOn
        let charges = asOf.flatMap {
            LateChargesOwed.on($0, invoice: stored.invoice, payments: payments, law: configuration.lateChargeLaw(for: stored.invoice.customer),
                               rates: configuration.referenceRates)
        }
        var status = InvoiceStatus(stored: stored, balance: Balance.due(stored.invoice, payments: payments, on: today),
                             lateCharges: charges, paidOn: paidOn,
                             reminders: try tx.reminders(invoiceID: stored.invoice.id),
                             lastEvent: try tx.lastEvent(invoiceID: stored.invoice.id), today: today,
                             note: try tx.attention(stored.invoice.id), intent: try tx.latestIntent(invoiceID: stored.invoice.id),
                             timeZone: configuration.company.timeZone, tasks: try tx.openTasks(invoiceID: stored.invoice.id),
                             pendingPromise: try tx.promises(invoiceID: stored.invoice.id).last { $0.state == .pending }?.promisedFor,
                             policy: try policyChoice(stored.invoice.customer, tx), creditAlert: try CreditLimits.alert(for: stored.invoice.customer, tx: tx,
                                                                                                                     configuration: configuration))
        status.plans = try tx.plans(invoiceID: stored.invoice.id).map { plan in
            (plan, PlanReminders.standings(plan, invoice: stored.invoice, payments: payments, today: today))
        }
        return status
    }

    /// The customer's policy and why: explicit, chosen by a policy rule (as last planned), or the default.
    private func policyChoice(_ customer: Customer, _ tx: StoreTransaction) throws -> PolicyChoice {
        let configuration = context.configuration
        if let explicit = configuration.explicitPolicy(for: customer) { return PolicyChoice(policy: explicit, reason: "set for the customer") }
        if !configuration.policyRules.isEmpty, let chosen = try tx.customerPolicy(ReminderPlanning.customerKey(customer)) { return chosen }
        return PolicyChoice(policy: configuration.defaultPolicy.name, reason: "default")
    }
}
