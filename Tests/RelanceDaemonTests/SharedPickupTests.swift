import Foundation
import Logging
import PostgresNIO
import RelanceConfig
import RelanceCore
import RelanceDaemon
import RelanceStore
import RelanceTestSupport
import Synchronization
import Testing

/// The intake into a shared PostgreSQL store, against a real server: the local intake's rules
/// (new, duplicate, amendment, credit note, rejection) on PostgreSQL rows, and one shared folder
/// watched by two instances at the same time.
@Suite("Taking inbox files into a shared PostgreSQL store", .ownThread, .serialized, .enabled(if: PostgresFixture.available))
struct SharedPickupTests {
    /// A folder with an inbox, an archive and a rejected folder, and the example configuration pointing at them.
    final class Folder {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("relance-shared-pickup-\(UUID().uuidString)").path
        let configuration: RelanceConfiguration

        init() throws {
            for sub in ["inbox", "state"] { try FileManager.default.createDirectory(atPath: path + "/" + sub, withIntermediateDirectories: true) }
            var text = try String(contentsOfFile: TestServer.packageRoot + "/config/relance.toml", encoding: .utf8)
            text = text.replacingOccurrences(of: "../.demo/", with: "").replacingOccurrences(of: "templates = \"templates\"", with: "")
            configuration = try ConfigurationLoader.parse(text, file: path + "/relance.toml")
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }

        var inbox: String { configuration.paths.inbox }

        func drop(_ name: String, _ text: String) throws {
            try text.write(toFile: inbox + "/" + name, atomically: true, encoding: .utf8)
        }

        func files(in folder: String) -> [String] {
            (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []).filter { !$0.hasSuffix(".reason") && $0.contains(".") }
        }

