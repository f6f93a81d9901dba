/// Turns payment-terms text into `PaymentTerms`. It understands the structured
/// forms (`2/10 n/30`, `net 30`, `1.5/15 n/45`, `2/10 EOM`, `due on receipt`),
/// XRechnung `#SKONTO#` lines, and free text in English, French and German.
///
/// Free text is read clause by clause (split at punctuation and at "or",
/// "oder", "ou"…): a clause with a percentage and a day count is a discount
/// tier; a percentage next to a discount word without days takes the days of
/// the nearest clause that has days and nothing else ("Payment within 10 days,
/// 2% discount, net 30 days"); days next to "net"/"netto"/"ohne Abzug" are the
/// net period, otherwise the longest plain day count is. Clauses about late
/// penalties or interest are ignored, so "pénalités de retard : 10 %" never
/// becomes a discount.
public enum PaymentTermsParser {
    public static func parse(_ text: String) -> PaymentTerms {
        let (skontoTiers, skontoNet, rest) = XRechnungSkonto.extract(from: text)
        var reading = Reading()
        for clause in clauses(TermsTokenizer.tokenize(rest)) {
            reading.read(clause)
        }
        var terms = reading.result(text: text, extraTiers: skontoTiers)
        if terms.netDays == nil, let skontoNet { terms.netDays = skontoNet }
        return terms
    }

    static func clauses(_ tokens: [TermsToken]) -> [[TermsToken]] {
        var result: [[TermsToken]] = [[]]
        for token in tokens {
            if token == .boundary {
                if !(result.last?.isEmpty ?? true) { result.append([]) }
            } else {
                result[result.count - 1].append(token)
            }
        }
        return result.filter { !$0.isEmpty }
    }
}

/// Vocabulary the free-text reader recognises, after accent folding.
enum TermsVocabulary {
    static let dayWords: Set<String> = [
        "day", "days", "d", "calendar", "tag", "tage", "tagen", "tg", "kalendertage", "kalendertagen",
        "werktage", "werktagen", "jour", "jours", "j",
    ]
    static let netWords: Set<String> = ["n", "net", "netto", "nett", "nets", "rein"]
    static let discountWords: Set<String> = [
        "discount", "discounts", "skonto", "escompte", "remise", "rabais", "abzuglich", "off", "early",
    ]
    static let penaltyWords: Set<String> = [
        "penalty", "penalties", "penalite", "penalites", "interest", "interet", "interets", "zins", "zinsen",
        "verzugszins", "verzugszinsen", "verzug", "late", "retard", "overdue", "indemnite", "fee", "fees",
        "frais", "mahngebuhr", "mahngebuhren", "pauschale", "surcharge", "charge", "charges",
    ]
    static let immediateWords: Set<String> = [
        "sofort", "sofortig", "immediately", "immediate", "receipt", "reception", "comptant", "upon", "prompt",
    ]
    static let percentWords: Set<String> = ["prozent", "percent", "pct", "pourcent"]
    static let fillerWords: Set<String> = [
        "a", "at", "in", "von", "de", "sous", "within", "innerhalb", "binnen", "zu", "of", "payable", "zahlbar",
    ]
}

/// The state accumulated while reading the clauses of one text.
private struct Reading {
    private struct PendingTier { let percent: Percent; let clause: Int; let immediate: Bool }

    private var clauseIndex = 0
    private var tiers: [DiscountTier] = []
    private var pending: [PendingTier] = []
    private var explicitNet: [Int] = []
    /// Day counts standing alone, by clause; a pending discount may borrow them.
    private var plainDays: [(clause: Int, days: Int, borrowed: Bool)] = []
    private var immediate = false
    private var endOfMonth: EndOfMonthRule?
    private var statedDate: LocalDate?

    mutating func read(_ tokens: [TermsToken]) {
        defer { clauseIndex += 1 }
        let words = tokens.compactMap { if case .word(let w) = $0 { w } else { nil } }
        if words.contains(where: TermsVocabulary.penaltyWords.contains) { return }

        noteEndOfMonth(words)
        let isImmediate = words.contains(where: TermsVocabulary.immediateWords.contains)
            && !tokens.contains(where: { if case .number = $0 { true } else { false } })
        var consumed = Set<Int>()
        readStructured(tokens, consumed: &consumed)

        var percents: [Percent] = []
        var days: [Int] = []
        var dates: [LocalDate] = []
        for (i, token) in tokens.enumerated() where !consumed.contains(i) {
            switch token {
            case .number(let text, let integer):
                let next = i + 1 < tokens.count ? tokens[i + 1] : nil
                let nextWord: String? = if case .word(let w)? = next { w } else { nil }
                if next == .percent || nextWord.map(TermsVocabulary.percentWords.contains) == true
                    || (nextWord == "pour" && i + 2 < tokens.count && tokens[i + 2] == .word("cent")) {
                    if let p = Percent(text) { percents.append(p) }
                } else if let integer, let nextWord, TermsVocabulary.dayWords.contains(nextWord) {
                    days.append(integer)
                } else if let integer, i > 0, tokens[i - 1] == .percent, integer <= 366 {
                    days.append(integer)  // "2% 10, net 30"
                } else if let integer, tokens.count == 1 || (tokens.count == 2 && nextWord != nil), integer <= 366 {
                    days.append(integer)  // the whole clause is "30"
                }
            case .date(let date): dates.append(date)
            default: break
            }
        }
        let hasNetWord = words.contains(where: TermsVocabulary.netWords.contains)
            || zip(words, words.dropFirst()).contains(where: { pair in
                (pair.0 == "ohne" && pair.1 == "abzug") || (pair.0 == "sans" && pair.1 == "escompte")
                    || (pair.0 == "without" && (pair.1 == "deduction" || pair.1 == "discount"))
            })
        let hasDiscountWord = words.contains(where: TermsVocabulary.discountWords.contains)

        if !percents.isEmpty {
            let valid = percents.filter { $0.scaled > 0 && $0 < Percent(whole: 100) }
            if !days.isEmpty {
                for (k, percent) in valid.enumerated() {
                    tiers.append(DiscountTier(percent: percent, days: days[min(k, days.count - 1)]))
                }
            } else if let date = dates.first {
                for percent in valid { tiers.append(DiscountTier(percent: percent, until: date)) }
            } else if hasDiscountWord || isImmediate {
                for percent in valid {
                    pending.append(PendingTier(percent: percent, clause: clauseIndex, immediate: isImmediate))
                }
            }
            return
        }
        if !days.isEmpty {
            if hasNetWord { explicitNet.append(contentsOf: days) } else {
                for d in days { plainDays.append((clauseIndex, d, false)) }
            }
        } else if let date = dates.first {
            statedDate = date
        }
        if isImmediate { immediate = true }
    }

