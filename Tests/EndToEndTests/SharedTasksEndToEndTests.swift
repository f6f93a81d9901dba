import Foundation
import RelanceTestSupport
import Testing

/// A policy's `call` step on a shared PostgreSQL store, through the binary: the instance whose pass
/// reaches the step sets the task under the store's own id, the steps after it wait for it, and a
/// person lists and closes it from another instance, the outcome moving the chase in the shared store.
@Suite("a person's tasks on a shared PostgreSQL store", .ownThread, .serialized, .enabled(if: PSQL.available && TestServer.pythonAvailable))
struct SharedTasksEndToEndTests {
    @Test("a call step sets a task under the store's id; the next step waits; no-answer sets it again; a promise pauses the chase and is kept in the store")
    func callTask() throws {
        let (store, scratch, smtp) = try SharedPaymentsEndToEndTests.servers()
        defer { withExtendedLifetime(scratch) {} }
        let a = try Sandbox.sharedInstance("paris", storePort: store.port, smtpPort: smtp.port, extra: TasksEndToEndTests.policy)
        let b = try Sandbox.sharedInstance("lyon", storePort: store.port, smtpPort: smtp.port, extra: TasksEndToEndTests.policy)
        try a.drop("t.json", Sandbox.invoice(id: "T-1", issued: "2026-10-02", due: "2026-11-02", total: "900.00", customer: "C-T", email: "ap@t.example"))
        let due = try a.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"])
        #expect(due.status == 0, "a call step no longer stops the shared daemon: \(due.stderr)")
        #expect(TasksEndToEndTests.sent(a, step: "due").count == 1)

        // Monday 9 November: the call (due+5, a Saturday) is set, and "first" (due+7) waits for it.
        let monday = try b.run(["run", "--once", "--now", "2026-11-09T10:00:00+01:00"])
        #expect(monday.status == 0, "\(monday.stderr)")
        #expect(TasksEndToEndTests.sent(b, step: "first").isEmpty, "the step after the call waits for it")
        let line = try #require(b.sendLogLines().first { $0.contains("event=task invoice=T-1") && $0.contains("owner=jeanne") }, "\(b.sendLogLines())")
        let id = try PSQL.run(port: store.port, "SELECT id FROM tasks WHERE invoice_id = 'T-1' AND step = 'call' AND state = 'open'")
        #expect(line.contains(" task=\(id) "), "the send log names the shared store's task: \(line)")
        #expect(try PSQL.run(port: store.port, "SELECT state, local_date FROM reminders WHERE invoice_id = 'T-1' AND step = 'first'") == "planned|2026-11-13")

        // The other instance lists it, with its script.
        let listed = try a.run(["tasks", "--due", "--json", "--now", "2026-11-09T12:00:00+01:00"]).json()
        let task = try #require((listed["tasks"] as? [[String: Any]])?.first)
        #expect(task["id"] as? Int == Int(id) && task["invoice"] as? String == "T-1" && task["owner"] as? String == "jeanne")
        #expect((task["script"] as? [String])?.contains { $0.contains("Ask why it is not paid yet") } == true)

        // Nobody answered: set again for the next sending day (11 November is a public holiday), still open.
        let noAnswer = try a.run(["task", "done", id, "--outcome", "no-answer", "--now", "2026-11-10T11:00:00+01:00"])
        #expect(noAnswer.status == 0 && noAnswer.stdout.contains("set again for 2026-11-12"), "\(noAnswer.stdout)\(noAnswer.stderr)")
        #expect(try PSQL.run(port: store.port, "SELECT state, due_date, attempts FROM tasks WHERE id = \(id)") == "open|2026-11-12|2")
        // A promise by phone: the chase paused in the shared store, the promise kept there to be judged.
        let promise = try b.run(["task", "done", id, "--outcome", "promise", "--date", "2026-11-20", "--note", "virement le 20",
                                 "--now", "2026-11-11T11:00:00+01:00"])
        #expect(promise.status == 0 && promise.stdout.contains("paused until 2026-11-21"), "\(promise.stdout)\(promise.stderr)")
        #expect(try PSQL.run(port: store.port, "SELECT state, outcome, outcome_date FROM tasks WHERE id = \(id)") == "done|promise|2026-11-20")
        #expect(try PSQL.run(port: store.port, "SELECT paused_until FROM invoices WHERE id = 'T-1'") == "2026-11-21")
        #expect(try PSQL.run(port: store.port, "SELECT promised_for, source, state FROM promises WHERE invoice_id = 'T-1'") == "2026-11-20|call|pending")
        #expect(try a.run(["tasks", "--now", "2026-11-11T12:00:00+01:00"]).stdout.contains("no open task"))

        // Paused until the day after the promise: nothing on the 13th, the next level on Monday the 23rd, from either instance.
        #expect(try a.run(["run", "--once", "--now", "2026-11-13T10:00:00+01:00"]).status == 0)
        #expect(TasksEndToEndTests.sent(a, step: "first").isEmpty)
        #expect(try a.run(["run", "--once", "--now", "2026-11-23T10:00:00+01:00"]).status == 0)
        #expect(TasksEndToEndTests.sent(a, step: "first").count == 1, "\(a.sendLogLines().suffix(6))")
    }
}
