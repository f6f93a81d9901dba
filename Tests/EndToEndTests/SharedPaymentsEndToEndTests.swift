import Foundation
import RelanceTestSupport
import Testing

/// Bank statements and payments CSVs on a shared PostgreSQL store, through the binary and a private
/// PostgreSQL server: two instances receive the same statement at the same moment and it applies
/// once (each entry once, the ids the send log names are the store's); the matching works on what
/// the instances took in (RF reference, invoice number in the text, amount and debtor's name); a
/// CSV applies all its lines or none; a statement larger than one transaction's part applies whole.
@Suite("payments on a shared PostgreSQL store", .ownThread, .serialized, .enabled(if: PSQL.available && TestServer.pythonAvailable))
struct SharedPaymentsEndToEndTests {
    typealias Line = BankStatementsEndToEndTests.Line

    /// A private PostgreSQL server, and an SMTP server that accepts everything (nothing is due in
    /// these tests: it is there because every instance names one), with the folder of its log.
    static func servers() throws -> (ScriptedServer, ScratchFolder, TestServer) {
        let store = try ScriptedServer(script: "postgres-instance")
        let scratch = ScratchFolder()
        let smtp = try TestServer(script: "misbehaving_smtp.py", arguments: ["--mode", "ok", "--log", scratch.path + "/accepted.jsonl"],
                                  folder: scratch.path)
        return (store, scratch, smtp)
    }

