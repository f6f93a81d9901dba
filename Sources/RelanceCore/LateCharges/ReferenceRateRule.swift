/// One published value of a reference-rate series: the rate in force from `date`
/// (a change date, or a daily or monthly observation).
public struct RateObservation: Hashable, Sendable {
    public let date: LocalDate
    public let rate: Percent

    public init(date: LocalDate, rate: Percent) {
        self.date = date
        self.rate = rate
    }
}

/// Which published rate governs each half-year, by the law that uses the series.
///
/// - `ECB` (France, Code de commerce L441-10 II; Directive 2011/7/EU art. 2(7) and 3(2)): the rate
///   the ECB applied to its most recent main refinancing operation, in force on 1 January
///   for the first half-year and on 1 July for the second.
/// - `DE-BASIS` (§ 247 (1) and (2) BGB): the Basiszinssatz changes on 1 January and
///   1 July; the Bundesbank publishes the value valid from those days.
/// - `BOE` (Late Payment of Commercial Debts (Rate of Interest) (No. 3) Order 2002, art. 4):
///   the Bank of England's official dealing rate in force on 31 December for the half-year
///   from 1 January, on 30 June for the one from 1 July.
///
/// A half-year is only given a rate once its reference day has passed on the day the series
/// was retrieved: a rate is never guessed ahead.
public enum ReferenceRateRule {
    public static func referenceDay(series: String, halfYear: LocalDate) -> LocalDate {
        series == "BOE" ? halfYear.adding(days: -1) : halfYear
    }

    /// The governing rate of every half-year from the first observation's on, whose
    /// reference day is on or before `retrievedOn`.
    public static func halfYears(series: String, observations: [RateObservation], retrievedOn: LocalDate) -> [LocalDate: Percent] {
        let sorted = observations.sorted { $0.date < $1.date }
        guard let first = sorted.first else { return [:] }
        var result: [LocalDate: Percent] = [:]
        var start = ReferenceRates.halfYearStart(of: first.date)
        while referenceDay(series: series, halfYear: start) <= retrievedOn {
            let day = referenceDay(series: series, halfYear: start)
            if let inForce = sorted.last(where: { $0.date <= day }) { result[start] = inForce.rate }
            start = ReferenceRates.halfYearEnd(of: start).adding(days: 1)
        }
        return result
    }
}
