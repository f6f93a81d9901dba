/// An exact percentage such as `2`, `1.5` or `2.00` (up to four decimals),
/// kept as an integer scaled by 10 000 so that discounts and interest rates
/// never pass through floating point.
public struct Percent: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let scale: Int64 = 10_000
    /// The percentage × 10 000 (2 % is 20 000).
    public let scaled: Int64

    public init(scaled: Int64) { self.scaled = scaled }
    public init(whole: Int64) { self.scaled = whole * Percent.scale }

    /// Parses `2`, `2.00`, `1.5`, `1,5`, `-0.5`; nil for anything else or more than four decimals.
    public init?(_ text: some StringProtocol) {
        var body = Substring(text)
        var negative = false
        if body.first == "-" { negative = true; body = body.dropFirst() }
        let parts = body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "." || $0 == "," })
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.count <= 6,
              whole.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= 4, parts.count == 1 || !fraction.isEmpty,
              fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let padded = fraction + String(repeating: "0", count: 4 - fraction.count)
        guard let w = Int64(whole), let f = Int64(padded) else { return nil }
        scaled = (negative ? -1 : 1) * (w * Percent.scale + f)
    }

    /// `2`, `1.5`, `0.125`: shortest exact form.
    public var description: String {
        let magnitude = scaled.magnitude
        var text = String(magnitude / UInt64(Percent.scale))
        var fraction = String(magnitude % UInt64(Percent.scale))
        fraction = String(repeating: "0", count: 4 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        if !fraction.isEmpty { text += "." + fraction }
        return (scaled < 0 ? "-" : "") + text
    }

    public static func + (lhs: Percent, rhs: Percent) -> Percent { Percent(scaled: lhs.scaled + rhs.scaled) }

    public static func < (lhs: Percent, rhs: Percent) -> Bool { lhs.scaled < rhs.scaled }
}

extension Percent {
    /// As a language writes it: `12.15` in English, `12,15` in French and German.
    public func formatted(_ language: Language) -> String {
        language == .en ? description : String(description.map { $0 == "." ? "," : $0 })
    }
}
