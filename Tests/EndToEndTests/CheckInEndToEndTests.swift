import Foundation
import RelanceTestSupport
import Testing

/// The check-in before the due date (issue 15): it asks whether all is well; a reply reporting a
/// problem, read over IMAP from a real Dovecot, sets a task at once.
@Suite("the check-in and its reply", .ownThread, .serialized, .enabled(if: ScriptedServer.available("/usr/sbin/dovecot")))
struct CheckInEndToEndTests {
    @Test("a check-in asks about the delivery; a reply that reports a problem pauses the chase and sets a call at once")
    func checkIn() throws {
        let dovecot = try ScriptedServer(script: "dovecot-instance")
        let box = try Sandbox(minGapDays: 0, extra: """
            [people]
            controller = "jeanne"

            [[policies]]
            name = "with-check-in"
            steps = [
              { name = "check-in", at = "due-10", kind = "check-in" },
              { name = "due", at = "due" },
            ]

            [customers.C-I]
            policy = "with-check-in"

            [replies]
            url = "imap://127.0.0.1:\(dovecot.port)"
            tls = "none"
            username = "relance"
            password_file = "imap-password"
            """)
        try "s3cret\n".write(toFile: box.root + "/imap-password", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: box.root + "/imap-password")
        try box.drop("i.json", Sandbox.invoice(id: "I-1", issued: "2026-10-02", due: "2026-11-12", customer: "C-I", email: "ap@i.example", language: "en"))
        // due-10 = 2 November.
        #expect(try box.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"]).status == 0)
        let checkIn = try #require(try box.readMessages().first { $0.step == "check-in" })
        #expect(checkIn.subject == "Invoice I-1: is everything in order?")
        #expect(checkIn.text.contains("Did the delivery arrive as agreed, and is the invoice correct?"))
        let messageID = try #require(box.sendLogLines().first { $0.contains("step=check-in") }?
            .split(separator: " ").first { $0.hasPrefix("message_id=") }.map { String($0.dropFirst("message_id=".count)) })
        // The customer answers: two items were not received.
        let reply = """
            From: Accounts <ap@i.example>\r
            To: relances@atelier-dupont.example\r
            Subject: Re: Invoice I-1: is everything in order?\r
            Message-ID: <reply-1@i.example>\r
            In-Reply-To: \(messageID)\r
            Date: Tue, 03 Nov 2026 09:12:00 +0100\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            Hello, two of the ten boxes were never received, so the amount is wrong.\r

            """
        try reply.write(toFile: dovecot.folder + "/mail/relance/new/1762157520.M1P1.test", atomically: true, encoding: .utf8)
        #expect(try box.run(["run", "--once", "--now", "2026-11-03T10:00:00+01:00"]).status == 0)
        let log = box.sendLogLines()
        #expect(log.contains { $0.contains("event=task invoice=I-1") && $0.contains("step=check-in-reply") && $0.contains("owner=jeanne") },
                "\(log.suffix(5))")
        let tasks = try #require(try box.run(["tasks", "--json", "--now", "2026-11-03T12:00:00+01:00"]).json()["tasks"] as? [[String: Any]])
        #expect(tasks.count == 1 && tasks.first?["due"] as? String == "2026-11-03")
        // The dispute stops the chase: nothing on the due date.
        #expect(try box.run(["run", "--once", "--now", "2026-11-12T10:00:00+01:00"]).status == 0)
        #expect(!box.sendLogLines().contains { $0.contains("event=sent") && $0.contains("step=due") })
    }
}
