/// A day of the week, Monday first (ISO 8601), named as the configuration spells it.
public enum Weekday: String, CaseIterable, Sendable, Hashable {
    case monday = "mon", tuesday = "tue", wednesday = "wed", thursday = "thu"
    case friday = "fri", saturday = "sat", sunday = "sun"

    /// Accepts `mon`, `Monday`, `MON`… (the first three letters decide).
    public init?(name: String) {
        let key = String(name.lowercased().prefix(3))
        guard name.count >= 3, let day = Weekday(rawValue: key) else { return nil }
        if name.count > 3, !Weekday.fullNames.contains(name.lowercased()) { return nil }
        self = day
    }

    /// 0 for Monday … 6 for Sunday.
    public var index: Int {
        switch self {
        case .monday: 0
        case .tuesday: 1
        case .wednesday: 2
        case .thursday: 3
        case .friday: 4
        case .saturday: 5
        case .sunday: 6
        }
    }

    private static let fullNames: Set<String> = [
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    ]
}
