import Foundation
import RelanceTestSupport
import Testing

@Suite("relance binary: version, check, preview", .ownThread, .serialized)
struct PreviewEndToEndTests {
    static let config = RelanceBinary.packageRoot + "/config/relance.toml"
    static let examples = RelanceBinary.packageRoot + "/config/examples"

    @Test("--version names libcurl and its mail protocols")
    func version() throws {
        let result = try RelanceBinary.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("relance "))
        #expect(result.stdout.contains("libcurl 7.") || result.stdout.contains("libcurl 8."))
        let protocols = Set(result.stdout.split(separator: "\n").first { $0.hasPrefix("protocols:") }?.split(separator: " ").map(String.init) ?? [])
        #expect(protocols.isSuperset(of: ["smtp", "smtps", "imap", "imaps"]))
    }

    @Test("check accepts the example and rejects a broken file with lines, exit 1")
    func check() throws {
        let ok = try RelanceBinary.run(["check", "--config", Self.config])
        #expect(ok.status == 0)
        let broken = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID().uuidString).toml").path
        defer { try? FileManager.default.removeItem(atPath: broken) }
        let text = try String(contentsOfFile: Self.config, encoding: .utf8)
            .replacingOccurrences(of: #"send_time = "09:30""#, with: #"send_time = "9h30""#)
        try text.write(toFile: broken, atomically: true, encoding: .utf8)
        let bad = try RelanceBinary.run(["check", "--config", broken])
        #expect(bad.status == 1)
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("9h30") }! + 1
        #expect(bad.stderr.contains("\(broken):\(line): schedule.send_time: \"9h30\" is not a time HH:MM"), "\(bad.stderr)")
        // $RELANCE_CONFIG is the default file.
        #expect(try RelanceBinary.run(["check"], environment: ["RELANCE_CONFIG": Self.config]).status == 0)
    }

    @Test("check renders every template of every policy step and names unknown variables")
    func checkTemplates() throws {
        let box = try Sandbox(extra: "")
        try FileManager.default.createDirectory(atPath: box.root + "/templates/de", withIntermediateDirectories: true)
        try "Hallo {{kundenName}}".write(toFile: box.root + "/templates/de/final.text.mustache", atomically: true, encoding: .utf8)
        let text = try String(contentsOfFile: box.config, encoding: .utf8)
            .replacingOccurrences(of: "send_log = \"send.log\"", with: "send_log = \"send.log\"\ntemplates = \"templates\"")
        try text.write(toFile: box.config, atomically: true, encoding: .utf8)
        let result = try box.run(["check"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("templates/de/final.text.mustache: unknown variable {{kundenName}}"), "\(result.stderr)")
        try FileManager.default.removeItem(atPath: box.root + "/templates/de/final.text.mustache")
        #expect(try box.run(["check"]).status == 0)
    }

    @Test("preview --json plans the examples as the contract describes")
    func previewJSON() throws {
        let result = try RelanceBinary.run(["preview", Self.examples + "/F-2025-0042.json", "--config", Self.config, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try result.json()
        let invoices = try #require(json["invoices"] as? [[String: Any]])
        #expect((json["rejected"] as? [Any])?.isEmpty == true)
        let first = try #require(invoices.first)
        let invoice = try #require(first["invoice"] as? [String: Any])
        #expect(invoice["id"] as? String == "F-2025-0042")
        #expect(invoice["issueDate"] as? String == "2025-11-03")
        #expect(invoice["dueDate"] as? String == "2025-12-03")
        #expect(invoice["total"] as? String == "1250.00")
        #expect(invoice["amountDue"] as? String == "1250.00")
        let terms = try #require(invoice["terms"] as? [String: Any])
        #expect(terms["netDays"] as? Int == 30)
        let discount = try #require((terms["discounts"] as? [[String: Any]])?.first)
        #expect(discount["percent"] as? String == "2")
        #expect(discount["deadline"] as? String == "2025-11-13")
        #expect(discount["amount"] as? String == "25.00")
        #expect(discount["payable"] as? String == "1225.00")
        let plan = try #require(first["plan"] as? [[String: Any]])
        #expect(plan.map { $0["step"] as? String } == ["discount-ending", "courtesy", "due", "first", "second", "final", "formal-notice"])
        // discount-2 = 11 November 2025, Armistice Day: moved to Wednesday 12 November.
        #expect(plan[0]["sendAt"] as? String == "2025-11-12T09:30:00+01:00")
        #expect((plan[0]["discount"] as? [String: Any])?["payable"] as? String == "1225.00")
        // due+30 = Friday 2 January 2026.
        #expect(plan[5]["date"] as? String == "2026-01-02")
        #expect(plan[5]["kind"] as? String == "final")
    }

    @Test("preview --now leaves out past steps; a rejected file gives exit 2 and the others still print")
    func previewWithRejection() throws {
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: bad) }
        try #"{"id": "X-1", "issueDate": "2026-01-05", "currency": "EUR", "total": "10.00", "terms": "n/30", "customer": {"name": "A\r\nBcc: x@y.example", "email": "a@b"}}"#
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let result = try RelanceBinary.run([
            "preview", Self.examples + "/F-2025-0042.json", bad, "--config", Self.config, "--json", "--now", "2025-12-01T12:00:00+01:00",
        ])
        #expect(result.status == 2)
        let json = try result.json()
        let plan = try #require(((json["invoices"] as? [[String: Any]])?.first?["plan"]) as? [[String: Any]])
        #expect(plan.map { $0["step"] as? String } == ["due", "first", "second", "final", "formal-notice"])
        let rejected = try #require((json["rejected"] as? [[String: Any]])?.first)
        #expect(rejected["file"] as? String == bad)
        let errors = rejected["errors"] as? [String] ?? []
        #expect(errors.contains("customer.name: contains a line break (CR/LF) or control character"))
        #expect(errors.contains { $0.hasPrefix("customer.email: \"a@b\" is not an e-mail address") })
    }

    @Test("the table output is readable and names every invoice")
    func previewTable() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.examples).filter { $0.hasSuffix(".json") }.sorted()
        let result = try RelanceBinary.run(["preview"] + files.map { Self.examples + "/" + $0 } + ["--config", Self.config, "--now", "2025-11-03"])
        #expect(result.status == 0, "\(result.stderr)")
        for id in ["F-2025-0042", "F-2025-0051", "INV-7781"] { #expect(result.stdout.contains(id)) }
        #expect(result.stdout.contains("STEP"))
        #expect(result.stdout.contains("discount 2 % until 2025-11-13"))
    }

    @Test("preview --json shows the statutory late charges owed at --now, or why they cannot be computed")
    func lateCharges() throws {
        let box = try Sandbox()
        let file = box.root + "/late.json"
        try #"{"id": "OLD-1", "issueDate": "2025-05-21", "dueDate": "2025-06-20", "currency": "EUR", "total": "10000.00", "customer": {"name": "Late Payer SAS", "email": "ap@late.example"}}"#
            .write(toFile: file, atomically: true, encoding: .utf8)
        let json = try (try box.run(["preview", file, "--json", "--now", "2025-07-10T12:00:00+02:00"])).json()
        let invoice = try #require(((json["invoices"] as? [[String: Any]])?.first?["invoice"]) as? [String: Any])
        let late = try #require(invoice["lateCharges"] as? [String: Any])
        #expect(late["asOf"] as? String == "2025-07-10")
        #expect(late["interest"] as? String == "69.32")      // hand-computed in LateChargesTests.france
        #expect(late["compensation"] as? String == "40.00")
        #expect(late["rate"] as? String == "12.15")
        let later = try (try box.run(["preview", file, "--json", "--now", "2026-03-10T12:00:00+01:00"])).json()
        let unknown = ((later["invoices"] as? [[String: Any]])?.first?["invoice"] as? [String: Any])?["lateCharges"] as? [String: Any]
        #expect((unknown?["error"] as? String)?.contains("half-year starting 2026-01-01") == true)
        // Once ingested, status shows the same charges to date.
        try FileManager.default.moveItem(atPath: file, toPath: box.inbox + "/late.json")
        #expect(try box.run(["run", "--once", "--now", "2025-07-10T12:00:00+02:00"]).status == 0)
        let status = try (try box.run(["status", "OLD-1", "--json", "--now", "2025-07-10T12:00:00+02:00"])).json()
        let charges = ((status["invoices"] as? [[String: Any]])?.first?["lateCharges"]) as? [String: Any]
        #expect(charges?["interest"] as? String == "69.32")
        #expect(charges?["compensation"] as? String == "40.00")
    }

    @Test("a missing configuration is a clear error")
    func missingConfig() throws {
        let result = try RelanceBinary.run(["preview", Self.examples + "/F-2025-0042.json", "--config", "/nonexistent/relance.toml"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent/relance.toml"))
        #expect(result.stderr.contains("cannot read the file"))
    }
}
