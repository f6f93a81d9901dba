import Foundation
import RelanceCore
import Testing

@Suite("Bank payments: structured references and matching rules")
struct PaymentMatchingTests {
    static func eur(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .eur) }

    @Test("RF, OGM, QR and Finnish references are recognised by their check digits, and name the invoice by its digits")
    func structuredReferences() {
        let rf = CreditorReference(invoiceNumber: "F-2026-0042")
        #expect(StructuredReference(parsing: rf.grouped) == .creditor(rf))
        #expect(StructuredReference(parsing: "RF19 5390 0754 7034") == nil, "wrong check digits")
        // OGM/VCS: 0002026118 mod 97 = 79, written +++000/2026/11879+++.
        let ogm = StructuredReference(parsing: "+++000/2026/11879+++")
        #expect(ogm == .national(kind: "OGM", digits: "2026118"))
        #expect(ogm?.lookup == CreditorReference(invoiceNumber: "2026118"))
        #expect(StructuredReference(parsing: "+++000/2026/11878+++") == nil)
        // The Swiss QR reference of the SIX example: 21 00000 00003 13947 14300 09017.
        #expect(StructuredReference(parsing: "210000000003139471430009017")?.kind == "QRR")
        #expect(StructuredReference(parsing: "210000000003139471430009018") == nil)
        // Finnish: 1234561 (check 1 for 123456).
        #expect(StructuredReference(parsing: "1234561") == .national(kind: "FI", digits: "123456"))
        #expect(StructuredReference(parsing: "Rechnung 42") == nil)
    }

    @Test("references in the structured field come first, then RF and OGM references written in the text")
    func referencesInOrder() {
        var entry = BankEntry(account: nil, amount: Self.eur(100), credit: true, index: 1)
        let rf = CreditorReference(invoiceNumber: "A-1")
        entry.creditorReference = rf.value
        entry.remittance = "paiement \(CreditorReference(invoiceNumber: "B-2").grouped) et +++000/2026/11879+++"
        let found = PaymentMatching.references(entry)
        #expect(found.map(\.reference) == [rf, CreditorReference(invoiceNumber: "B-2"), CreditorReference(invoiceNumber: "2026118")])
        #expect(found.first?.reason == .structuredReference(kind: "RF", value: rf.value))
    }

    @Test("invoice numbers in free text: tokens of four characters or more, separators removed, neighbours joined")
    func numberCandidates() {
        let candidates = PaymentMatching.numberCandidates(in: "Paiement facture F 2026 0042 / ref. INV-77, merci")
        #expect(candidates.contains("F20260042") && candidates.contains("INV77") && candidates.contains("2026"))
        #expect(!candidates.contains("MERCI"), "a candidate has a digit")
        #expect(PaymentMatching.numberCandidates(in: "") == [])
    }

    static func invoice(_ id: String, due: String, balance: Int64, others: [Int64] = []) -> MatchableInvoice {
        MatchableInvoice(id: id, dueDate: LocalDate(iso: due), issueDate: LocalDate(iso: "2026-09-01")!, balance: eur(balance),
                         alsoSettledBy: others.map(eur))
    }

    @Test("by amount: the one invoice of that balance, else the discounted amount or the balance with charges, else one combination")
    func byAmount() {
        let a = Self.invoice("A", due: "2026-10-01", balance: 10_000)
        let b = Self.invoice("B", due: "2026-10-15", balance: 25_000, others: [24_500])
        let c = Self.invoice("C", due: "2026-11-01", balance: 5_000)
        #expect(PaymentMatching.settledByAmount(Self.eur(25_000), among: [a, b, c])?.invoices.map(\.id) == ["B"])
        #expect(PaymentMatching.settledByAmount(Self.eur(24_500), among: [a, b, c])?.invoices.map(\.id) == ["B"])
        #expect(PaymentMatching.settledByAmount(Self.eur(15_000), among: [a, b, c])?.invoices.map(\.id) == ["A", "C"])
        #expect(PaymentMatching.settledByAmount(Self.eur(12_345), among: [a, b, c]) == nil)
        // Two invoices of the same balance: ambiguous, held.
        #expect(PaymentMatching.settledByAmount(Self.eur(10_000), among: [a, Self.invoice("D", due: "2026-10-02", balance: 10_000)]) == nil)
        // Two combinations give 30 000: held.
        let e = Self.invoice("E", due: "2026-10-03", balance: 20_000), f = Self.invoice("F", due: "2026-10-04", balance: 10_000)
        #expect(PaymentMatching.settledByAmount(Self.eur(30_000), among: [e, f, Self.invoice("G", due: "2026-10-05", balance: 20_000)]) == nil)
    }

    @Test("a payment over several invoices pays the oldest first; what is left over goes to the last")
    func allocation() {
        let older = Self.invoice("OLD", due: "2026-09-30", balance: 10_000)
        let newer = Self.invoice("NEW", due: "2026-10-30", balance: 10_000)
        #expect(PaymentMatching.allocate(Self.eur(15_000), to: [newer, older]).map { "\($0.invoiceID)=\($0.amount.minorUnits)" } == ["OLD=10000", "NEW=5000"])
        #expect(PaymentMatching.allocate(Self.eur(25_000), to: [newer, older]).map { "\($0.invoiceID)=\($0.amount.minorUnits)" } == ["OLD=10000", "NEW=15000"])
        #expect(PaymentMatching.allocate(Self.eur(4_000), to: [older, newer]).map(\.invoiceID) == ["OLD"])
    }

    @Test("an entry counts once: keyed by account and bank reference, else end-to-end id, else its content")
    func keys() {
        var entry = BankEntry(account: "FR76 3000", amount: Self.eur(100), credit: true, index: 1)
        entry.entryReference = "ABC"
        #expect(entry.key == "FR763000/ref:ABC")
        entry.entryReference = "NONREF"
        entry.endToEndID = "E2E"
        #expect(entry.key == "FR763000/e2e:E2E/100EUR")
        entry.endToEndID = nil
        #expect(entry.key.hasPrefix("FR763000/content:"))
        var debit = entry
        debit.credit = false
        #expect(debit.key != entry.key && !debit.isIncomingPayment)
    }

    @Test("a debtor's name is compared without case, accents or legal form")
    func names() {
        #expect(PaymentMatching.nameKey("ACME SARL") == PaymentMatching.nameKey("Acme"))
        #expect(PaymentMatching.nameKey("Müller & Söhne GmbH") == "muller sohne")
    }
}
