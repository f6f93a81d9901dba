import Foundation
import RelanceTestSupport
import Testing

/// `[review]` on a shared PostgreSQL store, through the binary, a private PostgreSQL server and a
/// local SMTP server: an instance's pass holds the messages for a person; `review`, `show`,
/// `approve` and `hold` work from another instance on the shared rows; an approved message goes
/// once, one a person keeps stays, and `on_timeout = "send"` lets the one nobody looked at go the
/// next day, whichever instance runs.
@Suite("review before sending on a shared PostgreSQL store", .ownThread, .serialized, .enabled(if: PSQL.available && TestServer.pythonAvailable))
struct SharedReviewEndToEndTests {
    @Test("held by one instance's pass, listed, shown, approved and kept from another; approved goes once, kept stays, unreviewed goes the next day")
    func review() throws {
        let (store, scratch, smtp) = try SharedPaymentsEndToEndTests.servers()
        let received = scratch.path + "/accepted.jsonl"
        let settings = "[review]\nenabled = true\non_timeout = \"send\"\n"
        let a = try Sandbox.sharedInstance("paris", storePort: store.port, smtpPort: smtp.port, extra: settings)
        let b = try Sandbox.sharedInstance("lyon", storePort: store.port, smtpPort: smtp.port, extra: settings)
        for (id, customer) in [("V-1", "C-1"), ("V-2", "C-2"), ("V-3", "C-3")] {
            try a.drop("\(id).json", Sandbox.invoice(id: id, issued: "2026-10-02", due: "2026-11-02", customer: customer,
                                                     email: "ap@\(customer.lowercased()).example"))
        }
        let dueDay = try a.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"])
        #expect(dueDay.status == 0, "\(dueDay.stderr)")
        func messagesReceived() -> Int {
            ((try? String(contentsOfFile: received, encoding: .utf8)) ?? "").split(separator: "\n").count
        }
        #expect(messagesReceived() == 0, "nothing goes before a person approves it")
        #expect(try PSQL.run(port: store.port, "SELECT COUNT(*) FROM reminders WHERE state = 'held' AND lease_owner IS NULL") == "3")

        // From the other instance: listed and shown from the shared rows.
        let now = "2026-11-02T11:00:00+01:00"
        let listed = try b.run(["review", "--json", "--now", now])
        let held = try #require(try listed.json()["held"] as? [[String: Any]], "\(listed.stderr)")
        #expect(held.count == 3 && Set(held.compactMap { $0["invoice"] as? String }) == ["V-1", "V-2", "V-3"], "\(held)")
        let ids = Dictionary(uniqueKeysWithValues: held.compactMap { item in (item["invoice"] as? String).map { ($0, item["id"] as? Int ?? 0) } })
        let shown = try b.run(["show", String(ids["V-1"] ?? 0), "--now", now])
        #expect(shown.status == 0 && shown.stdout.contains("Subject:") && shown.stdout.contains("V-1") && shown.stdout.contains("X-Relance-Step: due"),
                "\(shown.stdout.prefix(600))\(shown.stderr)")
        let notHeld = try b.run(["show", "999", "--now", now])
        #expect(notHeld.status == 1 && notHeld.stderr.contains("no held message 999"), "\(notHeld.stderr)")

        // Approved from one instance, kept from the other, an unknown one refused.
        let approved = try b.run(["approve", String(ids["V-1"] ?? 0), "--now", now])
        #expect(approved.status == 0 && approved.stdout.contains("1 message(s) approved"), "\(approved.stdout)\(approved.stderr)")
        let kept = try a.run(["hold", String(ids["V-2"] ?? 0), "--now", now])
        #expect(kept.status == 0 && kept.stdout.contains("held"), "\(kept.stdout)\(kept.stderr)")
        let unknown = try a.run(["approve", "999", "--now", now])
        #expect(unknown.status == 1 && unknown.stderr.contains("no held message 999"), "\(unknown.stderr)")
        #expect(try PSQL.run(port: store.port, "SELECT invoice_id, state, held_by_person FROM reminders WHERE id IN (\(ids.values.map(String.init).joined(separator: ", "))) ORDER BY invoice_id")
            == "V-1|planned|0\nV-2|held|1\nV-3|held|0")
        #expect(b.sendLogLines().contains { $0.contains(" event=planned ") && $0.contains("invoice=V-1") && $0.contains("reason=approved") })

        // The next round, on the instance that did not approve it: the approved message goes, once.
        let later = try a.run(["run", "--once", "--now", "2026-11-02T11:05:00+01:00"])
        #expect(later.status == 0, "\(later.stderr)")
        #expect(messagesReceived() == 1)
        #expect(a.sendLogLines().filter { $0.contains(" event=sent ") }.compactMap { SendLogLine.field("invoice", $0) } == ["V-1"])

        // The next day, on the other instance: the message nobody reviewed goes; the kept one stays.
        let nextDay = try b.run(["run", "--once", "--now", "2026-11-03T10:00:00+01:00"])
        #expect(nextDay.status == 0, "\(nextDay.stderr)")
        #expect(messagesReceived() == 2)
        let lines = b.sendLogLines()
        #expect(lines.contains { $0.contains("invoice=V-3") && $0.contains("not reviewed by the end of 2026-11-02") }, "\(lines)")
        #expect(lines.filter { $0.contains(" event=sent ") }.compactMap { SendLogLine.field("invoice", $0) } == ["V-3"])
        #expect(try PSQL.run(port: store.port, "SELECT state FROM reminders WHERE id = \(ids["V-2"] ?? 0)") == "held")
        let remaining = try a.run(["review", "--json", "--now", "2026-11-03T11:00:00+01:00"])
        #expect((try remaining.json()["held"] as? [[String: Any]])?.compactMap { $0["invoice"] as? String } == ["V-2"], "\(remaining.stdout)")
    }
}
