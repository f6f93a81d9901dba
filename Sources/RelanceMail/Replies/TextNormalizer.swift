import Foundation

/// Text as the reply reader compares it: lower case, accents folded ("réglé" = "regle", "überwiesen"
/// = "uberwiesen"), apostrophes and punctuation as word breaks, in sentences. Phrases are written
/// and normalised the same way, so a table entry matches however the customer typed it.
struct NormalizedText {
    /// One sentence: its words, and the sentence as written (the evidence a decision quotes).
    struct Sentence {
        let words: [String]
        let original: String
    }

    let sentences: [Sentence]

    init(_ text: String) {
        var sentences: [Sentence] = []
        var current = ""
        func close() {
            let trimmed = current.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { sentences.append(Sentence(words: Self.words(trimmed), original: trimmed)) }
            current = ""
        }
        let characters = Array(text)
        for (index, ch) in characters.enumerated() {
            current.append(ch)
            if ch == "\n" || ch == "!" || ch == "?" || ch == ";" {
                close()
            } else if ch == ".", index + 1 < characters.count, characters[index + 1].isWhitespace,
                      // "15. Dezember", "am 18.12. zahlen": a dot after a number does not end a sentence.
                      !(index > 0 && characters[index - 1].isNumber) {
                close()
            }
        }
        close()
        self.sentences = sentences
    }

    /// Folded words of a phrase or a sentence. Digits stay with their dots and slashes (`15.12.`, `12/15`).
    static func words(_ text: String) -> [String] {
        let folded = text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
            .replacingOccurrences(of: "ß", with: "ss")
        var words: [String] = []
        var current = ""
        let characters = Array(folded)
        for (index, ch) in characters.enumerated() {
            let inNumber = !current.isEmpty && current.last?.isNumber == true
            if ch.isLetter || ch.isNumber || ch == "@" || ch == "_" || ch == "+"
                || ((ch == "." || ch == "/" || ch == "-") && inNumber)
                || ((ch == "." || ch == "-") && current.contains("@"))
                || (ch == "-" && !current.isEmpty && index + 1 < characters.count && characters[index + 1].isLetter) {
                current.append(ch)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words.map { word in
            var word = word
            if word.hasSuffix("-") { word.removeLast() }
            // "12/15." ends a sentence; "15.12." and the ordinal "15." keep their dots.
            if word.contains("/") { while word.hasSuffix(".") { word.removeLast() } }
            return word
        }
    }
}
