/// Reference rates by half-year, per series (`ECB`, `DE-BASIS`, `BOE`): the
/// rate in force on 1 January or 1 July. The built-in table is the one in
/// `config/reference-rates.toml` (with its sources); a configuration may add
/// or replace entries. A half-year with no rate is never guessed: the
/// computation says which entry is missing.
public struct ReferenceRates: Sendable {
    /// series → half-year start → rate
    public private(set) var table: [String: [LocalDate: Percent]]

    public init(table: [String: [LocalDate: Percent]]) { self.table = table }

    /// The rates relance ships with, as published (sources in config/reference-rates.toml).
    public static let builtIn = ReferenceRates(table: [
        "ECB": rates(["2023-01-01": "2.50", "2023-07-01": "4.00", "2024-01-01": "4.50", "2024-07-01": "4.25",
                      "2025-01-01": "3.15", "2025-07-01": "2.15"]),
        "DE-BASIS": rates(["2023-01-01": "1.62", "2023-07-01": "3.12", "2024-01-01": "3.62", "2024-07-01": "3.37",
                           "2025-01-01": "2.27", "2025-07-01": "1.27"]),
        "BOE": rates(["2023-01-01": "3.50", "2023-07-01": "5.00", "2024-01-01": "5.25", "2024-07-01": "5.25",
                      "2025-01-01": "4.75", "2025-07-01": "4.25"]),
    ])

    static func rates(_ pairs: [String: String]) -> [LocalDate: Percent] {
        var result: [LocalDate: Percent] = [:]
        for (day, rate) in pairs { if let date = LocalDate(iso: day), let percent = Percent(rate) { result[date] = percent } }
        return result
    }

    /// This table with `other`'s entries added or replacing.
    public func merging(_ other: ReferenceRates) -> ReferenceRates {
        var merged = table
        for (series, entries) in other.table { merged[series, default: [:]].merge(entries) { _, new in new } }
        return ReferenceRates(table: merged)
    }

    /// The first day of the half-year containing `date`.
    public static func halfYearStart(of date: LocalDate) -> LocalDate {
        LocalDate(uncheckedYear: date.year, month: date.month <= 6 ? 1 : 7, day: 1)
    }

    /// The last day of the half-year containing `date` (30 June or 31 December).
    public static func halfYearEnd(of date: LocalDate) -> LocalDate {
        LocalDate(uncheckedYear: date.year, month: date.month <= 6 ? 6 : 12, day: date.month <= 6 ? 30 : 31)
    }

    public func rate(series: String, on date: LocalDate) -> Percent? {
        table[series]?[Self.halfYearStart(of: date)]
    }
}

extension ReferenceRates {
    /// The half-years, among the one containing `date` and the one before, that a series in
    /// `series` has no rate for: what `check`, `status`, `metrics` and the send log warn about.
    public func missing(series: [String], on date: LocalDate) -> [(series: String, halfYear: LocalDate)] {
        let current = Self.halfYearStart(of: date)
        let previous = Self.halfYearStart(of: current.adding(days: -1))
        var result: [(series: String, halfYear: LocalDate)] = []
        for name in series.sorted() {
            for start in [previous, current] where table[name]?[start] == nil { result.append((name, start)) }
        }
        return result
    }
}
