import RelanceCore
@testable import RelanceFormats
import Testing

@Suite("Payment files")
struct PaymentCSVReaderTests {
    func read(_ text: String) throws(InvoiceRejection) -> [PaymentLine] { try PaymentCSVReader.read(Array(text.utf8), file: "p.csv") }

    @Test("semicolons with a decimal comma, a header row and day-first dates")
    func french() throws {
        let lines = try read("facture;montant;date;référence\nF-1;1 250,00;15/12/2026;VIR 123\nF-2;980,5;2026-12-16\n")
        #expect(lines.map(\.invoiceID) == ["F-1", "F-2"])
        #expect(lines.map(\.amount) == ["1250.00", "980.5"])
        #expect(lines.map(\.date.iso) == ["2026-12-15", "2026-12-16"])
        #expect(lines.first?.reference == "VIR 123")
    }

    @Test("commas with a decimal point, quoted fields")
    func english() throws {
        let lines = try read("invoice,amount,date,reference\r\n\"F-3\",\"1,250.00\",2026-12-15,\"ref, with comma\"\r\n")
        #expect(lines.first?.amount == "1250.00")
        #expect(lines.first?.reference == "ref, with comma")
    }

    @Test("every bad line is reported with its number", arguments: [
        ("F-1;abc;2026-12-15", "line 1: \"abc\" is not an amount"),
        ("F-1;10,00;15-12-2026", "line 1: \"15-12-2026\" is not a date (YYYY-MM-DD or DD/MM/YYYY)"),
        ("F-1;10,00", "line 1: expected invoice;amount;date[;reference], found 2 fields"),
        ("F-1;10,00;2026-12-15\n;5;2026-12-15", "line 2: the invoice number is empty or not one line"),
    ])
    func problems(text: String, expected: String) {
        do {
            _ = try read(text)
            Issue.record("expected a rejection")
        } catch {
            #expect(error.problems.map(\.description).contains(expected), "\(error.problems)")
        }
    }

    @Test("empty and non-UTF-8 files are refused")
    func broken() {
        #expect(throws: InvoiceRejection.self) { try read("") }
        #expect(throws: InvoiceRejection.self) { try PaymentCSVReader.read([0x46, 0xFF, 0x3B], file: "p.csv") }
    }
}
