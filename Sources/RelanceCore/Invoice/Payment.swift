/// Money received against an invoice on a calendar date.
public struct Payment: Hashable, Sendable, Codable {
    public let amount: Money
    public let date: LocalDate
    public let reference: String?

    public init(amount: Money, date: LocalDate, reference: String? = nil) {
        self.amount = amount
        self.date = date
        self.reference = reference
    }
}

/// The balance of an invoice on a given day, from its total, prepayment and
/// payments. Paying the discounted amount by a discount deadline settles it in full.
public enum Balance {
    /// What is still owed at the end of `date` (never below zero; overpayment is `overpaid`).
    public static func due(_ invoice: Invoice, payments: [Payment], on date: LocalDate) -> Money {
        let owed = invoice.total - invoice.amountPaid
        let received = payments.filter { $0.date <= date }.reduce(Money.zero(invoice.currency)) { $0 + $1.amount }
        if settledByDiscount(invoice, payments: payments, by: date) != nil { return .zero(invoice.currency) }
        let rest = owed - received
        return rest.isNegative ? .zero(invoice.currency) : rest
    }

    /// The day the invoice became paid in full, if it has by `date`.
    public static func paidInFullOn(_ invoice: Invoice, payments: [Payment]) -> LocalDate? {
        let owed = invoice.total - invoice.amountPaid
        if !owed.isPositive { return invoice.issueDate }
        var running = Money.zero(invoice.currency)
        for payment in payments.sorted(by: { $0.date < $1.date }) {
            running = running + payment.amount
            let offer = invoice.discountOffers.first { payment.date <= $0.deadline && running >= $0.payable }
            if running >= owed || offer != nil { return payment.date }
        }
        return nil
    }

    /// The discount whose deadline a payment met, if payments up to `date` settle through it.
    public static func settledByDiscount(_ invoice: Invoice, payments: [Payment], by date: LocalDate) -> DiscountOffer? {
        for offer in invoice.discountOffers {
            let inTime = payments.filter { $0.date <= min(offer.deadline, date) }
                .reduce(Money.zero(invoice.currency)) { $0 + $1.amount }
            if inTime.isPositive, inTime >= offer.payable { return offer }
        }
        return nil
    }
}
