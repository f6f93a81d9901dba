public import Foundation

/// Conversions between instants and (local date, wall-clock time) in a named
/// zone, with the daylight-saving rules spelled out: a wall-clock time that
/// does not exist (spring forward) moves forward by the length of the gap, and
/// one that exists twice (fall back) means its first occurrence.
public enum ZonedDateTime {
    /// The instant at which `date` shows `time` on the clocks of `zone`.
    public static func instant(of date: LocalDate, at time: WallClockTime, in zone: TimeZone) -> Date {
        let local = date.daysSinceEpoch * 86_400 + time.secondsIntoDay
        let before = offset(zone, at: local - 86_400)
        let after = offset(zone, at: local + 86_400)
        let candidates = Set([local - before, local - after]).sorted()
        for utc in candidates where utc + offset(zone, at: utc) == local {
            return Date(timeIntervalSince1970: TimeInterval(utc))
        }
        // In a gap: read the time with the offset in force before the change.
        return Date(timeIntervalSince1970: TimeInterval(local - before))
    }

    /// The local calendar date of `instant` in `zone`.
    public static func localDate(of instant: Date, in zone: TimeZone) -> LocalDate {
        let seconds = wholeSeconds(instant)
        let local = seconds + offset(zone, at: seconds)
        return LocalDate(daysSinceEpoch: floorDiv(local, 86_400))
    }

    /// Seconds since local midnight of `instant` in `zone`.
    public static func secondsIntoLocalDay(of instant: Date, in zone: TimeZone) -> Int {
        let seconds = wholeSeconds(instant)
        let local = seconds + offset(zone, at: seconds)
        return local - floorDiv(local, 86_400) * 86_400
    }

    /// ISO 8601 with the zone's offset at that instant: `2026-01-28T09:30:00+01:00`.
    public static func iso8601(_ instant: Date, in zone: TimeZone) -> String {
        let seconds = wholeSeconds(instant)
        let off = offset(zone, at: seconds)
        let local = seconds + off
        let date = LocalDate(daysSinceEpoch: floorDiv(local, 86_400))
        let inDay = local - floorDiv(local, 86_400) * 86_400
        let sign = off < 0 ? "-" : "+"
        let absOff = abs(off)
        return "\(date.iso)T\(two(inDay / 3600)):\(two(inDay / 60 % 60)):\(two(inDay % 60))"
            + "\(sign)\(two(absOff / 3600)):\(two(absOff / 60 % 60))"
    }

    /// Parses an ISO 8601 instant with an offset or `Z` (`2026-01-28T09:30:00+01:00`,
    /// fractional seconds allowed), or a bare date, read as local midnight in `zone`.
    public static func parse(_ text: String, defaultZone zone: TimeZone) -> Date? {
        if let date = LocalDate(iso: text) {
            return Date(timeIntervalSince1970: TimeInterval(date.daysSinceEpoch * 86_400 - offset(zone, at: date.daysSinceEpoch * 86_400)))
        }
        let bytes = Array(text.utf8)
        guard bytes.count >= 16, let date = LocalDate(iso: String(decoding: bytes[0..<10], as: UTF8.self)),
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " ") else { return nil }
        var index = 11
        func number(_ width: Int) -> Int? {
            guard index + width <= bytes.count else { return nil }
            var value = 0
            for b in bytes[index..<(index + width)] {
                guard b >= 0x30, b <= 0x39 else { return nil }
                value = value * 10 + Int(b - 0x30)
            }
            index += width
            return value
        }
        guard let hour = number(2), index < bytes.count, bytes[index] == UInt8(ascii: ":"),
              case _ = (index += 1), let minute = number(2), hour < 24, minute < 60 else { return nil }
        var second = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
            index += 1
            guard let s = number(2), s < 60 else { return nil }
            second = s
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                let start = index
                while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
                guard index > start else { return nil }
            }
        }
        let local = date.daysSinceEpoch * 86_400 + hour * 3600 + minute * 60 + second
        guard index < bytes.count else {
            // No offset: a wall-clock time in the default zone.
            guard let wall = WallClockTime(hour: hour, minute: minute) else { return nil }
            return instant(of: date, at: wall, in: zone).addingTimeInterval(TimeInterval(second))
        }
        if bytes[index] == UInt8(ascii: "Z"), index + 1 == bytes.count {
            return Date(timeIntervalSince1970: TimeInterval(local))
        }
        guard bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") else { return nil }
        let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
        index += 1
        guard let oh = number(2) else { return nil }
        if index < bytes.count, bytes[index] == UInt8(ascii: ":") { index += 1 }
        guard let om = number(2), index == bytes.count, oh < 24, om < 60 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(local - sign * (oh * 3600 + om * 60)))
    }

    static func offset(_ zone: TimeZone, at utcSeconds: Int) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utcSeconds)))
    }

    static func wholeSeconds(_ instant: Date) -> Int {
        Int(instant.timeIntervalSince1970.rounded(.down))
    }

    static func floorDiv(_ a: Int, _ b: Int) -> Int {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    private static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
}
