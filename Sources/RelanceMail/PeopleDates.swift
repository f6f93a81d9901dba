public import RelanceCore

/// Dates as people write them: `2 novembre 2026` (`1er` for the first),
/// `2 November 2026`, `2. November 2026`.
public enum PeopleDates {
    public static func format(_ date: LocalDate, _ language: Language) -> String {
        let months: [String]
        switch language {
        case .fr: months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"]
        case .en: months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        case .de: months = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"]
        }
        let month = months[date.month - 1]
        switch language {
        case .fr: return "\(date.day == 1 ? "1er" : String(date.day)) \(month) \(date.year)"
        case .en: return "\(date.day) \(month) \(date.year)"
        case .de: return "\(date.day). \(month) \(date.year)"
        }
    }
}
