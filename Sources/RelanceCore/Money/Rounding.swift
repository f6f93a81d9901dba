/// Integer division with banker's rounding (half to even), the one rounding
/// rule relance applies to money, at the last step of a computation.
public enum Rounding {
    public static func halfEven(_ numerator: Int128, _ denominator: Int128) -> Int128 {
        precondition(denominator != 0)
        var n = numerator, d = denominator
        if d < 0 { n = -n; d = -d }
        var quotient = n / d
        var remainder = n % d
        if remainder < 0 { quotient -= 1; remainder += d }  // floor division
        let twice = remainder * 2
        if twice > d || (twice == d && quotient % 2 != 0) { quotient += 1 }
        return quotient
    }
}
