import Foundation
import RelanceTestSupport
import Testing

/// The morning digest on a shared PostgreSQL store, through the binary, a private PostgreSQL
/// server and a local SMTP server that records every message: two instances reach `digest_time`,
/// the controller gets one digest a day listing what the whole shared store holds, and a claim
/// left by an instance that died while sending is taken over once it ran out, not before.
@Suite("the morning digest on a shared PostgreSQL store", .ownThread, .serialized, .enabled(if: PSQL.available && TestServer.pythonAvailable))
struct SharedDigestEndToEndTests {
    @Test("one digest a day from whichever instance comes first, with what another took in; a dead instance's claim taken over only once run out")
    func onceADay() throws {
        let (store, scratch, smtp) = try SharedPaymentsEndToEndTests.servers()
        let received = scratch.path + "/accepted.jsonl"
        let controller = "jeanne@atelier-dupont.example"
        let settings = TasksEndToEndTests.policy.replacingOccurrences(of: #"controller = "jeanne""#,
                                                                      with: "controller = \"\(controller)\"\ndigest_time = \"08:30\"")
        let a = try Sandbox.sharedInstance("paris", storePort: store.port, smtpPort: smtp.port, extra: settings)
        let b = try Sandbox.sharedInstance("lyon", storePort: store.port, smtpPort: smtp.port, extra: settings)
        /// The digests of `day` the SMTP server received (their Message-IDs name them).
        func digests(_ day: String) -> Int {
            ((try? String(contentsOfFile: received, encoding: .utf8)) ?? "").split(separator: "\n").filter {
                guard let record = try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] else { return false }
                return (record["message_id"] as? String)?.hasPrefix("<relance.digest.\(day).") == true
            }.count
        }
        func run(_ box: Sandbox, _ now: String) throws {
            let round = try box.run(["run", "--once", "--now", now])
            #expect(round.status == 0, "\(now): \(round.stderr)")
        }
        try a.drop("t.json", Sandbox.invoice(id: "T-1", issued: "2026-10-02", due: "2026-11-02", customer: "C-T", email: "ap@t.example"))
        try a.drop("u.json", Sandbox.invoice(id: "U-1", issued: "2026-10-09", due: "2026-11-09", customer: "C-U", email: "ap@u.example"))
        try run(a, "2026-11-02T10:00:00+01:00")
        // Before 08:30 nothing.
        try run(a, "2026-11-09T08:00:00+01:00")
        #expect(digests("2026-11-09") == 0)
        // The other instance comes first: its digest lists the call and the two reminders of what the first took in.
        try run(b, "2026-11-09T08:45:00+01:00")
        #expect(digests("2026-11-09") == 1)
        let line = try #require(b.sendLogLines().first { $0.contains(" event=digest ") }, "\(b.sendLogLines())")
        #expect(SendLogLine.field("to", line) == controller && SendLogLine.field("items", line) == "3", "\(line)")
        #expect(try PSQL.run(port: store.port, "SELECT key, value FROM daemon_state WHERE key LIKE 'digest%'") == "digest_sent_on|2026-11-09")
        // Once a day, whichever instance.
        try run(a, "2026-11-09T09:00:00+01:00")
        try run(b, "2026-11-09T15:00:00+01:00")
        #expect(digests("2026-11-09") == 1)
        #expect(!a.sendLogLines().contains { $0.hasPrefix("2026-11-09") && $0.contains(" event=digest ") })

        // An instance died while sending the 12th's digest: its claim holds until 09:10, then another sends it.
        let expiry = try #require(ISO8601DateFormatter().date(from: "2026-11-12T08:10:00Z")).timeIntervalSince1970
        _ = try PSQL.run(port: store.port, "INSERT INTO daemon_state (key, value) VALUES ('digest_claim', '2026-11-12|ghost.1|\(Int64(expiry))')")
        try run(a, "2026-11-12T09:00:00+01:00")
        #expect(digests("2026-11-12") == 0, "the claim still holds")
        try run(a, "2026-11-12T09:15:00+01:00")
        #expect(digests("2026-11-12") == 1, "taken over once run out")
        #expect(try PSQL.run(port: store.port, "SELECT key, value FROM daemon_state WHERE key LIKE 'digest%'") == "digest_sent_on|2026-11-12")
    }
}
