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

/// The title of an escalation level as each language numbers it: "Second reminder",
/// "2e relance", "2. Mahnung"; the last level is "Final notice", "Dernière relance", "Letzte Mahnung".
public enum LevelTitles {
    public static func title(_ level: Int, final: Bool, _ language: Language) -> String {
        switch language {
        case .en:
            if final { return "Final notice" }
            let ordinals = ["First", "Second", "Third", "Fourth", "Fifth", "Sixth"]
            return level >= 1 && level <= ordinals.count ? "\(ordinals[level - 1]) reminder" : "Reminder \(level)"
        case .fr:
            if final { return "Dernière relance avant recouvrement" }
            return level == 1 ? "1re relance" : "\(level)e relance"
        case .de:
            if final { return "Letzte Mahnung" }
            return "\(level). Mahnung"
        }
    }
}

/// The legal basis of the statutory default payment term a message cites, by the creditor's law.
public enum StatutoryTerm {
    /// Directive 2011/7/EU art. 3(3)(b) and 4(3)(a); FR Code de commerce L441-10 I; DE § 286 (3) BGB.
    public static func basis(country law: LateChargeLaw?) -> String {
        switch law {
        case .fr?: return "article L441-10 du Code de commerce"
        case .de?: return "§ 286 Abs. 3 BGB"
        case .gb?: return "Late Payment of Commercial Debts (Interest) Act 1998, s. 4"
        default: return "Directive 2011/7/EU, art. 3 and 4"
        }
    }
}

/// An IBAN as people read it: groups of four characters (ISO 13616 paper format).
public enum IBANText {
    public static func grouped(_ iban: String) -> String {
        let compact = iban.filter { !$0.isWhitespace }
        var out = ""
        for (index, character) in compact.enumerated() {
            if index > 0, index % 4 == 0 { out.append(" ") }
            out.append(character)
        }
        return out
    }
}
