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
            return "no \(series) reference rate for the half-year starting \(halfYear) (run `relance rates update`, or add it to the rates file)"
        }
    }
}

/// Late-payment interest and fixed compensation owed on an invoice at a date, under the law
/// that governs it (docs/late-charges.md cites each article); pure, so every figure a letter or
/// message states can be checked alone.
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

/// What a reminder may state about late charges on a day: the fixed compensation
/// whenever it is owed (it needs no rate), the interest when the reference rate of
/// every half-year involved is known, and otherwise which half-year is missing, so
/// the message says "interest at the statutory rate is also due" instead of
/// silently dropping the paragraph. Nothing here is ever guessed.
public struct LateChargesOwed: Sendable, Equatable {
    public let law: LateChargeLaw
    public let daysLate: Int
    /// nil when a reference rate is missing (see `missingRate`).
    public let interest: Money?
    /// The rate applied on the last day (reference + margin), when known.
    public let rate: Percent?
    /// The fixed recovery compensation, when the law grants one in the invoice's currency.
    public let compensation: Money?
    /// The half-year whose reference rate is not in the table.
    public let missingRate: LateChargesError?

    public init(law: LateChargeLaw, daysLate: Int, interest: Money?, rate: Percent?, compensation: Money?, missingRate: LateChargesError?) {
        self.law = law
        self.daysLate = daysLate
        self.interest = interest
        self.rate = rate
        self.compensation = compensation
        self.missingRate = missingRate
    }

    /// Late charges owed on `asOf`; nil when nothing is (not late, nothing due, a law without charges).
    public static func on(_ asOf: LocalDate, invoice: Invoice, payments: [Payment], law: LateChargeLaw,
                          rates: ReferenceRates) -> LateChargesOwed? {
        do {
            guard let result = try LateCharges.compute(invoice: invoice, payments: payments, asOf: asOf, law: law, rates: rates) else { return nil }
            return LateChargesOwed(law: law, daysLate: result.daysLate, interest: result.interest, rate: result.rate,
                                   compensation: result.compensation, missingRate: nil)
        } catch {
            // The compensation is owed from the first day late (FR D441-5, DE § 288 (5) BGB,
            // GB Late Payment Act s. 5A), whatever the rate table holds.
            // `compute` throws only once it has found the invoice late with a balance (its own guards).
            return LateChargesOwed(law: law, daysLate: invoice.dueDate.map { $0.days(until: asOf) } ?? 0, interest: nil, rate: nil,
                                   compensation: law.compensation(for: invoice.total - invoice.amountPaid), missingRate: error)
        }
    }
}
