import Testing
@testable import RelanceCore

@Suite struct CreditorReferenceTests {
    @Test func isoExample() {
        // ISO 11649 annex: RF18 5390 0754 7034.
        let reference = CreditorReference(invoiceNumber: "539007547034")
        #expect(reference.value == "RF18539007547034")
        #expect(reference.grouped == "RF18 5390 0754 7034")
        #expect(CreditorReference(parsing: "rf18 5390 0754 7034") == reference)
    }

    @Test func lettersAndPunctuationOfInvoiceNumbers() {
        let reference = CreditorReference(invoiceNumber: "F-2025-0042")
        #expect(reference.value.hasPrefix("RF") && reference.value.hasSuffix("F20250042"))
        #expect(CreditorReference(parsing: reference.value) != nil, "its own check digits verify")
    }

    @Test func wrongCheckDigitsAreRefused() {
        #expect(CreditorReference(parsing: "RF19 5390 0754 7034") == nil)
        #expect(CreditorReference(parsing: "RF18") == nil)
        #expect(CreditorReference(parsing: "XX18539007547034") == nil)
    }

    @Test func longOrEmptyNumbersGetAStableDerivedReference() {
        let long = CreditorReference(invoiceNumber: "INVOICE-2026-CUSTOMER-ACME-0000012345")
        #expect(long.value.count == 25)
        #expect(long == CreditorReference(invoiceNumber: "INVOICE-2026-CUSTOMER-ACME-0000012345"))
        #expect(long != CreditorReference(invoiceNumber: "INVOICE-2026-CUSTOMER-ACME-0000012346"))
        #expect(CreditorReference(parsing: long.value) != nil)
        #expect(CreditorReference(parsing: CreditorReference(invoiceNumber: "---").value) != nil)
    }
}

@Suite struct EPCPaymentCodeTests {
    @Test func payloadFollowsEPC069() throws {
        let code = try EPCPaymentCode(name: "Atelier Dupont SARL", iban: "FR76 3000 6000 0112 3456 7890 189", bic: "AGRIFRPP",
                                      amount: Money(minorUnits: 125_000, currency: .eur),
                                      remittance: .structured(CreditorReference(invoiceNumber: "539007547034")))
        #expect(code.payload == "BCD\n002\n1\nSCT\nAGRIFRPP\nAtelier Dupont SARL\nFR7630006000011234567890189\nEUR1250.00\n\nRF18539007547034")
        #expect(code.payload.utf8.count <= 331)
    }

    @Test func unstructuredRemittanceAndNoBIC() throws {
        let code = try EPCPaymentCode(name: "A", iban: "DE89370400440532013000", bic: nil, amount: Money(minorUnits: 1, currency: .eur),
                                      remittance: .unstructured("F-1 F-2\nF-3"))
        #expect(code.payload == "BCD\n002\n1\nSCT\n\nA\nDE89370400440532013000\nEUR0.01\n\n\nF-1 F-2F-3")
    }

    @Test func refusals() {
        let reference = EPCPaymentCode.Remittance.structured(CreditorReference(invoiceNumber: "1"))
        #expect(throws: EPCPaymentCode.Refusal.notEuro) {
            try EPCPaymentCode(name: "A", iban: "GB29NWBK60161331926819", bic: nil, amount: Money(minorUnits: 100, currency: .gbp), remittance: reference)
        }
        #expect(throws: EPCPaymentCode.Refusal.amountOutOfRange) {
            try EPCPaymentCode(name: "A", iban: "DE89370400440532013000", bic: nil, amount: Money(minorUnits: 100_000_000_000, currency: .eur), remittance: reference)
        }
        #expect(throws: EPCPaymentCode.Refusal.emptyName) {
            try EPCPaymentCode(name: "\n ", iban: "DE89370400440532013000", bic: nil, amount: Money(minorUnits: 100, currency: .eur), remittance: reference)
        }
        // The amount is judged first, whatever else is wrong.
        #expect(throws: EPCPaymentCode.Refusal.notEuro) {
            try EPCPaymentCode(name: "", iban: "X", bic: nil, amount: Money(minorUnits: 100, currency: .gbp), remittance: reference)
        }
        #expect(throws: EPCPaymentCode.Refusal.invalidIBAN) { try EPCPaymentCode.Beneficiary(name: "A", iban: "FR76-3000", bic: nil) }
    }

    @Test("a beneficiary checked once makes the same codes as checking it every time")
    func beneficiaryCheckedOnce() throws {
        let payee = try EPCPaymentCode.Beneficiary(name: " Atelier Dupont SARL\n", iban: "fr76 3000 6000 0112 3456 7890 189", bic: "agri frpp")
        for (minor, remittance) in [(125_000, EPCPaymentCode.Remittance.paying(["F-1"])), (1, .paying(["F-1", "F-2"]))] {
            let amount = Money(minorUnits: Int64(minor), currency: .eur)
            #expect(try EPCPaymentCode(paying: payee, amount: amount, remittance: remittance)
                == EPCPaymentCode(name: " Atelier Dupont SARL\n", iban: "fr76 3000 6000 0112 3456 7890 189", bic: "agri frpp", amount: amount, remittance: remittance))
        }
        #expect(throws: EPCPaymentCode.Refusal.amountOutOfRange) {
            try EPCPaymentCode(paying: payee, amount: Money(minorUnits: 0, currency: .eur), remittance: .paying(["F-1"]))
        }
    }
}

