/// What an invoice's payment terms say, in numbers: the net period, the
/// early-payment discount tiers, and any due date written into the text.
/// Produced by `PaymentTermsParser`; turned into dates by `dueDate(issuedOn:)`.
public struct PaymentTerms: Hashable, Sendable, Codable {
    /// The terms as written on the invoice.
    public let text: String
    /// Days from the issue date to the net due date (0 for "due on receipt"); nil when the text gives none.
    public var netDays: Int?
    /// How "end of month" wording shifts the counting, if the text has any.
    public var endOfMonth: EndOfMonthRule?
    /// Early-payment discounts, the earliest deadline first.
    public var discounts: [DiscountTier]
    /// A due date written in the text itself ("Bis zum 14.08.2016 ohne Abzug").
    public var statedDueDate: LocalDate?

    public init(text: String, netDays: Int? = nil, endOfMonth: EndOfMonthRule? = nil,
                discounts: [DiscountTier] = [], statedDueDate: LocalDate? = nil) {
        self.text = text
        self.netDays = netDays
        self.endOfMonth = endOfMonth
        self.discounts = discounts
        self.statedDueDate = statedDueDate
    }

    /// True when the text yields a due date (with an issue date) or a discount.
    public var isUnderstood: Bool { netDays != nil || statedDueDate != nil || !discounts.isEmpty }

    /// The net due date for an invoice issued on `issueDate`, or nil when the terms do not say.
    public func dueDate(issuedOn issueDate: LocalDate) -> LocalDate? {
        if let statedDueDate { return statedDueDate }
        guard let netDays else { return nil }
        switch endOfMonth {
        case nil: return issueDate.adding(days: netDays)
        case .countFromEndOfMonth: return issueDate.endOfMonth.adding(days: netDays)
        case .roundUpToEndOfMonth: return issueDate.adding(days: netDays).endOfMonth
        }
    }

    /// The last day on which `tier` can be taken (a payment on that day still earns it).
    public func deadline(of tier: DiscountTier, issuedOn issueDate: LocalDate) -> LocalDate {
        switch tier.window {
        case .until(let date): return date
        case .days(let days):
            return endOfMonth == .countFromEndOfMonth
                ? issueDate.endOfMonth.adding(days: days)
                : issueDate.adding(days: days)
        }
    }
}

/// The two end-of-month conventions relance understands.
public enum EndOfMonthRule: String, Hashable, Sendable, Codable {
    /// `EOM` in English terms ("2/10 EOM", "n/30 EOM"): days count from the last
    /// day of the issue month. "2/10 EOM" with no net period is due 30 days after
    /// month end.
    case countFromEndOfMonth = "eom"
    /// French "30 jours fin de mois": add the days to the issue date, then go to
    /// the end of that month (the reading of the French LME most firms use).
    case roundUpToEndOfMonth = "fin-de-mois"
}

/// One early-payment discount: `percent` off when paid within the window.
public struct DiscountTier: Hashable, Sendable, Codable {
    /// How long the discount holds: a number of days, or up to a stated date.
    public enum Window: Hashable, Sendable, Codable {
        /// Within this many days of the issue date (or of month end under EOM).
        case days(Int)
        /// Up to and including this date.
        case until(LocalDate)
    }

    public let percent: Percent
    public let window: Window

    public init(percent: Percent, days: Int) {
        self.percent = percent
        self.window = .days(days)
    }

    public init(percent: Percent, until date: LocalDate) {
        self.percent = percent
        self.window = .until(date)
    }
}
