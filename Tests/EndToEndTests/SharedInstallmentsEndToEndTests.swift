import Foundation
import RelanceTestSupport
import Testing

/// Payment plans on a shared PostgreSQL store, through the binary, a private PostgreSQL server and
/// a local SMTP server: a plan agreed from one instance is kept in the shared store under the
/// store's own id, its schedule and instalment reminders go from another, a missed instalment past
/// its grace breaks it once whichever instance judges it, and a plan is cancelled from any
/// instance, as on one machine (InstallmentsEndToEndTests).
@Suite("payment plans on a shared PostgreSQL store", .ownThread, .serialized, .enabled(if: PSQL.available && TestServer.pythonAvailable))
struct SharedInstallmentsEndToEndTests {
    @Test("agreed from one instance, schedule and reminders sent by another, broken once past its grace; a second plan cancelled; ids the store's")
    func planAcrossInstances() throws {
        let (store, scratch, smtp) = try SharedPaymentsEndToEndTests.servers()
        defer { withExtendedLifetime(scratch) {} }
        let settings = "[people]\nplan_grace_days = 3\nplan_reminder_days = 3\n"
        let a = try Sandbox.sharedInstance("paris", storePort: store.port, smtpPort: smtp.port, extra: settings)
        let b = try Sandbox.sharedInstance("lyon", storePort: store.port, smtpPort: smtp.port, extra: settings)
        func run(_ box: Sandbox, _ now: String) throws {
            let round = try box.run(["run", "--once", "--now", now])
            #expect(round.status == 0, "\(now): \(round.stderr)")
        }
        func sent(_ step: String, invoice: String = "PL-1") -> [String] {
            (a.sendLogLines() + b.sendLogLines()).filter {
                $0.contains(" event=sent ") && SendLogLine.field("step", $0) == step && SendLogLine.field("invoice", $0) == invoice
            }
        }
        try a.drop("pl.json", Sandbox.invoice(id: "PL-1", issued: "2026-10-02", due: "2026-11-02", total: "900.00", customer: "C-PL", email: "ap@pl.example"))
        try a.drop("pc.json", Sandbox.invoice(id: "PC-1", issued: "2026-10-02", due: "2026-11-02", total: "400.00", customer: "C-PC", email: "ap@pc.example"))
        try run(a, "2026-11-02T10:00:00+01:00")

        // Agreed from the other instance: refused as on one machine when the amounts do not add up, then agreed.
        let wrong = try b.run(["installments", "PL-1", "--parts", "3", "--first", "2026-11-16", "--amounts", "300,300,200", "--now", "2026-11-04T15:00:00+01:00"])
        #expect(wrong.status == 1 && wrong.stderr.contains("add up to 800.00 EUR, the balance is 900.00 EUR"), "\(wrong.stderr)")
        let agreed = try b.run(["installments", "PL-1", "--parts", "3", "--first", "2026-11-16", "--every", "14", "--now", "2026-11-04T15:00:00+01:00"])
        #expect(agreed.status == 0 && agreed.stdout.contains("payment plan 1 agreed, 3 instalments of 900.00 EUR"), "\(agreed.stdout)\(agreed.stderr)")
        let again = try a.run(["installments", "PL-1", "--parts", "2", "--first", "2026-11-20", "--now", "2026-11-04T16:00:00+01:00"])
        #expect(again.status == 1 && again.stderr.contains("already has payment plan 1"), "\(again.stderr)")
        #expect(try PSQL.run(port: store.port, "SELECT id, state FROM installment_plans") == "1|active")
        #expect(try PSQL.run(port: store.port, "SELECT number, due_date, amount_minor FROM installments ORDER BY number")
            == "1|2026-11-16|30000\n2|2026-11-30|30000\n3|2026-12-14|30000")
        #expect(try PSQL.run(port: store.port, "SELECT COUNT(*) FROM installment_plans WHERE note LIKE ' relance%'") == "0", "the copy's placeholder stays in the copy")

        // A second plan, from the first instance: the store's next id; then cancelled from the other.
        let second = try a.run(["installments", "PC-1", "--dates", "2026-11-20,2026-12-20", "--now", "2026-11-04T16:00:00+01:00"])
        #expect(second.status == 0 && second.stdout.contains("payment plan 2 agreed"), "\(second.stdout)\(second.stderr)")
        let cancelled = try b.run(["installments", "PC-1", "--cancel", "--now", "2026-11-04T17:00:00+01:00"])
        #expect(cancelled.status == 0 && cancelled.stdout.contains("payment plan cancelled"), "\(cancelled.stdout)\(cancelled.stderr)")
        #expect(try PSQL.run(port: store.port, "SELECT id, state FROM installment_plans ORDER BY id") == "1|active\n2|cancelled")

        // The schedule goes from the instance that did not agree it; the policy's steps wait while the plan runs.
        try run(a, "2026-11-05T10:00:00+01:00")
        #expect(sent("plan-1").count == 1, "\(a.sendLogLines())")
        try run(b, "2026-11-13T10:00:00+01:00")
        #expect(sent("plan-1-1-before").count == 1)
        let paid = try a.run(["paid", "PL-1", "--amount", "300", "--date", "2026-11-16", "--now", "2026-11-16T08:00:00+01:00"])
        #expect(paid.status == 0, "\(paid.stderr)")
        try run(b, "2026-11-16T10:00:00+01:00")
        #expect(sent("plan-1-1-due").isEmpty)
        // The second instalment is not paid: within the grace the plan holds, the fourth day it breaks, once.
        try run(a, "2026-12-03T10:00:00+01:00")
        #expect(!(a.sendLogLines() + b.sendLogLines()).contains { $0.contains("result=broken") })
        try run(b, "2026-12-04T10:00:00+01:00")
        try run(a, "2026-12-04T10:30:00+01:00")
        let broken = (a.sendLogLines() + b.sendLogLines()).filter { $0.contains("event=plan invoice=PL-1") && $0.contains("result=broken") }
        #expect(broken.count == 1 && broken[0].contains("part=2"), "\(broken)")
        #expect(try PSQL.run(port: store.port, "SELECT state, broken_part FROM installment_plans WHERE id = 1") == "broken|2")
        #expect(sent("first").count == 1, "the chase resumes")
        #expect(sent("first", invoice: "PC-1").count == 1, "the cancelled plan's invoice was chased on")
    }
}