@Suite struct StatementOfAccountTests {
    @Test func totalsPerCurrencyWithoutMixing() throws {
        let customer = Customer(name: "ACME", emails: [try EmailAddress("a@acme.example")])
        let day = LocalDate(year: 2025, month: 12, day: 1)!
        let invoices = [
            (Invoice(id: "B", issueDate: day.adding(days: -60), statedDueDate: day.adding(days: -30), total: Money(minorUnits: 10_000, currency: .eur), customer: customer), [Payment(amount: Money(minorUnits: 2_500, currency: .eur), date: day.adding(days: -5))]),
            (Invoice(id: "A", issueDate: day.adding(days: -90), statedDueDate: day.adding(days: -60), total: Money(minorUnits: 5_000, currency: .gbp), customer: customer), []),
            (Invoice(id: "C", issueDate: day.adding(days: -10), statedDueDate: day.adding(days: 20), total: Money(minorUnits: 3_000, currency: .eur), customer: customer), []),
            (Invoice(id: "PAID", issueDate: day.adding(days: -10), statedDueDate: day.adding(days: 20), total: Money(minorUnits: 3_000, currency: .eur), customer: customer), [Payment(amount: Money(minorUnits: 3_000, currency: .eur), date: day)]),
        ]
        let statement = StatementOfAccount.of(invoices.map { (invoice: $0.0, payments: $0.1, levelReached: 1) }, customer: customer, asOf: day,
                                              law: .fr, rates: .builtIn)
        #expect(statement.lines.map(\.invoiceID) == ["A", "B", "C"], "oldest due date first; the paid one left out")
        #expect(statement.currencies == [.gbp, .eur])
        let euros = statement.totals(.eur)
        #expect(euros.balance == Money(minorUnits: 10_500, currency: .eur))
        #expect(euros.paid == Money(minorUnits: 2_500, currency: .eur))
        #expect(euros.compensation == Money(minorUnits: 4_000, currency: .eur), "40 € for the one late EUR invoice (D441-5)")
        #expect(euros.claimed == euros.balance.addingSaturating(euros.interest).addingSaturating(euros.compensation))
        #expect(statement.lines[2].daysLate == 0)
    }
}

@Suite struct CollectionRuleTests {
    @Test func onlyAfterTheDeadlineWithABalance() {
        let deadline = LocalDate(year: 2026, month: 1, day: 8)!
        let owed = Money(minorUnits: 100, currency: .eur)
        #expect(!CollectionRule.isDue(noticeDeadline: deadline, today: deadline, balance: owed), "the deadline day itself is still the debtor's")
        #expect(CollectionRule.isDue(noticeDeadline: deadline, today: deadline.adding(days: 1), balance: owed))
        #expect(!CollectionRule.isDue(noticeDeadline: deadline, today: deadline.adding(days: 9), balance: .zero(.eur)))
    }

    @Test func firmnessOrdersWordings() {
        let order: [Wording] = [.checkIn(daysLeft: 3), .discount, .dueToday, .wasDue(daysLate: 2), .overdue(level: 1, daysLate: 7),
                                .overdue(level: 2, daysLate: 15), .final(level: 3, daysLate: 30), .formalNotice(level: 4, daysLate: 45)]
        #expect(order.map(\.firmness) == order.map(\.firmness).sorted())
        #expect(Set(order.map(\.firmness)).count == order.count)
        #expect(Wording.formalNotice(level: 4, daysLate: 45).templateName == "formal-notice")
    }
}

@Suite struct TaskEffectTests {
    let today = LocalDate(year: 2026, month: 11, day: 9)!

