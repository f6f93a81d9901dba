import RelanceCore
import Testing

/// One expected reading of a terms text: net days, discount tiers as
/// (percent, days), the end-of-month rule and a stated due date.
struct TermsCase: CustomTestStringConvertible, Sendable {
    let text: String
    let net: Int?
    let tiers: [(String, Int)]
    var eom: EndOfMonthRule? = nil
    var stated: String? = nil

    var testDescription: String { text }
}

@Suite("Payment terms")
struct PaymentTermsTests {
    static let cases: [TermsCase] = [
        // Structured forms
        TermsCase(text: "n/30", net: 30, tiers: []),
        TermsCase(text: "N/30", net: 30, tiers: []),
        TermsCase(text: "net 30", net: 30, tiers: []),
        TermsCase(text: "NET30", net: 30, tiers: []),
        TermsCase(text: "Net 30 days", net: 30, tiers: []),
        TermsCase(text: "  net   45  ", net: 45, tiers: []),
        TermsCase(text: "2/10 n/30", net: 30, tiers: [("2", 10)]),
        TermsCase(text: "2/10 N/30", net: 30, tiers: [("2", 10)]),
        TermsCase(text: "2/10, n/30", net: 30, tiers: [("2", 10)]),
        TermsCase(text: "2/10 net 30", net: 30, tiers: [("2", 10)]),
        TermsCase(text: "1.5/15 n/45", net: 45, tiers: [("1.5", 15)]),
        TermsCase(text: "3/10 2/20 n/60", net: 60, tiers: [("3", 10), ("2", 20)]),
        TermsCase(text: "due on receipt", net: 0, tiers: []),
        TermsCase(text: "Due upon receipt", net: 0, tiers: []),
        TermsCase(text: "Payable immediately", net: 0, tiers: []),
        TermsCase(text: "2/10 EOM", net: 30, tiers: [("2", 10)], eom: .countFromEndOfMonth),
        TermsCase(text: "n/30 EOM", net: 30, tiers: [], eom: .countFromEndOfMonth),
        TermsCase(text: "Net 30 end of month", net: 30, tiers: [], eom: .countFromEndOfMonth),
        // XRechnung
        TermsCase(text: "#SKONTO#TAGE=7#PROZENT=2.00#", net: nil, tiers: [("2", 7)]),
        TermsCase(text: "#SKONTO#TAGE=7#PROZENT=2.00#\n#SKONTO#TAGE=14#PROZENT=1.00#\n", net: nil, tiers: [("2", 7), ("1", 14)]),
        TermsCase(text: "#SKONTO#TAGE=14#PROZENT=1.00##SKONTO#TAGE=7#PROZENT=2.00#", net: nil, tiers: [("2", 7), ("1", 14)]),
        TermsCase(text: "#SKONTO#TAGE=10#PROZENT=2.50#BASISBETRAG=1000.00#\nZahlbar innerhalb von 30 Tagen netto", net: 30, tiers: [("2.5", 10)]),
        TermsCase(text: "Bei Zahlung innerhalb 30 Tagen ohne Abzug.\n#SKONTO#TAGE=8#PROZENT=3.00#", net: 30, tiers: [("3", 8)]),
        // English free text
        TermsCase(text: "Payment within 10 days, 2% discount, net 30 days", net: 30, tiers: [("2", 10)]),
        TermsCase(text: "2% discount if paid within 10 days, otherwise net 30 days", net: 30, tiers: [("2", 10)]),
        TermsCase(text: "1% discount if paid within 15 days; otherwise 45 days net", net: 45, tiers: [("1", 15)]),
        TermsCase(text: "Payment due within 30 days of invoice date", net: 30, tiers: []),
        TermsCase(text: "2% 10 days, net 30", net: 30, tiers: [("2", 10)]),
        TermsCase(text: "Payment due in 14 days. Late payment interest of 8% applies after 30 days.", net: 14, tiers: []),
        // German free text
        TermsCase(text: "Zahlbar innerhalb 30 Tagen netto, 3% Skonto innerhalb 10 Tagen", net: 30, tiers: [("3", 10)]),
        TermsCase(text: "Zahlbar sofort ohne Abzug", net: 0, tiers: []),
        TermsCase(text: "Zahlbar sofort ohne Abzug.", net: 0, tiers: []),
        TermsCase(text: "Fällig sofort, ohne Abzug", net: 0, tiers: []),
        TermsCase(text: "14 Tage", net: 14, tiers: []),
        TermsCase(text: "Bitte überweisen Sie den Betrag innerhalb von 14 Tagen auf unten stehendes Konto. Das Rechnungsdatum entspricht dem Versanddatum.", net: 14, tiers: []),
        TermsCase(text: "Wir möchten Sie bitten, die Teilnahmegebühr iHv. 120,00 € innerhalb von 14 Tagen auf das oben genannte Konto unter Angabe der Rechnungsnummer 1234/78/901 zu überweisen.", net: 14, tiers: []),
        TermsCase(text: "Zahlbar innerhalb von 14 Tagen mit 2 % Skonto oder 30 Tagen ohne Abzug", net: 30, tiers: [("2", 14)]),
        TermsCase(text: "2% Skonto bei Zahlung innerhalb von 8 Tagen, 30 Tage netto", net: 30, tiers: [("2", 8)]),
        TermsCase(text: "10 Tage 2 % Skonto, 20 Tage 1 % Skonto, 30 Tage netto", net: 30, tiers: [("2", 10), ("1", 20)]),
        TermsCase(text: "Bis zum 14.08.2016 ohne Abzug", net: nil, tiers: [], stated: "2016-08-14"),
        TermsCase(text: "Zahlungsziel: 21 Kalendertage", net: 21, tiers: []),
        // French free text
        TermsCase(text: "Escompte de 2 % pour paiement sous 10 jours, net à 30 jours", net: 30, tiers: [("2", 10)]),
        TermsCase(text: "Paiement à 30 jours", net: 30, tiers: []),
        TermsCase(text: "Paiement à réception de facture", net: 0, tiers: []),
        TermsCase(text: "30 jours fin de mois", net: 30, tiers: [], eom: .roundUpToEndOfMonth),
        TermsCase(text: "Paiement à 45 jours fin de mois. Pas d'escompte pour paiement anticipé.", net: 45, tiers: [], eom: .roundUpToEndOfMonth),
        TermsCase(text: "Règlement à 30 jours. Pénalités de retard : 10 % ; indemnité forfaitaire de 40 €.", net: 30, tiers: []),
        TermsCase(text: "Remise de 1,5 % pour paiement sous 8 jours, sinon 30 jours net", net: 30, tiers: [("1.5", 8)]),
        TermsCase(text: "Paiement comptant", net: 0, tiers: []),
    ]