    @Test("one statement dropped on two instances at once applies once; RF, number in text, amount and debtor; unmatched and debit kept; a CSV all or nothing")
    func statementAndCSV() throws {
        let (store, scratch, smtp) = try Self.servers()
        defer { withExtendedLifetime(scratch) {} }
        let a = try Sandbox.sharedInstance("paris", storePort: store.port, smtpPort: smtp.port)
        let b = try Sandbox.sharedInstance("lyon", storePort: store.port, smtpPort: smtp.port)
        // Due on 1 December: nothing is chased while the payments come in.
        for (id, total, customer) in [("B-2026-0001", "1200.00", "CB1"), ("B-2026-0002", "300.00", "CB2"), ("B-2026-0003", "450.00", "CB3"),
                                      ("B-2026-0004", "99.00", "CB4"), ("P-1", "1000.00", "C1"), ("P-3", "100.00", "C3")] {
            try a.drop("\(id).json", Sandbox.invoice(id: id, issued: "2026-11-01", terms: "net 30", total: total, customer: customer,
                                                     email: "ap@\(customer.lowercased()).example"))
        }
        let intake = try a.run(["run", "--once", "--now", "2026-11-03T10:00:00+01:00"])
        #expect(intake.status == 0, "\(intake.stderr)")
        // An earlier statement (one bank charge): the store's entries do not start at 1 for the next one.
        try BankStatementsEndToEndTests.camt([Line(amount: "3.00", credit: false, reference: "BANK-0000", text: "frais", booked: "2026-11-02")])
            .write(toFile: b.root + "/payments/camt053-2026-11-02.xml", atomically: true, encoding: .utf8)
        #expect(try b.run(["run", "--once", "--now", "2026-11-03T10:00:00+01:00"]).status == 0)
        let rf = try PSQL.run(port: store.port, "SELECT creditor_ref FROM invoices WHERE id = 'B-2026-0001'")
        #expect(rf.hasPrefix("RF"), "\(rf)")
        let statement = BankStatementsEndToEndTests.camt([
            Line(amount: "1200.00", reference: "BANK-0001", endToEnd: "E2E-1", creditorReference: rf, debtor: "CLIENT CB1 SARL",
                 iban: "FR7612345000010000000000185"),
            Line(amount: "300.00", reference: "BANK-0002", text: "Paiement facture B 2026 0002, merci", debtor: "Someone Else"),
            Line(amount: "450.00", reference: "BANK-0003", text: "virement octobre", debtor: "Client CB3"),
            Line(amount: "77.70", reference: "BANK-0004", text: "divers", debtor: "Inconnu SA"),
            Line(amount: "25.00", credit: false, reference: "BANK-0005", text: "frais bancaires"),
        ])
        for box in [a, b] { try statement.write(toFile: box.root + "/payments/camt053-2026-11-16.xml", atomically: true, encoding: .utf8) }
        // Both instances at once, each with the file in its own folder.
        let daemons = try [a, b].map { try DaemonProcess(sandbox: $0, arguments: ["--now", "2026-11-17T10:00:00+01:00"]) }
        #expect(DaemonProcess.wait(seconds: 60) { a.files(in: a.root + "/payments").isEmpty && b.files(in: b.root + "/payments").isEmpty })
        for daemon in daemons { #expect(daemon.stop() == 0, "\(daemon.stderr)") }
        let lines = a.sendLogLines() + b.sendLogLines()
        let paid = lines.filter { $0.contains(" event=paid ") && $0.contains("source=bank") }
        #expect(paid.count == 3, "\(lines)")
        #expect(paid.contains { SendLogLine.field("invoice", $0) == "B-2026-0001" && $0.contains("reason=\"RF reference") })
        #expect(paid.contains { SendLogLine.field("invoice", $0) == "B-2026-0002" && $0.contains("invoice number B-2026-0002 in the remittance text") })
        #expect(paid.contains { SendLogLine.field("invoice", $0) == "B-2026-0003" && $0.contains("the amount (the balance) from Client CB3") })
        #expect(lines.filter { $0.contains(" event=statement ") && $0.contains("applied=3") && $0.contains("unmatched=1") && $0.contains("debits=1") }.count == 1)
        #expect(lines.filter { $0.contains("result=duplicate") }.count == 1, "the other instance's copy is a duplicate")
        #expect(try PSQL.run(port: store.port, "SELECT state, COUNT(*) FROM bank_entries GROUP BY state ORDER BY state") == "applied|3\ndebit|2\nunmatched|1")
        #expect(try PSQL.run(port: store.port, "SELECT id, state FROM invoices WHERE id LIKE 'B-%' ORDER BY id")
            == "B-2026-0001|paid\nB-2026-0002|paid\nB-2026-0003|paid\nB-2026-0004|open")
        #expect(try PSQL.run(port: store.port, "SELECT COUNT(*) FROM reminders WHERE invoice_id LIKE 'B-2026-000_' AND invoice_id <> 'B-2026-0004' AND state = 'planned'") == "0")
        #expect(try PSQL.run(port: store.port, "SELECT COUNT(*) FROM events WHERE event = 'paid' AND line LIKE '%source=bank%'") == "3")
        // The ids the send log names are the shared store's: a person assigns the unmatched entry by it.
        let unmatched = try #require(lines.first { $0.contains(" event=unmatched ") })
        #expect(SendLogLine.field("entry", unmatched) == (try PSQL.run(port: store.port, "SELECT id FROM bank_entries WHERE state = 'unmatched'")), "\(unmatched)")
        #expect(try PSQL.run(port: store.port, "SELECT customer_key FROM customer_accounts WHERE iban = 'FR7612345000010000000000185'") == "id:CB1")
        // `payments unmatched` lists the held entry from the shared store, by the same id.
        let listed = try b.run(["payments", "unmatched", "--json", "--now", "2026-11-17T11:00:00+01:00"])
        let held = try #require(try listed.json()["entries"] as? [[String: Any]], "\(listed.stderr)")
        #expect(held.count == 1 && held[0]["amount"] as? String == "77.70" && held[0]["debtorName"] as? String == "Inconnu SA")
        #expect((held[0]["id"] as? Int).map(String.init) == SendLogLine.field("entry", unmatched))
        #expect(a.files(in: a.archive + "/payments").count + b.files(in: b.archive + "/payments").count == 3)
        // A person assigns it from the other instance, in two parts; the shared store keeps what was assigned.
        let entry = try #require(SendLogLine.field("entry", unmatched))
        let assign = { (box: Sandbox, arguments: [String]) in try box.run(["payments", "assign"] + arguments + ["--now", "2026-11-17T11:00:00+01:00"]) }
        let tooMuch = try assign(a, [entry, "B-2026-0004", "--amount", "99.01"])
        #expect(tooMuch.status == 1 && tooMuch.stderr.contains("at most the 77.70 EUR left"), "\(tooMuch.stderr)")
        let unknownInvoice = try assign(a, [entry, "B-404"])
        #expect(unknownInvoice.status == 1 && unknownInvoice.stderr.contains("no invoice B-404"), "\(unknownInvoice.stderr)")
        let unknownEntry = try assign(a, ["9999", "B-2026-0004"])
        #expect(unknownEntry.status == 1 && unknownEntry.stderr.contains("no bank entry 9999"), "\(unknownEntry.stderr)")
        let part = try assign(a, [entry, "B-2026-0004", "--amount", "50,00"])
        #expect(part.status == 0 && part.stdout.contains("50.00 EUR applied to B-2026-0004; 27.70 EUR left to assign"), "\(part.stdout)\(part.stderr)")
        let rest = try assign(b, [entry, "B-2026-0004"])
        #expect(rest.status == 0 && rest.stdout.contains("27.70 EUR applied to B-2026-0004"), "\(rest.stdout)\(rest.stderr)")
        let again = try assign(b, [entry, "B-2026-0004"])
        #expect(again.status == 1 && again.stderr.contains("not waiting to be assigned"), "\(again.stderr)")
        #expect(try PSQL.run(port: store.port, "SELECT state, assigned_minor FROM bank_entries WHERE id = \(entry)") == "assigned|7770")
        #expect(try PSQL.run(port: store.port, "SELECT SUM(amount_minor) FROM payments WHERE invoice_id = 'B-2026-0004'") == "7770")
        #expect(try PSQL.run(port: store.port, "SELECT COUNT(*) FROM events WHERE invoice_id = 'B-2026-0004' AND line LIKE '%source=bank%'") == "2")
        let owed = try a.run(["status", "B-2026-0004", "--json", "--now", "2026-11-17T11:00:00+01:00"])
        #expect((try owed.json()["invoices"] as? [[String: Any]])?.first?["amountDue"] as? String == "21.30", "\(owed.stdout)")
        #expect(try b.run(["payments", "unmatched", "--now", "2026-11-17T11:00:00+01:00"]).stdout.contains("no bank entry waiting"))

        // A CSV: a partial payment and an over-payment; a bad file (an unknown invoice) is rejected whole.
        try "invoice;amount;date;reference\nP-1;400,00;10/11/2026;VIR A\nP-3;120,00;12/11/2026;VIR C\n"
            .write(toFile: b.root + "/payments/bank-2026-11-12.csv", atomically: true, encoding: .utf8)
        try "invoice;amount;date\nP-1;100,00;2026-11-13\nP-404;5,00;2026-11-13\n".write(toFile: b.root + "/payments/bad.csv", atomically: true, encoding: .utf8)
        let csv = try b.run(["run", "--once", "--now", "2026-11-18T10:00:00+01:00"])
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(try PSQL.run(port: store.port, "SELECT invoice_id, SUM(amount_minor) FROM payments WHERE invoice_id LIKE 'P-%' GROUP BY invoice_id ORDER BY invoice_id")
            == "P-1|40000\nP-3|12000")
        #expect(try PSQL.run(port: store.port, "SELECT state FROM invoices WHERE id IN ('P-1', 'P-3') ORDER BY id") == "open\npaid")
        #expect(b.sendLogLines().contains { SendLogLine.field("invoice", $0) == "P-3" && $0.contains(#"overpaid="20.00 EUR""#) })
        let reason = try String(contentsOfFile: b.rejected + "/bad.csv.reason", encoding: .utf8)
        #expect(reason.contains("line 3: no invoice P-404 is known"), "\(reason)")
        let status = try a.run(["status", "P-1", "--json", "--now", "2026-11-18T10:00:00+01:00"])
        #expect((try status.json()["invoices"] as? [[String: Any]])?.first?["amountDue"] as? String == "600.00", "\(status.stdout)\(status.stderr)")
    }