    /// `a/b` discount tiers and `n/30`, `net 30`, `30 days net` net periods.
    private mutating func readStructured(_ tokens: [TermsToken], consumed: inout Set<Int>) {
        var i = 0
        while i < tokens.count {
            // a/b: a percent over a number of days, not part of a longer a/b/c.
            if case .number(let a, _) = tokens[i], i + 2 < tokens.count, tokens[i + 1] == .slash,
               case .number(_, let b?) = tokens[i + 2],
               i == 0 || (tokens[i - 1] != .slash && !isNetWord(tokens[i - 1])),
               i + 3 >= tokens.count || tokens[i + 3] != .slash,
               let percent = Percent(a), percent.scaled > 0, percent < Percent(whole: 100), b <= 366 {
                tiers.append(DiscountTier(percent: percent, days: b))
                consumed.formUnion(i...(i + 2))
                i += 3
                continue
            }
            // n/30, net 30, net à 30 jours, netto 30 Tage
            if isNetWord(tokens[i]) {
                var j = i + 1
                if j < tokens.count, tokens[j] == .slash { j += 1 }
                if j < tokens.count, case .word(let w) = tokens[j], TermsVocabulary.fillerWords.contains(w) { j += 1 }
                if j < tokens.count, case .number(_, let days?) = tokens[j], days <= 3660 {
                    explicitNet.append(days)
                    consumed.formUnion(i...j)
                    if j + 1 < tokens.count, case .word(let w) = tokens[j + 1], TermsVocabulary.dayWords.contains(w) {
                        consumed.insert(j + 1)
                        j += 1
                    }
                    i = j + 1
                    continue
                }
            }
            // 30 days net, 30 Tage netto
            if case .number(_, let days?) = tokens[i], i + 2 < tokens.count, case .word(let unit) = tokens[i + 1],
               TermsVocabulary.dayWords.contains(unit), isNetWord(tokens[i + 2]), days <= 3660 {
                explicitNet.append(days)
                consumed.formUnion(i...(i + 2))
                i += 3
                continue
            }
            i += 1
        }
    }

    private func isNetWord(_ token: TermsToken) -> Bool {
        if case .word(let w) = token { return TermsVocabulary.netWords.contains(w) }
        return false
    }

    private mutating func noteEndOfMonth(_ words: [String]) {
        if words.contains("eom") || words.contains("monatsende") || containsRun(words, ["end", "of", "month"])
            || containsRun(words, ["ende", "des", "monats"]) {
            endOfMonth = .countFromEndOfMonth
        }
        if containsRun(words, ["fin", "de", "mois"]) || containsRun(words, ["fin", "du", "mois"]) {
            endOfMonth = .roundUpToEndOfMonth
        }
    }

    private func containsRun(_ words: [String], _ run: [String]) -> Bool {
        guard words.count >= run.count else { return false }
        return (0...(words.count - run.count)).contains { Array(words[$0..<($0 + run.count)]) == run }
    }

    mutating func result(text: String, extraTiers: [DiscountTier]) -> PaymentTerms {
        // Pending discounts borrow the days of the nearest plain day count, before them first.
        for tier in pending {
            if tier.immediate {
                tiers.append(DiscountTier(percent: tier.percent, days: 0))
                continue
            }
            let candidates = plainDays.indices.filter { !plainDays[$0].borrowed }
            let before = candidates.filter { plainDays[$0].clause < tier.clause }.last
            let after = candidates.first { plainDays[$0].clause > tier.clause }
            if let index = before ?? after {
                plainDays[index].borrowed = true
                tiers.append(DiscountTier(percent: tier.percent, days: plainDays[index].days))
            }
        }
        var netDays: Int? = explicitNet.max()
        if netDays == nil { netDays = plainDays.filter { !$0.borrowed }.map(\.days).max() }
        if netDays == nil, immediate { netDays = 0 }

        var all = extraTiers + tiers
        if netDays == nil, endOfMonth == .countFromEndOfMonth, !all.isEmpty { netDays = 30 }
        if let netDays {
            all = all.filter { if case .days(let d) = $0.window { d <= netDays } else { true } }
        }
        // Earliest deadline first; one tier per window.
        var seen = Set<DiscountTier.Window>()
        let ordered = all.sorted { lhs, rhs in
            switch (lhs.window, rhs.window) {
            case (.days(let a), .days(let b)): return a < b
            case (.until(let a), .until(let b)): return a < b
            case (.days, .until): return true
            case (.until, .days): return false
            }
        }.filter { seen.insert($0.window).inserted }
        return PaymentTerms(text: text, netDays: netDays, endOfMonth: endOfMonth, discounts: ordered,
                            statedDueDate: statedDate)
    }
}
