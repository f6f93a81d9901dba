/// An exact amount of money: an integer count of the currency's minor unit.
/// There is no floating point anywhere in it; arithmetic that would overflow
/// or mix currencies is refused rather than wrapped.
public struct Money: Hashable, Sendable, CustomStringConvertible {
    public let minorUnits: Int64
    public let currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money { Money(minorUnits: 0, currency: currency) }

    /// Parses a plain decimal string (`1250`, `1250.5`, `-3.20`); a decimal comma
    /// is accepted when `allowComma` is set. More decimals than the currency has
    /// is an error, never silently rounded.
    public init(parsing text: String, currency: Currency, allowComma: Bool = false) throws(MoneyError) {
        var digits = Substring(text)
        var negative = false
        if digits.first == "-" { negative = true; digits = digits.dropFirst() } else if digits.first == "+" { digits = digits.dropFirst() }
        let separators: Set<Character> = allowComma ? [".", ","] : ["."]
        let parts = digits.split(omittingEmptySubsequences: false, whereSeparator: { separators.contains($0) })
        guard !digits.isEmpty, parts.count <= 2, let whole = parts.first, !whole.isEmpty,
              whole.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw .malformed(text) }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard parts.count == 1 || !fraction.isEmpty, fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .malformed(text)
        }
        guard fraction.count <= currency.exponent else {
            throw .tooManyDecimals(text, currency: currency)
        }
        var value: Int64 = 0
        for ch in whole + fraction + String(repeating: "0", count: currency.exponent - fraction.count) {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(ch.asciiValue! - 48))
            guard !o1, !o2 else { throw .overflow(text) }
            value = a
        }
        // A sane ceiling, so that sums over a whole ledger stay far from Int64's limit (docs/report.md).
        guard value <= Self.maximumMinorUnits else { throw .overflow(text) }
        self.init(minorUnits: negative ? -value : value, currency: currency)
    }

    /// The largest amount an invoice, credit note or payment may state: 10^13 minor units
    /// (100 000 000 000.00 EUR). Sums of up to 900 000 such amounts still fit in Int64; the
    /// report's totals are summed in Int128 and saturate rather than trap.
    public static let maximumMinorUnits: Int64 = 10_000_000_000_000

    /// `1250.00`, `-3.20`, `1250` for JPY: the decimal form used in JSON and logs.
    public var decimalString: String {
        let exponent = currency.exponent
        let magnitude = minorUnits.magnitude
        var digits = String(magnitude)
        if exponent > 0 {
            if digits.count <= exponent { digits = String(repeating: "0", count: exponent - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -exponent))
        }
        return (minorUnits < 0 ? "-" : "") + digits
    }

    /// `1250.00 EUR`, as the send log writes amounts.
    public var description: String { "\(decimalString) \(currency.code)" }

    public var isZero: Bool { minorUnits == 0 }
    public var isNegative: Bool { minorUnits < 0 }
    public var isPositive: Bool { minorUnits > 0 }

    public static func + (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "adding \(lhs.currency) to \(rhs.currency)")
        return Money(minorUnits: lhs.minorUnits + rhs.minorUnits, currency: lhs.currency)
    }

    /// The sum, held at Int64's limit instead of trapping: for totals over a whole ledger
    /// (amounts are capped at `maximumMinorUnits`, so this is a last resort, never a silent habit).
    public func addingSaturating(_ other: Money) -> Money {
        precondition(currency == other.currency, "adding \(other.currency) to \(currency)")
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        guard overflow else { return Money(minorUnits: sum, currency: currency) }
        return Money(minorUnits: other.minorUnits > 0 ? Int64.max : Int64.min, currency: currency)
    }

    public static func - (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "subtracting \(rhs.currency) from \(lhs.currency)")
        return Money(minorUnits: lhs.minorUnits - rhs.minorUnits, currency: lhs.currency)
    }

    public static prefix func - (value: Money) -> Money {
        Money(minorUnits: -value.minorUnits, currency: value.currency)
    }

    /// `percent` of this amount, rounded half-even to the minor unit.
    public func applying(_ percent: Percent) -> Money {
        // amount × percent.scaled / (100 × Percent.scale), exact in 128 bits.
        let numerator = Int128(minorUnits) * Int128(percent.scaled)
        let denominator = Int128(100) * Int128(Percent.scale)
        return Money(minorUnits: Int64(Rounding.halfEven(numerator, denominator)), currency: currency)
    }

    public static func comparable(_ lhs: Money, _ rhs: Money) -> Bool { lhs.currency == rhs.currency }
}

extension Money: Comparable {
    public static func < (lhs: Money, rhs: Money) -> Bool {
        precondition(lhs.currency == rhs.currency, "comparing \(lhs.currency) with \(rhs.currency)")
        return lhs.minorUnits < rhs.minorUnits
    }
}

/// Why a decimal string is not an amount of a currency.
public enum MoneyError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case tooManyDecimals(String, currency: Currency)
    case overflow(String)

    public var description: String {
        switch self {
        case .malformed(let text): return "\"\(text)\" is not a decimal amount"
        case .tooManyDecimals(let text, let currency):
            return "\"\(text)\" has more than \(currency.exponent) decimal\(currency.exponent == 1 ? "" : "s"), the most \(currency.code) allows"
        case .overflow(let text): return "\"\(text)\" is too large (the most relance accepts is 100000000000 in major units)"
        }
    }
}
