import Foundation
import RelanceCore
import Testing

@Suite("Public holidays and the business calendar")
struct HolidayTests {
    func dates(_ country: String, _ year: Int) -> Set<String> {
        Set(PublicHolidays.dates(country: country, year: year)!.map(\.iso))
    }

    @Test("Easter Sunday matches published dates", arguments: [
        (2000, "2000-04-23"), (2019, "2019-04-21"), (2024, "2024-03-31"), (2025, "2025-04-20"),
        (2026, "2026-04-05"), (2027, "2027-03-28"), (2038, "2038-04-25"), (2285, "2285-03-22"),
    ])
    func easter(year: Int, expected: String) {
        #expect(PublicHolidays.easterSunday(year).iso == expected)
    }

    @Test("France 2026")
    func france() {
        #expect(dates("FR", 2026) == [
            "2026-01-01", "2026-04-06", "2026-05-01", "2026-05-08", "2026-05-14", "2026-05-25",
            "2026-07-14", "2026-08-15", "2026-11-01", "2026-11-11", "2026-12-25",
        ])
    }

    @Test("Germany 2026 (national holidays)")
    func germany() {
        #expect(dates("DE", 2026) == [
            "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14", "2026-05-25",
            "2026-10-03", "2026-12-25", "2026-12-26",
        ])
    }

    @Test("England and Wales with substitute days")
    func britain() {
        // 2026: Christmas on a Friday, Boxing Day (Saturday) taken on Monday 28th.
        #expect(dates("GB", 2026) == [
            "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31",
            "2026-12-25", "2026-12-28",
        ])
        // 2027: Christmas Saturday and Boxing Day Sunday → Monday 27th and Tuesday 28th.
        #expect(dates("GB", 2027).isSuperset(of: ["2027-12-27", "2027-12-28"]))
        // 2022: New Year on a Saturday → Monday 3 January; Christmas on a Sunday → 26th and 27th.
        #expect(dates("GB", 2022).isSuperset(of: ["2022-01-03", "2022-12-26", "2022-12-27"]))
    }

    @Test("US federal holidays as observed")
    func unitedStates() {
        #expect(dates("US", 2026) == [
            "2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-06-19", "2026-07-03",
            "2026-09-07", "2026-10-12", "2026-11-11", "2026-11-26", "2026-12-25",
        ])
    }

    @Test("no table for an unknown country")
    func unknown() {
        #expect(PublicHolidays.dates(country: "ZZ", year: 2026) == nil)
    }

    static let calendar = BusinessCalendar(
        timeZone: TimeZone(identifier: "Europe/Paris")!, sendTime: WallClockTime(hour: 9, minute: 30)!,
        sendDays: [.monday, .tuesday, .wednesday, .thursday, .friday], holidayCountries: ["FR"],
        extraHolidays: [LocalDate(iso: "2026-12-24")!])

    @Test("weekends, holidays and extra dates are not sending days")
    func sendingDays() throws {
        let c = Self.calendar
        #expect(c.sendingDay(onOrAfter: try #require(LocalDate(iso: "2026-04-04"))).iso == "2026-04-07")  // Sat → Easter Mon → Tue
        #expect(c.sendingDay(onOrAfter: try #require(LocalDate(iso: "2026-05-14"))).iso == "2026-05-15")  // Ascension
        #expect(c.sendingDay(onOrAfter: try #require(LocalDate(iso: "2026-12-24"))).iso == "2026-12-28")  // extra, Christmas, weekend
        #expect(c.isSendingDay(try #require(LocalDate(iso: "2026-11-23"))))
    }

    @Test("next slot at or after an instant")
    func nextSlot() throws {
        let c = Self.calendar
        let zone = c.timeZone
        func slot(_ text: String) throws -> String {
            let instant = try #require(ZonedDateTime.parse(text, defaultZone: zone))
            return ZonedDateTime.iso8601(c.nextSlot(atOrAfter: instant).at, in: zone)
        }
        #expect(try slot("2026-11-23T08:00:00+01:00") == "2026-11-23T09:30:00+01:00")  // before send time: today
        #expect(try slot("2026-11-23T09:30:00+01:00") == "2026-11-23T09:30:00+01:00")  // exactly: today
        #expect(try slot("2026-11-23T09:31:00+01:00") == "2026-11-24T09:30:00+01:00")  // after: tomorrow
        #expect(try slot("2026-11-27T18:00:00+01:00") == "2026-11-30T09:30:00+01:00")  // Friday evening: Monday
        #expect(try slot("2026-11-10T23:59:00+01:00") == "2026-11-12T09:30:00+01:00")  // 11 Nov is a holiday
    }
}
