/// Days sales outstanding for one month in one currency, by two methods
/// (docs/report.md defines both):
///
/// - **simple**: open receivables at the month's end × days in the month ÷
///   amount invoiced in the month; undefined when nothing was invoiced.
/// - **countback**: the open receivables at the month's end are matched
///   against the sales of that month, then the month before, and so on; each
///   month fully used up counts all its days, the last one the used fraction
///   of its days. Undefined when nothing was ever invoiced.
///
/// The month holding the report date ends on the report date and counts its
/// elapsed days only.
public struct MonthlyDSO: Sendable, Equatable {
    public let currency: Currency
    /// The month's first day.
    public let month: LocalDate
    /// The day the receivables were measured: the month's last day, or the report date.
    public let measuredOn: LocalDate
    public let receivables: Money
    public let invoiced: Money
    public let simple: Ratio?
    public let countback: Ratio?

    /// "2026-05".
    public var monthLabel: String { String(month.iso.prefix(7)) }
}

/// Computes DSO month by month from the invoice history.
public enum DaysSalesOutstanding {
    /// At most `months` months ending with the month of `asOf`, from the first invoiced month on.
    public static func compute(_ histories: [ReceivableHistory], asOf: LocalDate, months: Int = 12) -> [MonthlyDSO] {
        let booked = histories.filter { $0.isBooked(on: asOf) }
        var result: [MonthlyDSO] = []
        for currency in Set(booked.map(\.invoice.currency)).sorted(by: { $0.code < $1.code }) {
            let mine = booked.filter { $0.invoice.currency == currency }
            guard let first = mine.map(\.invoice.issueDate).min() else { continue }
            let sales = monthlySales(mine, asOf: asOf)
            var month = firstOfMonth(asOf).addingMonths(-(months - 1))
            if month < firstOfMonth(first) { month = firstOfMonth(first) }
            while month <= asOf {
                let end = min(month.endOfMonth, asOf)
                let receivables = mine.reduce(Money.zero(currency)) { sum, history in
                    history.invoice.issueDate <= end ? sum.addingSaturating(history.openBalance(on: end)) : sum
                }
                let invoiced = sales[month] ?? .zero(currency)
                let days = Int128(end.day)
                let simple = invoiced.isPositive ? Ratio(Int128(receivables.minorUnits) * days, Int128(invoiced.minorUnits)).reduced : nil
                result.append(MonthlyDSO(currency: currency, month: month, measuredOn: end, receivables: receivables,
                                         invoiced: invoiced, simple: simple,
                                         countback: countback(receivables, month: month, end: end, sales: sales, first: firstOfMonth(first))))
                month = month.addingMonths(1)
            }
        }
        return result
    }

    /// Sales by first-of-month, counting only invoices issued by `asOf`.
    static func monthlySales(_ histories: [ReceivableHistory], asOf: LocalDate) -> [LocalDate: Money] {
        var sales: [LocalDate: Money] = [:]
        for history in histories where history.invoice.issueDate <= asOf {
            let key = firstOfMonth(history.invoice.issueDate)
            sales[key] = (sales[key] ?? .zero(history.invoice.currency)).addingSaturating(history.invoice.total)
        }
        return sales
    }

    static func countback(_ receivables: Money, month: LocalDate, end: LocalDate, sales: [LocalDate: Money],
                          first: LocalDate) -> Ratio? {
        guard sales.values.contains(where: \.isPositive) else { return nil }
        var remaining = Int128(receivables.minorUnits)
        var days = Ratio(0, 1)
        var current = month
        var daysInCurrent = Int128(end.day)
        while remaining > 0, current >= first {
            let sold = Int128(sales[current]?.minorUnits ?? 0)
            if sold >= remaining, sold > 0 {
                days = days + Ratio(remaining * daysInCurrent, sold)
                remaining = 0
            } else {
                remaining -= sold
                days = days + Ratio(daysInCurrent, 1)
            }
            current = current.addingMonths(-1)
            daysInCurrent = Int128(current.endOfMonth.day)
        }
        return days
    }

    static func firstOfMonth(_ date: LocalDate) -> LocalDate { LocalDate(year: date.year, month: date.month, day: 1)! }
}

extension LocalDate {
    /// The first day of the month `count` months away from this date's month.
    func addingMonths(_ count: Int) -> LocalDate {
        let index = year * 12 + (month - 1) + count
        let y = index >= 0 ? index / 12 : (index - 11) / 12
        return LocalDate(year: y, month: index - y * 12 + 1, day: 1)!
    }
}
