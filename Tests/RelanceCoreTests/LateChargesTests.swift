import RelanceCore
import Testing

@Suite("Statutory late charges")
struct LateChargesTests {
    static func invoice(_ total: Int64, _ currency: Currency, due: String) -> Invoice {
        Invoice(id: "L-1", issueDate: LocalDate(iso: due)!.adding(days: -30), statedDueDate: LocalDate(iso: due)!,
                total: Money(minorUnits: total, currency: currency), customer: Customer(name: "B2B", emails: []))
    }

    func charges(_ invoice: Invoice, asOf: String, law: LateChargeLaw, payments: [Payment] = []) throws -> LateChargesResult? {
        try LateCharges.compute(invoice: invoice, payments: payments, asOf: LocalDate(iso: asOf)!, law: law, rates: .builtIn)
    }

    // France, 10,000.00 EUR due 2025-06-20, as of 2025-07-10:
    // 21-30 June: 10 days at 3.15 + 10 = 13.15 %; 1-10 July: 10 days at 2.15 + 10 = 12.15 %.
    // 1,000,000 cents × (13.15 × 10 + 12.15 × 10) / (100 × 365) = 6,931.51 cents → 69.32 EUR, plus 40.00 EUR.
    @Test("France across the 1 July boundary")
    func france() throws {
        let result = try #require(try charges(Self.invoice(1_000_000, .eur, due: "2025-06-20"), asOf: "2025-07-10", law: .fr))
        #expect(result.interest.decimalString == "69.32")
        #expect(result.compensation?.decimalString == "40.00")
        #expect(result.rate.description == "12.15")
        #expect(result.daysLate == 20)
    }

    // Germany, 5,000.00 EUR due 2024-12-15, as of 2025-01-14:
    // 16-31 Dec: 16 days at 3.37 + 9 = 12.37 %; 1-14 Jan: 14 days at 2.27 + 9 = 11.27 %.
    // 500,000 × (12.37 × 16 + 11.27 × 14) / 36,500 = 4,872.60 cents → 48.73 EUR.
    @Test("Germany across the 1 January boundary")
    func germany() throws {
        let result = try #require(try charges(Self.invoice(500_000, .eur, due: "2024-12-15"), asOf: "2025-01-14", law: .de))
        #expect(result.interest.decimalString == "48.73")
        #expect(result.compensation?.decimalString == "40.00")
    }

    // EU default (here for Italy), 2,000.00 EUR due 2024-01-31, as of 2024-03-01: 30 days at 4.50 + 8 = 12.50 %.
    // 200,000 × 12.50 × 30 / 36,500 = 2,054.79 cents → 20.55 EUR, plus 40.00 EUR.
    @Test("the EU directive's default")
    func europeanDefault() throws {
        let result = try #require(try charges(Self.invoice(200_000, .eur, due: "2024-01-31"), asOf: "2024-03-01", law: LateChargeLaw(country: "IT")))
        #expect(result.interest.decimalString == "20.55")
        #expect(result.compensation?.decimalString == "40.00")
    }

    // Britain, £5,000.00 due 2024-06-20, as of 2024-07-05: 15 days at 5.25 + 8 = 13.25 % (the rate did not change on 1 July).
    // 500,000 × 13.25 × 15 / 36,500 = 2,722.60 pence → £27.23; £70 for a debt from £1,000 to £9,999.99.
    @Test("Britain, and its compensation tiers")
    func britain() throws {
        let result = try #require(try charges(Self.invoice(500_000, .gbp, due: "2024-06-20"), asOf: "2024-07-05", law: .gb))
        #expect(result.interest.decimalString == "27.23")
        #expect(result.compensation?.decimalString == "70.00")
        for (pence, pounds) in [(99_999, "40.00"), (100_000, "70.00"), (999_999, "70.00"), (1_000_000, "100.00")] as [(Int64, String)] {
            #expect(LateChargeLaw.gb.compensation(for: Money(minorUnits: pence, currency: .gbp))?.decimalString == pounds)
        }
    }

    // 10,000.00 EUR due 2025-06-20, 4,000.00 paid on 2025-06-25, as of 2025-06-30, at 13.15 %:
    // 21-24 June on 10,000.00 (4 days), 25-30 June on 6,000.00 (6 days):
    // 13.15 × (1,000,000 × 4 + 600,000 × 6) / 36,500 = 2,738.08 cents → 27.38 EUR.
    @Test("a partial payment lowers the balance interest runs on from its day")
    func partialPayment() throws {
        let invoice = Self.invoice(1_000_000, .eur, due: "2025-06-20")
        let payment = Payment(amount: Money(minorUnits: 400_000, currency: .eur), date: LocalDate(iso: "2025-06-25")!)
        let result = try #require(try charges(invoice, asOf: "2025-06-30", law: .fr, payments: [payment]))
        #expect(result.interest.decimalString == "27.38")
    }

    @Test("nothing before or on the due date, nothing under no law, no compensation in a foreign currency")
    func nothingOwed() throws {
        #expect(try charges(Self.invoice(1_000_000, .eur, due: "2025-06-20"), asOf: "2025-06-20", law: .fr) == nil)
        #expect(try charges(Self.invoice(1_000_000, .eur, due: "2025-06-20"), asOf: "2025-07-20", law: .none) == nil)
        let usd = try #require(try charges(Self.invoice(1_000_000, .usd, due: "2025-06-20"), asOf: "2025-06-30", law: .fr))
        #expect(usd.compensation == nil)
        #expect(LateChargeLaw(country: "it") == .eu)
        #expect(LateChargeLaw(country: "US") == .none)
    }

    @Test("a half-year with no published rate in the table is an error that names it, never a guess")
    func missingRate() {
        #expect(throws: LateChargesError.missingRate(series: "ECB", halfYear: LocalDate(iso: "2026-01-01")!)) {
            try charges(Self.invoice(1_000_000, .eur, due: "2025-12-20"), asOf: "2026-01-10", law: .fr)
        }
        let extended = ReferenceRates.builtIn.merging(ReferenceRates(table: ["ECB": [LocalDate(iso: "2026-01-01")!: Percent("2.15")!]]))
        #expect(extended.rate(series: "ECB", on: LocalDate(iso: "2026-03-31")!) == Percent("2.15"))
    }
}