    @Test func outcomesMoveTheChase() throws {
        let next = today.adding(days: 1)
        #expect(try TaskEffect.of(.promise, date: today.adding(days: 11), today: today, nextCallDay: next, graceDays: 3) == .pauseUntil(today.adding(days: 12)))
        #expect(try TaskEffect.of(.dispute, date: nil, today: today, nextCallDay: next, graceDays: 3) == .stop)
        #expect(try TaskEffect.of(.noAnswer, date: nil, today: today, nextCallDay: next, graceDays: 3) == .reschedule(due: next, graceUntil: next.adding(days: 3)))
        #expect(try TaskEffect.of(.paid, date: nil, today: today, nextCallDay: next, graceDays: 3) == .askForPayment)
        #expect(try TaskEffect.of(.wrongContact, date: nil, today: today, nextCallDay: next, graceDays: 3) == .flagContact)
        #expect(try TaskEffect.of(.other, date: nil, today: today, nextCallDay: next, graceDays: 3) == TaskEffect.none)
    }

    @Test func aPromiseNeedsAFutureDate() {
        #expect(throws: TaskEffect.Refusal.promiseNeedsDate) { try TaskEffect.of(.promise, date: nil, today: today, nextCallDay: today, graceDays: 3) }
        #expect(throws: TaskEffect.Refusal.promiseInThePast(today.adding(days: -1))) {
            try TaskEffect.of(.promise, date: today.adding(days: -1), today: today, nextCallDay: today, graceDays: 3)
        }
    }
}

@Suite struct PromiseRuleTests {
    let promised = LocalDate(year: 2026, month: 11, day: 12)!

    @Test func keptBrokenOrPending() {
        #expect(PromiseRule.verdict(promisedFor: promised, graceDays: 2, today: promised, paidInFullOn: nil) == nil)
        #expect(PromiseRule.verdict(promisedFor: promised, graceDays: 2, today: promised.adding(days: 2), paidInFullOn: nil) == nil)
        #expect(PromiseRule.verdict(promisedFor: promised, graceDays: 2, today: promised.adding(days: 3), paidInFullOn: nil) == .broken)
        #expect(PromiseRule.verdict(promisedFor: promised, graceDays: 2, today: promised.adding(days: 1), paidInFullOn: promised.adding(days: 1)) == .kept)
        #expect(PromiseRule.verdict(promisedFor: promised, graceDays: 2, today: promised.adding(days: 9), paidInFullOn: promised.adding(days: 5)) == .broken,
                "paid, but after the grace: broken all the same")
    }
}

@Suite struct PolicyRuleTests {
    static func standing(score: PaymentScore?, judged: Int = 2, totalDaysLate: Int = 10, made: Int = 0, kept: Int = 0) -> CustomerStanding {
        CustomerStanding(customerKey: "id:C", name: "C", currency: .eur, invoices: judged, invoiced: .zero(.eur), judged: judged, paidOnTime: 0,
                         totalDaysLate: totalDaysLate, worstDaysLate: totalDaysLate, promisesMade: made, promisesKept: kept, share: nil, score: score)
    }

    @Test func firstMatchWinsAndExplicitWinsOverAll() {
        let rules = [
            PolicyRule(when: .init(score: [.d, .e]), policy: "strict"),
            PolicyRule(when: .init(brokenPromisesMin: 2), policy: "strict"),
            PolicyRule(when: .init(averageDaysLateMax: 5), policy: "gentle"),
        ]
        #expect(PolicyChoice.choose(explicit: nil, rules: rules, standing: Self.standing(score: .d), defaultPolicy: "standard").policy == "strict")
        #expect(PolicyChoice.choose(explicit: nil, rules: rules, standing: Self.standing(score: .b, made: 3, kept: 1), defaultPolicy: "standard").policy == "strict")
        #expect(PolicyChoice.choose(explicit: nil, rules: rules, standing: Self.standing(score: .a, judged: 4, totalDaysLate: 20), defaultPolicy: "standard")
            == PolicyChoice(policy: "gentle", reason: "policy rule 3: 5 days late on average or less"))
        #expect(PolicyChoice.choose(explicit: nil, rules: rules, standing: Self.standing(score: .c, judged: 1, totalDaysLate: 20), defaultPolicy: "standard").policy == "standard")
        #expect(PolicyChoice.choose(explicit: nil, rules: rules, standing: nil, defaultPolicy: "standard").reason == "default", "no record: no score, no average")
        #expect(PolicyChoice.choose(explicit: "vip", rules: rules, standing: Self.standing(score: .e), defaultPolicy: "standard").policy == "vip")
    }
}
