public import Foundation

/// The instant of an RFC 5322 `Date:` header (`Thu, 29 Apr 2013 23:45:32 +0900`, with or without
/// the weekday and the seconds, with the obsolete zone names `GMT`, `UT`, `EST`…): what a reply's
/// "yesterday" and "next Friday" count from.
public enum MessageDate {
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let zones: [String: Int] = ["gmt": 0, "ut": 0, "utc": 0, "z": 0, "est": -300, "edt": -240, "cst": -360, "cdt": -300,
                                       "mst": -420, "mdt": -360, "pst": -480, "pdt": -420, "cet": 60, "cest": 120]

    public static func instant(fromHeader value: String) -> Date? {
        let words = value.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }).map(String.init)
        guard let dayIndex = words.firstIndex(where: { Int($0).map { (1...31).contains($0) } ?? false }), dayIndex + 3 < words.count,
              let day = Int(words[dayIndex]), let month = months.firstIndex(of: String(words[dayIndex + 1].lowercased().prefix(3))),
              var year = Int(words[dayIndex + 2]) else { return nil }
        if year < 50 { year += 2000 } else if year < 100 { year += 1900 }
        let clock = words[dayIndex + 3].split(separator: ":").compactMap { Int($0) }
        guard clock.count >= 2, (0...23).contains(clock[0]), (0...59).contains(clock[1]) else { return nil }
        var offsetMinutes = 0
        if dayIndex + 4 < words.count {
            let zone = words[dayIndex + 4]
            if let sign = zone.first, sign == "+" || sign == "-", zone.count == 5, let digits = Int(zone.dropFirst()) {
                offsetMinutes = (digits / 100 * 60 + digits % 100) * (sign == "-" ? -1 : 1)
            } else if let known = zones[zone.lowercased()] {
                offsetMinutes = known
            }
        }
        var components = DateComponents()
        components.year = year
        components.month = month + 1
        components.day = day
        components.hour = clock[0]
        components.minute = clock[1]
        components.second = clock.count > 2 ? clock[2] : 0
        var calendar = Calendar(identifier: .gregorian)
        guard let utc = TimeZone(identifier: "UTC") else { return nil }
        calendar.timeZone = utc
        guard let local = calendar.date(from: components) else { return nil }
        return local.addingTimeInterval(TimeInterval(-offsetMinutes * 60))
    }
}
