/// Statutory late charges owed on an invoice at a date: simple interest per
/// day on the overdue balance (actual/365), at the reference rate of each
/// half-year plus the law's margin, summed exactly and rounded half-even once;
/// plus the fixed recovery compensation.
public struct LateChargesResult: Sendable, Equatable {
    public let asOf: LocalDate
    public let interest: Money
    public let compensation: Money?
    /// The rate applied on `asOf` (reference + margin).
    public let rate: Percent
    public let daysLate: Int
}

/// Why late charges could not be computed.
public enum LateChargesError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingRate(series: String, halfYear: LocalDate)

    public var description: String {
        switch self {
        case .missingRate(let series, let halfYear):
            return "no \(series) reference rate for the half-year starting \(halfYear); add it to the reference-rate table"
        }
    }
}

public enum LateCharges {
    /// nil when nothing is owed (not late, nothing due, or a law with no charges).
    public static func compute(invoice: Invoice, payments: [Payment], asOf: LocalDate, law: LateChargeLaw,
                               rates: ReferenceRates) throws(LateChargesError) -> LateChargesResult? {
        guard let series = law.rateSeries, let due = invoice.dueDate, asOf > due else { return nil }
        let owed = invoice.total - invoice.amountPaid
        guard Balance.due(invoice, payments: payments, on: due).isPositive else { return nil }
        // Day by day from the day after the due date, grouped into runs of equal balance and rate.
        var numerator: Int128 = 0
        var day = due.adding(days: 1)
        var rateToday = Percent(scaled: 0)
        let sorted = payments.sorted { $0.date < $1.date }
        while day <= asOf {
            guard let reference = rates.rate(series: series, on: day) else {
                throw .missingRate(series: series, halfYear: ReferenceRates.halfYearStart(of: day))
            }
            let rate = reference + law.margin
            // A day's interest is on what is still owed at its end (a payment that day stops it);
            // a run of equal days ends at the half-year's end, the day before the next payment, or asOf.
            var end = min(asOf, ReferenceRates.halfYearEnd(of: day))
            if let next = sorted.first(where: { $0.date > day && $0.date <= end }) { end = next.date.adding(days: -1) }
            let paid = sorted.filter { $0.date <= day }.reduce(Int64(0)) { $0 + $1.amount.minorUnits }
            let balance = max(0, owed.minorUnits - paid)
            let days = day.days(until: end) + 1
            numerator += Int128(balance) * Int128(rate.scaled) * Int128(days)
            rateToday = rate
            day = end.adding(days: 1)
        }
        let denominator = Int128(365) * Int128(100) * Int128(Percent.scale)
        let interest = Money(minorUnits: Int64(Rounding.halfEven(numerator, denominator)), currency: invoice.currency)
        return LateChargesResult(asOf: asOf, interest: interest, compensation: law.compensation(for: owed), rate: rateToday,
                                 daysLate: due.days(until: asOf))
    }
}
