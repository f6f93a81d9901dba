import Foundation
import RelanceTestSupport
import Testing

/// `status` filters, `report` (text, JSON, HTML) and `metrics` on a history
/// built by the real binary over three months of time travel. The expected
/// figures are worked out by hand in the comments.
@Suite("receivables insight", .ownThread, .serialized)
struct InsightEndToEndTests {
    /// Acme: K-1 1000.00 due 1 Oct paid 5 Oct; K-2 500.00 due 31 Oct, unpaid.
    /// Bolt: K-3 2000.00 2/10 n/30 paid 1960.00 on 20 Oct (discount); K-4 300.00 due 2 Dec.
    static func history() throws -> Sandbox {
        let box = try Sandbox(minGapDays: 0)
        try FileManager.default.createDirectory(atPath: box.root + "/metrics", withIntermediateDirectories: true)
        func cycle(_ now: String) throws {
            let result = try box.run(["run", "--once", "--now", now])
            #expect(result.status == 0, "\(result.stderr)")
        }
        try box.drop("k1.json", Sandbox.invoice(id: "K-1", issued: "2026-09-01", terms: "net 30", total: "1000.00", customer: "Acme", email: "ap@acme.example"))
        try cycle("2026-09-01T12:00:00+02:00")
        try box.drop("k2.json", Sandbox.invoice(id: "K-2", issued: "2026-10-01", terms: "net 30", total: "500.00", customer: "Acme", email: "ap@acme.example"))
        try cycle("2026-10-01T10:00:00+02:00")  // K-1's "due" reminder goes out
        #expect(try box.run(["paid", "K-1", "--date", "2026-10-05", "--now", "2026-10-05T12:00:00+02:00"]).status == 0)
        try box.drop("k3.json", Sandbox.invoice(id: "K-3", issued: "2026-10-15", terms: "2/10 n/30", total: "2000.00", customer: "Bolt", email: "ap@bolt.example"))
        try cycle("2026-10-15T12:00:00+02:00")
        #expect(try box.run(["paid", "K-3", "--date", "2026-10-20", "--now", "2026-10-20T12:00:00+02:00"]).status == 0)
        try box.drop("k4.json", Sandbox.invoice(id: "K-4", issued: "2026-11-02", terms: "net 30", total: "300.00", customer: "Bolt", email: "ap@bolt.example"))
        try cycle("2026-11-02T10:00:00+01:00")  // K-2's "due" reminder (31 Oct is a Saturday, 1 Nov a holiday)
        return box
    }