    @Test("terms are read into net days and discount tiers", arguments: cases)
    func reading(_ expected: TermsCase) {
        let terms = PaymentTermsParser.parse(expected.text)
        #expect(terms.netDays == expected.net)
        let tiers = terms.discounts.map { tier -> (String, Int) in
            if case .days(let d) = tier.window { return (tier.percent.description, d) }
            return (tier.percent.description, -1)
        }
        #expect(tiers.map(\.0) == expected.tiers.map(\.0))
        #expect(tiers.map(\.1) == expected.tiers.map(\.1))
        #expect(terms.endOfMonth == expected.eom)
        #expect(terms.statedDueDate?.iso == expected.stated)
    }

    @Test("at least forty cases are checked")
    func enoughCases() {
        #expect(Self.cases.count >= 40)
    }

    @Test("text with nothing to go on is not understood", arguments: [
        "", "Bitte überweisen Sie den Gesamtbetrag in Höhe von EUR […] innerhalb von […] Tagen ohne Abzug",
        "Die Zahlung wird als Teilleistung monatl. Erbracht und ist monatl. zum letzten Werktag fällig.",
        "See contract", "#SKONTO#TAGE=x#PROZENT=2#", "Pénalités de retard : 3 fois le taux légal",
    ])
    func notUnderstood(text: String) {
        #expect(!PaymentTermsParser.parse(text).isUnderstood)
    }

    @Test("discount tiers with a date become deadlines")
    func discountUntilDate() throws {
        let terms = PaymentTermsParser.parse("3 % Skonto bei Zahlung bis 10.12.2026, netto bis 31.12.2026")
        let tier = try #require(terms.discounts.first)
        #expect(tier.window == .until(try #require(LocalDate(iso: "2026-12-10"))))
        #expect(terms.statedDueDate?.iso == "2026-12-31")
    }

    @Test("due dates from terms, with the end-of-month rules")
    func dueDates() throws {
        let issued = try #require(LocalDate(iso: "2026-01-05"))
        #expect(PaymentTermsParser.parse("2/10 n/30").dueDate(issuedOn: issued)?.iso == "2026-02-04")
        #expect(PaymentTermsParser.parse("due on receipt").dueDate(issuedOn: issued)?.iso == "2026-01-05")
        // EOM: counted from the last day of the issue month.
        let eom = PaymentTermsParser.parse("2/10 EOM")
        #expect(eom.dueDate(issuedOn: issued)?.iso == "2026-03-02")
        #expect(eom.deadline(of: eom.discounts[0], issuedOn: issued).iso == "2026-02-10")
        #expect(PaymentTermsParser.parse("n/30 EOM").dueDate(issuedOn: issued)?.iso == "2026-03-02")
        // fin de mois: days first, then to the end of that month.
        #expect(PaymentTermsParser.parse("30 jours fin de mois").dueDate(issuedOn: issued)?.iso == "2026-02-28")
        #expect(PaymentTermsParser.parse("45 jours fin de mois").dueDate(issuedOn: try #require(LocalDate(iso: "2026-01-20")))?.iso == "2026-03-31")
        // A discount deadline is issue date + days; the day itself still counts.
        let plain = PaymentTermsParser.parse("2/10 n/30")
        #expect(plain.deadline(of: plain.discounts[0], issuedOn: issued).iso == "2026-01-15")
    }
}
