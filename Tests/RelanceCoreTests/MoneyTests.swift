import RelanceCore
import Testing

@Suite("Money")
struct MoneyTests {
    @Test("decimal strings parse to exact minor units", arguments: [
        ("1250.00", "EUR", Int64(125_000)), ("1250", "EUR", 125_000), ("0.5", "EUR", 50), ("-3.20", "EUR", -320),
        ("1250", "JPY", 1250), ("1.250", "BHD", 1250), ("0.001", "BHD", 1), ("12.3", "BHD", 12_300),
        ("+7.01", "USD", 701),
    ])
    func parse(text: String, code: String, minor: Int64) throws {
        let currency = try #require(Currency(code: code))
        #expect(try Money(parsing: text, currency: currency).minorUnits == minor)
    }

    @Test("more decimals than the currency has is an error, not a rounding", arguments: [
        ("1.001", "EUR"), ("10.5", "JPY"), ("0.0001", "BHD"), ("1.234", "USD"),
    ])
    func tooManyDecimals(text: String, code: String) throws {
        let currency = try #require(Currency(code: code))
        #expect(throws: MoneyError.tooManyDecimals(text, currency: currency)) { try Money(parsing: text, currency: currency) }
    }

    @Test("malformed amounts are refused", arguments: ["", "-", "1.", ".5", "1e3", "1,5", "1 000", "abc", "١٢", "1.2.3", "0x10"])
    func malformed(text: String) {
        #expect(throws: MoneyError.self) { try Money(parsing: text, currency: .eur) }
    }

    @Test("a decimal comma is accepted only when asked for")
    func decimalComma() throws {
        #expect(try Money(parsing: "1,5", currency: .eur, allowComma: true).minorUnits == 150)
    }

    @Test("overflow is refused")
    func overflow() {
        #expect(throws: MoneyError.overflow("99999999999999999999")) { try Money(parsing: "99999999999999999999", currency: .eur) }
    }

    @Test("unknown currency codes are not currencies", arguments: ["EU", "EURO", "XYZ", "eur1", ""])
    func unknownCurrency(code: String) {
        #expect(Currency(code: code) == nil)
    }

    @Test("a statement may name a replaced currency or none (XXX); an invoice may not")
    func statementCurrencies() {
        #expect(Currency(statementCode: "frf") == Currency(statementCode: "FRF"))
        #expect(Currency(statementCode: "BEF")?.exponent == 0)
        #expect(Currency(statementCode: "xxx") == .unstated)
        #expect(Currency(statementCode: "EUR") == .eur)
        #expect(Currency(statementCode: "XYZ") == nil)
        #expect(Currency(code: "FRF") == nil && Currency(code: "XXX") == nil)
    }

    @Test("currency exponents follow ISO 4217")
    func exponents() {
        #expect(Currency(code: "EUR")?.exponent == 2)
        #expect(Currency(code: "JPY")?.exponent == 0)
        #expect(Currency(code: "BHD")?.exponent == 3)
        #expect(Currency(code: "KWD")?.exponent == 3)
        #expect(Currency(code: "CLF")?.exponent == 4)
        #expect(Currency(code: "chf")?.code == "CHF")
    }

    // Half-even: a tie rounds to the even neighbour, everything else to the nearest.
    @Test("percentages round half-even to the minor unit", arguments: [
        // (amount, currency, percent, expected minor units)
        ("980.50", "EUR", "1", Int64(980)),     // 9.805 → 9.80 (tie, 0 is even)
        ("981.50", "EUR", "1", 982),            // 9.815 → 9.82 (tie, 2 is even)
        ("980.51", "EUR", "1", 981),            // 9.8051 → 9.81
        ("1250.00", "EUR", "2", 2500),
        ("1000.00", "EUR", "1.5", 1500),
        ("0.25", "EUR", "10", 2),               // 0.025 → 0.02
        ("0.35", "EUR", "10", 4),               // 0.035 → 0.04
        ("125", "JPY", "2", 2),                 // 2.5 → 2
        ("175", "JPY", "2", 4),                 // 3.5 → 4
        ("1.125", "BHD", "10", 112),            // 0.1125 → 0.112
        ("1.135", "BHD", "10", 114),            // 0.1135 → 0.114
        ("-980.50", "EUR", "1", -980),          // symmetric for negatives
        ("-981.50", "EUR", "1", -982),
        ("100.00", "EUR", "0.125", 12),         // 0.125 → 0.12
    ])
    func halfEven(amount: String, code: String, percent: String, expected: Int64) throws {
        let currency = try #require(Currency(code: code))
        let money = try Money(parsing: amount, currency: currency)
        let rate = try #require(Percent(percent))
        #expect(money.applying(rate).minorUnits == expected)
    }

    @Test("decimal strings print with the currency's decimals")
    func decimalString() throws {
        #expect(Money(minorUnits: 125_000, currency: .eur).decimalString == "1250.00")
        #expect(Money(minorUnits: 5, currency: .eur).decimalString == "0.05")
        #expect(Money(minorUnits: -5, currency: .eur).decimalString == "-0.05")
        #expect(Money(minorUnits: 1250, currency: .jpy).decimalString == "1250")
        #expect(Money(minorUnits: 1, currency: try #require(Currency(code: "BHD"))).decimalString == "0.001")
        #expect(Money(minorUnits: 125_000, currency: .eur).description == "1250.00 EUR")
    }

    @Test("people read amounts in their language's conventions")
    func formatting() throws {
        let amount = Money(minorUnits: 125_000, currency: .eur)
        #expect(MoneyFormatter.format(amount, language: .fr) == "1\u{202F}250,00\u{00A0}€")
        #expect(MoneyFormatter.format(amount, language: .en) == "€1,250.00")
        #expect(MoneyFormatter.format(amount, language: .de) == "1.250,00\u{00A0}€")
        #expect(MoneyFormatter.format(Money(minorUnits: 123_456_789, currency: .usd), language: .en) == "$1,234,567.89")
        #expect(MoneyFormatter.format(Money(minorUnits: 1250, currency: .jpy), language: .en) == "¥1,250")
        #expect(MoneyFormatter.format(Money(minorUnits: -98_050, currency: .gbp), language: .en) == "-£980.50")
        #expect(MoneyFormatter.format(Money(minorUnits: 99, currency: .eur), language: .de) == "0,99\u{00A0}€")
        let chf = try #require(Currency(code: "CHF"))
        #expect(MoneyFormatter.format(Money(minorUnits: 125_000, currency: chf), language: .en) == "CHF\u{00A0}1,250.00")
        #expect(MoneyFormatter.number(amount, language: .fr) == "1\u{202F}250,00")
    }

    @Test("percent text round-trips")
    func percentText() throws {
        #expect(try #require(Percent("2.00")).description == "2")
        #expect(try #require(Percent("1,5")).description == "1.5")
        #expect(try #require(Percent("0.125")).scaled == 1250)
        #expect(Percent("1.23456") == nil)
        #expect(Percent("two") == nil)
    }
}
