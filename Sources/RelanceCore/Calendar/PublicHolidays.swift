import Synchronization

/// National public holidays computed from their rules, Easter-based ones
/// included, for the countries relance ships tables for. Regional holidays
/// (Alsace-Moselle, German Länder, Scotland, US states) are added by the user
/// as extra dates.
public enum PublicHolidays {
    public static let supportedCountries = ["FR", "DE", "GB", "US"]

    /// The holidays of `country` (ISO 3166 alpha-2) in `year`, or nil when relance has no table for it.
    /// Each (country, year) is computed once and remembered: the planner asks for every day it considers.
    public static func dates(country: String, year: Int) -> Set<LocalDate>? {
        let key = HolidayKey(country: country.uppercased(), year: year)
        if let known = cache.withLock({ $0[key] }) { return known }
        guard let computed = compute(country: key.country, year: year) else { return nil }
        cache.withLock { $0[key] = computed }
        return computed
    }

    private struct HolidayKey: Hashable { let country: String; let year: Int }
    private static let cache = Mutex<[HolidayKey: Set<LocalDate>]>([:])

    static func compute(country: String, year: Int) -> Set<LocalDate>? {
        switch country {
        case "FR": return france(year)
        case "DE": return germany(year)
        case "GB", "UK": return britain(year)
        case "US": return unitedStates(year)
        default: return nil
        }
    }

    /// Western (Gregorian) Easter Sunday: the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
    public static func easterSunday(_ year: Int) -> LocalDate {
        let a = year % 19, b = year / 100, c = year % 100
        let d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return LocalDate(uncheckedYear: year, month: month, day: day)
    }

    static func france(_ y: Int) -> Set<LocalDate> {
        let easter = easterSunday(y)
        return [
            date(y, 1, 1), easter.adding(days: 1), date(y, 5, 1), date(y, 5, 8), easter.adding(days: 39),
            easter.adding(days: 50), date(y, 7, 14), date(y, 8, 15), date(y, 11, 1), date(y, 11, 11), date(y, 12, 25),
        ]
    }

    static func germany(_ y: Int) -> Set<LocalDate> {
        let easter = easterSunday(y)
        return [
            date(y, 1, 1), easter.adding(days: -2), easter.adding(days: 1), date(y, 5, 1), easter.adding(days: 39),
            easter.adding(days: 50), date(y, 10, 3), date(y, 12, 25), date(y, 12, 26),
        ]
    }

    /// England and Wales bank holidays, with the substitute days when one falls on a weekend.
    static func britain(_ y: Int) -> Set<LocalDate> {
        let easter = easterSunday(y)
        var days: Set<LocalDate> = [
            easter.adding(days: -2), easter.adding(days: 1),
            nthWeekday(.monday, 1, month: 5, year: y), lastWeekday(.monday, month: 5, year: y),
            lastWeekday(.monday, month: 8, year: y),
        ]
        // New Year: a weekend day moves to the next Monday.
        let newYear = date(y, 1, 1)
        days.insert(newYear.weekday == .saturday ? newYear.adding(days: 2) : newYear.weekday == .sunday ? newYear.adding(days: 1) : newYear)
        // Christmas and Boxing Day: each taken on the next free weekday.
        let christmas = date(y, 12, 25)
        switch christmas.weekday {
        case .friday: days.formUnion([christmas, christmas.adding(days: 3)])
        case .saturday: days.formUnion([christmas.adding(days: 2), christmas.adding(days: 3)])
        case .sunday: days.formUnion([christmas.adding(days: 2), christmas.adding(days: 1)])
        default: days.formUnion([christmas, christmas.adding(days: 1)])
        }
        return days
    }

    /// US federal holidays as observed (Saturday → Friday, Sunday → Monday).
    static func unitedStates(_ y: Int) -> Set<LocalDate> {
        func observed(_ d: LocalDate) -> LocalDate {
            switch d.weekday {
            case .saturday: return d.adding(days: -1)
            case .sunday: return d.adding(days: 1)
            default: return d
            }
        }
        return [
            observed(date(y, 1, 1)), nthWeekday(.monday, 3, month: 1, year: y), nthWeekday(.monday, 3, month: 2, year: y),
            lastWeekday(.monday, month: 5, year: y), observed(date(y, 6, 19)), observed(date(y, 7, 4)),
            nthWeekday(.monday, 1, month: 9, year: y), nthWeekday(.monday, 2, month: 10, year: y),
            observed(date(y, 11, 11)), nthWeekday(.thursday, 4, month: 11, year: y), observed(date(y, 12, 25)),
        ]
    }

    static func date(_ y: Int, _ m: Int, _ d: Int) -> LocalDate { LocalDate(uncheckedYear: y, month: m, day: d) }

    static func nthWeekday(_ weekday: Weekday, _ n: Int, month: Int, year: Int) -> LocalDate {
        var d = date(year, month, 1)
        while d.weekday != weekday { d = d.adding(days: 1) }
        return d.adding(days: 7 * (n - 1))
    }

    static func lastWeekday(_ weekday: Weekday, month: Int, year: Int) -> LocalDate {
        var d = date(year, month, 1).endOfMonth
        while d.weekday != weekday { d = d.adding(days: -1) }
        return d
    }
}
