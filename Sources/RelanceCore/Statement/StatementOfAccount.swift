/// What one customer owes on a day, invoice by invoice: the statement a formal notice encloses
/// and a collection file starts from. Lines are sorted by due date (oldest debt first); sums are
/// per currency (amounts of different currencies are never added) and saturate at
/// `Money.maximumMinorUnits` instead of overflowing.
public struct StatementOfAccount: Sendable, Equatable {
    public let customer: Customer
    public let asOf: LocalDate
    public let lines: [StatementLine]

    public init(customer: Customer, asOf: LocalDate, lines: [StatementLine]) {
        self.customer = customer
        self.asOf = asOf
        self.lines = lines.sorted { ($0.dueDate ?? $0.issueDate, $0.invoiceID) < ($1.dueDate ?? $1.issueDate, $1.invoiceID) }
    }

    /// The open invoices of a customer on `asOf`, with their late charges under `law`;
    /// invoices with nothing left to pay are left out.
    public static func of(_ invoices: [(invoice: Invoice, payments: [Payment], levelReached: Int)], customer: Customer, asOf: LocalDate,
                          law: LateChargeLaw, rates: ReferenceRates) -> StatementOfAccount {
        let lines = invoices.compactMap { entry -> StatementLine? in
            let paid = entry.payments.filter { $0.date <= asOf }.reduce(entry.invoice.amountPaid) { $0.addingSaturating($1.amount) }
            let balance = entry.invoice.total - paid
            guard balance.isPositive else { return nil }
            return StatementLine(invoice: entry.invoice, paid: paid, balance: balance, asOf: asOf, levelReached: entry.levelReached,
                                 lateCharges: LateChargesOwed.on(asOf, invoice: entry.invoice, payments: entry.payments, law: law, rates: rates))
        }
        return StatementOfAccount(customer: customer, asOf: asOf, lines: lines)
    }

    /// The currencies owed, in the order their first line appears.
    public var currencies: [Currency] {
        var seen: [Currency] = []
        for line in lines where !seen.contains(line.balance.currency) { seen.append(line.balance.currency) }
        return seen
    }

    /// The totals of one currency.
    public func totals(_ currency: Currency) -> StatementTotals {
        let zero = Money.zero(currency)
        var totals = StatementTotals(total: zero, paid: zero, balance: zero, interest: zero, compensation: zero, interestPending: false)
        for line in lines where line.balance.currency == currency {
            totals.total = totals.total.addingSaturating(line.total)
            totals.paid = totals.paid.addingSaturating(line.paid)
            totals.balance = totals.balance.addingSaturating(line.balance)
            if let charges = line.lateCharges {
                if let interest = charges.interest { totals.interest = totals.interest.addingSaturating(interest) }
                if charges.missingRate != nil { totals.interestPending = true }
                if let compensation = charges.compensation { totals.compensation = totals.compensation.addingSaturating(compensation) }
            }
        }
        return totals
    }
}

/// One invoice on a statement of account.
public struct StatementLine: Sendable, Equatable {
    public let invoiceID: String
    public let issueDate: LocalDate
    public let dueDate: LocalDate?
    /// Days past the due date on the statement's day (0 when not yet due).
    public let daysLate: Int
    public let total: Money
    /// Prepaid and received up to the statement's day.
    public let paid: Money
    public let balance: Money
    /// The highest escalation level sent (0: none yet).
    public let levelReached: Int
    public let lateCharges: LateChargesOwed?
    public let reference: CreditorReference

    public init(invoice: Invoice, paid: Money, balance: Money, asOf: LocalDate, levelReached: Int, lateCharges: LateChargesOwed?) {
        invoiceID = invoice.id
        issueDate = invoice.issueDate
        dueDate = invoice.dueDate
        daysLate = invoice.dueDate.map { max(0, $0.days(until: asOf)) } ?? 0
        total = invoice.total
        self.paid = paid
        self.balance = balance
        self.levelReached = levelReached
        self.lateCharges = lateCharges
        reference = CreditorReference(invoiceNumber: invoice.id)
    }
}

/// The sums of a statement in one currency.
public struct StatementTotals: Sendable, Equatable {
    public var total: Money
    public var paid: Money
    public var balance: Money
    public var interest: Money
    public var compensation: Money
    /// Interest is owed on some line but a reference rate is missing: the sum is not the whole interest.
    public var interestPending: Bool

    /// Principal, interest and compensation: what the formal notice demands.
    public var claimed: Money { balance.addingSaturating(interest).addingSaturating(compensation) }
}
