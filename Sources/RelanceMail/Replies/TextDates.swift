public import RelanceCore

/// Finds dates people write in English, French and German, in a text's folded words
/// (`NormalizedText.words`): `15 December`, `December 15th`, `15 décembre`, `le 1er mars`,
/// `15. Dezember`, `15.12.`, `15.12.2026`, `2026-12-15`, and slash dates (`12/15`, `15/12`) in the
/// configured order unless only one reading is a date. A date without a year is the next one on or
/// after `reference` (the last one on or before it, reading a payment already made).
public enum TextDates {
    static let months: [String: Int] = {
        var table: [String: Int] = [:]
        let names = [
            ["january", "jan", "janvier", "janv", "januar", "jänner"], ["february", "feb", "février", "fevrier", "févr", "fevr", "februar"],
            ["march", "mar", "mars", "märz", "maerz", "marz"], ["april", "apr", "avril", "avr"], ["may", "mai"],
            ["june", "jun", "juin", "juni"], ["july", "jul", "juillet", "juil", "juli"], ["august", "aug", "août", "aout"],
            ["september", "sep", "sept", "septembre"], ["october", "oct", "octobre", "oktober", "okt"],
            ["november", "nov", "novembre"], ["december", "dec", "décembre", "decembre", "déc", "dezember", "dez"],
        ]
        for (index, words) in names.enumerated() { for word in words { table[word] = index + 1 } }
        return table
    }()

    /// Every date found in a text's words, in order; a date without a year lies behind `reference` when
    /// reading a payment already made (`.past`), on or after it otherwise.
    /// - Parameter words: the text's folded words (`NormalizedText.words`).
    public static func all(in words: some Collection<String>, reference: LocalDate, dayFirst: Bool,
                           direction: RelativeDates.Direction = .future) -> [LocalDate] {
        let tokens = words.map(withoutMarks)
        var dates: [LocalDate] = []
        var index = 0
        func number(_ i: Int) -> Int? { i < tokens.count ? Int(tokens[i].filter(\.isNumber)) : nil }
        func isNumber(_ i: Int) -> Bool { i < tokens.count && tokens[i].first?.isNumber == true }
        while index < tokens.count {
            let token = tokens[index]
            // 2026-12-15, 15.12.2026, 15.12., 15/12, 12/15/2026
            if let date = numeric(token, reference: reference, dayFirst: dayFirst, direction: direction) {
                dates.append(date)
            } else if isNumber(index), let day = number(index), (1...31).contains(day),
                      index + 1 < tokens.count, let month = months[tokens[index + 1]] {
                // 15 December [2026]
                let year = index + 2 < tokens.count ? Int(tokens[index + 2]).flatMap { $0 > 1900 && $0 < 2200 ? $0 : nil } : nil
                if let date = resolve(day: day, month: month, year: year, reference: reference, direction: direction) { dates.append(date) }
                index += year == nil ? 1 : 2
            } else if let month = months[token], isNumber(index + 1), let day = number(index + 1), (1...31).contains(day) {
                // December 15[th] [2026]
                let year = index + 2 < tokens.count ? Int(tokens[index + 2]).flatMap { $0 > 1900 && $0 < 2200 ? $0 : nil } : nil
                if let date = resolve(day: day, month: month, year: year, reference: reference, direction: direction) { dates.append(date) }
                index += year == nil ? 1 : 2
            }
            index += 1
        }
        return dates
    }

    /// The date written from this word of folded words on (`9 January`, `January 9`, `09.01.`, `9/1`),
    /// if one starts here; "15 December" starts at 15, not at December.
    static func date(startingAt position: Int, in words: [String], reference: LocalDate, dayFirst: Bool,
                     direction: RelativeDates.Direction = .future) -> LocalDate? {
        let word = words[position]
        let next = position + 1 < words.count ? words[position + 1] : ""
        let starts = numeric(word, reference: reference, dayFirst: dayFirst, direction: direction) != nil
            || (word.first?.isNumber == true && months[next] != nil)
            || (months[word] != nil && next.first?.isNumber == true && !(position > 0 && words[position - 1].first?.isNumber == true))
        guard starts else { return nil }
        return all(in: words[position..<min(words.count, position + 3)], reference: reference, dayFirst: dayFirst, direction: direction).first
    }

    /// A word as a date reads it: "15." and "1er" and "15th" lose their marks, a trailing sentence dot goes.
    static func withoutMarks(_ token: String) -> String {
        var t = token
        if t.contains("/") { while t.hasSuffix(".") { t.removeLast() } }  // "12/15." ends a sentence
        while t.hasSuffix(".") && !(t.dropLast().contains(".")) && t.count > 1 && t.dropLast().allSatisfy(\.isNumber) { t.removeLast() }
        if t.hasSuffix("."), t.dropLast().allSatisfy(\.isLetter) { t.removeLast() }
        for suffix in ["er", "st", "nd", "rd", "th", "e"] where t.hasSuffix(suffix) && t.dropLast(suffix.count).allSatisfy(\.isNumber) && t.count > suffix.count {
            t = String(t.dropLast(suffix.count))
        }
        return t
    }

    static func numeric(_ token: String, reference: LocalDate, dayFirst: Bool, direction: RelativeDates.Direction = .future) -> LocalDate? {
        if let iso = LocalDate(iso: token) { return iso }
        for separator in [".", "/"] as [Character] {
            var parts = token.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
            if parts.last == "" { parts.removeLast() }
            guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) && $0.count <= 4 }),
                  let a = Int(parts[0]), let b = Int(parts[1]) else { continue }
            var year = parts.count == 3 ? Int(parts[2]) : nil
            if let y = year, y < 100 { year = 2000 + y }
            // A dot date is always day first; a slash date follows the configured order, unless only the other reading is a date.
            let (day, month) = separator == "." || dayFirst ? (a, b) : (b, a)
            if let date = resolve(day: day, month: month, year: year, reference: reference, direction: direction) { return date }
            if separator == "/", let date = resolve(day: month, month: day, year: year, reference: reference, direction: direction) { return date }
        }
        return nil
    }

    static func resolve(day: Int, month: Int, year: Int?, reference: LocalDate, direction: RelativeDates.Direction = .future) -> LocalDate? {
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        if let year { return LocalDate(year: year, month: month, day: day) }
        if direction == .past {
            if let thisYear = LocalDate(year: reference.year, month: month, day: day), thisYear <= reference { return thisYear }
            return LocalDate(year: reference.year - 1, month: month, day: day)
        }
        if let thisYear = LocalDate(year: reference.year, month: month, day: day), thisYear >= reference { return thisYear }
        return LocalDate(year: reference.year + 1, month: month, day: day)
    }
}
