import RelanceCore

/// Dates people write relative to the day they write: "hier", "gestern", "this morning", "on
/// Monday", "next Friday", "vendredi dernier", "d'ici la fin du mois", "Ende nächster Woche",
/// "in 10 days", "la semaine prochaine". Read against the message's own day, in the direction the
/// sentence means: a payment made lies behind, a promise ahead.
public enum RelativeDates {
    /// Which way a relative date points: a payment made lies behind, a promise ahead.
    public enum Direction: Sendable { case past, future }

    static let weekdays: [String: Int] = [
        // ISO: Monday 1 … Sunday 7
        "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 7,
        "lundi": 1, "mardi": 2, "mercredi": 3, "jeudi": 4, "vendredi": 5, "samedi": 6, "dimanche": 7,
        "montag": 1, "dienstag": 2, "mittwoch": 3, "donnerstag": 4, "freitag": 5, "samstag": 6, "sonnabend": 6, "sonntag": 7,
    ]
    static let next: Set<String> = ["next", "coming", "prochain", "prochaine", "nachsten", "nachste", "nachster", "kommenden", "kommende"]
    static let last: Set<String> = ["last", "past", "dernier", "derniere", "letzten", "letzte", "vergangenen", "vergangene"]
    static let numbers: [String: Int] = [
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10, "fifteen": 15, "thirty": 30,
        "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "dix": 10, "quinze": 15, "trente": 30,
        "ein": 1, "einer": 1, "einem": 1, "zwei": 2, "drei": 3, "vier": 4, "funf": 5, "zehn": 10, "vierzehn": 14, "dreissig": 30,
    ]

    /// The ISO weekday (Monday 1) of a date.
    static func weekday(_ date: LocalDate) -> Int { date.weekday.index + 1 }

    static func endOfMonth(_ date: LocalDate, monthsAhead: Int = 0) -> LocalDate {
        monthsAhead == 0 ? date.endOfMonth : date.endOfMonth.adding(days: 1).endOfMonth
    }

    /// The Friday of the week `weeksAhead` from the one `date` is in.
    static func friday(of date: LocalDate, weeksAhead: Int) -> LocalDate {
        date.adding(days: 5 - weekday(date) + 7 * weeksAhead)
    }

    /// Each relative date in the words, in order, with where it stands.
    static func all(in words: [String], reference: LocalDate, direction: Direction) -> [(date: LocalDate, at: Int)] {
        var found: [(LocalDate, Int)] = []
        func word(_ i: Int) -> String { i >= 0 && i < words.count ? words[i] : "" }
        func has(_ i: Int, _ options: Set<String>) -> Bool { options.contains(word(i)) }
        var i = 0
        while i < words.count {
            let w = words[i]
            var date: LocalDate?
            var span = 1
            switch w {
            case "today", "aujourd", "heute", "tonight", "ce", "this":
                if w == "ce", has(i + 1, ["matin", "soir", "midi"]) { date = reference; span = 2 }
                else if w == "this", has(i + 1, ["morning", "afternoon", "evening"]) { date = reference; span = 2 }
                else if w == "this", has(i + 1, ["week"]), direction == .future { date = friday(of: reference, weeksAhead: 0); span = 2 }
                else if w == "this", has(i + 1, ["month"]), direction == .future { date = endOfMonth(reference); span = 2 }
                else if w != "ce" && w != "this" { date = reference; if w == "aujourd", has(i + 1, ["hui"]) { span = 2 } }
            case "yesterday", "hier", "gestern": date = reference.adding(days: -1)
            case "vorgestern": date = reference.adding(days: -2)
            case "avant" where has(i + 1, ["hier"]): date = reference.adding(days: -2); span = 2
            case "tomorrow", "demain": date = reference.adding(days: 1)
            case "morgen" where !has(i - 1, ["heute", "guten", "am"]): date = reference.adding(days: 1)
            case "ubermorgen": date = reference.adding(days: 2)
            case "apres" where has(i + 1, ["demain"]): date = reference.adding(days: 2); span = 2
            case "end", "fin", "ende", "monatsende":
                // end of the month / fin du mois / Ende des Monats / Monatsende; … next week / … de la semaine prochaine.
                let window = Array(words[(i + 1)..<min(words.count, i + 5)])
                let ahead = window.contains(where: next.contains) ? 1 : 0
                if w == "monatsende" { date = endOfMonth(reference) }
                else if window.contains(where: { ["month", "mois", "monats", "monat"].contains($0) }) { date = endOfMonth(reference, monthsAhead: ahead) }
                else if window.contains(where: { ["week", "semaine", "woche"].contains($0) }) { date = friday(of: reference, weeksAhead: ahead) }
                if date != nil { span = 1 + (window.firstIndex { ["month", "mois", "monats", "monat", "week", "semaine", "woche"].contains($0) } ?? 0) + 1 }
            case "week", "semaine", "woche":
                // next week, la semaine prochaine, nächste Woche: that week's Friday (a promise's last day).
                if direction == .future, has(i - 1, next) || has(i + 1, next) { date = friday(of: reference, weeksAhead: 1) }
            case "in", "dans", "sous", "within", "innerhalb":
                // in 10 days, dans 10 jours, in zwei Wochen, sous huitaine
                var k = i + 1
                if has(k, ["the", "les", "den", "der", "von"]) { k += 1 }
                let count = Int(word(k)) ?? numbers[word(k)]
                if let count, (1...90).contains(count) {
                    if has(k + 1, ["day", "days", "jour", "jours", "tag", "tagen", "tage"]) { date = reference.adding(days: count); span = k + 2 - i }
                    else if has(k + 1, ["week", "weeks", "semaine", "semaines", "woche", "wochen"]) { date = reference.adding(days: 7 * count); span = k + 2 - i }
                } else if w == "sous", has(i + 1, ["huitaine"]) { date = reference.adding(days: 8); span = 2 }
            default:
                if let day = weekdays[w] {
                    let before = word(i - 1), after = word(i + 1)
                    let forward = next.contains(before) || next.contains(after) ? true : (last.contains(before) || last.contains(after) ? false : direction == .future)
                    let today = weekday(reference)
                    if forward {
                        var ahead = (day - today + 7) % 7
                        if ahead == 0 { ahead = 7 }
                        date = reference.adding(days: ahead)
                    } else {
                        var back = (today - day + 7) % 7
                        if back == 0 { back = 7 }
                        date = reference.adding(days: -back)
                    }
                }
            }
            if let date { found.append((date, i)) }
            i += max(1, span)
        }
        return found
    }
}
