/// The late-payment rules of a jurisdiction for business debts: a reference
/// rate plus a margin, simple interest per day (actual/365), and a fixed
/// recovery compensation. The reference rate is the one in force on the first
/// day of each half-year (1 January, 1 July).
public enum LateChargeLaw: String, Sendable, CaseIterable {
    /// Directive 2011/7/EU: ECB main refinancing rate + 8 points, €40.
    case eu = "EU"
    /// Code de commerce L441-10: ECB main refinancing rate + 10 points, €40 (D441-5).
    case fr = "FR"
    /// BGB §288(2) and (5): Basiszinssatz + 9 points, €40.
    case de = "DE"
    /// Late Payment of Commercial Debts (Interest) Act 1998: Bank of England base rate + 8 points, £40/£70/£100.
    case gb = "GB"
    /// No statutory charges are computed.
    case none = "NONE"

    /// The law of a country code; EU members without a table of their own use the directive's defaults.
    public init(country: String) {
        switch country.uppercased() {
        case "FR": self = .fr
        case "DE": self = .de
        case "GB", "UK": self = .gb
        case "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL",
             "PT", "RO", "SK", "SI", "ES", "SE": self = .eu
        default: self = .none
        }
    }

    /// Which reference-rate series the law uses.
    public var rateSeries: String? {
        switch self {
        case .eu, .fr: return "ECB"
        case .de: return "DE-BASIS"
        case .gb: return "BOE"
        case .none: return nil
        }
    }

    /// Points added to the reference rate.
    public var margin: Percent {
        switch self {
        case .eu, .gb: return Percent(whole: 8)
        case .fr: return Percent(whole: 10)
        case .de: return Percent(whole: 9)
        case .none: return Percent(whole: 0)
        }
    }

    /// The fixed compensation for recovery costs, in the law's currency; nil when the invoice is in another.
    public func compensation(for debt: Money) -> Money? {
        switch (self, debt.currency.code) {
        case (.eu, "EUR"), (.fr, "EUR"), (.de, "EUR"):
            return Money(minorUnits: 4000, currency: debt.currency)
        case (.gb, "GBP"):
            // £40 under £1,000; £70 under £10,000; £100 from £10,000.
            let pounds: Int64 = debt.minorUnits < 100_000 ? 40 : (debt.minorUnits < 1_000_000 ? 70 : 100)
            return Money(minorUnits: pounds * 100, currency: debt.currency)
        default:
            return nil
        }
    }
}

extension LateChargeLaw {
    /// The legal basis of the interest, as a message cites it (docs/late-charges.md lists the texts);
    /// the compensation has its own (`compensationBasis`).
    public var legalBasis: String {
        switch self {
        case .fr: return "article L441-10 du Code de commerce"
        case .de: return "§§ 286, 288 BGB"
        case .gb: return "Late Payment of Commercial Debts (Interest) Act 1998"
        case .eu: return "Directive 2011/7/EU, article 3"
        case .none: return ""
        }
    }

    /// The article granting the fixed recovery compensation.
    public var compensationBasis: String {
        switch self {
        case .fr: return "article D441-5 du Code de commerce"
        case .de: return "§ 288 Abs. 5 BGB"
        case .gb: return "Late Payment of Commercial Debts (Interest) Act 1998, s. 5A"
        case .eu: return "Directive 2011/7/EU, article 6"
        case .none: return ""
        }
    }
}