    @Test("a statement of 250 entries, applied in parts: every invoice paid once, the file once")
    func largeStatement() throws {
        let (store, scratch, smtp) = try Self.servers()
        defer { withExtendedLifetime(scratch) {} }
        let box = try Sandbox.sharedInstance("paris", storePort: store.port, smtpPort: smtp.port)
        let count = 250
        for n in 0..<count {
            try box.drop("l-\(n).json", Sandbox.invoice(id: "L-\(n)", issued: "2026-11-01", terms: "net 30", total: "10.00", customer: "CL\(n)",
                                                        email: "ap@cl\(n).example"))
        }
        #expect(try box.run(["run", "--once", "--now", "2026-11-03T10:00:00+01:00"]).status == 0)
        let references = try PSQL.run(port: store.port, "SELECT creditor_ref FROM invoices ORDER BY id").split(separator: "\n").map(String.init)
        #expect(references.count == count)
        let statement = BankStatementsEndToEndTests.camt(references.enumerated().map { n, reference in
            Line(amount: "10.00", reference: "L-BANK-\(n)", creditorReference: reference)
        })
        try statement.write(toFile: box.root + "/payments/large.xml", atomically: true, encoding: .utf8)
        let run = try box.run(["run", "--once", "--now", "2026-11-17T10:00:00+01:00"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try PSQL.run(port: store.port, "SELECT state, COUNT(*) FROM invoices GROUP BY state") == "paid|\(count)")
        #expect(try PSQL.run(port: store.port, "SELECT COUNT(*), COUNT(DISTINCT invoice_id) FROM payments") == "\(count)|\(count)")
        #expect(try PSQL.run(port: store.port, "SELECT COUNT(*), MIN(id), MAX(id) FROM bank_entries") == "\(count)|1|\(count)")
        let lines = box.sendLogLines()
        #expect(lines.filter { $0.contains(" event=statement ") && $0.contains("applied=\(count)") }.count == 1, "\(lines.suffix(3))")
        // The same file again: one duplicate line, nothing else.
        try statement.write(toFile: box.root + "/payments/large-again.xml", atomically: true, encoding: .utf8)
        #expect(try box.run(["run", "--once", "--now", "2026-11-18T10:00:00+01:00"]).status == 0)
        #expect(box.sendLogLines().contains { $0.contains("file=large-again.xml") && $0.contains("result=duplicate") })
        #expect(try PSQL.run(port: store.port, "SELECT COUNT(*) FROM payments") == "\(count)")
    }

    @Test("paid, pause and resume on a shared store change the shared store; an unknown invoice and a promise are refused with the reason")
    func invoiceCommands() throws {
        let (store, scratch, smtp) = try Self.servers()
        defer { withExtendedLifetime(scratch) {} }
        let box = try Sandbox.sharedInstance("paris", storePort: store.port, smtpPort: smtp.port)
        try box.drop("x.json", Sandbox.invoice(id: "X-1", issued: "2026-11-01", terms: "net 30", total: "1000.00", customer: "CX", email: "ap@cx.example"))
        try box.drop("y.json", Sandbox.invoice(id: "Y-1", issued: "2026-11-01", terms: "net 30", total: "500.00", customer: "CY", email: "ap@cy.example"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-03T10:00:00+01:00"]).status == 0)
        let now = "2026-11-10T10:00:00+01:00"
        let partial = try box.run(["paid", "X-1", "--amount", "400.00", "--now", now])
        #expect(partial.status == 0 && partial.stdout.contains("X-1: 400.00 EUR recorded, 600.00 EUR still due"), "\(partial.stdout)\(partial.stderr)")
        #expect(try PSQL.run(port: store.port, "SELECT SUM(amount_minor), MIN(source) FROM payments WHERE invoice_id = 'X-1'") == "40000|cli")
        let whole = try box.run(["paid", "X-1", "--now", now])
        #expect(whole.status == 0 && whole.stdout.contains("X-1: paid in full"), "\(whole.stdout)\(whole.stderr)")
        #expect(try PSQL.run(port: store.port, "SELECT state FROM invoices WHERE id = 'X-1'") == "paid")
        #expect(try PSQL.run(port: store.port, "SELECT COUNT(*) FROM reminders WHERE invoice_id = 'X-1' AND state = 'planned'") == "0")
        #expect(try PSQL.run(port: store.port, "SELECT COUNT(*) FROM events WHERE invoice_id = 'X-1' AND event = 'paid'") == "2")
        #expect(box.sendLogLines().filter { $0.contains(" event=paid ") && SendLogLine.field("invoice", $0) == "X-1" }.count == 2)
        // Paused, then resumed: what the instances read.
        let pause = try box.run(["pause", "Y-1", "--until", "2026-12-10", "--reason", "asked for time", "--now", now])
        #expect(pause.status == 0, "\(pause.stderr)")
        #expect(try PSQL.run(port: store.port, "SELECT paused_until, pause_reason FROM invoices WHERE id = 'Y-1'") == "2026-12-10|asked for time")
        let status = try box.run(["status", "Y-1", "--json", "--now", now])
        #expect(status.stdout.contains("2026-12-10"), "\(status.stdout)")
        #expect(try box.run(["resume", "Y-1", "--now", now]).status == 0)
        #expect(try PSQL.run(port: store.port, "SELECT COALESCE(paused_until, '-') FROM invoices WHERE id = 'Y-1'") == "-")
        // Refused, with the reason, and nothing written.
        let unknown = try box.run(["paid", "NOPE", "--now", now])
        #expect(unknown.status == 1 && unknown.stderr.contains("no invoice NOPE"), "\(unknown.stderr)")
        // A promise made on the phone: kept in the shared store, the chase waits, and an instance judges it once its day is past.
        let promise = try box.run(["promise", "Y-1", "--date", "2026-12-05", "--now", now])
        #expect(promise.status == 0 && promise.stdout.contains("Y-1: promised for 2026-12-05; paused until 2026-12-06"), "\(promise.stdout)\(promise.stderr)")
        #expect(try PSQL.run(port: store.port, "SELECT invoice_id, promised_for, source, state FROM promises") == "Y-1|2026-12-05|command|pending")
        #expect(try PSQL.run(port: store.port, "SELECT paused_until FROM invoices WHERE id = 'Y-1'") == "2026-12-06")
        // Not yet judged while its day and the grace (2 days) have not passed; broken, and the chase resumed, after.
        #expect(try box.run(["run", "--once", "--now", "2026-12-07T10:00:00+01:00"]).status == 0)
        #expect(try PSQL.run(port: store.port, "SELECT state FROM promises") == "pending")
        let judged = try box.run(["run", "--once", "--now", "2026-12-09T10:00:00+01:00"])
        #expect(judged.status == 0, "\(judged.stderr)")
        #expect(try PSQL.run(port: store.port, "SELECT state FROM promises") == "broken")
        #expect(try PSQL.run(port: store.port, "SELECT COALESCE(pause_reason, '-'), resumed_at IS NOT NULL FROM invoices WHERE id = 'Y-1'") == "-|t")
        let verdicts = box.sendLogLines().filter { $0.hasPrefix("2026-12-09") && ($0.contains(" event=promise ") || $0.contains(" event=resumed ")) }
        #expect(verdicts.count == 2 && verdicts[0].contains("invoice=Y-1 result=broken promised_for=2026-12-05")
                && verdicts[1].contains("promise of 2026-12-05 broken"), "\(verdicts)")
        #expect(try PSQL.run(port: store.port, "SELECT COUNT(*) FROM events WHERE invoice_id = 'Y-1' AND event = 'promise'") == "1")
    }
}
