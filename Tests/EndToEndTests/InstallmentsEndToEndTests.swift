import Foundation
import RelanceTestSupport
import Testing

/// Payment plans through the binary: the customer gets the schedule, each instalment its own
/// reminders, a payment goes to the oldest open instalment, and a missed one, past its grace
/// period, breaks the plan: the chase resumes on the whole balance and says so.
@Suite("payment plans", .ownThread, .serialized)
struct InstallmentsEndToEndTests {
    static func sent(_ box: Sandbox, step: String) -> [String] {
        box.sendLogLines().filter { $0.contains("event=sent") && $0.contains("step=\(step) ") }
    }

    /// The text with its no-break spaces (before € and inside amounts) as plain spaces.
    static func plain(_ text: String) -> String {
        text.replacingOccurrences(of: "\u{202F}", with: " ").replacingOccurrences(of: "\u{00A0}", with: " ")
    }

    static func status(_ box: Sandbox, _ id: String, at now: String) throws -> [String: Any] {
        try #require(((try box.run(["status", id, "--json", "--now", now]).json())["invoices"] as? [[String: Any]])?.first)
    }

    @Test("a three-part plan: schedule, instalment reminders, allocation, and a missed instalment that resumes the chase")
    func threePartPlan() throws {
        let box = try Sandbox(extra: "[people]\nplan_grace_days = 3\nplan_reminder_days = 3\ncontroller = \"jeanne@atelier-dupont.example\"\ndigest_time = \"08:30\"")
        try box.drop("pl.json", Sandbox.invoice(id: "PL-1", issued: "2026-10-02", due: "2026-11-02", total: "900.00", customer: "C-PL", email: "ap@pl.example"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"]).status == 0)
        #expect(Self.sent(box, step: "due").count == 1)

        // Refused as asked: amounts that do not add up, a first date already past.
        let wrong = try box.run(["installments", "PL-1", "--parts", "3", "--first", "2026-11-16", "--amounts", "300,300,200", "--now", "2026-11-04T15:00:00+01:00"])
        #expect(wrong.status == 1 && wrong.stderr.contains("add up to 800.00 EUR, the balance is 900.00 EUR"), "\(wrong.stderr)")
        let past = try box.run(["installments", "PL-1", "--parts", "3", "--first", "2026-11-01", "--now", "2026-11-04T15:00:00+01:00"])
        #expect(past.status == 1 && past.stderr.contains("already past"))

        let agreed = try box.run(["installments", "PL-1", "--parts", "3", "--first", "2026-11-16", "--every", "14", "--note", "accord téléphonique",
                                  "--now", "2026-11-04T15:00:00+01:00"])
        #expect(agreed.status == 0, "\(agreed.stderr)")
        #expect(agreed.stdout.contains("3 instalments of 900.00 EUR") && agreed.stdout.contains("3. 2026-12-14  300.00 EUR"), "\(agreed.stdout)")
        let again = try box.run(["installments", "PL-1", "--parts", "2", "--first", "2026-11-20", "--now", "2026-11-04T16:00:00+01:00"])
        #expect(again.status == 1 && again.stderr.contains("already has payment plan"))
        #expect(box.sendLogLines().contains { $0.contains("event=plan invoice=PL-1") && $0.contains("result=agreed") && $0.contains("parts=3") })

        // The schedule goes at the next send slot; the policy's "first" (due+7, 9 November) does not go while the plan runs.
        #expect(try box.run(["run", "--once", "--now", "2026-11-05T10:00:00+01:00"]).status == 0)
        let schedule = try #require(try box.readMessages().first { $0.step == "plan-1" })
        #expect(schedule.subject.contains("échéancier"), "\(schedule.subject)")
        #expect(Self.plain(schedule.text).contains("en 3 échéances") && Self.plain(schedule.text).contains("Échéance 1 : 300,00 € au plus tard le 16 novembre 2026")
                && Self.plain(schedule.text).contains("Échéance 3 : 300,00 € au plus tard le 14 décembre 2026"), "\(schedule.text)")
        #expect(try box.run(["run", "--once", "--now", "2026-11-09T10:00:00+01:00"]).status == 0)
        #expect(Self.sent(box, step: "first").isEmpty)
        #expect(try Self.status(box, "PL-1", at: "2026-11-09T12:00:00+01:00")["state"] as? String == "on-plan")

        // Three days before the first instalment (Friday 13 November), its reminder.
        #expect(try box.run(["run", "--once", "--now", "2026-11-13T10:00:00+01:00"]).status == 0)
        let before = try #require(try box.readMessages().first { $0.step == "plan-1-1-before" })
        #expect(Self.plain(before.text).contains("l'échéance 1 sur 3, d'un montant de 300,00 €, est à régler le lundi 16 novembre 2026"), "\(before.text)")
        // Paid on its day: the part is settled and its due-day reminder no longer goes.
        #expect(try box.run(["paid", "PL-1", "--amount", "300", "--date", "2026-11-16", "--now", "2026-11-16T08:00:00+01:00"]).status == 0)
        #expect(try box.run(["run", "--once", "--now", "2026-11-16T10:00:00+01:00"]).status == 0)
        #expect(Self.sent(box, step: "plan-1-1-due").isEmpty)
        let onPlan = try Self.status(box, "PL-1", at: "2026-11-16T12:00:00+01:00")
        let plan = try #require((onPlan["plans"] as? [[String: Any]])?.first)
        let parts = try #require(plan["installments"] as? [[String: Any]])
        #expect(plan["state"] as? String == "active" && parts.map { $0["state"] as? String } == ["paid", "open", "open"], "\(plan)")
        #expect(parts[0]["paid"] as? String == "300.00" && onPlan["amountDue"] as? String == "600.00")
        let text = try box.run(["status", "PL-1", "--now", "2026-11-16T12:00:00+01:00"])
        #expect(text.stdout.contains("payment plan 1, agreed 2026-11-04, active") && text.stdout.contains("1. 2026-11-16  300.00 EUR  paid"), "\(text.stdout)")

        // The second instalment: its reminder before, and on the day; then it is not paid.
        #expect(try box.run(["run", "--once", "--now", "2026-11-27T10:00:00+01:00"]).status == 0)
        #expect(Self.sent(box, step: "plan-1-2-before").count == 1)
        #expect(try box.run(["run", "--once", "--now", "2026-11-30T10:00:00+01:00"]).status == 0)
        // The controller's digest of that morning lists the instalment due today.
        let morning = try #require(try box.readMessages().first { $0.subject.hasPrefix("relance 2026-11-30") })
        #expect(Self.plain(morning.text).contains("Instalments due today and plans broken (1)") && Self.plain(morning.text).contains("instalment 2 of 3: 300.00 EUR due today"),
                "\(morning.text)")
        let due = try #require(try box.readMessages().first { $0.step == "plan-1-2-due" })
        #expect(Self.plain(due.text).contains("L'échéance 2 sur 3 de notre échéancier, d'un montant de 300,00 €, est à régler aujourd'hui."), "\(due.text)")
        #expect(Self.plain(due.text).contains("(reçue, merci)"), "the schedule shows the first part received")
        // Within the three days' grace the plan holds; on the fourth day it is broken and the chase resumes with "first", on 600.00.
        #expect(try box.run(["run", "--once", "--now", "2026-12-03T10:00:00+01:00"]).status == 0)
        #expect(!box.sendLogLines().contains { $0.contains("result=broken") })
        #expect(try box.run(["run", "--once", "--now", "2026-12-04T10:00:00+01:00"]).status == 0)
        let log = box.sendLogLines()
        #expect(log.contains { $0.contains("event=plan invoice=PL-1") && $0.contains("result=broken") && $0.contains("part=2") }, "\(log)")
        #expect(log.contains { $0.contains("event=resumed invoice=PL-1") && $0.contains("payment plan 1 broken") })
        let first = try #require(try box.readMessages().first { $0.invoice == "PL-1" && $0.step == "first" })
        #expect(Self.plain(first.text).contains("L'échéancier convenu le 4 novembre 2026 n'a pas été respecté : l'échéance n° 2 de 300,00 €, due le 30 novembre 2026, n'a pas été réglée."),
                "\(first.text)")
        #expect(Self.plain(first.text).contains("600,00"))
        #expect(Self.sent(box, step: "plan-1-3-before").isEmpty && Self.sent(box, step: "plan-1-3-due").isEmpty)
        // The next morning's digest says the plan broke.
        #expect(try box.run(["run", "--once", "--now", "2026-12-05T08:45:00+01:00"]).status == 0)
        let next = try #require(try box.readMessages().first { $0.subject.hasPrefix("relance 2026-12-05") })
        #expect(next.text.contains("payment plan 1 broken (instalment 2 unpaid)"), "\(next.text)")
        // The broken plan counts as a broken promise in the customer's record (and so in [[policy_rules]]).
        let report = try box.run(["report", "--json", "--now", "2026-12-04T12:00:00+01:00"]).json()
        let customer = try #require((report["customers"] as? [[String: Any]])?.first { $0["id"] as? String == "id:C-PL" })
        #expect(customer["promisesMade"] as? Int == 1 && customer["promisesKept"] as? Int == 0, "\(customer)")
        let broken = try Self.status(box, "PL-1", at: "2026-12-04T12:00:00+01:00")
        #expect((broken["plans"] as? [[String: Any]])?.first?["state"] as? String == "broken" && broken["state"] as? String == "planned")
    }

    @Test("a cancelled plan gives the chase back to the policy")
    func cancelled() throws {
        let box = try Sandbox(minGapDays: 0)
        try box.drop("pc.json", Sandbox.invoice(id: "PC-1", issued: "2026-10-02", due: "2026-11-02", total: "100.01", customer: "C-PC", email: "ap@pc.example"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-04T10:00:00+01:00"]).status == 0)
        // A promise made before the plan gives way to it: neither kept nor broken.
        #expect(try box.run(["promise", "PC-1", "--date", "2026-11-06", "--now", "2026-11-04T12:00:00+01:00"]).status == 0)
        let agreed = try box.run(["installments", "PC-1", "--dates", "2026-11-20,2026-12-20", "--now", "2026-11-04T15:00:00+01:00"])
        // The cent that does not divide goes to the last part.
        #expect(agreed.status == 0 && agreed.stdout.contains("1. 2026-11-20  50.00 EUR") && agreed.stdout.contains("2. 2026-12-20  50.01 EUR"), "\(agreed.stdout)\(agreed.stderr)")
        let cancel = try box.run(["installments", "PC-1", "--cancel", "--now", "2026-11-04T16:00:00+01:00"])
        #expect(cancel.status == 0, "\(cancel.stderr)")
        #expect(box.sendLogLines().contains { $0.contains("event=plan invoice=PC-1") && $0.contains("result=cancelled") })
        #expect(try box.run(["run", "--once", "--now", "2026-11-09T10:00:00+01:00"]).status == 0)
        #expect(Self.sent(box, step: "plan-1").isEmpty, "the schedule of a cancelled plan does not go")
        #expect(Self.sent(box, step: "first").count == 1)
        #expect(box.sendLogLines().contains { $0.contains("event=promise invoice=PC-1") && $0.contains("result=superseded") })
        #expect(!box.sendLogLines().contains { $0.contains("event=promise invoice=PC-1") && $0.contains("result=broken") }, "the 6th passed: no verdict")
        // The plan was agreed on the 4th, after the "due" reminder went that morning (due on Monday the 2nd, ingested late).
        #expect(Self.sent(box, step: "due").count == 1)
    }
}
