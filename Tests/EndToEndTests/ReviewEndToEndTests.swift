import Foundation
import RelanceTestSupport
import Testing

/// Review before sending (safe mode, issue 15) through the binary.
@Suite("review before sending", .ownThread, .serialized)
struct ReviewEndToEndTests {
    @Test("held messages are listed, shown exactly, and sent once approved; a message held by a person stays; on_timeout = send lets one go")
    func review() throws {
        let box = try Sandbox(minGapDays: 0, extra: """
            [review]
            enabled = true
            kinds = ["due", "post-due"]
            """)
        for (id, customer) in [("V-1", "C-1"), ("V-2", "C-2"), ("V-3", "C-3")] {
            try box.drop("\(id).json", Sandbox.invoice(id: id, issued: "2026-10-02", due: "2026-11-02", customer: customer, email: "ap@\(customer.lowercased()).example"))
        }
        #expect(try box.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"]).status == 0)
        #expect(try box.outboxMessages().isEmpty, "nothing goes before a person approves it")
        let listed = try box.run(["review", "--json", "--now", "2026-11-02T11:00:00+01:00"]).json()
        let held = try #require(listed["held"] as? [[String: Any]])
        #expect(held.count == 3)
        let ids = Dictionary(uniqueKeysWithValues: held.compactMap { item in (item["invoice"] as? String).map { ($0, item["id"] as? Int ?? 0) } })
        // show prints the message as it would go, and --eml writes it whole.
        let shown = try box.run(["show", String(ids["V-1"] ?? 0), "--now", "2026-11-02T11:00:00+01:00"])
        #expect(shown.status == 0 && shown.stdout.contains("Subject:") && shown.stdout.contains("V-1") && shown.stdout.contains("X-Relance-Step: due"),
                "\(shown.stdout.prefix(600))\(shown.stderr)")
        let eml = box.root + "/v1.eml"
        #expect(try box.run(["show", String(ids["V-1"] ?? 0), "--eml", eml, "--now", "2026-11-02T11:00:00+01:00"]).status == 0)
        let preview = try String(contentsOfFile: eml, encoding: .utf8)
        // Approve one, hold one for good: the first goes at the next cycle, the second never on its own.
        #expect(try box.run(["approve", String(ids["V-1"] ?? 0), "--now", "2026-11-02T11:00:00+01:00"]).status == 0)
        #expect(try box.run(["hold", String(ids["V-2"] ?? 0), "--now", "2026-11-02T11:00:00+01:00"]).status == 0)
        #expect(try box.run(["run", "--once", "--now", "2026-11-02T11:05:00+01:00"]).status == 0)
        let sent = try box.outboxMessages()
        #expect(sent.map(\.invoice) == ["V-1"])
        let sentText = try String(contentsOfFile: try #require(sent.first).path, encoding: .utf8)
        // The same message as the preview, but for the Date header (written when it goes).
        func withoutDate(_ text: String) -> String { text.split(separator: "\r\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("Date:") }.joined(separator: "\r\n") }
        #expect(withoutDate(sentText) == withoutDate(preview))
        #expect(try box.run(["review", "--json", "--now", "2026-11-02T12:00:00+01:00"]).json()["held"] as? [[String: Any]] != nil)
        let unknown = try box.run(["approve", "999", "--now", "2026-11-02T12:00:00+01:00"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no held message 999"))
    }

    @Test("on_timeout = send: a message nobody reviewed by the end of its day goes the next day; one kept by a person does not")
    func timeout() throws {
        let box = try Sandbox(minGapDays: 0, extra: "[review]\nenabled = true\non_timeout = \"send\"")
        try box.drop("a.json", Sandbox.invoice(id: "W-1", issued: "2026-10-02", due: "2026-11-02", customer: "C-1", email: "ap@c1.example"))
        try box.drop("b.json", Sandbox.invoice(id: "W-2", issued: "2026-10-02", due: "2026-11-02", customer: "C-2", email: "ap@c2.example"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"]).status == 0)
        let held = try #require(try box.run(["review", "--json", "--now", "2026-11-02T11:00:00+01:00"]).json()["held"] as? [[String: Any]])
        let kept = try #require(held.first { $0["invoice"] as? String == "W-2" }?["id"] as? Int)
        #expect(try box.run(["hold", String(kept), "--now", "2026-11-02T11:00:00+01:00"]).status == 0)
        #expect(try box.run(["run", "--once", "--now", "2026-11-03T10:00:00+01:00"]).status == 0)
        #expect(try box.outboxMessages().map(\.invoice) == ["W-1"])
        #expect(box.sendLogLines().contains { $0.contains("not reviewed by the end of 2026-11-02") })
    }
}

@Suite("run --dry-run reads the inbox", .ownThread, .serialized)
struct DryRunInboxTests {
    @Test("the files waiting in the inbox are read and planned, their reminder due now shown; nothing is taken or sent")
    func dryRun() throws {
        let box = try Sandbox(minGapDays: 0)
        try box.drop("d.json", Sandbox.invoice(id: "D-1", issued: "2026-10-02", due: "2026-11-02", customer: "C-1", email: "ap@c1.example"))
        try box.drop("bad.json", "{\"id\": ")
        let run = try box.run(["run", "--dry-run", "--now", "2026-11-02T10:00:00+01:00"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("event=would-ingest invoice=D-1 file=d.json format=json due=2026-11-02"), "\(run.stdout)")
        #expect(run.stdout.contains("event=would-send invoice=D-1 step=due"))
        #expect(run.stdout.contains("event=would-plan invoice=D-1 next=first@2026-11-09"))
        #expect(run.stdout.contains("event=would-reject file=bad.json"))
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: box.inbox).filter { !$0.hasPrefix(".") }) == ["d.json", "bad.json"])
        #expect(try box.outboxMessages().isEmpty)
    }
}