        func sendLog() -> [String] {
            ((try? String(contentsOfFile: configuration.paths.sendLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        func pickup(_ store: PostgresStore, at now: Date) throws -> SharedPickup {
            SharedPickup(configuration: configuration, store: store, sendLog: try SendLog(path: configuration.paths.sendLog),
                         clock: FixedClock(now), logger: Logger(label: "test"))
        }
    }

    struct FixedClock: WallClock {
        let instant: Date
        init(_ instant: Date) { self.instant = instant }
        func now() -> Date { instant }
    }

    static func invoice(_ id: String, total: String = "1250.00", customer: String = "C-03") -> String {
        """
        {"version": 1, "id": "\(id)", "issueDate": "2026-11-02", "terms": "net 30", "currency": "EUR", "total": "\(total)",
         "customer": {"id": "\(customer)", "name": "Acme SARL", "email": "ap@acme.example", "language": "fr"}}
        """
    }

    let now = ZonedDateTime.instant(of: LocalDate(iso: "2026-11-03")!, at: WallClockTime(hour: 8, minute: 0)!, in: TimeZone(identifier: "Europe/Paris")!)

    func rows(_ fixture: PostgresFixture, _ sql: String) async throws -> [String] {
        try await fixture.store.transaction("read") { connection in
            var out: [String] = []
            for try await text in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: PostgresFixture.logger).decode(String.self) {
                out.append(text)
            }
            return out
        }
    }

    @Test("new, duplicate, amended, credited to nothing, rejected: each as the local intake does it, in the store and the send log")
    func intakeRules() async throws {
        let fixture = try await PostgresFixture()
        let folder = try Folder()
        let pickup = try folder.pickup(fixture.store, at: now)
        try folder.drop("F-1.json", Self.invoice("F-1"))
        try folder.drop("broken.json", "{\"version\": 1, \"id\": ")
        let first = try await PostgresFixture.offThePool { pickup.scan() }
        #expect(first == SharedPickup.Summary(taken: 2, failed: false))
        #expect(try await rows(fixture, "SELECT id || ' r' || revision || ' ' || state FROM invoices") == ["F-1 r1 open"])
        let planned = try await rows(fixture, "SELECT step || ' ' || local_date FROM reminders WHERE invoice_id = 'F-1' AND state = 'planned' ORDER BY send_at")
        #expect(planned.count >= 3, "\(planned)")
        #expect(planned.contains { $0.hasPrefix("due 2026-12-02") }, "\(planned)")
        #expect(folder.files(in: folder.inbox).isEmpty)
        #expect(folder.files(in: folder.configuration.paths.rejected) == ["broken.json"])
        let log = folder.sendLog()
        #expect(log.contains { $0.contains("event=ingested") && $0.contains("invoice=F-1") && $0.contains("result=new") })
        #expect(log.contains { $0.contains("event=planned") && $0.contains("invoice=F-1") })
        #expect(log.contains { $0.contains("event=rejected") && $0.contains("file=broken.json") })
        // The events table keeps the same lines the send log got.
        let events = try await rows(fixture, "SELECT line FROM events WHERE invoice_id = 'F-1' ORDER BY id")
        #expect(events == log.filter { $0.contains("invoice=F-1") })

        // The same bytes again: a duplicate, nothing changes.
        try folder.drop("F-1 again.json", Self.invoice("F-1"))
        #expect(try await PostgresFixture.offThePool { pickup.scan() }.taken == 1)
        #expect(folder.sendLog().last?.contains("result=duplicate") == true)
        #expect(try await rows(fixture, "SELECT revision::text FROM invoices") == ["1"])

        // An amendment: revision 2, planned again for the new amount.
        try folder.drop("F-1 amended.json", Self.invoice("F-1", total: "1500.00"))
        #expect(try await PostgresFixture.offThePool { pickup.scan() }.taken == 1)
        #expect(try await rows(fixture, "SELECT revision || ' ' || owed_minor FROM invoices") == ["2 150000"])
        #expect(try await rows(fixture, "SELECT DISTINCT amount_minor::text FROM reminders WHERE invoice_id = 'F-1' AND state = 'planned'") == ["150000"])

        // A credit note for all of it: paid, its reminders cancelled.
        try folder.drop("AV-1.json", """
            {"version": 1, "kind": "credit-note", "id": "AV-1", "refersTo": "F-1", "issueDate": "2026-11-03", "currency": "EUR", "total": "1500.00"}
            """)
        #expect(try await PostgresFixture.offThePool { pickup.scan() }.taken == 1)
        #expect(try await rows(fixture, "SELECT state FROM invoices") == ["paid"])
        #expect(try await rows(fixture, "SELECT DISTINCT state FROM reminders WHERE invoice_id = 'F-1'") == ["cancelled"])
        #expect(folder.sendLog().contains { $0.contains("event=cancelled") && $0.contains("reason=paid") })

        // A credit note for an invoice nobody knows: rejected with its reason, nothing stored.
        try folder.drop("AV-2.json", """
            {"version": 1, "kind": "credit-note", "id": "AV-2", "refersTo": "F-404", "issueDate": "2026-11-03", "currency": "EUR", "total": "10.00"}
            """)
        #expect(try await PostgresFixture.offThePool { pickup.scan() }.taken == 1)
        #expect(folder.files(in: folder.configuration.paths.rejected).sorted() == ["AV-2.json", "broken.json"])
        #expect(try await rows(fixture, "SELECT name FROM source_files WHERE name = 'AV-2.json'").isEmpty)

        // A day later, a credit note for F-1 in another currency: rejected, and F-1, only read, is not rewritten.
        let before = try await rows(fixture, "SELECT updated_at::text FROM invoices WHERE id = 'F-1'")
        let later = try folder.pickup(fixture.store, at: now.addingTimeInterval(86_400))
        try folder.drop("AV-3.json", """
            {"version": 1, "kind": "credit-note", "id": "AV-3", "refersTo": "F-1", "issueDate": "2026-11-04", "currency": "USD", "total": "10.00"}
            """)
        #expect(try await PostgresFixture.offThePool { later.scan() }.taken == 1)
        #expect(folder.files(in: folder.configuration.paths.rejected).contains("AV-3.json"))
        #expect(try await rows(fixture, "SELECT updated_at::text FROM invoices WHERE id = 'F-1'") == before)
        await fixture.close()
    }

    @Test("One batch, files in order: an invoice and the credit note that settles it, an amendment, a file failing midway changes nothing and its hash is not kept")
    func oneBatch() async throws {
        let fixture = try await PostgresFixture()
        let folder = try Folder()
        let pickup = try folder.pickup(fixture.store, at: now)
        try folder.drop("a F-20.json", Self.invoice("F-20"))
        try folder.drop("b AV-20.json", """
            {"version": 1, "kind": "credit-note", "id": "AV-20", "refersTo": "F-20", "issueDate": "2026-11-03", "currency": "EUR", "total": "1250.00"}
            """)
        try folder.drop("c F-21.json", Self.invoice("F-21"))
        try folder.drop("d F-21 amended.json", Self.invoice("F-21", total: "900.00"))
        // Two documents, the second an amendment of F-20 in another currency: the file is taken whole or not at all.
        try folder.drop("e batch.csv", "id;issueDate;terms;currency;total;customerName;email\nF-22;2026-11-02;net 30;EUR;10;X;x@y.example\nF-20;2026-11-02;net 30;USD;10;X;x@y.example\n")
        let summary = try await PostgresFixture.offThePool { pickup.scan() }
        #expect(summary == SharedPickup.Summary(taken: 5, failed: false))
        #expect(try await rows(fixture, "SELECT id || ' ' || state || ' r' || revision || ' ' || owed_minor FROM invoices ORDER BY id")
                    == ["F-20 paid r1 125000", "F-21 open r2 90000"])
        #expect(try await rows(fixture, "SELECT COUNT(*)::text FROM reminders WHERE invoice_id = 'F-20' AND state = 'planned'") == ["0"])
        #expect(try await rows(fixture, "SELECT DISTINCT amount_minor::text FROM reminders WHERE invoice_id = 'F-21' AND state = 'planned'") == ["90000"])
        #expect(try await rows(fixture, "SELECT amount_minor || ' ' || source FROM payments") == ["125000 credit-note"])
        #expect(folder.files(in: folder.configuration.paths.rejected) == ["e batch.csv"])
        let reason = try String(contentsOfFile: folder.configuration.paths.rejected + "/e batch.csv.reason", encoding: .utf8)
        #expect(reason.contains("document 2: currency: the invoice F-20 was ingested in EUR"), "\(reason)")
        #expect(try await rows(fixture, "SELECT name FROM source_files ORDER BY name") == ["a F-20.json", "b AV-20.json", "c F-21.json", "d F-21 amended.json"])
        // The send log has the batch's lines in file order, and the events table the same ones.
        let log = folder.sendLog().filter { !$0.contains("event=rejected") }
        #expect(try await rows(fixture, "SELECT line FROM events ORDER BY id") == log)
        let events = log.map { line in line.split(separator: " ").first { $0.hasPrefix("event=") }.map { String($0.dropFirst(6)) } ?? "" }
        #expect(events == ["ingested", "planned", "ingested", "paid", "cancelled", "ingested", "planned", "ingested", "planned"], "\(log)")
        #expect(log.map { $0.contains("invoice=F-20") ? "20" : "21" } == ["20", "20", "20", "20", "20", "21", "21", "21", "21"], "\(log)")

        // Mended and dropped again: taken.
        try folder.drop("e batch.csv", "id;issueDate;terms;currency;total;customerName;email\nF-22;2026-11-02;net 30;EUR;10;X;x@y.example\n")
        #expect(try await PostgresFixture.offThePool { pickup.scan() }.taken == 1)
        #expect(try await rows(fixture, "SELECT state FROM invoices WHERE id = 'F-22'") == ["open"])
        await fixture.close()
    }

    @Test("A claimed reminder is never replanned: an amendment leaves the row another instance holds")
    func claimedRowsStay() async throws {
        let fixture = try await PostgresFixture()
        let folder = try Folder()
        let pickup = try folder.pickup(fixture.store, at: now)
        try folder.drop("F-7.json", Self.invoice("F-7"))
        _ = try await PostgresFixture.offThePool { pickup.scan() }
        let later = now.addingTimeInterval(40 * 86_400)
        let lease = try #require(try await fixture.store.transaction("claim") { try await SharedQueue(owner: "other").claimDue(at: later, limit: 1, on: $0) }.first)
        try folder.drop("F-7 amended.json", Self.invoice("F-7", total: "1300.00"))
        _ = try await PostgresFixture.offThePool { pickup.scan() }
        let row = try await fixture.reminder(lease.reminderID)
        #expect(row.state == "planned")
        #expect(row.owner == "other", "the claimed row is still the other instance's")
        await fixture.close()
    }

    @Test("Two instances scanning one shared folder at the same moment: every file committed once, every file filed once")
    func sharedFolder() async throws {
        let fixture = try await PostgresFixture()
        let other = try fixture.instance()
        let folder = try Folder()
        let total = 300
        for n in 0..<total { try folder.drop("F-\(n).json", Self.invoice("F-\(n)", customer: "C-\(n)")) }
        let a = try folder.pickup(fixture.store, at: now), b = try folder.pickup(other, at: now)
        let summaries = Mutex<[SharedPickup.Summary]>([])
        try await PostgresFixture.offThePool {
            let group = DispatchGroup()
            for pickup in [a, b] {
                group.enter()
                Thread {
                    let summary = pickup.scan()
                    summaries.withLock { $0.append(summary) }
                    group.leave()
                }.start()
            }
            group.wait()
        }
        let done = summaries.withLock { $0 }
        #expect(done.allSatisfy { !$0.failed }, "\(done)")
        #expect(done.map(\.taken).reduce(0, +) == total, "each file filed by exactly one instance: \(done)")
        #expect(try await rows(fixture, "SELECT COUNT(*)::text FROM invoices") == ["\(total)"])
        #expect(try await rows(fixture, "SELECT COUNT(*)::text FROM source_files") == ["\(total)"])
        #expect(try await rows(fixture, "SELECT MAX(revision)::text FROM invoices") == ["1"], "no invoice taken twice")
        #expect(try await rows(fixture, "SELECT COUNT(*)::text FROM events WHERE event = 'ingested' AND line LIKE '%result=new%'") == ["\(total)"])
        #expect(folder.files(in: folder.inbox).isEmpty)
        #expect(folder.files(in: folder.configuration.paths.archive).count == total)
        await other.close()
        await fixture.close()
    }
}
