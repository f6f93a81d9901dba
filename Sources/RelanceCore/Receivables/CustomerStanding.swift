/// How one customer pays, in one currency, up to the report date: the figures
/// behind the payment score and the concentration of receivables.
///
/// An invoice is *judged* once it is paid in full or its due date has passed.
/// It was paid *on time* when paid in full on or before its due date; its days
/// late are the days from the due date to the payment in full, or to the report
/// date while it is still open.
public struct CustomerStanding: Sendable, Equatable {
    public let customerKey: String
    public let name: String
    public let currency: Currency
    public let invoices: Int
    public let invoiced: Money
    public let judged: Int
    public let paidOnTime: Int
    public let totalDaysLate: Int
    public let worstDaysLate: Int
    public let promisesMade: Int
    public let promisesKept: Int
    /// The customer's part of everything invoiced in the currency.
    public let share: Ratio?
    public let score: PaymentScore?

    public var onTimeShare: Ratio? { judged > 0 ? Ratio(Int128(paidOnTime), Int128(judged)) : nil }
    public var averageDaysLate: Ratio? { judged > 0 ? Ratio(Int128(totalDaysLate), Int128(judged)) : nil }
    public var promisesBroken: Int { promisesMade - promisesKept }
}

/// Per-customer standings, largest invoiced first (ties by name).
public enum CustomerStandings {
    public static func compute(_ histories: [ReceivableHistory], asOf: LocalDate) -> [CustomerStanding] {
        struct Key: Hashable { let customer: String; let currency: Currency }
        var groups: [Key: [ReceivableHistory]] = [:]
        var order: [Key] = []
        for history in histories where history.isBooked(on: asOf) {
            let key = Key(customer: history.customerKey, currency: history.invoice.currency)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(history)
        }
        var totals: [Currency: Int64] = [:]
        for history in histories where history.isBooked(on: asOf) {
            let (sum, overflow) = totals[history.invoice.currency, default: 0].addingReportingOverflow(history.invoice.total.minorUnits)
            totals[history.invoice.currency] = overflow ? Int64.max : sum
        }
        let standings = order.map { key -> CustomerStanding in
            let mine = groups[key] ?? []
            var judged = 0, onTime = 0, daysLate = 0, worst = 0, made = 0, kept = 0
            for history in mine {
                let due = history.effectiveDueDate
                let settled = history.settledOn(by: asOf)
                if let settled {
                    judged += 1
                    let late = max(0, due.days(until: settled))
                    if late == 0 { onTime += 1 }
                    daysLate += late
                    worst = max(worst, late)
                } else if due < asOf {
                    judged += 1
                    let late = due.days(until: asOf)
                    daysLate += late
                    worst = max(worst, late)
                }
                for promise in history.promises where promise.madeOn <= asOf && promise.promisedFor < asOf {
                    made += 1
                    if let verdict = promise.verdict {
                        if verdict == .kept { kept += 1 }
                    } else if let settled, settled <= promise.promisedFor {
                        kept += 1
                    }
                }
            }
            let invoiced = mine.reduce(Money.zero(key.currency)) { $0.addingSaturating($1.invoice.total) }
            let total = totals[key.currency] ?? 0
            let latest = mine.max { ($0.invoice.issueDate, $0.invoice.id) < ($1.invoice.issueDate, $1.invoice.id) }
            return CustomerStanding(
                customerKey: key.customer, name: latest?.invoice.customer.name ?? key.customer, currency: key.currency,
                invoices: mine.count, invoiced: invoiced, judged: judged, paidOnTime: onTime, totalDaysLate: daysLate,
                worstDaysLate: worst, promisesMade: made, promisesKept: kept,
                share: total > 0 ? Ratio(Int128(invoiced.minorUnits), Int128(total)) : nil,
                score: PaymentScore.grade(judged: judged, paidOnTime: onTime, totalDaysLate: daysLate, worstDaysLate: worst,
                                          promisesBroken: made - kept))
        }
        return standings.sorted {
            if $0.currency != $1.currency { return $0.currency.code < $1.currency.code }
            if $0.invoiced.minorUnits != $1.invoiced.minorUnits { return $0.invoiced.minorUnits > $1.invoiced.minorUnits }
            return ($0.name, $0.customerKey) < ($1.name, $1.customerKey)
        }
    }
}

/// A customer's payment grade, A (pays on time) to E (chase hard, or stop
/// delivering). The rules, applied in order (docs/report.md):
///
/// 1. A: at least 90 % paid on time and on average at most 2 days late;
///    B: at least 70 % on time and on average at most 10 days late;
///    C: on average at most 30 days late; D: at most 60; E: more.
/// 2. Any invoice more than 90 days late makes the grade D at best.
/// 3. Each broken promise to pay lowers the grade by one, down to E.
///
/// No grade until at least one invoice is judged.
public enum PaymentScore: String, Sendable, Equatable, CaseIterable, Comparable {
    case a = "A", b = "B", c = "C", d = "D", e = "E"

    public static func grade(judged: Int, paidOnTime: Int, totalDaysLate: Int, worstDaysLate: Int, promisesBroken: Int) -> PaymentScore? {
        guard judged > 0 else { return nil }
        // Compare ratios exactly: onTime/judged ≥ 9/10 ⇔ 10·onTime ≥ 9·judged.
        var rank: Int
        if 10 * paidOnTime >= 9 * judged, totalDaysLate <= 2 * judged { rank = 0 }
        else if 10 * paidOnTime >= 7 * judged, totalDaysLate <= 10 * judged { rank = 1 }
        else if totalDaysLate <= 30 * judged { rank = 2 }
        else if totalDaysLate <= 60 * judged { rank = 3 }
        else { rank = 4 }
        if worstDaysLate > 90 { rank = max(rank, 3) }
        rank = min(4, rank + max(0, promisesBroken))
        return allCases[rank]
    }

    public static func < (lhs: PaymentScore, rhs: PaymentScore) -> Bool { lhs.rawValue < rhs.rawValue }
}
