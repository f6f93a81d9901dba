import Foundation
import RelanceTestSupport
import Testing

@Suite("the payments folder", .ownThread, .serialized)
struct PaymentsFolderTests {
    @Test("partial, discounted and over-payments from CSV files; a bad file is rejected whole; the same file twice changes nothing")
    func payments() throws {
        let box = try Sandbox(minGapDays: 0)
        try FileManager.default.createDirectory(atPath: box.root + "/payments", withIntermediateDirectories: true)
        try box.drop("a.json", Sandbox.invoice(id: "P-1", issued: "2026-11-02", terms: "net 30", total: "1000.00", customer: "C1", email: "a@p.example"))
        try box.drop("b.json", Sandbox.invoice(id: "P-2", issued: "2026-11-02", terms: "2/10 n/30", total: "1000.00", customer: "C2", email: "b@p.example"))
        try box.drop("c.json", Sandbox.invoice(id: "P-3", issued: "2026-11-02", terms: "net 30", total: "100.00", customer: "C3", email: "c@p.example"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-03T10:00:00+01:00"]).status == 0)
        let csv = "invoice;amount;date;reference\nP-1;400,00;10/11/2026;VIR A\nP-2;980,00;12/11/2026;VIR B\nP-3;120,00;12/11/2026;VIR C\n"
        try csv.write(toFile: box.root + "/payments/bank-2026-11-12.csv", atomically: true, encoding: .utf8)
        try "invoice;amount;date\nP-1;100,00;2026-11-13\nP-404;5,00;2026-11-13\n".write(toFile: box.root + "/payments/bad.csv", atomically: true, encoding: .utf8)
        #expect(try box.run(["run", "--once", "--now", "2026-11-13T10:00:00+01:00"]).status == 0)
        let status = try (try box.run(["status", "--all", "--json", "--now", "2026-11-13T10:00:00+01:00"])).json()
        let invoices = try #require(status["invoices"] as? [[String: Any]])
        func invoice(_ id: String) -> [String: Any]? { invoices.first { $0["id"] as? String == id } }
        #expect(invoice("P-1")?["amountDue"] as? String == "600.00")   // partial; the bad file's 100.00 was not applied
        #expect(invoice("P-2")?["state"] as? String == "paid")         // 980.00 by the deadline settles 1000.00 at 2 %
        #expect(invoice("P-3")?["state"] as? String == "paid")
        let log = box.sendLogLines()
        #expect(log.contains { $0.contains("event=paid invoice=P-3") && $0.contains(#"overpaid="20.00 EUR""#) })
        let reason = try String(contentsOfFile: box.rejected + "/bad.csv.reason", encoding: .utf8)
        #expect(reason.contains("line 3: no invoice P-404 is known"))
        #expect(box.files(in: box.archive + "/payments").count == 1)
        // The same bank file again: nothing changes.
        try csv.write(toFile: box.root + "/payments/bank-again.csv", atomically: true, encoding: .utf8)
        #expect(try box.run(["run", "--once", "--now", "2026-11-14T10:00:00+01:00"]).status == 0)
        let again = try (try box.run(["status", "P-1", "--json", "--now", "2026-11-14T10:00:00+01:00"])).json()
        #expect((again["invoices"] as? [[String: Any]])?.first?["amountDue"] as? String == "600.00")
        #expect(box.sendLogLines().contains { $0.contains("file=bank-again.csv") && $0.contains("result=duplicate") })
    }
}

@Suite("CSV batches in the inbox", .ownThread, .serialized)
struct CSVBatchInboxTests {
    @Test("a batch is ingested whole, or rejected whole when a row is wrong")
    func batch() throws {
        let box = try Sandbox(minGapDays: 0)
        try box.drop("month-end.csv", "id;issueDate;terms;currency;total;customerId;customerName;email\nM-1;2026-11-02;net 30;EUR;100,00;C1;One;one@m.example\nM-2;2026-11-02;net 30;EUR;200,00;C2;Two;two@m.example\n")
        try box.drop("broken.csv", "id;issueDate;terms;currency;total;customerId;customerName;email\nM-3;2026-11-02;net 30;EUR;300,00;C3;Three;three@m.example\nM-4;2026-11-02;net 30;EUR;400,00;C4;Four;not-an-address\n")
        #expect(try box.run(["run", "--once", "--now", "2026-11-03T10:00:00+01:00"]).status == 0)
        let status = try (try box.run(["status", "--json", "--now", "2026-11-03T10:00:00+01:00"])).json()
        let ids = ((status["invoices"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }.sorted()
        #expect(ids == ["M-1", "M-2"])  // M-3 was not applied: its file had a bad row
        let reason = try String(contentsOfFile: box.rejected + "/broken.csv.reason", encoding: .utf8)
        #expect(reason.contains("line 3: customer.email[0]"))
        #expect(box.sendLogLines().contains { $0.contains("event=ingested invoice=M-2") && $0.contains("format=csv") })
    }
}
