import Foundation
import RelanceCore
import Testing

@Suite("Calendar dates and instants")
struct DateAndZoneTests {
    @Test("days since the epoch round-trip over four centuries")
    func epochRoundTrip() {
        for days in stride(from: -200_000, through: 200_000, by: 37) {
            #expect(LocalDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
        #expect(LocalDate(daysSinceEpoch: 0).iso == "1970-01-01")
        #expect(LocalDate(iso: "2000-02-29")?.adding(days: 366).iso == "2001-03-01")
    }

    @Test("dates are validated")
    func validation() {
        #expect(LocalDate(iso: "2026-02-29") == nil)
        #expect(LocalDate(iso: "2028-02-29") != nil)
        #expect(LocalDate(iso: "2026-13-01") == nil)
        #expect(LocalDate(iso: "2026-1-01") == nil)
        #expect(LocalDate(iso: "2026-01-01T00:00") == nil)
        #expect(LocalDate(basic: "20160404")?.iso == "2016-04-04")
        #expect(LocalDate(iso: "2026-11-23")?.weekday == .monday)
        #expect(LocalDate(iso: "1970-01-01")?.weekday == .thursday)
        #expect(LocalDate(iso: "2026-02-10")?.endOfMonth.iso == "2026-02-28")
        #expect(LocalDate(iso: "2026-02-10")?.yearMonthPath == "2026/02")
        #expect(LocalDate(year: 987, month: 11, day: 3)?.yearMonthPath == "0987/11")
    }

    static let paris = TimeZone(identifier: "Europe/Paris")!
    static let newYork = TimeZone(identifier: "America/New_York")!

    @Test("09:30 stays 09:30 local across the DST weeks", arguments: [
        // Paris: spring forward 2026-03-29, fall back 2026-10-25.
        ("Europe/Paris", "2026-03-27", "2026-03-27T09:30:00+01:00"),
        ("Europe/Paris", "2026-03-29", "2026-03-29T09:30:00+02:00"),
        ("Europe/Paris", "2026-03-30", "2026-03-30T09:30:00+02:00"),
        ("Europe/Paris", "2026-10-24", "2026-10-24T09:30:00+02:00"),
        ("Europe/Paris", "2026-10-25", "2026-10-25T09:30:00+01:00"),
        ("Europe/Paris", "2026-10-26", "2026-10-26T09:30:00+01:00"),
        // New York: spring forward 2026-03-08, fall back 2026-11-01.
        ("America/New_York", "2026-03-07", "2026-03-07T09:30:00-05:00"),
        ("America/New_York", "2026-03-08", "2026-03-08T09:30:00-04:00"),
        ("America/New_York", "2026-10-31", "2026-10-31T09:30:00-04:00"),
        ("America/New_York", "2026-11-01", "2026-11-01T09:30:00-05:00"),
        ("America/New_York", "2026-11-02", "2026-11-02T09:30:00-05:00"),
    ])
    func dstWeeks(zoneName: String, date: String, expected: String) throws {
        let zone = try #require(TimeZone(identifier: zoneName))
        let day = try #require(LocalDate(iso: date))
        let instant = ZonedDateTime.instant(of: day, at: WallClockTime(hour: 9, minute: 30)!, in: zone)
        #expect(ZonedDateTime.iso8601(instant, in: zone) == expected)
        #expect(ZonedDateTime.localDate(of: instant, in: zone) == day)
    }

    @Test("a time inside the spring-forward gap moves forward by the gap")
    func springGap() throws {
        let day = try #require(LocalDate(iso: "2026-03-29"))
        let instant = ZonedDateTime.instant(of: day, at: WallClockTime(hour: 2, minute: 30)!, in: Self.paris)
        #expect(ZonedDateTime.iso8601(instant, in: Self.paris) == "2026-03-29T03:30:00+02:00")
        let ny = ZonedDateTime.instant(of: try #require(LocalDate(iso: "2026-03-08")), at: WallClockTime(hour: 2, minute: 15)!, in: Self.newYork)
        #expect(ZonedDateTime.iso8601(ny, in: Self.newYork) == "2026-03-08T03:15:00-04:00")
    }

    @Test("a time repeated at fall-back means its first occurrence")
    func fallBackOverlap() throws {
        let day = try #require(LocalDate(iso: "2026-10-25"))
        let instant = ZonedDateTime.instant(of: day, at: WallClockTime(hour: 2, minute: 30)!, in: Self.paris)
        #expect(ZonedDateTime.iso8601(instant, in: Self.paris) == "2026-10-25T02:30:00+02:00")
    }

    @Test("the local date of an instant near midnight follows the zone, not UTC")
    func localDateNearMidnight() throws {
        let instant = try #require(ZonedDateTime.parse("2026-06-30T23:30:00Z", defaultZone: Self.paris))
        #expect(ZonedDateTime.localDate(of: instant, in: Self.paris).iso == "2026-07-01")
        #expect(ZonedDateTime.localDate(of: instant, in: Self.newYork).iso == "2026-06-30")
    }

    @Test("ISO 8601 instants parse with offsets, Z, fractions, or as local wall time")
    func parsing() throws {
        let a = try #require(ZonedDateTime.parse("2026-01-28T09:30:00+01:00", defaultZone: Self.newYork))
        let b = try #require(ZonedDateTime.parse("2026-01-28T08:30:00Z", defaultZone: Self.newYork))
        let c = try #require(ZonedDateTime.parse("2026-01-28T09:30:00.250+0100", defaultZone: Self.newYork))
        let d = try #require(ZonedDateTime.parse("2026-01-28T09:30", defaultZone: Self.paris))
        #expect(a == b)
        #expect(Int(c.timeIntervalSince1970) == Int(a.timeIntervalSince1970))
        #expect(d == a)
        let midnight = try #require(ZonedDateTime.parse("2026-07-01", defaultZone: Self.paris))
        #expect(ZonedDateTime.iso8601(midnight, in: Self.paris) == "2026-07-01T00:00:00+02:00")
        for bad in ["", "2026-01-28T25:00:00Z", "2026-01-28T09:30:00+", "yesterday", "2026-01-28T09:30:00+01:00x", "2026-02-30"] {
            #expect(ZonedDateTime.parse(bad, defaultZone: Self.paris) == nil, "\(bad)")
        }
    }

    @Test("wall-clock times and weekdays parse strictly")
    func wallClock() {
        #expect(WallClockTime("09:30")?.description == "09:30")
        #expect(WallClockTime("24:00") == nil)
        #expect(WallClockTime("9:30") == nil)
        #expect(Weekday(name: "Monday") == .monday)
        #expect(Weekday(name: "mon") == .monday)
        #expect(Weekday(name: "mo") == nil)
        #expect(Weekday(name: "monkey") == nil)
    }
}
