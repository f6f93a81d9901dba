import Foundation
import RelanceTestSupport
import Testing

@Suite("replies read over IMAP from a real Dovecot, delivered by a real Postfix", .serialized,
       .enabled(if: ScriptedServer.available("/usr/sbin/postfix") && ScriptedServer.available("/usr/sbin/dovecot")
                && FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")))
struct RepliesEndToEndTests {
    /// Sends a message through Postfix as a customer's mail client would.
    func send(_ text: String, from: String, to: String, port: Int, folder: String) throws {
        let path = folder + "/outgoing-\(UUID().uuidString.prefix(6)).eml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        _ = try RelanceBinary.runTool("/usr/bin/curl", ["-s", "--url", "smtp://127.0.0.1:\(port)", "--mail-from", from, "--mail-rcpt", to, "-T", path])
    }

    func waitForFiles(_ folder: String, count: Int, seconds: Double) -> [String] {
        let deadline = Date(timeIntervalSinceNow: seconds)
        var names: [String] = []
        repeat {
            names = ((try? FileManager.default.contentsOfDirectory(atPath: folder + "/new")) ?? [])
                + ((try? FileManager.default.contentsOfDirectory(atPath: folder + "/cur")) ?? [])
            if names.count >= count { break }
            usleep(100_000)
        } while Date(timeIntervalSinceNow: 0) < deadline
        return names
    }

    @Test("a reply promising a date pauses, an out-of-office postpones, a bounce for an unknown user flags; the send log says so")
    func replies() throws {
        let dovecot = try ScriptedServer(script: "dovecot-instance")
        let mail = dovecot.folder + "/mail"
        let map = dovecot.folder + "/postfix-mailboxes"
        try """
            relance@relance.test   \(mail)/relance/
            bounces@relance.test   \(mail)/relance/
            ap@customers.test      \(mail)/ap/
            away@customers.test    \(mail)/away/

            """.write(toFile: map, atomically: true, encoding: .utf8)
        let postfix = try ScriptedServer(script: "postfix-instance", arguments: [map])
        let box = try Sandbox(minGapDays: 0, extra: """

            [transport]
            url = "smtp://127.0.0.1:\(postfix.port)"
            tls = "none"
            envelope_from = "bounces@relance.test"
            tag_envelope = true

            [replies]
            url = "imap://127.0.0.1:\(dovecot.port)"
            tls = "none"
            username = "relance"
            password_file = "imap-password"
            pause_days = 5
            """)
        try "s3cret\n".write(toFile: box.root + "/imap-password", atomically: true, encoding: .utf8)
        // A secret readable by every user is refused, by check and by run alike.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: box.root + "/imap-password")
        try box.drop("r1.json", Sandbox.invoice(id: "R-1", issued: "2026-10-01", terms: "net 30", customer: "C1", email: "ap@customers.test"))
        try box.drop("r2.json", Sandbox.invoice(id: "R-2", issued: "2026-10-01", terms: "net 30", customer: "C2", email: "away@customers.test", language: "en"))
        try box.drop("r3.json", Sandbox.invoice(id: "R-3", issued: "2026-10-01", terms: "net 30", customer: "C3", email: "ghost@customers.test"))
        let first = try box.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(box.sendLogLines().filter { $0.contains("event=sent") }.count == 3)

        // The customers receive their reminders; ghost@ does not exist, so Postfix bounces to bounces+TAG@relance.test.
        let apInbox = waitForFiles(mail + "/ap", count: 1, seconds: 20)
        #expect(apInbox.count == 1)
        #expect(!waitForFiles(mail + "/relance", count: 1, seconds: 20).isEmpty)
        let reminder = try String(contentsOfFile: mail + "/ap/new/" + apInbox[0], encoding: .utf8)
        let reminderID = reminder.split(separator: "\n").first { $0.hasPrefix("Message-ID:") }.map { String($0.dropFirst(11)).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        #expect(reminderID.hasPrefix("<relance.due.R-1."))

        // A promise to pay, in French, answering the reminder; an out-of-office from the other customer.
        try send("From: ap@customers.test\r\nTo: relances@atelier-dupont.example\r\nSubject: Re: facture R-1\r\nMessage-ID: <promise-1@customers.test>\r\n"
                 + "In-Reply-To: \(reminderID)\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBonjour, je réglerai le 15 décembre.\r\n",
                 from: "ap@customers.test", to: "relance@relance.test", port: postfix.port, folder: box.root)
        try send("From: away@customers.test\r\nTo: relances@atelier-dupont.example\r\nSubject: Out of Office: R-2\r\nMessage-ID: <ooo-1@customers.test>\r\n"
                 + "Auto-Submitted: auto-replied\r\nContent-Type: text/plain\r\n\r\nI am out of the office until December 7.\r\n",
                 from: "away@customers.test", to: "relance@relance.test", port: postfix.port, folder: box.root)
        #expect(waitForFiles(mail + "/relance", count: 3, seconds: 20).count == 3)

        let second = try box.run(["run", "--once", "--now", "2026-11-03T10:00:00+01:00"])
        #expect(second.status == 0, "\(second.stderr)")
        let log = box.sendLogLines()
        #expect(log.contains { $0.contains("event=bounced invoice=R-3") && $0.contains("recipient=ghost@customers.test") && $0.contains("hard=true") }, "\(log)")
        #expect(log.contains { $0.contains("event=reply invoice=R-1") && $0.contains("intent=promise") && $0.contains("promise_date=2026-12-15") })
        #expect(log.contains { $0.contains("event=paused invoice=R-1") && $0.contains("until=2026-12-16") })
        // "Until December 7": the last day away; the first day back is the 8th.
        #expect(log.contains { $0.contains("event=reply invoice=R-2") && $0.contains("kind=auto-reply") && $0.contains("return_date=2026-12-08") })
        #expect(log.contains { $0.contains("event=paused invoice=R-2") && $0.contains("until=2026-12-08") })

        let status = try (try box.run(["status", "--json", "--now", "2026-11-03T10:00:00+01:00"])).json()
        let invoices = try #require(status["invoices"] as? [[String: Any]])
        func invoice(_ id: String) -> [String: Any]? { invoices.first { $0["id"] as? String == id } }
        #expect(invoice("R-1")?["state"] as? String == "promised")
        #expect(invoice("R-1")?["promisedFor"] as? String == "2026-12-15")
        #expect(invoice("R-2")?["state"] as? String == "paused")
        #expect(invoice("R-2")?["pausedUntil"] as? String == "2026-12-08")
        #expect(invoice("R-3")?["state"] as? String == "bounced")
        #expect((invoice("R-1")?["attention"] as? [String])?.contains { $0.hasPrefix("the customer replied (promise)") } == true)
        #expect((invoice("R-3")?["attention"] as? [String])?.contains { $0.contains("ghost@customers.test is undeliverable") } == true)
        #expect(invoice("R-3")?["reminders"].flatMap { ($0 as? [[String: Any]])?.first { $0["step"] as? String == "due" }?["state"] as? String } == "bounced")

        // Polling again records nothing twice; the next reminders respect the pauses and the dead address.
        let repliesBefore = log.filter { $0.contains("event=reply") }.count
        #expect(try box.run(["run", "--once", "--now", "2026-11-09T10:00:00+01:00"]).status == 0)
        let after = box.sendLogLines()
        #expect(after.filter { $0.contains("event=reply") }.count == repliesBefore)
        #expect(!after.contains { $0.hasPrefix("2026-11-09") && $0.contains("event=sent") })
        #expect(after.contains { $0.hasPrefix("2026-11-09") && $0.contains("event=failed invoice=R-3") && $0.contains("undeliverable") })
        // Left unread in the mailbox (mark_read is off).
        let cur = (try? FileManager.default.contentsOfDirectory(atPath: mail + "/relance/cur")) ?? []
        #expect(cur.allSatisfy { !$0.contains(":2,S") && !$0.hasSuffix("S") })
    }
}
