/// Formats amounts the way people of each language read them (CLDR
/// conventions): fr `1 250,00 €` (narrow no-break space between thousands,
/// no-break space before the symbol), en `€1,250.00`, de `1.250,00 €`.
public enum MoneyFormatter {
    /// U+202F NARROW NO-BREAK SPACE: French thousands separator.
    public static let narrowNoBreakSpace = "\u{202F}"
    /// U+00A0 NO-BREAK SPACE: between a French or German amount and its symbol.
    public static let noBreakSpace = "\u{00A0}"

    public static func format(_ money: Money, language: Language) -> String {
        let sign = money.isNegative ? "-" : ""
        let digits = unsignedNumber(money, language: language)
        let symbol = self.symbol(money.currency, language: language)
        switch language {
        case .en:
            // A letter code is followed by a space (CHF 1,250.00); a sign is not (€1,250.00).
            let spacer = symbol.count > 1 && symbol.allSatisfy(\.isLetter) ? noBreakSpace : ""
            return sign + symbol + spacer + digits
        case .fr, .de:
            return sign + digits + noBreakSpace + symbol
        }
    }

    /// A decimal number in the language's notation with no symbol (`1 250,00`, `-3.20`).
    public static func number(_ money: Money, language: Language) -> String {
        (money.isNegative ? "-" : "") + unsignedNumber(money, language: language)
    }

    private static func unsignedNumber(_ money: Money, language: Language) -> String {
        let magnitude = money.minorUnits.magnitude
        let unit = UInt64(money.currency.minorPerMajor)
        let whole = String(magnitude / unit)
        var fraction = ""
        if money.currency.exponent > 0 {
            let f = String(magnitude % unit)
            fraction = String(repeating: "0", count: money.currency.exponent - f.count) + f
        }
        let (thousands, decimal): (String, String) = switch language {
        case .en: (",", ".")
        case .fr: (narrowNoBreakSpace, ",")
        case .de: (".", ",")
        }
        return group(whole, with: thousands) + (fraction.isEmpty ? "" : decimal + fraction)
    }

    static func symbol(_ currency: Currency, language: Language) -> String {
        switch (currency.code, language) {
        case ("EUR", _): return "€"
        case ("GBP", _): return "£"
        case ("USD", .en): return "$"
        case ("USD", .fr): return "$\u{00A0}US"
        case ("USD", .de): return "$"
        case ("JPY", .en): return "¥"
        default: return currency.code
        }
    }

    private static func group(_ digits: String, with separator: String) -> String {
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.append(digits[start..<end])
            end = start
        }
        return groups.reversed().joined(separator: separator)
    }
}

