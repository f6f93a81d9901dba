import Foundation
import RelanceTestSupport
import Testing

/// Issue 12 through the built binary with time travel: every message says what is
/// true on the day it goes, levels escalate in order, late charges never vanish.
@Suite("Every message tells the truth (relance run --once across time)", .ownThread, .serialized)
struct TruthfulMessagesTests {
    /// Runs one cycle at 09:45 Paris time on each day, from `first` to `last` inclusive.
    func runDaily(_ box: Sandbox, from first: String, to last: String, time: String = "09:45:00+01:00") throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Paris")!
        let formatter = DateFormatter()
        formatter.calendar = calendar
        formatter.timeZone = calendar.timeZone
        formatter.dateFormat = "yyyy-MM-dd"
        var day = formatter.date(from: first)!
        let end = formatter.date(from: last)!
        while day <= end {
            let stamp = formatter.string(from: day)
            let result = try box.run(["run", "--once", "--now", "\(stamp)T\(time)"])
            #expect(result.status == 0, "\(stamp): \(result.stderr)")
            day = calendar.date(byAdding: .day, value: 1, to: day)!
        }
    }

    @Test("a due date on a Saturday, reminded on Monday, reads 'was due on Saturday 14 November' in FR, EN and DE")
    func movedDueDate() throws {
        let box = try Sandbox(minGapDays: 0)
        for (id, language) in [("M-FR", "fr"), ("M-EN", "en"), ("M-DE", "de")] {
            try box.drop("\(id).json", Sandbox.invoice(id: id, issued: "2026-10-15", due: "2026-11-14", customer: "C-\(id)",
                                                     email: "ap@\(language).example", language: language))
        }
        try runDaily(box, from: "2026-11-06", to: "2026-11-17")
        let due = try box.readMessages().filter { $0.step == "due" }
        #expect(due.count == 3)
        for message in due { #expect(message.sentOn == "2026-11-16", "\(message.invoice) went \(message.sentOn)") }
        let fr = try #require(due.first { $0.invoice == "M-FR" })
        #expect(fr.subject == "Facture M-FR : échue le 14 novembre 2026")
        #expect(fr.text.contains("était payable le samedi 14 novembre 2026"))
        #expect(!fr.text.contains("aujourd'hui") && !fr.subject.contains("aujourd'hui"))
        let en = try #require(due.first { $0.invoice == "M-EN" })
        #expect(en.subject == "Invoice M-EN was due on 14 November 2026")
        #expect(en.text.contains("was due on Saturday 14 November 2026"))
        #expect(!en.text.contains("today"))
        let de = try #require(due.first { $0.invoice == "M-DE" })
        #expect(de.subject == "Rechnung M-DE war am 14. November 2026 fällig")
        #expect(de.text.contains("war am Samstag, 14. November 2026 fällig"))
        #expect(!de.text.contains("heute"))
        // The check-in a week before reads as a check-in, with the days left.
        let courtesy = try #require(try box.readMessages().first { $0.invoice == "M-EN" && $0.step == "courtesy" })
        #expect(courtesy.sentOn == "2026-11-09")
        #expect(courtesy.text.contains("comes due in 5 days, on Saturday 14 November 2026"))
    }

    @Test("post-due levels escalate: their own subject and words, numbered; only the last threatens; the gentle policy's 'due' at due+3 is a first reminder")
    func escalatingLevels() throws {
        let box = try Sandbox(minGapDays: 0, extra: """
            [[policies]]
            name = "gentle"
            steps = [
              { name = "due",   at = "due+3" },
              { name = "first", at = "due+14" },
              { name = "final", at = "due+45", kind = "final" },
            ]

            [customers."C-G"]
            policy = "gentle"
            language = "en"
            """)
        try box.drop("E-1.json", Sandbox.invoice(id: "E-1", issued: "2026-10-02", due: "2026-11-02", customer: "C-S", email: "ap@s.example"))
        try box.drop("E-2.json", Sandbox.invoice(id: "E-2", issued: "2026-10-20", due: "2026-11-20", customer: "C-G", email: "ap@g.example", language: "en"))
        try runDaily(box, from: "2026-10-26", to: "2027-01-08")
        let messages = try box.readMessages()
        let standard = messages.filter { $0.invoice == "E-1" }
        #expect(standard.map(\.step) == ["courtesy", "due", "first", "second", "final"])
        let levels = standard.suffix(3)
        #expect(levels.map(\.subject) == ["1re relance : facture E-1 échue", "2e relance : facture E-1 toujours impayée",
                                          "Dernière relance avant recouvrement : facture E-1"])
        #expect(Set(levels.map(\.text)).count == 3)
        #expect(levels.filter { $0.text.contains("recouvrement.") }.count == 1)  // the threat: the last level only
        #expect(standard[3].text.contains("Malgré nos précédents messages (2 novembre 2026 et 9 novembre 2026)"))
        #expect(standard[2].text.contains("(7 jours de retard)"))
        // Every post-due message in 2026 shows the fixed compensation, even with no 2026 reference rate.
        for message in levels {
            #expect(message.text.contains("Une indemnité forfaitaire pour frais de recouvrement de 40,00\u{00A0}€ est due (article D441-5 du Code de commerce)"))
            #expect(message.text.contains("Des pénalités de retard au taux légal sont également dues"))
        }
        let gentle = messages.filter { $0.invoice == "E-2" }
        #expect(gentle.map(\.step) == ["due", "first", "final"])
        #expect(gentle.first?.subject == "First reminder: invoice E-2 is overdue")  // named "due", sent at due+3
        #expect(gentle.first?.text.contains("is still unpaid (3 days overdue)") == true)
        #expect(gentle.first?.text.contains("today") == false)
        #expect(gentle[1].subject == "Second reminder: invoice E-2 remains unpaid")
        #expect(gentle[2].subject == "Final notice before collection: invoice E-2")
        // Once a day the send log says which half-year has no rate; check says it too.
        let warnings = box.sendLogLines().filter { $0.contains("event=warning") && $0.contains("no ECB reference rate for the half-year starting 2026-07-01") }
        #expect(warnings.count == 75, "\(warnings.count)")  // 26 October 2026 to 8 January 2027: once a day
        #expect(Set(warnings.map { $0.prefix(10) }).count == warnings.count)
        let check = try box.run(["check", "--now", "2026-12-01T12:00:00+01:00"])
        #expect(check.status == 0)
        #expect(check.stdout.contains("warning: no ECB reference rate for the half-year starting 2026-07-01: late-payment interest is not computed"))
        // status says which half-year has no rate.
        let status = try box.run(["status", "E-1", "--now", "2026-12-20T12:00:00+01:00"])
        #expect(status.stdout.contains("no ECB reference rate for the half-year starting 2026-07-01"), "\(status.stdout)")
    }

    @Test("an invoice arriving 40 days overdue: first the first post-due level, then the others with their spacing; never 'missed while down'")
    func arrivesOverdue() throws {
        let box = try Sandbox(minGapDays: 0)
        try box.drop("L-1.json", Sandbox.invoice(id: "L-1", issued: "2026-09-01", due: "2026-10-01", customer: "C-L", email: "ap@l.example",
                                                 language: "de"))
        try runDaily(box, from: "2026-11-10", to: "2026-12-10")
        let messages = try box.readMessages()
        #expect(messages.map(\.step) == ["first", "second", "final"])
        #expect(messages.first?.sentOn == "2026-11-10")
        #expect(messages.first?.subject == "1. Mahnung: Rechnung L-1 ist überfällig")
        #expect(messages.first?.text.contains("trotz") == false)  // no "despite our reminders" in a first message
        #expect(messages.first?.text.contains("Inkasso") == false)
        // The policy's spacing from the actual sends: second 8 days after first, final 15 after second.
        #expect(messages.map(\.sentOn) == ["2026-11-10", "2026-11-18", "2026-12-03"])
        #expect(messages[1].subject == "2. Mahnung: Rechnung L-1 weiterhin offen")
        #expect(messages[2].subject == "Letzte Mahnung: Rechnung L-1")
        let log = box.sendLogLines()
        #expect(!log.contains { $0.contains("missed while down") })
        #expect(log.contains { $0.contains("event=cancelled invoice=L-1 step=courtesy") && $0.contains("arrived 40 days overdue") })
        #expect(log.contains { $0.contains("event=cancelled invoice=L-1 step=due") && $0.contains("overtaken by the reminder first") })
        #expect(log.contains { $0.contains("event=planned invoice=L-1 step=second date=2026-11-18") && $0.contains("arrived 40 days overdue") })
    }

    @Test("after a real downtime the chase continues with the next level not yet sent, and the log says relance was down")
    func downtime() throws {
        let box = try Sandbox(minGapDays: 0)
        try box.drop("D-1.json", Sandbox.invoice(id: "D-1", issued: "2026-10-01", terms: "net 30", customer: "C-D", email: "ap@d.example",
                                                 language: "en"))
        try runDaily(box, from: "2026-10-20", to: "2026-11-03")
        // relance is down from 3 November to 10 December.
        try runDaily(box, from: "2026-12-10", to: "2026-12-31")
        let messages = try box.readMessages()
        #expect(messages.map(\.step) == ["courtesy", "due", "first", "second"])
        #expect(messages.map(\.sentOn) == ["2026-10-26", "2026-11-02", "2026-12-10", "2026-12-18"])
        #expect(messages[2].subject == "First reminder: invoice D-1 is overdue")
        #expect(messages[3].subject == "Second reminder: invoice D-1 remains unpaid")
        let log = box.sendLogLines()
        #expect(log.contains { $0.contains("event=planned invoice=D-1 step=final date=2027-01-04") })
        #expect(log.contains { $0.contains("event=planned invoice=D-1 step=second")
            && $0.contains("missed while down: relance was not running from 2026-11-03T09:45:00+01:00 to 2026-12-10T09:45:00+01:00") })
    }

    @Test("an overdue invoice dropped at 03:00 on a Sunday waits for Monday's send window")
    func sundayNight() throws {
        let box = try Sandbox(minGapDays: 0, schedule: #"send_until = "18:00""#)
        try box.drop("S-1.json", Sandbox.invoice(id: "S-1", issued: "2026-10-01", due: "2026-11-05", customer: "C-S", email: "ap@s.example"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-15T03:00:00+01:00"]).status == 0)
        #expect(try box.readMessages().isEmpty)
        #expect(box.sendLogLines().contains { $0.contains("event=ingested invoice=S-1") })
        // Monday before the window, then after it closes: still nothing.
        #expect(try box.run(["run", "--once", "--now", "2026-11-16T08:00:00+01:00"]).status == 0)
        #expect(try box.readMessages().isEmpty)
        #expect(try box.run(["run", "--once", "--now", "2026-11-16T19:00:00+01:00"]).status == 0)
        #expect(try box.readMessages().isEmpty)
        #expect(try box.run(["run", "--once", "--now", "2026-11-17T09:31:00+01:00"]).status == 0)
        let sent = try box.readMessages()
        #expect(sent.map(\.step) == ["first"])
        #expect(sent.first?.sentOn == "2026-11-17")
    }

    @Test("with the reference rate of the half-year, the interest to date is stated with its rate and legal basis")
    func interestWithRate() throws {
        let box = try Sandbox(minGapDays: 0, lateCharges: """
            rates_file = "rates.toml"
            refresh_days = 0
            """)
        // A rate file as `relance rates update` writes one (the value here is test data, not a published rate).
        try #"""
            [ECB]
            "2026-07-01" = "2.15"
            """#.write(toFile: box.root + "/rates.toml", atomically: true, encoding: .utf8)
        try box.drop("R-1.json", Sandbox.invoice(id: "R-1", issued: "2026-10-02", due: "2026-11-02", total: "4800.00", customer: "C-R",
                                                 email: "ap@r.example"))
        try runDaily(box, from: "2026-11-09", to: "2026-11-09")
        let first = try #require(try box.readMessages().first { $0.step == "first" })
        // 4 800.00 € × 12.15 % × 7 / 365 = 11.18 €
        #expect(first.text.contains("Des pénalités de retard de 11,18\u{00A0}€ sont dues à ce jour (taux annuel de 12,15 %, article L441-10 du Code de commerce)"))
        #expect(first.text.contains("indemnité forfaitaire pour frais de recouvrement de 40,00\u{00A0}€"))
        #expect(!first.text.contains("taux légal sont également"))
    }

    @Test("an invoice stating no due date is chased under the legal 30 days, and the message says so")
    func statutoryTerm() throws {
        let box = try Sandbox(minGapDays: 0)
        try box.drop("N-1.json", #"""
            {"id": "N-1", "issueDate": "2026-10-12", "currency": "EUR", "total": "700.00",
             "customer": {"id": "C-N", "name": "Client N", "email": "ap@n.example"}}
            """#)
        try runDaily(box, from: "2026-11-04", to: "2026-11-11")
        let messages = try box.readMessages()
        #expect(messages.map(\.step) == ["courtesy"])  // due 11 November (a holiday), courtesy on 4 November
        #expect(messages.first?.text.contains("La facture ne précisant pas d'échéance, elle est payable à 30 jours, le délai légal (article L441-10 du Code de commerce).") == true)
        let status = try (try box.run(["status", "N-1", "--json", "--now", "2026-11-05T12:00:00+01:00"])).json()
        #expect((status["invoices"] as? [[String: Any]])?.first?["dueDate"] as? String == "2026-11-11")
    }

    @Test("a real XRechnung e-invoice that states no due date is taken in under the legal term, not rejected",
          .enabled(if: FileManager.default.fileExists(atPath: TruthfulMessagesTests.corpus)))
    func eInvoiceWithoutDueDate() throws {
        let box = try Sandbox(minGapDays: 0)
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.corpus + "/01.06a-INVOICE_ubl.xml"))
        try data.write(to: URL(fileURLWithPath: box.inbox + "/01.06a.xml"))
        #expect(try box.run(["run", "--once", "--now", "2026-12-01T10:00:00+01:00"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: box.rejected + "/01.06a.xml"))
        let status = try (try box.run(["status", "--all", "--json", "--now", "2026-12-01T10:00:00+01:00"])).json()
        let invoice = try #require((status["invoices"] as? [[String: Any]])?.first)
        // Issued 6 July 2016, no due date, terms in words relance does not read: 30 days.
        #expect(invoice["dueDate"] as? String == "2016-08-05")
        #expect(box.sendLogLines().contains { $0.contains("event=ingested") && $0.contains("file=01.06a.xml") })
    }

    static let corpus = Corpus.path("einvoices/xrechnung")

    @Test("a small leftover balance is reported, never chased; a partial payment shows total, payments and balance")
    func balances() throws {
        let box = try Sandbox(minGapDays: 0, schedule: #"min_balance = { EUR = "50.00" }"#)
        try box.drop("B-1.json", Sandbox.invoice(id: "B-1", issued: "2026-10-02", due: "2026-11-02", customer: "C-B", email: "ap@b.example"))
        try box.drop("B-2.json", Sandbox.invoice(id: "B-2", issued: "2026-10-02", due: "2026-11-02", total: "4800.00", customer: "C-B2",
                                                 email: "ap@b2.example", language: "de"))
        #expect(try box.run(["run", "--once", "--now", "2026-10-05T10:00:00+01:00"]).status == 0)
        #expect(try box.run(["paid", "B-1", "--amount", "970.00", "--date", "2026-10-30", "--now", "2026-10-30T12:00:00+01:00"]).status == 0)
        #expect(try box.run(["paid", "B-2", "--amount", "800.00", "--date", "2026-10-30", "--now", "2026-10-30T12:00:00+01:00"]).status == 0)
        try runDaily(box, from: "2026-11-02", to: "2026-12-10")
        let messages = try box.readMessages()
        #expect(!messages.contains { $0.invoice == "B-1" })
        #expect(box.sendLogLines().contains { $0.contains("event=cancelled invoice=B-1") && $0.contains("below min_balance") })
        let status = try box.run(["status", "B-1", "--json", "--now", "2026-12-10T12:00:00+01:00"])
        let b1 = try #require((try status.json()["invoices"] as? [[String: Any]])?.first)
        #expect(b1["amountDue"] as? String == "30.00")
        let due = try #require(messages.first { $0.invoice == "B-2" && $0.step == "due" })
        #expect(due.text.contains("über 4.800,00\u{00A0}€"))  // the invoice's amount; the balance is stated apart
        #expect(due.text.contains("Rechnungsbetrag: 4.800,00\u{00A0}€"))
        #expect(due.text.contains("Zahlung erhalten am 30. Oktober 2026: 800,00\u{00A0}€"))
        #expect(due.text.contains("Offener Betrag: 4.000,00\u{00A0}€"))
    }

    @Test("preview runs the very checks pickup runs: an attachment leading out of the folder is refused by both")
    func previewEqualsPickup() throws {
        let box = try Sandbox(minGapDays: 0)
        let text = #"""
            {"id": "P-1", "issueDate": "2026-10-02", "dueDate": "2026-11-02", "currency": "EUR", "total": "10.00",
             "customer": {"id": "C-P", "name": "Client P", "email": "ap@p.example"}, "attachment": "../secret.pdf"}
            """#
        try "x".write(toFile: box.root + "/secret.pdf", atomically: true, encoding: .utf8)
        let path = try box.drop("P-1.json", text)
        let preview = try box.run(["preview", path])
        #expect(preview.status == 2)
        #expect(try box.run(["run", "--once", "--now", "2026-10-05T10:00:00+01:00"]).status == 0)
        let reason = try String(contentsOfFile: box.rejected + "/P-1.json.reason", encoding: .utf8)
        #expect(reason.contains("leads outside the inbox"))
        #expect(preview.stdout.contains("leads outside the inbox"), "\(preview.stdout)")
    }
}
