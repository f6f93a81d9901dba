import Foundation
import RelanceTestSupport
import Testing

/// The formal notice's deadline on a shared PostgreSQL store, through the binary: one instance sends
/// the notice, and once its deadline passed unpaid another moves the invoices to collection in the
/// shared store, once, and the chase stops there.
@Suite("collection after a formal notice on a shared PostgreSQL store", .ownThread, .serialized,
       .enabled(if: PSQL.available && TestServer.pythonAvailable))
struct SharedCollectionEndToEndTests {
    @Test("the notice's deadline passed unpaid: the invoices go to collection once, whichever instances run, and are chased no more")
    func collection() throws {
        let (store, scratch, smtp) = try SharedPaymentsEndToEndTests.servers()
        defer { withExtendedLifetime(scratch) {} }
        let policy = FormalNoticeEndToEndTests.noticePolicy
        let a = try Sandbox.sharedInstance("paris", storePort: store.port, smtpPort: smtp.port, extra: policy, company: FormalNoticeEndToEndTests.company)
        let b = try Sandbox.sharedInstance("lyon", storePort: store.port, smtpPort: smtp.port, extra: policy, company: FormalNoticeEndToEndTests.company)
        try a.drop("n1.json", FormalNoticeEndToEndTests.invoice("N-1", total: "1200.00"))
        try a.drop("n2.json", FormalNoticeEndToEndTests.invoice("N-2", total: "300.00"))
        #expect(try a.run(["run", "--once", "--now", "2025-09-01T10:00:00+02:00"]).status == 0)
        // due+45 = Thursday 16 October 2025: the notice goes, its deadline eight days on.
        let notice = try a.run(["run", "--once", "--now", "2025-10-16T10:00:00+02:00"])
        #expect(notice.status == 0, "\(notice.stderr)")
        #expect(a.sendLogLines().contains { $0.contains("step=formal-notice") && $0.contains("deadline=2025-10-24") }, "\(a.sendLogLines())")
        #expect(try PSQL.run(port: store.port, "SELECT id, notice_deadline FROM invoices ORDER BY id") == "N-1|2025-10-24\nN-2|2025-10-24")

        // On the deadline itself nothing moves; after it, the other instance moves both, and a second round moves nothing more.
        #expect(try b.run(["run", "--once", "--now", "2025-10-24T10:00:00+02:00"]).status == 0)
        #expect(try PSQL.run(port: store.port, "SELECT COUNT(*) FROM invoices WHERE state = 'collection'") == "0")
        let after = try b.run(["run", "--once", "--now", "2025-10-27T10:00:00+01:00"])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(try PSQL.run(port: store.port, "SELECT id, state FROM invoices ORDER BY id") == "N-1|collection\nN-2|collection")
        let moved = b.sendLogLines().filter { $0.contains("event=collection") }
        #expect(moved.count == 2 && moved.allSatisfy { $0.contains("deadline=2025-10-24") }, "\(moved)")
        #expect(try a.run(["run", "--once", "--now", "2025-10-27T11:00:00+01:00"]).status == 0)
        #expect(a.sendLogLines().filter { $0.contains("event=collection") }.isEmpty)
        #expect(try PSQL.run(port: store.port, "SELECT COUNT(*) FROM events WHERE event = 'collection'") == "2")
        #expect(try PSQL.run(port: store.port, "SELECT COUNT(*) FROM reminders WHERE state IN ('planned', 'deferred')") == "0", "the chase stopped")
        let status = try a.run(["status", "--state", "collection", "--json", "--now", "2025-10-27T12:00:00+01:00"]).json()
        let states = ((status["invoices"] as? [[String: Any]]) ?? []).map { "\($0["id"] ?? "") \($0["state"] ?? "")" }.sorted()
        #expect(states == ["N-1 collection", "N-2 collection"], "\(status)")

        // What the collection line says to do works on the shared store, from either instance:
        // the collection file, and the letter on demand.
        let scratch2 = ScratchFolder()
        let folder = scratch2.path + "/collection"
        _ = try FormalNoticeEndToEndTests.exportCollection(of: b, into: folder)
        let csv = try String(contentsOfFile: folder + "/statement.csv", encoding: .utf8)
        #expect(csv.contains("N-1;2025-08-01;2025-09-01;") && csv.contains("N-2;"), "\(csv)")
        let timeline = try String(contentsOfFile: folder + "/timeline.json", encoding: .utf8)
        #expect(timeline.contains("\"collection\"") && timeline.contains("formal-notice"), "the shared store's events: \(timeline)")
        let letter = try a.run(["letter", "N-2", "--out", scratch2.path + "/n2.pdf", "--now", "2025-10-27T12:00:00+01:00"])
        #expect(letter.status == 0, "\(letter.stderr)")
        let text = FormalNoticeEndToEndTests.words(try ExternalTool.run("pdftotext", [scratch2.path + "/n2.pdf", "-"]))
        #expect(text.contains("N-2") && !text.contains("N-1 "), "\(text)")
        let unknown = try a.run(["letter", "NOPE", "--now", "2025-10-27T12:00:00+01:00"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no invoice NOPE"), "\(unknown.stderr)")
    }
}
