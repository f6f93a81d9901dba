/// An ISO 4217 currency with the number of decimals its minor unit has
/// (EUR 2, JPY 0, BHD 3). Amounts are stored in that minor unit.
public struct Currency: Hashable, Sendable, CustomStringConvertible {
    public let code: String
    public let exponent: Int

    /// Known active ISO 4217 codes only; anything else is not a currency.
    public init?(code: String) {
        let upper = code.uppercased()
        guard upper.utf8.count == 3, let exponent = Currency.exponents[upper] else { return nil }
        self.code = upper
        self.exponent = exponent
    }

    /// A currency a bank statement may still name: the active ones, the ones the euro replaced
    /// (old statements: DEM, FRF, NLG…), and `XXX`, ISO 4217's "no currency", for a statement
    /// that states none. Invoices never use these.
    public init?(statementCode code: String) {
        if let active = Currency(code: code) { self = active; return }
        let upper = code.uppercased()
        if upper == Currency.unstated.code { self = .unstated; return }
        guard let exponent = Currency.replaced[upper] else { return nil }
        self.init(known: upper, exponent: exponent)
    }

    /// ISO 4217's `XXX`: the currency of a statement that states none (it matches no invoice).
    public static let unstated = Currency(known: "XXX", exponent: 2)

    /// A code this file lists (`unstated`, `replaced`), taken as it is.
    private init(known code: String, exponent: Int) {
        self.code = code
        self.exponent = exponent
    }

    /// ISO 4217 historic codes of the currencies the euro replaced.
    private static let replaced: [String: Int] = [
        "DEM": 2, "FRF": 2, "NLG": 2, "ATS": 2, "FIM": 2, "IEP": 2, "BEF": 0, "LUF": 0, "ITL": 0, "ESP": 0, "PTE": 0, "GRD": 0,
        "CYP": 2, "MTL": 2, "SIT": 2, "SKK": 2, "EEK": 2, "LVL": 2, "LTL": 2,
    ]

    public var description: String { code }

    public static let eur = Currency(code: "EUR")!
    public static let usd = Currency(code: "USD")!
    public static let gbp = Currency(code: "GBP")!
    public static let jpy = Currency(code: "JPY")!

    /// 10^exponent: minor units in one major unit.
    public var minorPerMajor: Int64 {
        var value: Int64 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    private static let exponents: [String: Int] = {
        var table: [String: Int] = [:]
        let two = """
            AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP \
            BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR \
            FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IRR JMD KES KGS KHR \
            KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR \
            MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK \
            SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN \
            UYU UZS VED VES WST XCD YER ZAR ZMW ZWL XCG
            """
        for code in two.split(separator: " ") { table[String(code)] = 2 }
        for code in "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(separator: " ") {
            table[String(code)] = 0
        }
        for code in "BHD IQD JOD KWD LYD OMR TND".split(separator: " ") { table[String(code)] = 3 }
        for code in "CLF UYW".split(separator: " ") { table[String(code)] = 4 }
        return table
    }()
}
