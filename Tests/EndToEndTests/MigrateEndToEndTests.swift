import Foundation
import RelanceTestSupport
import Testing

/// `relance migrate --to postgresql://…` through the binary, into a private PostgreSQL server:
/// a store with invoices, reminders, sends and payments copied and counted, the rows the same on
/// both sides, a second copy refused (the target is no longer empty), a plain connection refused
/// towards another machine.
@Suite("relance migrate into PostgreSQL", .ownThread, .serialized, .enabled(if: PSQL.available))
struct MigrateEndToEndTests {
    @Test("A SQLite store is copied into an empty PostgreSQL store, every table counted; a second copy is refused")
    func copies() throws {
        let sandbox = try Sandbox()
        for n in 1...6 {
            try sandbox.drop("F-\(n).json", Sandbox.invoice(id: "F-\(n)", issued: "2026-10-01", due: "2026-10-31", customer: "C-\(n)",
                                                            email: "ap@c\(n).example"))
        }
        #expect(try sandbox.run(["run", "--once", "--now", "2026-11-09T10:00:00+01:00"]).status == 0)
        #expect(try sandbox.run(["paid", "F-2", "--now", "2026-11-10T10:00:00+01:00"]).status == 0)
        let database = sandbox.state + "/relance.sqlite"
        let sqlite = { (sql: String) throws -> String in
            try RelanceBinary.runTool("/usr/bin/sqlite3", [database, sql]).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        let server = try ScriptedServer(script: "postgres-instance")
        let url = "postgresql://relance@127.0.0.1:\(server.port)/postgres"
        let copied = try RelanceBinary.run(["migrate", "--to", url, "--tls", "none", "--config", sandbox.config],
                                           environment: ["RELANCE_STORE_PASSWORD": "s3cret"])
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(copied.stdout.contains("every table's count verified"), "\(copied.stdout)")
        #expect(copied.stdout.contains("invoices"))
        for table in ["invoices", "reminders", "payments", "events", "source_files"] {
            let rows = try sqlite("SELECT COUNT(*) FROM \(table)")
            #expect(Int(rows) ?? 0 > 0, "\(table) has rows to copy")
            #expect(try PSQL.run(port: server.port, "SELECT COUNT(*) FROM \(table)") == rows, "\(table)")
        }
        // The rows themselves, not only their number.
        let query = "SELECT id || '|' || state || '|' || owed_minor || '|' || document FROM invoices ORDER BY id"
        #expect(try PSQL.run(port: server.port, query) == (try sqlite(query)))
        let reminders = "SELECT id || '|' || invoice_id || '|' || step || '|' || state || '|' || send_at FROM reminders ORDER BY id"
        #expect(try PSQL.run(port: server.port, reminders) == (try sqlite(reminders)))
        // The planner has statistics for what was copied, before autovacuum would come.
        for table in ["invoices", "reminders", "payments", "events"] {
            #expect(try PSQL.run(port: server.port, "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = '\(table)'") == "t",
                    "\(table) analyzed")
        }
        // New rows get ids after the copied ones.
        let next = try PSQL.run(port: server.port, "SELECT nextval(pg_get_serial_sequence('reminders', 'id'))")
        #expect(Int(next) ?? 0 > Int(try sqlite("SELECT MAX(id) FROM reminders")) ?? .max)

        let again = try RelanceBinary.run(["migrate", "--to", url, "--tls", "none", "--config", sandbox.config],
                                          environment: ["RELANCE_STORE_PASSWORD": "s3cret"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("is not empty"), "\(again.stderr)")

        let remote = try RelanceBinary.run(["migrate", "--to", "postgresql://relance@db.example.com/x", "--tls", "none", "--config", sandbox.config])
        #expect(remote.status == 2)
        #expect(remote.stderr.contains("only towards this machine"), "\(remote.stderr)")
        let wrong = try RelanceBinary.run(["migrate", "--to", url.replacingOccurrences(of: "/postgres", with: "/template1"), "--tls", "none",
                                           "--config", sandbox.config], environment: ["RELANCE_STORE_PASSWORD": "wrong"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("password authentication failed"), "\(wrong.stderr)")
    }
}
