import Foundation
import RelanceTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("relance run as a daemon", .ownThread, .serialized)
struct DaemonEndToEndTests {
    static let now = "2026-11-02T10:00:00+01:00"

    func inboxIsEmpty(_ box: Sandbox) -> Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: box.inbox)) ?? ["x"]).allSatisfy { $0.hasPrefix(".") }
    }

    @Test("files dropped while it was down are taken at start; new drops within moments; SIGTERM exits 0")
    func pickupAndStop() throws {
        let box = try Sandbox()
        try box.drop("early.json", Sandbox.invoice(id: "E-1", issued: "2026-10-01", terms: "net 30", customer: "C-1", email: "a@one.example"))
        let daemon = try DaemonProcess(sandbox: box, arguments: ["--now", Self.now])
        #expect(DaemonProcess.wait(seconds: 20) { inboxIsEmpty(box) })
        #expect(box.files(in: box.archive).contains { $0.hasSuffix("early.json") })
        try box.drop("later.json", Sandbox.invoice(id: "L-1", issued: "2026-11-01", terms: "net 30", customer: "C-2", email: "a@two.example"))
        #expect(DaemonProcess.wait(seconds: 10) { box.sendLogLines().contains { $0.contains("event=ingested invoice=L-1") } })
        // E-1 was overdue at start: its latest due step went out, the older ones were skipped.
        #expect(DaemonProcess.wait(seconds: 10) { (try? box.outboxMessages().count) == 1 })
        #expect(try box.outboxMessages().first?.step == "due")
        // A command-line change is seen at once: pausing L-1 is logged and shown.
        #expect(try box.run(["pause", "L-1", "--until", "2026-12-15", "--reason", "on holiday"]).status == 0)
        #expect(daemon.stop() == 0)
        #expect(daemon.stderr.contains("relance stopping"))
    }

    @Test("SIGHUP with a broken configuration keeps the old one; SIGHUP reopens the send log")
    func reloadKeepsOldConfiguration() throws {
        let box = try Sandbox()
        let daemon = try DaemonProcess(sandbox: box, arguments: ["--now", Self.now])
        defer { if daemon.isRunning { daemon.killHard() } }
        try box.drop("one.json", Sandbox.invoice(id: "R-1", issued: "2026-11-01", terms: "net 30", customer: "C-1", email: "a@one.example"))
        #expect(DaemonProcess.wait(seconds: 20) { inboxIsEmpty(box) })
        let good = try String(contentsOfFile: box.config, encoding: .utf8)
        try (good + "\n[schedule.broken\n").write(toFile: box.config, atomically: true, encoding: .utf8)
        // logrotate moves the log away, then signals.
        try FileManager.default.moveItem(atPath: box.sendLog, toPath: box.sendLog + ".1")
        daemon.signal(SIGHUP)
        #expect(DaemonProcess.wait(seconds: 10) { daemon.stderr.contains("configuration not reloaded, keeping the previous one") })
        #expect(daemon.isRunning)
        try box.drop("two.json", Sandbox.invoice(id: "R-2", issued: "2026-11-01", terms: "net 30", customer: "C-2", email: "a@two.example"))
        #expect(DaemonProcess.wait(seconds: 10) { box.sendLogLines().contains { $0.contains("event=ingested invoice=R-2") } })
        #expect(FileManager.default.fileExists(atPath: box.sendLog + ".1"))
        #expect(daemon.stop() == 0)
    }

    @Test("1,000 hostile or malformed files among 1,000 good ones: every good one in, every bad one rejected with a reason")
    func hostileFlood() throws {
        let box = try Sandbox(minGapDays: 0, maxFileBytes: 65_536)
        let daemon = try DaemonProcess(sandbox: box, arguments: ["--now", Self.now])
        defer { if daemon.isRunning { daemon.killHard() } }
        let outside = box.root + "/outside.json"
        try Sandbox.invoice(id: "OUT-1", issued: "2026-11-01", terms: "net 30", customer: "X", email: "x@x.example")
            .write(toFile: outside, atomically: true, encoding: .utf8)
        let good = Sandbox.invoice(id: "G", issued: "2026-11-01", terms: "net 30", customer: "C", email: "a@c.example")
        let hostile: [(Int) -> [UInt8]] = [
            { _ in [] },
            { _ in Array(good.utf8.prefix(40)) },
            { _ in [0x00, 0xFF, 0xFE, 0x7F] + Array(repeating: 0x41, count: 100) },
            { i in Array(Sandbox.invoice(id: "H-\(i)", issued: "2026-11-01", terms: "net 30", customer: "C\r\nBcc: victim@example.com", email: "a@c.example").utf8) },
            { i in Array(Sandbox.invoice(id: "H-\(i)\nX-Injected: 1", issued: "2026-11-01", terms: "net 30", customer: "C", email: "a@c.example").utf8) },
            { i in Array(Sandbox.invoice(id: "H-\(i)", issued: "2026-11-01", terms: "net 30", customer: "C", email: "a@c.example\r\nBcc: v@example.com").utf8) },
            { _ in Array(String(repeating: "[", count: 50_000).utf8) },
            { _ in Array(("{\"id\": \"" + String(repeating: "x", count: 70_000) + "\"}").utf8) },
            { _ in Array("<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>".utf8) },
            { i in Array(good.replacingOccurrences(of: "\"G\"", with: "\"H-\(i)\"").replacingOccurrences(of: "EUR", with: "XXX").utf8) },
            { i in Array(good.replacingOccurrences(of: "\"G\"", with: "\"H-\(i)\"").replacingOccurrences(of: "Client C", with: "Cl\u{E9}ment").utf8).map { $0 == 0xC3 ? 0xE9 : $0 }.filter { $0 != 0xA9 } },
            { i in Array(good.replacingOccurrences(of: "\"G\"", with: "\"H-\(i)\"").replacingOccurrences(of: "1000.00", with: "-5").utf8) },
            { i in Array(good.replacingOccurrences(of: "\"G\"", with: "\"H-\(i)\"").replacingOccurrences(of: "}", with: ", \"attachment\": \"../../etc/passwd\"}").utf8) },
        ]
        var symlinks = 0
        for i in 0..<1000 {
            try box.drop(String(format: "good-%04d.json", i), good.replacingOccurrences(of: "\"G\"", with: "\"G-\(i)\""))
            let name = String(format: "bad-%04d.json", i)
            if i % 25 == 0 {
                try FileManager.default.createSymbolicLink(atPath: box.inbox + "/" + name, withDestinationPath: i % 50 == 0 ? outside : "/etc/passwd")
                symlinks += 1
            } else {
                let bytes = hostile[i % hostile.count](i)
                let temporary = box.inbox + "/." + name
                _ = FileManager.default.createFile(atPath: temporary, contents: Data(bytes))
                try FileManager.default.moveItem(atPath: temporary, toPath: box.inbox + "/" + name)
            }
        }
        #expect(DaemonProcess.wait(seconds: 120) { inboxIsEmpty(box) })
        #expect(daemon.isRunning)
        let archived = box.files(in: box.archive)
        let rejected = box.files(in: box.rejected)
        #expect(archived.count == 1000)
        #expect(archived.allSatisfy { ($0 as NSString).lastPathComponent.hasPrefix("good-") })
        #expect(rejected.filter { !$0.hasSuffix(".reason") }.count == 1000)
        #expect(rejected.filter { $0.hasSuffix(".reason") }.count == 1000)
        #expect(symlinks == 40)
        let reason = try String(contentsOfFile: box.rejected + "/bad-0025.json.reason", encoding: .utf8)
        #expect(reason.contains("symbolic link"))
        #expect(FileManager.default.fileExists(atPath: outside))  // the link target was never touched
        let status = try box.run(["status", "--all", "--json", "--now", Self.now])
        #expect(((try status.json())["invoices"] as? [Any])?.count == 1000)
        #expect(daemon.stop() == 0)
    }

    @Test("a crash between a file's archive link and its inbox unlink, then a run in another month: one archive name")
    func crashAcrossMonths() throws {
        let box = try Sandbox(minGapDays: 0)
        try box.drop("k-0001.json", Sandbox.invoice(id: "K-1", issued: "2026-11-01", terms: "net 30", customer: "C-1", email: "c1@k.example"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-30T10:00:00+01:00"]).status == 0)
        let archived = box.archive + "/2026/11/k-0001.json"
        #expect(FileManager.default.fileExists(atPath: archived))
        // The state a kill -9 leaves after the link and before the unlink: the same file under both names.
        #expect(link(archived, box.inbox + "/k-0001.json") == 0)
        #expect(try box.run(["run", "--once", "--now", "2026-12-02T10:00:00+01:00"]).status == 0)
        #expect(inboxIsEmpty(box))
        #expect(box.files(in: box.archive) == ["2026/11/k-0001.json"])
    }

    @Test("kill -9 at random moments over 20 rounds of 500 invoices: nothing lost, nothing sent twice")
    func killNine() throws {
        let box = try Sandbox(minGapDays: 0)
        var generator = SystemRandomNumberGenerator()
        let days = ["2026-11-02", "2026-11-04", "2026-11-06", "2026-11-10", "2026-11-12", "2026-11-16", "2026-11-18",
                    "2026-11-20", "2026-11-24", "2026-11-26", "2026-11-30", "2026-12-02", "2026-12-04", "2026-12-08",
                    "2026-12-10", "2026-12-14", "2026-12-16", "2026-12-18", "2026-12-22", "2026-12-28"]
        var dropped = 0
        for round in 0..<20 {
            let daemon = try DaemonProcess(sandbox: box, arguments: ["--now", "\(days[round])T10:00:00+01:00"])
            for i in 0..<25 {
                let n = round * 25 + i
                let issued = ["2026-10-01", "2026-10-10", "2026-10-20", "2026-11-01"][n % 4]
                try box.drop(String(format: "k-%04d.json", n),
                             Sandbox.invoice(id: "K-\(n)", issued: issued, terms: n % 3 == 0 ? "2/10 n/30" : "net 30", customer: "C-\(n)", email: "c\(n)@k.example"))
                dropped += 1
            }
            usleep(UInt32.random(in: 20_000...400_000, using: &generator))
            daemon.killHard()
        }
        // A last, clean pass after the storm.
        #expect(try box.run(["run", "--once", "--now", "2026-12-29T10:00:00+01:00"]).status == 0)
        #expect(dropped == 500)
        #expect(inboxIsEmpty(box))
        #expect(box.files(in: box.archive).count == 500)
        let messages = try box.outboxMessages()
        let ids = messages.map(\.messageID)
        #expect(Set(ids).count == ids.count, "a message was delivered twice")
        let status = try (try box.run(["status", "--all", "--json", "--now", "2026-12-29T10:00:00+01:00"])).json()
        let invoices = try #require(status["invoices"] as? [[String: Any]])
        #expect(invoices.count == 500)
        var sentIDs = Set<String>(), uncertainIDs = Set<String>()
        for invoice in invoices {
            for reminder in invoice["reminders"] as? [[String: Any]] ?? [] {
                let state = reminder["state"] as? String
                #expect(state != "sending")
                if state == "sent", let id = reminder["messageId"] as? String { sentIDs.insert(id) }
                if state == "uncertain", let id = reminder["messageId"] as? String { uncertainIDs.insert(id) }
            }
        }
        // Every delivered message belongs to a reminder recorded as sent or reported uncertain …
        #expect(Set(ids).isSubset(of: sentIDs.union(uncertainIDs)))
        // … and every reminder recorded as sent was delivered exactly once.
        #expect(sentIDs.isSubset(of: Set(ids)))
        let integrity = try RelanceBinary.runTool("/usr/bin/sqlite3", [box.state + "/relance.sqlite", "PRAGMA integrity_check;"])
        #expect(integrity.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
    }
}
