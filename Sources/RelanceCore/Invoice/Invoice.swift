/// An invoice as relance chases it: who owes what since when and until when,
/// under which terms. Readers of every format produce this one value.
public struct Invoice: Hashable, Sendable, Codable {
    public var id: String
    public var issueDate: LocalDate
    /// The due date the invoice states (BT-9); when present it wins over the terms.
    public var statedDueDate: LocalDate?
    public var terms: PaymentTerms?
    public var total: Money
    /// Paid before the file was written (prepayment, BT-113).
    public var amountPaid: Money
    public var customer: Customer
    /// Path of a document to attach, relative to the invoice file, already checked to stay in the inbox.
    public var attachment: String?
    /// true when `terms` are the statutory default applied because the invoice stated none
    /// (optional so that invoices stored before it decode).
    public var statutoryTerms: Bool?

    /// Whether the due date comes from the law's default term, not from the invoice.
    public var usesStatutoryTerms: Bool { statutoryTerms == true }

    public init(id: String, issueDate: LocalDate, statedDueDate: LocalDate? = nil, terms: PaymentTerms? = nil,
                total: Money, amountPaid: Money? = nil, customer: Customer, attachment: String? = nil) {
        self.id = id
        self.issueDate = issueDate
        self.statedDueDate = statedDueDate
        self.terms = terms
        self.total = total
        self.amountPaid = amountPaid ?? .zero(total.currency)
        self.customer = customer
        self.attachment = attachment
    }

    public var currency: Currency { total.currency }

    /// The stated due date, else the one the terms give; nil when neither says.
    public var dueDate: LocalDate? { statedDueDate ?? terms?.dueDate(issuedOn: issueDate) }

    /// This invoice, payable under `terms` when it states neither a due date nor terms
    /// relance understands (`statutoryTerms` then says so): no invoice goes unchased for
    /// lack of a due date (Directive 2011/7/EU art. 3(3)(b), 4(3)(a); Code de commerce
    /// L441-10 I; § 286 (3) BGB: 30 days).
    public func applyingDefaultTerms(_ terms: PaymentTerms) -> Invoice {
        guard dueDate == nil else { return self }
        var copy = self
        copy.terms = terms
        copy.statutoryTerms = true
        return copy
    }

    /// Discounts with their deadlines and amounts, the earliest deadline first.
    public var discountOffers: [DiscountOffer] {
        guard let terms else { return [] }
        return terms.discounts.map { tier in
            let discount = total.applying(tier.percent)
            return DiscountOffer(percent: tier.percent, days: issueDate.days(until: terms.deadline(of: tier, issuedOn: issueDate)),
                                 deadline: terms.deadline(of: tier, issuedOn: issueDate),
                                 discount: discount, payable: total - amountPaid - discount)
        }
    }
}

/// A discount made concrete for one invoice: "pay `payable` by `deadline` to keep `percent` %".
public struct DiscountOffer: Hashable, Sendable {
    public let percent: Percent
    /// Days from the issue date to the deadline.
    public let days: Int
    /// Last day a payment still earns the discount.
    public let deadline: LocalDate
    /// What the discount is worth: the total × percent, rounded half-even.
    public let discount: Money
    /// What settles the invoice in full if paid by the deadline.
    public let payable: Money

    public init(percent: Percent, days: Int, deadline: LocalDate, discount: Money, payable: Money) {
        self.percent = percent
        self.days = days
        self.deadline = deadline
        self.discount = discount
        self.payable = payable
    }
}
