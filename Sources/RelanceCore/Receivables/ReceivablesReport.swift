/// The receivables report (`relance report`): aging, DSO, customer standings,
/// reminder effectiveness and discount uptake, all computed from relance's own
/// records as they stood at the end of `asOf`.
public struct ReceivablesReport: Sendable, Equatable {
    public let asOf: LocalDate
    public let aging: [AgingBuckets]
    public let dso: [MonthlyDSO]
    public let customers: [CustomerStanding]
    public let reminders: [StepEffectiveness]
    public let discounts: [DiscountUptake]

    public init(_ histories: [ReceivableHistory], asOf: LocalDate, months: Int = 12) {
        self.asOf = asOf
        aging = Aging.compute(histories, asOf: asOf)
        dso = DaysSalesOutstanding.compute(histories, asOf: asOf, months: months)
        customers = CustomerStandings.compute(histories, asOf: asOf)
        reminders = ReminderEffectiveness.compute(histories, asOf: asOf)
        discounts = DiscountUptakes.compute(histories, asOf: asOf)
    }

    /// The five customers with the most invoiced in `currency`.
    public func topCustomers(_ currency: Currency, count: Int = 5) -> [CustomerStanding] {
        Array(customers.filter { $0.currency == currency }.prefix(count))
    }

    /// The part of everything invoiced in `currency` that the top five customers account for.
    public func concentration(_ currency: Currency, top count: Int = 5) -> Ratio? {
        let all = customers.filter { $0.currency == currency }
        let total = all.reduce(Int64(0)) { $0 + $1.invoiced.minorUnits }
        guard total > 0 else { return nil }
        let top = all.prefix(count).reduce(Int64(0)) { $0 + $1.invoiced.minorUnits }
        return Ratio(Int128(top), Int128(total))
    }

    /// Every currency the report speaks of, most invoiced first.
    public var currencies: [Currency] {
        var totals: [Currency: Int64] = [:]
        for customer in customers { totals[customer.currency, default: 0] += customer.invoiced.minorUnits }
        for row in aging where totals[row.currency] == nil { totals[row.currency] = 0 }
        return totals.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.code < $1.key.code }.map(\.key)
    }
}
