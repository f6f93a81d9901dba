/// Early-payment discounts in one currency: how many were offered, taken or
/// let lapse by the report date, and what the ones taken cost.
public struct DiscountUptake: Sendable, Equatable {
    public let currency: Currency
    public let offered: Int
    public let taken: Int
    /// Deadline passed without the discounted payment.
    public let lapsed: Int
    /// Deadline still ahead and not yet taken.
    public let pending: Int
    /// The discounts granted, in money.
    public let cost: Money
    /// What the discounted invoices were worth in full.
    public let invoicedWithDiscount: Money

    public var uptake: Ratio? { taken + lapsed > 0 ? Ratio(Int128(taken), Int128(taken + lapsed)) : nil }
}

/// Counts discount offers and their outcome, per currency.
public enum DiscountUptakes {
    public static func compute(_ histories: [ReceivableHistory], asOf: LocalDate) -> [DiscountUptake] {
        var rows: [Currency: (offered: Int, taken: Int, lapsed: Int, pending: Int, cost: Money, worth: Money)] = [:]
        for history in histories where history.isBooked(on: asOf) {
            let offers = history.invoice.discountOffers
            guard !offers.isEmpty else { continue }
            let currency = history.invoice.currency
            var row = rows[currency] ?? (0, 0, 0, 0, .zero(currency), .zero(currency))
            row.offered += 1
            row.worth = row.worth.addingSaturating(history.invoice.total)
            if let offer = Balance.settledByDiscount(history.invoice, payments: history.payments(knownOn: asOf), by: asOf) {
                row.taken += 1
                row.cost = row.cost.addingSaturating(offer.discount)
            } else if let last = offers.map(\.deadline).max(), last >= asOf {
                row.pending += 1
            } else {
                row.lapsed += 1
            }
            rows[currency] = row
        }
        return rows.map { currency, row in
            DiscountUptake(currency: currency, offered: row.offered, taken: row.taken, lapsed: row.lapsed, pending: row.pending,
                           cost: row.cost, invoicedWithDiscount: row.worth)
        }.sorted { $0.currency.code < $1.currency.code }
    }
}
