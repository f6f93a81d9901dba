import Foundation
import RelanceTestSupport
import Testing

/// The commands that already work on a `[store]` PostgreSQL store, through the binary and a private
/// PostgreSQL server: `migrate` takes its target from the table, `status` lists the instances with
/// their heartbeat, leases and counters (text and JSON), `status` shows the invoices as it does on
/// SQLite, and so do `plan` and `report`; `metrics` gives the instances' counters (`run` on it: SharedRunEndToEndTests).
@Suite("Commands on a shared PostgreSQL store", .ownThread, .serialized, .enabled(if: PSQL.available))
struct SharedStoreCommandsTests {
    @Test("status and metrics list the instances; migrate uses [store]; the invoices' status, plan and report read as on SQLite")
    func instances() throws {
        let sandbox = try Sandbox()
        for n in 1...3 {
            try sandbox.drop("F-\(n).json", Sandbox.invoice(id: "F-\(n)", issued: "2026-10-01", due: "2026-10-31", customer: "C-\(n)",
                                                            email: "ap@c\(n).example"))
        }
        #expect(try sandbox.run(["run", "--once", "--now", "2026-11-02T08:00:00+01:00"]).status == 0)
        // What the invoices' views say on the SQLite store, to compare with the same views on the copy in PostgreSQL.
        let views = [["status", "F-1"], ["status", "F-2", "--json"], ["status", "--all", "--json"], ["status", "--customer", "C-3"],
                     ["plan"], ["plan", "--from", "2026-11-10", "--to", "2026-11-20", "--json"], ["report"], ["report", "--json", "--as-of", "2026-11-04"]]
        let local = try views.map { try sandbox.run($0 + ["--now", "2026-11-05T10:00:00+01:00"]) }
        #expect(local.allSatisfy { $0.status == 0 })
        let server = try ScriptedServer(script: "postgres-instance")
        let passwordFile = sandbox.root + "/store-password"
        func writePassword(_ text: String) throws {
            try text.write(toFile: passwordFile, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passwordFile)
        }
        try writePassword("s3cret\n")
        let table = """

            [store]
            url = "postgresql://relance@127.0.0.1:\(server.port)/postgres"
            tls = "none"
            password_file = "store-password"
            """
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: sandbox.config))
        handle.seekToEndOfFile()
        handle.write(Data(table.utf8))
        try handle.close()

        let checked = try sandbox.run(["check"])
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stdout.contains("store: postgresql://relance@127.0.0.1:\(server.port)/postgres, shared (docs/shared-store.md)"), "\(checked.stdout)")

        // Before any schema: said, not a SQL error.
        let empty = try sandbox.run(["status"])
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("has no relance schema"), "\(empty.stderr)")

        let copied = try sandbox.run(["migrate", "--now", "2026-11-02T08:05:00+01:00"])
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(copied.stdout.contains("every table's count verified"), "\(copied.stdout)")

        // Two instances, one holding a lease, as the shared sender leaves them (heartbeats at 08:09:30 and 08:00:00, Paris time).
        _ = try PSQL.run(port: server.port, """
            INSERT INTO instances (name, host, pid, started_at, heartbeat_at, sent, deferred, uncertain, reaped) VALUES
              ('paris-1.1', 'paris', 4242, 1793602800, 1793603370, 17, 2, 1, 0),
              ('lyon-2.1', 'lyon', 77, 1793602800, 1793602800, 5, 0, 0, 3);
            UPDATE reminders SET lease_owner = 'paris-1.1', lease_expires_at = 1793603430 WHERE id = (SELECT MIN(id) FROM reminders);
            """)
        let status = try sandbox.run(["status", "--now", "2026-11-02T08:10:00+01:00"])
        #expect(status.status == 0, "\(status.stderr)")
        let lines = status.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(status.stdout)")
        #expect(lines.first?.hasPrefix("INSTANCE") == true)
        let lyon = try #require(lines.first { $0.hasPrefix("lyon-2.1") })
        let paris = try #require(lines.first { $0.hasPrefix("paris-1.1") })
        #expect(lyon.contains("(600 s ago)"), "\(lyon)")
        #expect(paris.contains("(30 s ago)"), "\(paris)")
        #expect(paris.split(separator: " ", omittingEmptySubsequences: true).suffix(6) == ["1", "17", "2", "0", "1", "0"], "\(paris)")

        let json = try sandbox.run(["status", "--json", "--now", "2026-11-02T08:10:00+01:00"])
        #expect(json.status == 0)
        #expect(json.stdout.contains("\"name\": \"paris-1.1\""), "\(json.stdout)")
        #expect(json.stdout.contains("\"heartbeatAgeSeconds\": 30"))
        #expect(json.stdout.contains("\"leasesHeld\": 1"))

        let metrics = try sandbox.run(["metrics"])
        #expect(metrics.status == 0, "\(metrics.stderr)")
        #expect(metrics.stdout.contains("relance_instance_sent_total{instance=\"paris-1.1\"} 17"), "\(metrics.stdout)")
        #expect(metrics.stdout.contains("relance_instance_reaped_total{instance=\"lyon-2.1\"} 3"))
        #expect(metrics.stdout.contains("relance_instance_leases{instance=\"paris-1.1\"} 1"))
        #expect(metrics.stdout.contains("relance_instance_heartbeat_timestamp_seconds{instance=\"lyon-2.1\"} 1793602800"))
        let textfile = sandbox.root + "/prom"
        #expect(try sandbox.run(["metrics", "--textfile", textfile]).status == 0)
        #expect(try String(contentsOfFile: textfile + "/relance.prom", encoding: .utf8) == metrics.stdout)

        // One invoice, a customer's, every one: the same text and JSON as on the SQLite store, which is
        // moved away meanwhile (read from PostgreSQL, not from the state directory).
        let sqlite = sandbox.state + "/relance.sqlite"
        try FileManager.default.moveItem(atPath: sqlite, toPath: sqlite + ".aside")
        defer { try? FileManager.default.moveItem(atPath: sqlite + ".aside", toPath: sqlite) }
        #expect(local.prefix(6).allSatisfy { $0.stdout.contains("F-") } && local.suffix(2).allSatisfy { $0.stdout.contains("EUR") },
                "\(local.map(\.stdout))")
        for (view, expected) in zip(views, local) {
            let shared = try sandbox.run(view + ["--now", "2026-11-05T10:00:00+01:00"])
            #expect(shared.status == 0, "\(view): \(shared.stderr)")
            #expect(shared.stdout == expected.stdout, "\(view)")
        }
        let unknown = try sandbox.run(["status", "F-404"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no invoice F-404"), "\(unknown.stderr)")

        // TLS, verified against the server's own CA from ca_file (the name its certificate carries: localhost).
        let plain = try String(contentsOfFile: sandbox.config, encoding: .utf8)
        try plain.replacingOccurrences(of: "url = \"postgresql://relance@127.0.0.1:", with: "url = \"postgresql://relance@localhost:")
            .replacingOccurrences(of: "tls = \"none\"", with: "ca_file = \"\(server.folder)/ca.pem\"")
            .write(toFile: sandbox.config, atomically: true, encoding: .utf8)
        let verified = try sandbox.run(["status", "--now", "2026-11-02T08:10:00+01:00"])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("paris-1.1"), "\(verified.stdout)")

        // A wrong password from the file: the server's words.
        try writePassword("wrong\n")
        let refused = try sandbox.run(["status"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("password authentication failed"), "\(refused.stderr)")
    }
}
