import RelanceCore
import RelanceFormats
import RelanceReport
import Testing

@Suite("Report rendering")
struct ReportRenderingTests {
    static func history(_ id: String, customer: String, issued: String, total: Int64, paidOn: String? = nil) -> ReceivableHistory {
        let invoice = Invoice(id: id, issueDate: LocalDate(iso: issued)!, terms: PaymentTermsParser.parse("net 30"),
                              total: Money(minorUnits: total, currency: .eur),
                              customer: Customer(name: customer, emails: [try! EmailAddress("ap@example.test")]))
        let payments = paidOn.map { [Payment(amount: invoice.total, date: LocalDate(iso: $0)!)] } ?? []
        return ReceivableHistory(invoice: invoice, customerKey: customer, payments: payments,
                                 reminders: [SentReminder(step: "due", sentOn: invoice.dueDate!)])
    }

    static let report = ReceivablesReport([
        history("H-1", customer: "<script>alert(1)</script> & Co", issued: "2026-03-02", total: 125_000),
        history("H-2", customer: "Brasserie \"Nord\"", issued: "2026-04-10", total: 80_000, paidOn: "2026-05-20"),
        history("H-3", customer: "Cargo", issued: "2026-05-25", total: 42_000),
    ], asOf: LocalDate(iso: "2026-05-31")!)

    @Test("the HTML page is self-contained: inline SVG, no script, no external asset, every name escaped")
    func html() {
        let page = ReportHTML.render(Self.report, company: "Atelier <b>")
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"))
        #expect(page.contains("Brasserie &quot;Nord&quot;"))
        #expect(page.contains("Atelier &lt;b&gt;"))
        #expect(!page.lowercased().contains("<script"))
        #expect(!page.contains("src=") && !page.contains("href=") && !page.contains("@import") && !page.contains("url("))
        #expect(page.components(separatedBy: "<svg ").count - 1 == 3)  // aging, DSO, top customers
        #expect(page.contains("1250.00"))  // H-1 is 60 days late on 31 May
        #expect(page.contains("<polyline"))
    }

    @Test("JSON carries asOf, aging, dso and customers with the documented keys and formats")
    func json() throws {
        let text = JSONWriter.serialize(ReportJSON.value(Self.report), pretty: false)
        let value = try JSONParser.parse(Array(text.utf8))
        guard case .object(let fields) = value else { Issue.record("not an object"); return }
        let keys = fields.map(\.0)
        #expect(keys.starts(with: ["asOf", "aging", "dso", "customers"]))
        #expect(text.contains(#""asOf":"2026-05-31""#))
        #expect(text.contains(#""aging":[{"currency":"EUR","notDue":"420.00","late1to30":"0.00","late31to60":"1250.00","late61to90":"0.00","lateOver90":"0.00""#))
        // countback: 420 of May (31 d) + 800 of April (30 d) + 450/1250 of March (11.16 d) = 72.2
        #expect(text.contains(#""countback":"72.2""#))
        // May: 1670.00 open at month end × 31 days ÷ 420.00 invoiced in May = 123.261… → 123.3
        #expect(text.contains(#"{"month":"2026-05","currency":"EUR","simple":"123.3""#))
        #expect(text.contains(#""name":"Brasserie \"Nord\"""#))
        #expect(text.contains(#""score":"#))
    }

    @Test("plain text names the top customers and shows undefined figures as a dash")
    func text() {
        let text = ReportText.render(Self.report)
        #expect(text.contains("Receivables as of 2026-05-31"))
        #expect(text.contains("top 3 in EUR (100.0 % of invoiced)"))
        #expect(text.contains("AGING"))
        // Amounts as the company's language writes them.
        #expect(text.contains("€1,250.00"))
        #expect(ReportText.render(Self.report, language: .fr).contains("1\u{202F}250,00\u{00A0}€"))
        #expect(ReportText.render(Self.report, language: .de).contains("1.250,00\u{00A0}€"))
        let emptyText = ReportText.render(ReceivablesReport([], asOf: LocalDate(iso: "2026-05-31")!))
        #expect(emptyText.contains("nothing is owed"))
    }
}