    @Test("report --json: aging, DSO both ways, customer scores, reminder effectiveness and discount uptake")
    func report() throws {
        let box = try Self.history()
        let result = try box.run(["report", "--json", "--as-of", "2026-11-20", "--now", "2026-11-20T12:00:00+01:00"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try result.json()
        #expect(json["asOf"] as? String == "2026-11-20")
        let aging = try #require((json["aging"] as? [[String: Any]])?.first)
        #expect(aging["currency"] as? String == "EUR")
        #expect(aging["notDue"] as? String == "300.00")      // K-4
        #expect(aging["late1to30"] as? String == "500.00")   // K-2, 20 days late
        #expect(aging["late31to60"] as? String == "0.00" && aging["lateOver90"] as? String == "0.00")

        let dso = try #require(json["dso"] as? [[String: Any]])
        #expect(dso.map { $0["month"] as? String ?? "" } == ["2026-09", "2026-10", "2026-11"])
        // September: 1000 open × 30 ÷ 1000 invoiced = 30.0 both ways.
        #expect(dso[0]["simple"] as? String == "30.0" && dso[0]["countback"] as? String == "30.0")
        // October: 500 open (K-2) × 31 ÷ 2500 invoiced = 6.2; countback 500 of October's 2500 → 6.2.
        #expect(dso[1]["simple"] as? String == "6.2" && dso[1]["countback"] as? String == "6.2")
        // November to the 20th: 800 × 20 ÷ 300 = 53.3; countback 300 (20 days) + 500/2500 × 31 = 26.2.
        #expect(dso[2]["simple"] as? String == "53.3" && dso[2]["countback"] as? String == "26.2")

        let customers = try #require(json["customers"] as? [[String: Any]])
        let bolt = try #require(customers.first { $0["name"] as? String == "Client Bolt" })
        let acme = try #require(customers.first { $0["name"] as? String == "Client Acme" })
        #expect(customers.first?["name"] as? String == "Client Bolt")  // the largest first
        #expect(bolt["invoiced"] as? String == "2300.00" && bolt["share"] as? String == "0.605")
        #expect(bolt["onTimeShare"] as? String == "1.000" && bolt["avgDaysLate"] as? String == "0.0" && bolt["score"] as? String == "A")
        // Acme: K-1 4 days late, K-2 20 days late and open → 0 % on time, 12.0 days on average: grade C.
        #expect(acme["invoiced"] as? String == "1500.00" && acme["share"] as? String == "0.395")
        #expect(acme["onTimeShare"] as? String == "0.000" && acme["avgDaysLate"] as? String == "12.0" && acme["score"] as? String == "C")
        #expect(acme["id"] as? String == "id:Acme")

        // "due" went to K-1 (paid 4 days later) and K-2 (unpaid after 18 days): 1 of 2.
        let steps = try #require(json["reminders"] as? [[String: Any]])
        let due = try #require(steps.first { $0["step"] as? String == "due" })
        #expect(due["sent"] as? Int == 2 && due["paidWithin7Days"] as? Int == 1 && due["share"] as? String == "0.500")
        let discounts = try #require((json["discounts"] as? [[String: Any]])?.first)
        #expect(discounts["offered"] as? Int == 1 && discounts["taken"] as? Int == 1 && discounts["cost"] as? String == "40.00")

        // As of 3 October the payment of 5 October is not known yet: K-1 is 2 days late.
        let past = try (try box.run(["report", "--json", "--as-of", "2026-10-03", "--now", "2026-11-20T12:00:00+01:00"])).json()
        let pastAging = try #require((past["aging"] as? [[String: Any]])?.first)
        #expect(pastAging["late1to30"] as? String == "1000.00" && pastAging["notDue"] as? String == "500.00")

        let text = try box.run(["report", "--as-of", "2026-11-20", "--now", "2026-11-20T12:00:00+01:00"])
        #expect(text.stdout.contains("top 2 in EUR (100.0 % of invoiced): Client Bolt, Client Acme"))
    }

    @Test("report --html writes one self-contained page with three charts")
    func html() throws {
        let box = try Self.history()
        let page = box.root + "/report.html"
        let result = try box.run(["report", "--html", page, "--now", "2026-11-20T12:00:00+01:00"])
        #expect(result.status == 0, "\(result.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.components(separatedBy: "<svg ").count - 1 == 3)
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href="))
        #expect(html.contains("Client Bolt"))
        #expect(try box.run(["report", "--html", "/nonexistent/dir/r.html", "--now", "2026-11-20T12:00:00+01:00"]).status == 1)
    }

    @Test("status: open invoices by default with days late and state; filters by customer and state")
    func status() throws {
        let box = try Self.history()
        let now = "2026-11-20T12:00:00+01:00"
        let open = try #require(try box.run(["status", "--json", "--now", now]).json()["invoices"] as? [[String: Any]])
        #expect(open.map { $0["id"] as? String ?? "" }.sorted() == ["K-2", "K-4"])
        let k2 = try #require(open.first { $0["id"] as? String == "K-2" })
        #expect(k2["daysLate"] as? Int == 20 && k2["state"] as? String == "planned" && k2["amountDue"] as? String == "500.00")
        let acme = try #require(try box.run(["status", "--json", "--customer", "acme", "--now", now]).json()["invoices"] as? [[String: Any]])
        #expect(acme.map { $0["id"] as? String ?? "" } == ["K-2"])
        #expect(try box.run(["pause", "K-4", "--until", "2026-12-10", "--now", now]).status == 0)
        let paused = try #require(try box.run(["status", "--json", "--state", "paused", "--now", now]).json()["invoices"] as? [[String: Any]])
        #expect(paused.map { $0["id"] as? String ?? "" } == ["K-4"])
        #expect(paused.first?["pausedUntil"] as? String == "2026-12-10")
        let paid = try #require(try box.run(["status", "--json", "--state", "paid", "--now", now]).json()["invoices"] as? [[String: Any]])
        #expect(paid.map { $0["id"] as? String ?? "" }.sorted() == ["K-1", "K-3"])
        let table = try box.run(["status", "--now", now])
        #expect(table.stdout.contains("DAYS LATE") && table.stdout.contains("sent 2026-11-02"))
        let wrong = try box.run(["status", "--state", "lost", "--now", now])
        #expect(wrong.status != 0 && wrong.stderr.contains("not one of"))
    }

    @Test("metrics --textfile writes relance.prom in the Prometheus text format")
    func metrics() throws {
        let box = try Self.history()
        let folder = box.root + "/metrics"
        #expect(try box.run(["metrics", "--textfile", folder, "--now", "2026-11-20T12:00:00+01:00"]).status == 0)
        let text = try String(contentsOfFile: folder + "/relance.prom", encoding: .utf8)
        #expect(text.contains("# TYPE relance_open_receivables gauge\nrelance_open_receivables{currency=\"EUR\"} 800.00\n"))
        #expect(text.contains("relance_open_invoices{currency=\"EUR\"} 2\n"))
        #expect(text.contains("relance_reminders{state=\"sent\"} 2\n"))
        // The last cycle ran at 2026-11-02T10:00:00+01:00 = 1793610000.
        #expect(text.contains("relance_last_cycle_timestamp_seconds 1793610000\n"))
        #expect(text.contains("relance_last_successful_send_timestamp_seconds 179361"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/.relance.prom.tmp"))
        // Every line is a comment or `name{labels} value`.
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.range(of: #"^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.]+$"#, options: .regularExpression) != nil, "\(line)")
        }
        // The half-years the rate table lacks are said loudly (the built-in table ends with 2025).
        #expect(text.contains("relance_reference_rate_missing{series=\"ECB\",half_year=\"2026-01-01\"} 1\n"))
        #expect(text.contains("relance_reference_rate_missing{series=\"ECB\",half_year=\"2026-07-01\"} 1\n"))
        let printed = try box.run(["metrics", "--now", "2026-11-20T12:00:00+01:00"])
        #expect(printed.stdout == text)

        // With [paths] metrics_dir, each cycle writes the file itself.
        let configured = try String(contentsOfFile: box.config, encoding: .utf8)
            .replacingOccurrences(of: "[paths]\n", with: "[paths]\nmetrics_dir = \"daemon-metrics\"\n")
        try configured.write(toFile: box.config, atomically: true, encoding: .utf8)
        #expect(try box.run(["run", "--once", "--now", "2026-11-20T12:00:00+01:00"]).status == 0)
        let written = try String(contentsOfFile: box.root + "/daemon-metrics/relance.prom", encoding: .utf8)
        #expect(written.contains("relance_last_cycle_timestamp_seconds 1795172400\n"))
    }
}
