import Foundation
import RelanceTestSupport
import Testing

@Suite("the daemon delivering over SMTP", .ownThread, .serialized, .enabled(if: TestServer.pythonAvailable))
struct SMTPDeliveryTests {
    func server(_ mode: String, _ scratch: ScratchFolder) throws -> TestServer {
        try TestServer(script: "misbehaving_smtp.py", arguments: ["--mode", mode, "--log", scratch.path + "/accepted.jsonl"], folder: scratch.path)
    }

    /// A server that answers every recipient with 451, and a sandbox holding one invoice `id`
    /// issued on 1 October 2026, net 30, for it.
    func refusingWith451(invoice id: String, _ scratch: ScratchFolder) throws -> (TestServer, Sandbox) {
        let smtp = try server("rcpt-451", scratch)
        let box = try sandbox(port: smtp.port)
        try box.drop("a.json", Sandbox.invoice(id: id, issued: "2026-10-01", terms: "net 30", customer: "C", email: "ap@c.example"))
        return (smtp, box)
    }

    func sandbox(port: Int) throws -> Sandbox {
        try Sandbox(minGapDays: 0, extra: """

            [transport]
            url = "smtp://127.0.0.1:\(port)"
            tls = "none"
            envelope_from = "bounces@atelier-dupont.example"
            tag_envelope = true
            timeout_seconds = 10
            """)
    }

    @Test("reminders go through SMTP; the server's reply is in the send log; send-test works")
    func delivers() throws {
        let scratch = ScratchFolder()
        let smtp = try server("ok", scratch)
        let box = try sandbox(port: smtp.port)
        #expect(try box.run(["check"]).stdout.contains("delivery: SMTP smtp://127.0.0.1:\(smtp.port)"))
        try box.drop("a.json", Sandbox.invoice(id: "S-1", issued: "2026-10-01", terms: "net 30", customer: "C", email: "ap@c.example"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"]).status == 0)
        let sent = box.sendLogLines().filter { $0.contains("event=sent") }
        #expect(sent.count == 1)
        #expect(sent.first?.contains(#"smtp="250 2.0.0 Ok: queued as M00001""#) == true)
        let accepted = try String(contentsOfFile: scratch.path + "/accepted.jsonl", encoding: .utf8)
        #expect(accepted.contains("<bounces+"))  // tagged envelope sender
        #expect(accepted.contains("<ap@c.example>"))
        let test = try box.run(["send-test", "--to", "admin@atelier-dupont.example"])
        #expect(test.status == 0)
        #expect(test.stdout.hasPrefix("delivered: 250 2.0.0 Ok: queued as M00002"))
    }

    @Test("451 defers; the retry waits 5 minutes, then 10; after three days of 4xx it fails")
    func retrySchedule() throws {
        let scratch = ScratchFolder()
        let (smtp, box) = try refusingWith451(invoice: "S-2", scratch)
        defer { withExtendedLifetime(smtp) {} }
        func cycle(_ time: String) throws { #expect(try box.run(["run", "--once", "--now", "2026-11-02T\(time)+01:00"]).status == 0) }
        func count(_ event: String) -> Int { box.sendLogLines().filter { $0.contains("event=\(event) ") }.count }
        try cycle("10:00:00")
        #expect(count("deferred") == 1)
        #expect(box.sendLogLines().contains { $0.contains("event=deferred") && $0.contains("retry_at=2026-11-02T10:05:00+01:00") && $0.contains("451") })
        try cycle("10:03:00")  // too early: nothing is tried
        #expect(count("deferred") == 1)
        try cycle("10:05:30")
        #expect(count("deferred") == 2)
        #expect(box.sendLogLines().last { $0.contains("event=deferred") }?.contains("retry_at=2026-11-02T10:15:30+01:00") == true)
        let status = try (try box.run(["status", "S-2", "--json", "--now", "2026-11-02T10:06:00+01:00"])).json()
        let attention = ((status["invoices"] as? [[String: Any]])?.first?["attention"] as? [String]) ?? []
        #expect(attention.contains { $0.hasPrefix("due deferred: 451") })
        // After three days of 4xx the reminder fails.
        try cycle("10:16:00")
        #expect(try box.run(["run", "--once", "--now", "2026-11-06T10:00:00+01:00"]).status == 0)
        #expect(count("failed") == 1)
    }

    @Test("A reminder first tried a week after its day is not failed by its first 4xx: the give-up period runs from the first attempt")
    func giveUpFromFirstAttempt() throws {
        let scratch = ScratchFolder()
        let (smtp, box) = try refusingWith451(invoice: "S-3", scratch)
        defer { withExtendedLifetime(smtp) {} }
        func count(_ event: String) -> Int { box.sendLogLines().filter { $0.contains("event=\(event) ") }.count }
        // Taken in on its due day, first run a week later (the daemon was stopped).
        #expect(try box.run(["run", "--once", "--now", "2026-10-30T08:00:00+01:00"]).status == 0)
        #expect(count("deferred") + count("failed") == 0)
        #expect(try box.run(["run", "--once", "--now", "2026-11-09T10:00:00+01:00"]).status == 0)
        #expect(count("deferred") == 1)
        #expect(count("failed") == 0)
        // A day of retries later it still waits (the 11th is a holiday); after three days of 4xx it fails.
        #expect(try box.run(["run", "--once", "--now", "2026-11-10T10:00:00+01:00"]).status == 0)
        #expect(count("deferred") == 2)
        #expect(count("failed") == 0)
        #expect(try box.run(["run", "--once", "--now", "2026-11-12T10:30:00+01:00"]).status == 0)
        #expect(count("failed") == 1)
        #expect(box.sendLogLines().contains { $0.contains("event=failed") && $0.contains("gave up") })
    }
}
