import Foundation
import RelanceTestSupport
import Testing

/// Customers' replies on a shared PostgreSQL store, through the binary, a private PostgreSQL, a
/// real Postfix that delivers the reminders (and bounces one) and a real Dovecot holding relance's
/// mailbox: two instances watch the one mailbox, one of them reads it (the lease), and each reply
/// acts once on the shared invoices, as on one machine.
@Suite("replies on a shared PostgreSQL store, from a real Dovecot, delivered by a real Postfix", .ownThread, .serialized,
       .enabled(if: PSQL.available && ScriptedServer.available("/usr/sbin/postfix") && ScriptedServer.available("/usr/sbin/dovecot")
                && FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")))
struct SharedRepliesEndToEndTests {
    let mailTools = RepliesEndToEndTests()

    /// The Message-ID of the only message in a customer's mailbox.
    func messageID(in folder: String) throws -> String {
        let names = mailTools.waitForFiles(folder, count: 1, seconds: 20)
        let text = try String(contentsOfFile: folder + "/new/" + (names.first ?? "none"), encoding: .utf8)
        return text.split(separator: "\n").first { $0.hasPrefix("Message-ID:") }
            .map { String($0.dropFirst(11)).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
    }

    @Test("two instances, one mailbox: each reply acts once, read by the instance holding the lease; a promise pauses and is judged broken later, a bounce marks the address, an absence postpones, a dispute sets a task under the store's id")
    func replies() throws {
        let store = try ScriptedServer(script: "postgres-instance")
        let (dovecot, postfix, mail) = try mailTools.mailServers(customers: ["ap", "away", "cross"])
        defer { withExtendedLifetime((store, dovecot, postfix)) {} }
        func instance(_ name: String) throws -> Sandbox {
            let box = try Sandbox.sharedInstance(name, storePort: store.port, smtpPort: postfix.port, transport: """
                envelope_from = "bounces@relance.test"
                tag_envelope = true
                """, extra: RepliesEndToEndTests.repliesTable(imapPort: dovecot.port, extra: "poll_interval_seconds = 5"))
            try RepliesEndToEndTests.writeIMAPPassword(in: box)
            return box
        }
        let a = try instance("paris"), b = try instance("lyon")
        try a.drop("r1.json", Sandbox.invoice(id: "R-1", issued: "2026-10-01", terms: "net 30", customer: "C1", email: "ap@customers.test"))
        try a.drop("r2.json", Sandbox.invoice(id: "R-2", issued: "2026-10-01", terms: "net 30", customer: "C2", email: "away@customers.test", language: "en"))
        try a.drop("r3.json", Sandbox.invoice(id: "R-3", issued: "2026-10-01", terms: "net 30", customer: "C3", email: "ghost@customers.test"))
        try a.drop("r4.json", Sandbox.invoice(id: "R-4", issued: "2026-10-01", terms: "net 30", customer: "C4", email: "cross@customers.test"))
        let first = try a.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(a.sendLogLines().filter { $0.contains("event=sent") }.count == 4)

        // The customers answer their reminders; ghost@ does not exist, so Postfix bounces to bounces+TAG@relance.test.
        let r1 = try messageID(in: mail + "/ap"), r4 = try messageID(in: mail + "/cross")
        #expect(r1.hasPrefix("<relance.due.R-1.") && r4.hasPrefix("<relance.due.R-4."), "\(r1) \(r4)")
        try mailTools.send("From: ap@customers.test\r\nTo: relances@atelier-dupont.example\r\nSubject: Re: facture R-1\r\nMessage-ID: <promise-1@customers.test>\r\n"
                           + "In-Reply-To: \(r1)\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBonjour, je réglerai le 15 décembre.\r\n",
                           from: "ap@customers.test", to: "relance@relance.test", port: postfix.port, folder: a.root)
        try mailTools.send("From: away@customers.test\r\nTo: relances@atelier-dupont.example\r\nSubject: Out of Office: R-2\r\nMessage-ID: <ooo-1@customers.test>\r\n"
                           + "Auto-Submitted: auto-replied\r\nContent-Type: text/plain\r\n\r\nI am out of the office until December 7.\r\n",
                           from: "away@customers.test", to: "relance@relance.test", port: postfix.port, folder: a.root)
        try mailTools.send("From: cross@customers.test\r\nTo: relances@atelier-dupont.example\r\nSubject: Re: facture R-4\r\nMessage-ID: <dispute-1@customers.test>\r\n"
                           + "In-Reply-To: \(r4)\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nNous contestons cette facture : la marchandise n'a jamais été livrée.\r\n",
                           from: "cross@customers.test", to: "relance@relance.test", port: postfix.port, folder: a.root)
        #expect(mailTools.waitForFiles(mail + "/relance", count: 4, seconds: 30).count == 4)

        // Both instances run as daemons on the one mailbox.
        let daemons = try [a, b].map { try DaemonProcess(sandbox: $0, arguments: ["--now", "2026-11-03T10:00:00+01:00"]) }
        #expect(DaemonProcess.wait(seconds: 60) { (try? PSQL.run(port: store.port, "SELECT COUNT(*) FROM replies")) == "4" })
        // Another poll each (every 5 s): nothing is read twice, and the lease stays with its holder.
        Thread.sleep(forTimeInterval: 6)
        for daemon in daemons { #expect(daemon.stop() == 0, "\(daemon.stderr)") }
        let logs = [a.sendLogLines(), b.sendLogLines()]
        let read = logs.map { log in log.filter { $0.contains(" event=reply ") || $0.contains(" event=bounced ") } }
        // One instance read the mailbox, the other nothing: the lease.
        #expect(read.map(\.count).sorted() == [0, 4], "\(read)")
        let all = logs.flatMap { $0 }
        #expect(all.contains { $0.contains("event=bounced invoice=R-3") && $0.contains("recipient=ghost@customers.test") && $0.contains("hard=true") }, "\(all)")
        #expect(all.contains { $0.contains("event=reply invoice=R-1") && $0.contains("intent=promise") && $0.contains("promise_date=2026-12-15") })
        #expect(all.contains { $0.contains("event=reply invoice=R-2") && $0.contains("kind=auto-reply") && $0.contains("return_date=2026-12-08") })
        #expect(all.contains { $0.contains("event=reply invoice=R-4") && $0.contains("intent=dispute") })
        #expect(try PSQL.run(port: store.port, "SELECT last_uid FROM mailbox_state WHERE folder = 'INBOX'") == "4")
        #expect(try PSQL.run(port: store.port, "SELECT COUNT(*) FROM mailbox_leases WHERE expires_at = 0") == "1", "given up when its holder stopped")
        // What the replies did, in the shared store.
        #expect(try PSQL.run(port: store.port, "SELECT id, paused_until FROM invoices WHERE paused_until IS NOT NULL ORDER BY id")
            == "R-1|2026-12-16\nR-2|2026-12-08")
        #expect(try PSQL.run(port: store.port, "SELECT pause_reason FROM invoices WHERE id = 'R-4'") == "disputed by the customer: stopped until resumed")
        #expect(try PSQL.run(port: store.port, "SELECT invoice_id, promised_for, source, state FROM promises") == "R-1|2026-12-15|reply|pending")
        #expect(try PSQL.run(port: store.port, "SELECT address FROM undeliverable") == "ghost@customers.test")
        #expect(try PSQL.run(port: store.port, "SELECT state FROM reminders WHERE invoice_id = 'R-3' AND step = 'due'") == "bounced")
        #expect(try PSQL.run(port: store.port, "SELECT attention FROM invoices WHERE id = 'R-3'") == "hard bounce: ghost@customers.test is undeliverable")
        let task = try #require(all.first { $0.contains(" event=task invoice=R-4 ") })
        #expect(SendLogLine.field("task", task) == (try PSQL.run(port: store.port, "SELECT id FROM tasks WHERE invoice_id = 'R-4' AND purpose = 'dispute'")), "\(task)")
        #expect(try PSQL.run(port: store.port, "SELECT COUNT(*) FROM events WHERE event IN ('reply', 'bounced')") == "4")

        // A person sees the dispute's task from either instance, and records its outcome in the shared store.
        let taskID = try #require(SendLogLine.field("task", task))
        let listed = try a.run(["tasks", "--now", "2026-11-04T09:00:00+01:00"])
        #expect(listed.status == 0 && listed.stdout.contains("task \(taskID) ") && listed.stdout.contains("R-4")
                && listed.stdout.contains("They dispute it"), "\(listed.stdout)\(listed.stderr)")
        let done = try b.run(["task", "done", taskID, "--outcome", "other", "--note", "credit note agreed by phone", "--now", "2026-11-04T09:05:00+01:00"])
        #expect(done.status == 0 && done.stdout.contains("task \(taskID): other"), "\(done.stdout)\(done.stderr)")
        #expect(try PSQL.run(port: store.port, "SELECT state, outcome, note FROM tasks WHERE id = \(taskID)") == "done|other|credit note agreed by phone")
        #expect(b.sendLogLines().contains { $0.contains("event=task invoice=R-4 task=\(taskID) outcome=other") }, "\(b.sendLogLines())")
        let again = try a.run(["task", "done", taskID, "--outcome", "other", "--now", "2026-11-04T09:10:00+01:00"])
        #expect(again.status == 1 && again.stderr.contains("already done"), "\(again.stderr)")
        #expect(try a.run(["tasks", "--now", "2026-11-04T09:15:00+01:00"]).stdout.contains("no open task"))
        let unknown = try a.run(["task", "done", "999", "--outcome", "other", "--now", "2026-11-04T09:15:00+01:00"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no task 999"), "\(unknown.stderr)")

        // Later: the promise's day and grace passed unpaid, so another instance judges it broken; the dead address fails at once.
        let later = try b.run(["run", "--once", "--now", "2026-12-21T10:00:00+01:00"])
        #expect(later.status == 0, "\(later.stderr)")
        #expect(try PSQL.run(port: store.port, "SELECT state FROM promises") == "broken")
        let december = b.sendLogLines().filter { $0.hasPrefix("2026-12-21") }
        #expect(december.contains { $0.contains("event=promise invoice=R-1 result=broken promised_for=2026-12-15") }, "\(december)")
        #expect(december.contains { $0.contains("event=failed invoice=R-3") && $0.contains("undeliverable") }, "\(december)")
        #expect(!december.contains { $0.contains("event=sent invoice=R-4") }, "disputed: not chased")
    }
}
