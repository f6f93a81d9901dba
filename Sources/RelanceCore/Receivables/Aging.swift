/// Open receivables in one currency, split by how late they are on the report date.
public struct AgingBuckets: Sendable, Equatable {
    public let currency: Currency
    public private(set) var notDue: Money
    public private(set) var late1to30: Money
    public private(set) var late31to60: Money
    public private(set) var late61to90: Money
    public private(set) var lateOver90: Money
    /// How many open invoices make up the amounts.
    public private(set) var invoices = 0

    init(currency: Currency) {
        self.currency = currency
        notDue = .zero(currency)
        late1to30 = .zero(currency)
        late31to60 = .zero(currency)
        late61to90 = .zero(currency)
        lateOver90 = .zero(currency)
    }

    public var total: Money { notDue.addingSaturating(overdue) }
    public var overdue: Money {
        late1to30.addingSaturating(late31to60).addingSaturating(late61to90).addingSaturating(lateOver90)
    }

    /// The buckets in order, with the labels the text and HTML reports use.
    public var labelled: [(label: String, amount: Money)] {
        [("not yet due", notDue), ("1–30", late1to30), ("31–60", late31to60), ("61–90", late61to90), ("over 90", lateOver90)]
    }

    mutating func add(_ amount: Money, daysLate: Int) {
        invoices += 1
        switch daysLate {
        case ...0: notDue = notDue.addingSaturating(amount)
        case 1...30: late1to30 = late1to30.addingSaturating(amount)
        case 31...60: late31to60 = late31to60.addingSaturating(amount)
        case 61...90: late61to90 = late61to90.addingSaturating(amount)
        default: lateOver90 = lateOver90.addingSaturating(amount)
        }
    }
}

/// The aging of open receivables: what is owed at the end of the report date,
/// by days past the due date (not yet due, 1–30, 31–60, 61–90, over 90).
public enum Aging {
    public static func compute(_ histories: [ReceivableHistory], asOf: LocalDate) -> [AgingBuckets] {
        var byCurrency: [Currency: AgingBuckets] = [:]
        for history in histories where history.isBooked(on: asOf) {
            let open = history.openBalance(on: asOf)
            guard open.isPositive else { continue }
            let currency = history.invoice.currency
            byCurrency[currency, default: AgingBuckets(currency: currency)]
                .add(open, daysLate: history.effectiveDueDate.days(until: asOf))
        }
        return byCurrency.values.sorted { $0.currency.code < $1.currency.code }
    }
}
