/// One phrase of `ReplyPhrases`, compiled: words, stems (`regl~`) and gaps (`*` up to four words, `**` up to eight).
struct PhrasePattern: Sendable {
    enum Piece: Sendable, Equatable {
        case word(String)
        case stem(String)
        case gap(Int)
    }

    let text: String
    let pieces: [Piece]

    init(_ text: String) {
        self.text = text
        var pieces: [Piece] = []
        for raw in text.split(separator: " ") {
            if raw == "*" { pieces.append(.gap(4)); continue }
            if raw == "**" { pieces.append(.gap(8)); continue }
            let stem = raw.hasSuffix("~")
            for word in NormalizedText.words(String(stem ? raw.dropLast() : raw)) {
                pieces.append(.word(word))
            }
            if stem, case .word(let last)? = pieces.last { pieces[pieces.count - 1] = .stem(last) }
        }
        self.pieces = pieces
    }

    /// Where the phrase first occurs in `words`: the range it covers, and the words its gaps took.
    func firstMatch(in words: [String]) -> (range: Range<Int>, gapWords: [String])? {
        guard !pieces.isEmpty else { return nil }
        for start in words.indices {
            if let (end, gaps) = match(pieces[...], words, at: start) { return (start..<end, gaps) }
        }
        return nil
    }

    private func match(_ rest: ArraySlice<Piece>, _ words: [String], at index: Int) -> (Int, [String])? {
        guard let piece = rest.first else { return (index, []) }
        switch piece {
        case .gap(let most):
            for skip in 0...most where index + skip <= words.count {
                if let (end, gaps) = match(rest.dropFirst(), words, at: index + skip) {
                    return (end, Array(words[index..<(index + skip)]) + gaps)
                }
            }
            return nil
        case .word(let word):
            guard index < words.count, words[index] == word else { return nil }
            return match(rest.dropFirst(), words, at: index + 1)
        case .stem(let stem):
            guard index < words.count, words[index].hasPrefix(stem) else { return nil }
            return match(rest.dropFirst(), words, at: index + 1)
        }
    }
}

/// A phrase found in the author's words: which, and the sentence it stands in (the evidence).
struct PhraseHit: Sendable {
    let phrase: String
    let sentence: Int
    let range: Range<Int>
    let evidence: String
}

/// Finds phrases in normalised text, honouring negations for the phrases a negation cancels.
enum PhraseMatcher {
    /// - Parameter cancelling: words that cancel a match when they stand just before it or in its gaps
    ///   (a negation; for a payment said made, also the future: "le paiement sera effectué").
    static func first(of patterns: [PhrasePattern], in text: NormalizedText, cancelling: Set<String> = []) -> PhraseHit? {
        for (index, sentence) in text.sentences.enumerated() {
            for pattern in patterns {
                guard let (range, gaps) = pattern.firstMatch(in: sentence.words) else { continue }
                if !cancelling.isEmpty {
                    let before = sentence.words[max(0, range.lowerBound - 2)..<range.lowerBound]
                    let inside = pattern.pieces.contains { if case .word(let w) = $0 { return cancelling.contains(w) } else { return false } }
                    if !inside, before.contains(where: cancelling.contains) || gaps.contains(where: cancelling.contains) { continue }
                }
                return PhraseHit(phrase: pattern.text, sentence: index, range: range, evidence: String(sentence.original.prefix(160)))
            }
        }
        return nil
    }
}
