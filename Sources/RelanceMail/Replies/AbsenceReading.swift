public import RelanceCore

/// An absence notice read from its words, for the many auto-replies sent without RFC 3834
/// headers: the author says they are away, and when they are back. A stated return date is the
/// first day back: "back on 9 January" is the 9th; "until and including 8 January", "jusqu'au
/// 8 janvier inclus", "bis einschließlich 08.01." and a plain "until 8 January" or "bis zum
/// 08.01." (the last day away) are the 9th.
public enum AbsenceReading {
    static let absence = ReplyPhrases.absence.map(PhrasePattern.init)

    /// Whether the opening lines say the author is away.
    static func saysAway(_ text: NormalizedText) -> Bool {
        let opening = NormalizedText(sentences: Array(text.sentences.prefix(3)))
        return PhraseMatcher.first(of: absence, in: opening) != nil
    }

    /// The first day back the text states, if any.
    public static func returnDate(in text: String, reference: LocalDate, dayFirst: Bool = true) -> LocalDate? {
        let normalized = NormalizedText(text.replacingOccurrences(of: "’", with: "'"))
        var back: LocalDate?
        var lastDayAway: LocalDate?
        for sentence in normalized.sentences {
            let words = sentence.words
            for position in words.indices {
                guard let date = TextDates.date(startingAt: position, in: words, reference: reference, dayFirst: dayFirst) else { continue }
                let before = words[max(0, position - 6)..<position].joined(separator: " ")
                let after = words.dropFirst(position + 1).prefix(5)
                let inclusive = after.contains(where: ReplyPhrases.inclusiveCues.contains) || before.hasSuffix("einschliesslich")
                    || before.hasSuffix("including") || before.hasSuffix("inclusive")
                if ReplyPhrases.backCues.contains(where: { before.hasSuffix($0) || before.contains($0 + " ") }), !inclusive,
                   !ReplyPhrases.untilCues.contains(where: { before.hasSuffix($0) || before.hasSuffix($0 + " zum") || before.hasSuffix($0 + " le") }) {
                    back = back.map { min($0, date) } ?? date
                } else if inclusive || ReplyPhrases.untilCues.contains(where: { before.hasSuffix($0) || before.contains($0 + " ") }) {
                    lastDayAway = lastDayAway.map { max($0, date) } ?? date
                }
            }
        }
        // A first day back said outright wins over a last day away.
        return back ?? lastDayAway.map { $0.adding(days: 1) }
    }
}

extension NormalizedText {
    init(sentences: [Sentence]) { self.sentences = sentences }
}
