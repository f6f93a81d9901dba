import Foundation
import Logging
import RelanceConfig
import RelanceCore
import RelanceDaemon
import RelanceStore
import RelanceTestSupport
import RelanceTransport
import Testing

/// The statements the daemon runs find their rows through an index. Checked on the plans SQLite
/// makes, which without `ANALYZE` statistics are the same for the four example invoices as for
/// 1,000,000: one statement that walked every open invoice once cost a quarter of a second of
/// the 1,000,000-invoice cycle, and nothing but a timing showed it.
@Suite("Query plans", .ownThread)
struct QueryPlanTests {
    /// Tables that stay small whatever the store holds, or that a statement only reads once
    /// (`json_each`: the list of ids a statement is given, as with a chunk's invoices).
    static let smallTables: Set<String> = ["sqlite_master", "grdb_migrations", "CONSTANT ROW", "json_each"]

    /// What in one plan line means "reads rows it does not need", or nil.
    static func problem(_ line: String, sql: String) -> String? {
        if line.hasPrefix("SCAN ") {
            let table = String(line.dropFirst(5).prefix { $0 != " " })
            // An EXISTS over an index (the partial index of its condition, or a whole table's) stops at its first row.
            let stopsAtFirst = line.contains(" INDEX ") && sql.hasPrefix("SELECT EXISTS")
            if !Self.smallTables.contains(table) && !(table == "CONSTANT" && line == "SCAN CONSTANT ROW") && !stopsAtFirst {
                return "walks the whole table \(table)"
            }
        }
        // Every open invoice, every planned reminder: a state's index walked for what another column names.
        if line.contains("USING INDEX invoices_state") { return "walks every invoice in a state" }
        if line.contains("(state=?)"), sql.contains("invoice_id = ?") || sql.contains("id = ?") {
            return "walks every row in a state instead of the invoice's own"
        }
        return nil
    }

    @Test("ninety days of cycles over the examples, with a bank statement: every statement finds its rows through an index")
    func cycleStatementsUseIndexes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("relance-plans-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for sub in ["inbox", "state", "payments"] { try FileManager.default.createDirectory(atPath: folder + "/" + sub, withIntermediateDirectories: true) }
        let examples = TestServer.packageRoot + "/config/examples"
        for name in try FileManager.default.contentsOfDirectory(atPath: examples) where name.hasSuffix(".json") {
            try FileManager.default.copyItem(atPath: examples + "/" + name, toPath: folder + "/inbox/" + name)
        }
        var text = try String(contentsOfFile: TestServer.packageRoot + "/config/relance.toml", encoding: .utf8)
        text = text.replacingOccurrences(of: "../.demo/", with: "").replacingOccurrences(of: "templates = \"templates\"", with: "")
        let configuration = try ConfigurationLoader.parse(text, file: folder + "/relance.toml")
        let path = folder + "/state/relance.sqlite"
        // Created (and migrated) first: the migrations' one-off statements are not the daemon's.
        _ = try Store(path: path)
        let recorder = StatementRecorder()
        let store = try Store(path: path, recorder: recorder)
        let zone = configuration.company.timeZone
        var day = LocalDate(iso: "2025-10-01")!
        var sent = 0
        for step in 0..<30 {
            let now = ZonedDateTime.instant(of: day, at: WallClockTime(hour: 10, minute: 0)!, in: zone)
            let context = DaemonContext(configuration: configuration, store: store, sendLog: SendLog(discarding: ()),
                                        transport: try OutboxTransport(directory: folder + "/state/outbox"), clock: FixedClock(now),
                                        logger: Logger(label: "plans"))
            if step == 0 { #expect(Pickup(context: context).scan() == 4) }
            if step == 14 {
                try FileManager.default.copyItem(atPath: examples + "/bank/camt053-2025-11-25.xml", toPath: folder + "/payments/camt.xml")
                _ = PaymentPickup(context: context).scan()
            }
            sent += try Cycle(context: context).run().sent
            day = day.adding(days: 3)
        }
        #expect(sent >= 8, "the examples went through their chase")
        let statements = recorder.statements.filter { sql in ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH"].contains { sql.hasPrefix($0) } }
        #expect(statements.count > 40)
        for sql in statements.sorted() {
            for line in try store.queryPlan(sql) {
                if let problem = Self.problem(line, sql: sql) { Issue.record("\(problem): \(line)\n\(sql)") }
            }
        }
    }

    @Test("the rule sees a walk: a whole table, a state's index for one invoice, every open invoice")
    func ruleSeesWalks() {
        #expect(Self.problem("SCAN reminders", sql: "SELECT * FROM reminders WHERE detail = ?") != nil)
        #expect(Self.problem("SEARCH promises USING INDEX promises_pending (state=?)", sql: "SELECT * FROM promises WHERE invoice_id = ? AND state = 'broken'") != nil)
        #expect(Self.problem("SEARCH invoices USING INDEX invoices_state (state=?)", sql: "SELECT * FROM invoices WHERE notice_deadline < ? AND state = 'open'") != nil)
        #expect(Self.problem("SEARCH reminders USING INDEX sqlite_autoindex_reminders_1 (invoice_id=?)", sql: "SELECT * FROM reminders WHERE invoice_id = ?") == nil)
        #expect(Self.problem("SCAN CONSTANT ROW", sql: "SELECT EXISTS (SELECT 1 FROM tasks WHERE state = 'open')") == nil)
        #expect(Self.problem("SCAN send_batches", sql: "SELECT EXISTS (SELECT 1 FROM send_batches WHERE finished_at IS NULL)") != nil)
        #expect(Self.problem("SCAN send_batches USING INDEX send_batches_unfinished", sql: "SELECT EXISTS (SELECT 1 FROM send_batches WHERE finished_at IS NULL)") == nil)
    }
}
