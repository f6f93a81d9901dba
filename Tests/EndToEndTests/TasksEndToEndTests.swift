import Foundation
import RelanceTestSupport
import Testing

/// Issue 15's first part through the binary: a `call` step becomes a task for a person, holds the
/// steps after it, and its outcome moves the chase.
@Suite("tasks: calls for a person to make", .ownThread, .serialized)
struct TasksEndToEndTests {
    static let policy = """
        [people]
        controller = "jeanne"
        task_grace_days = 3

        [[policies]]
        name = "calls"
        steps = [
          { name = "due", at = "due" },
          { name = "call", at = "due+5", kind = "call" },
          { name = "first", at = "due+7" },
        ]

        [customers.C-T]
        policy = "calls"
        """

    static func sent(_ box: Sandbox, step: String) -> [String] {
        box.sendLogLines().filter { $0.contains("event=sent") && $0.contains("step=\(step) ") }
    }

    @Test("a call step sets a task with its script; the next step waits; no-answer sets it again; a promise pauses the chase")
    func callTask() throws {
        let box = try Sandbox(minGapDays: 0, extra: Self.policy)
        try box.drop("t.json", Sandbox.invoice(id: "T-1", issued: "2026-10-02", due: "2026-11-02", total: "900.00", customer: "C-T", email: "ap@t.example"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"]).status == 0)
        #expect(Self.sent(box, step: "due").count == 1)
        // due+5 is Saturday 7 November: the call is set on Monday the 9th, when "first" (due+7) is also due.
        let monday = try box.run(["run", "--once", "--now", "2026-11-09T10:00:00+01:00"])
        #expect(monday.status == 0, "\(monday.stderr)")
        #expect(Self.sent(box, step: "first").isEmpty, "the step after the call waits for it")
        #expect(box.sendLogLines().contains { $0.contains("event=task invoice=T-1") && $0.contains("owner=jeanne") })
        #expect(box.sendLogLines().contains { $0.contains("event=planned invoice=T-1 step=first date=2026-11-13") && $0.contains("waiting for task") })

        let listed = try box.run(["tasks", "--due", "--json", "--now", "2026-11-09T12:00:00+01:00"]).json()
        let task = try #require((listed["tasks"] as? [[String: Any]])?.first)
        #expect(task["invoice"] as? String == "T-1" && task["owner"] as? String == "jeanne" && task["daysLate"] as? Int == 7)
        #expect((task["script"] as? [String])?.contains { $0.contains("Ask why it is not paid yet") } == true)
        let id = try #require(task["id"] as? Int)
        let text = try box.run(["tasks", "--now", "2026-11-09T12:00:00+01:00"])
        #expect(text.stdout.contains("task \(id)") && text.stdout.contains("relance task done \(id)"))
        let status = try box.run(["status", "T-1", "--now", "2026-11-09T12:00:00+01:00"])
        #expect(status.stdout.contains("task \(id) (call)"))

        // Nobody answered: the task is set again for the next sending day, still open.
        let noAnswer = try box.run(["task", "done", String(id), "--outcome", "no-answer", "--now", "2026-11-10T11:00:00+01:00"])
        #expect(noAnswer.status == 0 && noAnswer.stdout.contains("set again for 2026-11-12"), "11 November is a public holiday: \(noAnswer.stdout)\(noAnswer.stderr)")
        // A promise needs its date.
        let undated = try box.run(["task", "done", String(id), "--outcome", "promise", "--now", "2026-11-11T11:00:00+01:00"])
        #expect(undated.status == 1 && undated.stderr.contains("needs its date"))
        let promise = try box.run(["task", "done", String(id), "--outcome", "promise", "--date", "2026-11-20", "--note", "virement le 20", "--confirm",
                                   "--now", "2026-11-11T11:00:00+01:00"])
        #expect(promise.status == 0 && promise.stdout.contains("paused until 2026-11-21"), "\(promise.stdout)\(promise.stderr)")
        let again = try box.run(["task", "done", String(id), "--outcome", "other", "--now", "2026-11-11T11:05:00+01:00"])
        #expect(again.status == 1 && again.stderr.contains("already done"))
        #expect(try box.run(["tasks", "--json", "--now", "2026-11-11T12:00:00+01:00"]).json()["tasks"] as? [Any] == nil
            || ((try box.run(["tasks", "--json", "--now", "2026-11-11T12:00:00+01:00"]).json()["tasks"] as? [Any])?.isEmpty ?? false))

        // Paused until the day after the promise: nothing on the 13th, the next level on Monday the 23rd.
        #expect(try box.run(["run", "--once", "--now", "2026-11-13T10:00:00+01:00"]).status == 0)
        #expect(Self.sent(box, step: "first").isEmpty)
        // …but the confirmation of the promise goes, while the chase waits for it.
        let confirmation = try #require(try box.readMessages().first { $0.step == "call-\(id)-confirmation" })
        #expect(confirmation.text.contains("Comme convenu, vous la réglerez au plus tard le 20 novembre 2026"), "\(confirmation.text)")
        #expect(try box.run(["run", "--once", "--now", "2026-11-23T10:00:00+01:00"]).status == 0)
        #expect(Self.sent(box, step: "first").count == 1, "\(box.sendLogLines().suffix(6))")
        #expect(box.sendLogLines().contains { $0.contains("event=task invoice=T-1") && $0.contains("outcome=promise") && $0.contains("note=\"virement le 20\"") })
    }

    @Test("a task step with its own text sets a task for a person that says what to do, and sends nothing")
    func ownTask() throws {
        let box = try Sandbox(minGapDays: 0, extra: """
            [people]
            controller = "jeanne"

            [[policies]]
            name = "visit"
            steps = [
              { name = "due", at = "due" },
              { name = "warehouse", at = "due+3", kind = "task", text = "Check the signed delivery note with the warehouse" },
              { name = "first", at = "due+7" },
            ]

            [customers.C-V]
            policy = "visit"
            """)
        try box.drop("v.json", Sandbox.invoice(id: "V-1", issued: "2026-10-02", due: "2026-11-02", customer: "C-V", email: "ap@v.example"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"]).status == 0)
        #expect(try box.run(["run", "--once", "--now", "2026-11-05T10:00:00+01:00"]).status == 0)
        #expect(!box.sendLogLines().contains { $0.contains("event=sent") && $0.contains("step=warehouse") })
        #expect(box.sendLogLines().contains { $0.contains("event=task invoice=V-1") && $0.contains("Check the signed delivery note") })
        let task = try #require((try box.run(["tasks", "--json", "--now", "2026-11-05T12:00:00+01:00"]).json()["tasks"] as? [[String: Any]])?.first)
        #expect(task["purpose"] as? String == "task" && task["kind"] as? String == "task")
        #expect((task["script"] as? [String])?.contains("To do: Check the signed delivery note with the warehouse") == true, "\(task)")
    }

    @Test("a dispute on the call stops the chase; paid asks for the payment to be recorded")
    func disputeAndPaid() throws {
        let box = try Sandbox(minGapDays: 0, extra: Self.policy)
        try box.drop("a.json", Sandbox.invoice(id: "T-A", issued: "2026-10-02", due: "2026-11-02", customer: "C-T", email: "ap@t.example"))
        try box.drop("b.json", Sandbox.invoice(id: "T-B", issued: "2026-10-02", due: "2026-11-02", customer: "C-T", email: "ap@t.example"))
        for day in ["2026-11-02", "2026-11-09"] { #expect(try box.run(["run", "--once", "--now", "\(day)T10:00:00+01:00"]).status == 0) }
        let tasks = try #require(try box.run(["tasks", "--json", "--now", "2026-11-09T12:00:00+01:00"]).json()["tasks"] as? [[String: Any]])
        #expect(tasks.count == 2)
        let ids = Dictionary(uniqueKeysWithValues: tasks.compactMap { task in (task["invoice"] as? String).map { ($0, task["id"] as? Int ?? 0) } })
        // Only what agrees something can be confirmed to the customer.
        let unanswered = try box.run(["task", "done", String(ids["T-A"] ?? 0), "--outcome", "no-answer", "--confirm", "--now", "2026-11-09T15:00:00+01:00"])
        #expect(unanswered.status == 1 && unanswered.stderr.contains("not no-answer"), "\(unanswered.stderr)")
        let dispute = try box.run(["task", "done", String(ids["T-A"] ?? 0), "--outcome", "dispute", "--note", "livraison incomplète", "--confirm",
                                   "--now", "2026-11-09T15:00:00+01:00"])
        #expect(dispute.status == 0 && dispute.stdout.contains("stops") && dispute.stdout.contains("written what was agreed"), "\(dispute.stdout)")
        let paid = try box.run(["task", "done", String(ids["T-B"] ?? 0), "--outcome", "paid", "--confirm", "--now", "2026-11-09T15:00:00+01:00"])
        #expect(paid.status == 0 && paid.stdout.contains("relance paid T-B"))
        // The confirmations go at the next slot, each alone; the disputed invoice's goes although its chase is paused.
        #expect(try box.run(["run", "--once", "--now", "2026-11-10T10:00:00+01:00"]).status == 0)
        let confirmations = try box.readMessages().filter { $0.step.hasSuffix("-confirmation") }
        #expect(confirmations.count == 2, "\(confirmations.map(\.step))")
        let disputed = try #require(confirmations.first { $0.invoice == "T-A" })
        #expect(disputed.subject.contains("suite à notre appel") && disputed.text.contains("Suite à notre appel du 9 novembre 2026")
                && disputed.text.contains("nous suspendons nos relances"), "\(disputed.subject)\n\(disputed.text)")
        let said = try #require(confirmations.first { $0.invoice == "T-B" })
        #expect(said.text.contains("Vous nous avez indiqué l'avoir réglée"), "\(said.text)")
        #expect(try box.run(["run", "--once", "--now", "2026-11-16T10:00:00+01:00"]).status == 0)
        let first = Self.sent(box, step: "first")
        #expect(!first.contains { $0.contains("invoice=T-A") }, "disputed: no more reminders")
        #expect(first.contains { $0.contains("invoice=T-B") }, "said paid, not recorded: the chase goes on")
        let status = try box.run(["status", "T-B", "--now", "2026-11-16T12:00:00+01:00"])
        #expect(status.stdout.contains("record it with relance paid T-B"))
    }
}

@Suite("the daily digest", .ownThread, .serialized)
struct DigestEndToEndTests {
    @Test("at digest_time the controller gets one email a day: calls, what goes out, promises broken, deliveries in doubt")
    func digest() throws {
        let box = try Sandbox(minGapDays: 0, extra: TasksEndToEndTests.policy.replacingOccurrences(of: #"controller = "jeanne""#,
            with: #"controller = "jeanne@atelier-dupont.example"\#ndigest_time = "08:30""#))
        try box.drop("t.json", Sandbox.invoice(id: "T-1", issued: "2026-10-02", due: "2026-11-02", customer: "C-T", email: "ap@t.example"))
        try box.drop("u.json", Sandbox.invoice(id: "U-1", issued: "2026-10-09", due: "2026-11-09", customer: "C-U", email: "ap@u.example"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"]).status == 0)
        // Before 08:30 nothing; at 08:45 the digest of the 9th: the call set that day is not yet there (the cycle runs first at 09:30).
        #expect(try box.run(["run", "--once", "--now", "2026-11-09T08:00:00+01:00"]).status == 0)
        #expect(try box.readMessages().filter { $0.subject.hasPrefix("relance 2026-11-09") }.isEmpty)
        #expect(try box.run(["run", "--once", "--now", "2026-11-09T09:45:00+01:00"]).status == 0)
        let all = try box.readMessages()
        let digests = all.filter { $0.subject.hasPrefix("relance 2026-11-09") }
        #expect(digests.count == 1, "\(all.map(\.subject))")
        let digest = try #require(digests.first)
        #expect(digest.text.contains("Calls to make today and overdue (1)") && digest.text.contains("T-1"), "\(digest.text)")
        #expect(digest.text.contains("Going out to customers today") && digest.text.contains("U-1"))
        #expect(box.sendLogLines().contains { $0.contains("event=digest") && $0.contains("to=jeanne@atelier-dupont.example") })
        // Once a day.
        #expect(try box.run(["run", "--once", "--now", "2026-11-09T15:00:00+01:00"]).status == 0)
        #expect(try box.readMessages().filter { $0.subject.hasPrefix("relance 2026-11-09") }.count == 1)
        // The next day: the call is overdue.
        #expect(try box.run(["run", "--once", "--now", "2026-11-10T09:00:00+01:00"]).status == 0)
        let next = try #require(try box.readMessages().first { $0.subject.hasPrefix("relance 2026-11-10") })
        #expect(next.text.contains("overdue since 2026-11-09"))
    }
}
