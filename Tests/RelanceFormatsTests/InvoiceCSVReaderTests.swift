import Foundation
import RelanceCore
import RelanceFormats
import Testing

@Suite("CSV invoice batches")
struct InvoiceCSVReaderTests {
    func read(_ text: String) throws(InvoiceRejection) -> InvoiceReader.Read {
        try InvoiceReader.read(bytes: Array(text.utf8), file: "batch.csv", inbox: nil)
    }

    @Test("semicolons, decimal commas, day-first dates, several addresses; detected by content")
    func french() throws {
        let read = try read("Invoice;Date;Terms;Currency;Total;Customer;Email\nB-1;02/11/2026;2/10 n/30;EUR;1 250,00;Acme;ap@acme.example | boss@acme.example\nB-2;2026-11-05;net 30;EUR;99,90;Globex;a@globex.example\n")
        #expect(read.format == .csv)
        #expect(read.invoices.map(\.id) == ["B-1", "B-2"])
        #expect(read.invoices[0].issueDate.iso == "2026-11-02")
        #expect(read.invoices[0].total.decimalString == "1250.00")
        #expect(read.invoices[0].customer.emails.count == 2)
        #expect(read.invoices[0].discountOffers.first?.payable.decimalString == "1225.00")
    }

    @Test("commas with quoted fields and a decimal point")
    func english() throws {
        let read = try read("id,issueDate,dueDate,currency,total,customerName,email,language\n\"INV-9\",2026-11-02,2026-12-02,GBP,\"1,250.50\",\"Smith, Jones & Co\",ap@sj.example,en\n")
        #expect(read.invoices.first?.total.decimalString == "1250.50")
        #expect(read.invoices.first?.customer.name == "Smith, Jones & Co")
        #expect(read.invoices.first?.customer.language == .en)
    }

    @Test("every bad row is named by its line, with the JSON reader's rules; one bad row rejects the file")
    func problems() {
        do {
            _ = try read("id;issueDate;terms;currency;total;customerName;email\nB-3;2026-11-02;net 30;EUR;abc;X;x@y.example\nB-4;2026-11-02;net 30;XXX;10;Y\r\nBcc: v@x.example;a@b.example\nB-5;2026-11-02;net 30;EUR;10;Z;not-an-email\n")
            Issue.record("expected a rejection")
        } catch {
            let lines = error.problems.map(\.description)
            #expect(lines.contains("line 2: total: \"abc\" is not a decimal amount"))
            #expect(lines.contains { $0.hasPrefix("line 3:") })
            #expect(lines.contains { $0.hasPrefix("line 5: customer.email[0]:") })
        }
        #expect(throws: InvoiceRejection.self) { try read("id;total;colour\nX;1;red\n") }
    }
}
