/// Where one instalment of a plan stands: what was paid toward it (payments go to the oldest
/// open instalment first) and what is left.
public struct InstallmentStanding: Hashable, Sendable {
    public let installment: Installment
    public let paid: Money
    public var left: Money { installment.amount - paid }
    public var isPaid: Bool { !left.isPositive }

    public init(installment: Installment, paid: Money) {
        self.installment = installment
        self.paid = paid
    }
}

/// How a plan ended: every part paid, or a part missed past its grace period.
public enum PlanVerdict: Hashable, Sendable {
    case completed
    case broken(Installment)
}

/// A payment plan's rules, pure: allocation to the oldest open instalment, kept or broken, and the
/// reminders each instalment gets. Decided here, applied by the daemon: a broken plan resumes the
/// chase on the whole remaining balance, and the next message says the plan was broken.
public enum InstallmentRule {
    /// What the plan has received by the end of `day`: the balance it was agreed on, less what the
    /// invoice still owes then (payments and credit notes of every source count).
    public static func received(total: Money, invoice: Invoice, payments: [Payment], on day: LocalDate) -> Money {
        let owed = Balance.due(invoice, payments: payments, on: day)
        let received = total - owed
        if received.isNegative { return .zero(total.currency) }
        return received > total ? total : received
    }

    /// Each instalment with what was paid toward it, oldest first.
    public static func standings(_ parts: [Installment], received: Money) -> [InstallmentStanding] {
        var left = received
        return parts.map { part in
            let paid = left > part.amount ? part.amount : (left.isNegative ? .zero(left.currency) : left)
            left = left - paid
            return InstallmentStanding(installment: part, paid: paid)
        }
    }

    /// Completed once the invoice is paid in full; broken once a part is not covered by the end of
    /// its due date plus `graceDays` and that day has passed; nil while the plan runs.
    public static func verdict(_ parts: [Installment], total: Money, invoice: Invoice, payments: [Payment], graceDays: Int,
                               today: LocalDate) -> PlanVerdict? {
        if Balance.due(invoice, payments: payments, on: today).isZero { return .completed }
        var owedSoFar = Money.zero(total.currency)
        for part in parts {
            owedSoFar = owedSoFar + part.amount
            let last = part.due.adding(days: graceDays)
            guard today > last else { break }
            if received(total: total, invoice: invoice, payments: payments, on: last) < owedSoFar { return .broken(part) }
        }
        return nil
    }

    /// A reminder an instalment gets: `daysBefore` its due date, and on the day.
    public struct Reminder: Hashable, Sendable {
        /// Whether the reminder comes before the instalment's due date or on it.
        public enum Moment: String, Sendable { case before, due }
        public let part: Int
        public let moment: Moment
        public let date: LocalDate
    }

    /// The reminders of the parts not yet paid, those after `agreedOn` (the schedule sent that day
    /// already says what falls due then). A part paid ahead gets none; one whose day has passed
    /// unpaid keeps its reminder (it goes late, worded from the part's own date).
    public static func reminders(_ standings: [InstallmentStanding], daysBefore: Int, agreedOn: LocalDate) -> [Reminder] {
        standings.filter { !$0.isPaid }.flatMap { standing -> [Reminder] in
            let part = standing.installment
            var out: [Reminder] = []
            if daysBefore > 0 { out.append(Reminder(part: part.number, moment: .before, date: part.due.adding(days: -daysBefore))) }
            out.append(Reminder(part: part.number, moment: .due, date: part.due))
            return out.filter { $0.date > agreedOn }
        }
    }
}

/// A plan the customer broke, as the next message cites it ("the payment plan agreed on
/// 4 December was not kept: the instalment of 300.00 EUR due on 15 January was not paid").
public struct BrokenPlan: Hashable, Sendable {
    public let agreedOn: LocalDate
    public let missed: Installment

    public init(agreedOn: LocalDate, missed: Installment) {
        self.agreedOn = agreedOn
        self.missed = missed
    }
}
