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

    /// `samedi 14 novembre 2026`, `Saturday 14 November 2026`, `Samstag, 14. November 2026`.
    public static func formatWithWeekday(_ date: LocalDate, _ language: Language) -> String {
        let index = date.weekday.index  // Monday = 0
        switch language {
        case .fr:
            let names = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
            return "\(names[index]) \(format(date, language))"
        case .en:
            let names = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
            return "\(names[index]) \(format(date, language))"
        case .de:
            let names = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
            return "\(names[index]), \(format(date, language))"
        }
    }

    /// `7 and 15 December 2026` style lists, written out in full: `2 décembre 2026 et 9 décembre 2026`.
    public static func list(_ dates: [LocalDate], _ language: Language) -> String {
        let words = dates.map { format($0, language) }
        guard words.count > 1 else { return words.first ?? "" }
        let and = language == .fr ? "et" : (language == .de ? "und" : "and")
        return words.dropLast().joined(separator: ", ") + " \(and) " + words[words.count - 1]
    }
}
