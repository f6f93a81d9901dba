/// A lexical piece of payment-terms text, after case and accent folding.
enum TermsToken: Equatable {
    /// A number as written, with a decimal point (`2`, `1.5`); `integer` when it has no fraction.
    case number(text: String, integer: Int?)
    /// A number followed or preceded by a currency sign: an amount, never days or a percent.
    case amount
    case word(String)
    case percent
    case slash
    case date(LocalDate)
    /// A clause boundary: punctuation or a word such as "or", "oder", "ou".
    case boundary
}

/// Splits payment-terms text into `TermsToken`s: lower-cases, folds accents,
/// reads numbers with a decimal point or comma, and dates in `DD.MM.YYYY`,
/// `DD/MM/YYYY` (`MM/DD/YYYY` when the day comes second) and `YYYY-MM-DD`.
enum TermsTokenizer {
    static let clauseWords: Set<String> = [
        "or", "otherwise", "else", "oder", "sonst", "andernfalls", "ansonsten", "ou", "sinon", "autrement",
    ]

    static func tokenize(_ text: String) -> [TermsToken] {
        let chars = Array(fold(text))
        var tokens: [TermsToken] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isNumber, c.isASCII {
                var j = i
                while j < chars.count, (chars[j].isASCII && chars[j].isNumber)
                    || ([".", ",", "/", "-"].contains(chars[j]) && j + 1 < chars.count && chars[j + 1].isASCII && chars[j + 1].isNumber && j > i) {
                    j += 1
                }
                tokens.append(contentsOf: numberRun(String(chars[i..<j])))
                i = j
                continue
            }
            if c.isLetter {
                var j = i
                while j < chars.count, chars[j].isLetter { j += 1 }
                let word = String(chars[i..<j])
                tokens.append(clauseWords.contains(word) ? .boundary : .word(word))
                i = j
                continue
            }
            switch c {
            case "%": tokens.append(.percent)
            case "/": tokens.append(.slash)
            case ",", ";", ".", "!", "?", "\n", "\r": tokens.append(.boundary)
            case "€", "$", "£", "¥":
                // The number next to a currency sign is an amount.
                if case .number = tokens.last { tokens[tokens.count - 1] = .amount }
                tokens.append(.amount)
            default: break
            }
            i += 1
        }
        // "EUR 120" / "120 EUR": numbers next to a currency code are amounts too.
        for index in tokens.indices {
            guard case .word(let w) = tokens[index], ["eur", "usd", "gbp", "chf", "euro", "euros"].contains(w) else { continue }
            if index + 1 < tokens.count, case .number = tokens[index + 1] { tokens[index + 1] = .amount }
            if index > 0, case .number = tokens[index - 1] { tokens[index - 1] = .amount }
        }
        return tokens
    }

    /// Lower case, accents removed, ß as ss, typographic apostrophes as spaces.
    static func fold(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text.lowercased() {
            switch ch {
            case "à", "á", "â", "ä", "ã", "å": out.append("a")
            case "è", "é", "ê", "ë": out.append("e")
            case "ì", "í", "î", "ï": out.append("i")
            case "ò", "ó", "ô", "ö", "õ": out.append("o")
            case "ù", "ú", "û", "ü": out.append("u")
            case "ç": out.append("c")
            case "ñ": out.append("n")
            case "ß": out.append("ss")
            case "œ": out.append("oe")
            case "'", "’", "`", "\u{00A0}", "\u{202F}", "\t": out.append(" ")
            default: out.append(ch)
            }
        }
        return out
    }

    /// A run of digits joined by `.`, `,`, `/` or `-`: a date, a decimal, or numbers and slashes.
    static func numberRun(_ run: String) -> [TermsToken] {
        if let date = date(run) { return [.date(date)] }
        var tokens: [TermsToken] = []
        let parts = run.split(separator: "/", omittingEmptySubsequences: false)
        for (index, part) in parts.enumerated() {
            if index > 0 { tokens.append(.slash) }
            tokens.append(decimal(String(part)))
        }
        return tokens
    }

    private static func decimal(_ text: String) -> TermsToken {
        let pieces = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "." || $0 == "," })
        if pieces.count == 1, !text.contains("-") {
            return .number(text: text, integer: text.count <= 6 ? Int(text) : nil)
        }
        if pieces.count == 2, !text.contains("-"), pieces[1].count <= 4 {
            return .number(text: pieces[0] + "." + pieces[1], integer: nil)
        }
        return .amount  // 1.250,00 or 12-34: a figure, not a term
    }

    private static func date(_ run: String) -> LocalDate? {
        if let iso = LocalDate(iso: run) { return iso }
        for separator in [".", "/"] as [Character] {
            let parts = run.split(separator: separator, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[2].count == 4, parts[0].count <= 2, parts[1].count <= 2,
                  let a = Int(parts[0]), let b = Int(parts[1]), let y = Int(parts[2]) else { continue }
            if separator == "/", a <= 12, b > 12 { return LocalDate(year: y, month: a, day: b) }
            return LocalDate(year: y, month: b, day: a)
        }
        return nil
    }
}
