/// An exact quotient shown with a fixed number of decimals, rounded half-even
/// at the last step: days of DSO, shares of invoices. No floating point, so a
/// report computed twice, or by a test, reads the same digits.
public struct Ratio: Sendable, Equatable, CustomStringConvertible {
    public let numerator: Int128
    public let denominator: Int128

    /// `denominator` must not be zero; callers decide what an undefined ratio means.
    public init(_ numerator: Int128, _ denominator: Int128) {
        precondition(denominator != 0, "a ratio needs a non-zero denominator")
        self.numerator = numerator
        self.denominator = denominator
    }

    /// The value with `places` decimals, e.g. "41.3" or "0.750".
    public func decimal(places: Int) -> String {
        var scale: Int128 = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = Rounding.halfEven(numerator * scale, denominator)
        let negative = scaled < 0
        let magnitude = negative ? -scaled : scaled
        let whole = String(magnitude / scale)
        guard places > 0 else { return (negative ? "-" : "") + whole }
        var fraction = String(magnitude % scale)
        while fraction.count < places { fraction = "0" + fraction }
        return (negative ? "-" : "") + whole + "." + fraction
    }

    public var description: String { decimal(places: 1) }

    public static func + (lhs: Ratio, rhs: Ratio) -> Ratio {
        Ratio(lhs.numerator * rhs.denominator + rhs.numerator * lhs.denominator, lhs.denominator * rhs.denominator).reduced
    }

    /// The same value with the smallest denominator, so sums stay within Int128.
    var reduced: Ratio {
        var a = numerator < 0 ? -numerator : numerator, b = denominator < 0 ? -denominator : denominator
        while b != 0 { (a, b) = (b, a % b) }
        guard a > 1 else { return self }
        return Ratio(numerator / a, denominator / a)
    }
}
