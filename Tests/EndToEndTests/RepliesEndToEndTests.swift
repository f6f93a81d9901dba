import Foundation
import RelanceTestSupport
import Testing

@Suite("replies read over IMAP from a real Dovecot, delivered by a real Postfix", .ownThread, .serialized,
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

    /// A private Dovecot holding relance's mailbox and the customers' ones, a Postfix delivering to
    /// them, and a sandbox that sends through the one and reads replies from the other.
    struct MailWorld {
        let dovecot: ScriptedServer
        let postfix: ScriptedServer
        let mail: String
        let box: Sandbox
    }

    /// A private Dovecot holding relance's mailbox (`relance@` and `bounces@relance.test`) and the
    /// customers' ones (`NAME@customers.test`), and a Postfix delivering to them; mail to any other
    /// customers.test address is bounced. `mail` is the folder of the Maildirs.
    func mailServers(customers: [String]) throws -> (dovecot: ScriptedServer, postfix: ScriptedServer, mail: String) {
        let dovecot = try ScriptedServer(script: "dovecot-instance")
        let mail = dovecot.folder + "/mail"
        let map = dovecot.folder + "/postfix-mailboxes"
        let lines = ["relance@relance.test   \(mail)/relance/", "bounces@relance.test   \(mail)/relance/"]
            + customers.map { "\($0)@customers.test \(mail)/\($0)/" }
        try (lines.joined(separator: "\n") + "\n\n").write(toFile: map, atomically: true, encoding: .utf8)
        return (dovecot, try ScriptedServer(script: "postfix-instance", arguments: [map]), mail)
    }

    /// The `[replies]` table reading relance's mailbox on the test Dovecot, `extra` lines added.
    static func repliesTable(imapPort: Int, extra: String = "") -> String {
        """
        [replies]
        url = "imap://127.0.0.1:\(imapPort)"
        tls = "none"
        username = "relance"
        password_file = "imap-password"
        pause_days = 5
        \(extra)
        """
    }

    /// The IMAP password file `repliesTable` names, readable by its owner only (a secret readable by
    /// every user is refused, by check and by run alike).
    static func writeIMAPPassword(in box: Sandbox) throws {
        try "s3cret\n".write(toFile: box.root + "/imap-password", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: box.root + "/imap-password")
    }

    func mailWorld(customers: [String], tagEnvelope: Bool, replies extra: String = "") throws -> MailWorld {
        let (dovecot, postfix, mail) = try mailServers(customers: customers)
        let box = try Sandbox(minGapDays: 0, extra: """

            [transport]
            url = "smtp://127.0.0.1:\(postfix.port)"
            tls = "none"
            envelope_from = "bounces@relance.test"
            tag_envelope = \(tagEnvelope)

            \(Self.repliesTable(imapPort: dovecot.port, extra: extra))
            """)
        try Self.writeIMAPPassword(in: box)
        return MailWorld(dovecot: dovecot, postfix: postfix, mail: mail, box: box)
    }

    @Test("a reply promising a date pauses, an out-of-office postpones, a bounce for an unknown user flags; the send log says so")
    func replies() throws {
        let world = try mailWorld(customers: ["ap", "away"], tagEnvelope: true)
        let (postfix, mail, box) = (world.postfix, world.mail, world.box)
        defer { withExtendedLifetime(world) {} }  // the servers run until the test ends
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

    @Test("what customers write back: a copy request sends the invoice again, a wrong contact sets a task naming the new address, a German absence without headers postpones to the day after its last day")
    func understood() throws {
        let world = try mailWorld(customers: ["copy", "contact", "absent"], tagEnvelope: false)
        let (postfix, mail, box) = (world.postfix, world.mail, world.box)
        defer { withExtendedLifetime(world) {} }  // the servers run until the test ends
        try box.drop("u1.json", Sandbox.invoice(id: "U-1", issued: "2026-10-01", terms: "net 30", customer: "U1", email: "copy@customers.test"))
        try box.drop("u2.json", Sandbox.invoice(id: "U-2", issued: "2026-10-01", terms: "net 30", customer: "U2", email: "contact@customers.test"))
        try box.drop("u3.json", Sandbox.invoice(id: "U-3", issued: "2026-10-01", terms: "net 30", customer: "U3", email: "absent@customers.test", language: "de"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"]).status == 0)
        let contactInbox = waitForFiles(mail + "/contact", count: 1, seconds: 20)
        #expect(contactInbox.count == 1 && waitForFiles(mail + "/copy", count: 1, seconds: 20).count == 1)
        let reminder = try String(contentsOfFile: mail + "/contact/new/" + contactInbox[0], encoding: .utf8)
        let reminderID = reminder.split(separator: "\n").first { $0.hasPrefix("Message-ID:") }.map { String($0.dropFirst(11)).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""

        // From an address the invoice does not name, and no thread: the subject's invoice number says which.
        try send("From: compta@customers.test\r\nTo: relances@atelier-dupont.example\r\nSubject: Re: Relance facture U-1\r\nMessage-ID: <copy-1@customers.test>\r\n"
                 + "Date: Tue, 03 Nov 2026 08:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                 + "Bonjour,\r\nNous n'avons jamais reçu cette facture, pouvez-vous nous la renvoyer ?\r\nCordialement,\r\nService litiges\r\n",
                 from: "compta@customers.test", to: "relance@relance.test", port: postfix.port, folder: box.root)
        try send("From: contact@customers.test\r\nTo: relances@atelier-dupont.example\r\nSubject: Re: facture U-2\r\nMessage-ID: <contact-1@customers.test>\r\n"
                 + "In-Reply-To: \(reminderID)\r\nDate: Tue, 03 Nov 2026 08:05:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                 + "Je ne suis pas la bonne personne, merci de contacter compta@client.test.\r\n",
                 from: "contact@customers.test", to: "relance@relance.test", port: postfix.port, folder: box.root)
        // An absence notice without any auto-reply header, and a subject that says nothing of it.
        try send("From: absent@customers.test\r\nTo: relances@atelier-dupont.example\r\nSubject: AW: Zahlungserinnerung U-3\r\nMessage-ID: <away-1@customers.test>\r\n"
                 + "Date: Mon, 28 Dec 2026 09:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                 + "Vielen Dank für Ihre Nachricht. Ich bin bis einschließlich 08.01. nicht im Büro.\r\n",
                 from: "absent@customers.test", to: "relance@relance.test", port: postfix.port, folder: box.root)
        #expect(waitForFiles(mail + "/relance", count: 3, seconds: 20).count == 3)

        let second = try box.run(["run", "--once", "--now", "2026-11-03T10:00:00+01:00"])
        #expect(second.status == 0, "\(second.stderr)")
        let log = box.sendLogLines()
        #expect(log.contains { $0.contains("event=reply invoice=U-1") && $0.contains("intent=invoice-request") && $0.contains("evidence=") }, "\(log)")
        #expect(log.contains { $0.contains("event=sent invoice=U-1") && $0.contains("step=copy-2026-11-03") }, "the invoice goes again at once: \(log.filter { $0.contains("U-1") })")
        // The copy reaches the customer with the invoice as a PDF drawn from its data (the invoice came without a document).
        #expect(waitForFiles(mail + "/copy", count: 2, seconds: 20).count == 2)
        let texts = try ["/new/", "/cur/"].flatMap { sub in
            try ((try? FileManager.default.contentsOfDirectory(atPath: mail + "/copy" + sub)) ?? []).map {
                try String(contentsOfFile: mail + "/copy" + sub + $0, encoding: .utf8)
            }
        }
        let copy = try #require(texts.first { $0.contains("X-Relance-Step: copy-2026-11-03") })
        #expect(copy.contains("application/pdf") && copy.contains("U-1.pdf"), "\(copy.prefix(2000))")
        let pdfPath = box.root + "/copy.eml"
        try copy.write(toFile: pdfPath, atomically: true, encoding: .utf8)
        let extracted = try RelanceBinary.runTool("/usr/bin/python3", ["-c", """
            import email, email.policy, sys, subprocess
            m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
            pdf = next(p for p in m.iter_attachments() if p.get_content_type() == 'application/pdf').get_content()
            open(sys.argv[1] + '.pdf', 'wb').write(pdf)
            print(subprocess.run(['pdftotext', sys.argv[1] + '.pdf', '-'], capture_output=True, text=True).stdout)
            """, pdfPath])
        #expect(extracted.contains("Copie de la facture U-1"), "\(extracted)")

        // The wrong contact: a task for a person, naming the address the reply gives; the chase waits.
        #expect(log.contains { $0.contains("event=reply invoice=U-2") && $0.contains("intent=wrong-contact") && $0.contains("new_contact=compta@client.test") })
        let tasks = try #require(try box.run(["tasks", "--json", "--now", "2026-11-03T12:00:00+01:00"]).json()["tasks"] as? [[String: Any]])
        let task = try #require(tasks.first { $0["invoice"] as? String == "U-2" })
        #expect(task["purpose"] as? String == "wrong-contact" && (task["detail"] as? String)?.contains("new contact compta@client.test") == true, "\(task)")
        #expect(log.contains { $0.contains("event=paused invoice=U-2") })

        // The absence: written on 28 December, away until and including 8 January; back on the 9th.
        #expect(log.contains { $0.contains("event=reply invoice=U-3") && $0.contains("kind=auto-reply") && $0.contains("return_date=2027-01-09") }, "\(log)")
        #expect(log.contains { $0.contains("event=paused invoice=U-3") && $0.contains("until=2027-01-09") })
    }

    @Test("with update_contacts, a wrong contact's reply sends the next reminders to the address it names, without pausing")
    func updatedContact() throws {
        let world = try mailWorld(customers: ["old", "new"], tagEnvelope: false, replies: "update_contacts = true")
        let (postfix, mail, box) = (world.postfix, world.mail, world.box)
        defer { withExtendedLifetime(world) {} }
        try box.drop("w.json", Sandbox.invoice(id: "W-1", issued: "2026-10-01", terms: "net 30", customer: "CW", email: "old@customers.test"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"]).status == 0)
        #expect(waitForFiles(mail + "/old", count: 1, seconds: 20).count == 1)
        try send("From: old@customers.test\r\nTo: relances@atelier-dupont.example\r\nSubject: Re: facture W-1\r\nMessage-ID: <moved-1@customers.test>\r\n"
                 + "Date: Tue, 03 Nov 2026 08:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                 + "I no longer work in accounts. Please write to new@customers.test from now on.\r\n",
                 from: "old@customers.test", to: "relance@relance.test", port: postfix.port, folder: box.root)
        #expect(waitForFiles(mail + "/relance", count: 1, seconds: 20).count == 1)
        #expect(try box.run(["run", "--once", "--now", "2026-11-03T10:00:00+01:00"]).status == 0)
        let log = box.sendLogLines()
        #expect(log.contains { $0.contains("event=contact invoice=W-1") && $0.contains("to=new@customers.test") }, "\(log.suffix(5))")
        #expect(!log.contains { $0.contains("event=paused invoice=W-1") })
        // The next level goes to the new address.
        #expect(try box.run(["run", "--once", "--now", "2026-11-09T10:00:00+01:00"]).status == 0)
        #expect(box.sendLogLines().contains { $0.contains("event=sent invoice=W-1") && $0.contains("step=first") && $0.contains("to=new@customers.test") })
        #expect(waitForFiles(mail + "/new", count: 1, seconds: 20).count == 1)
    }
}
