import Foundation
import RelanceTestSupport
import Testing

/// Entries that used to lie in the inbox unexplained, or to forge a line in the journal.
@Suite("hostile inbox entries", .ownThread)
struct HostileInboxTests {
    @Test("a folder named like an invoice is rejected with its reason; an attachments folder is left alone")
    func folders() throws {
        let box = try Sandbox(minGapDays: 0)
        try FileManager.default.createDirectory(atPath: box.inbox + "/x.json", withIntermediateDirectories: true)
        try "{}".write(toFile: box.inbox + "/x.json/inside.json", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: box.inbox + "/docs", withIntermediateDirectories: true)
        #expect(try box.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: box.inbox + "/x.json"))
        #expect(FileManager.default.fileExists(atPath: box.rejected + "/x.json/inside.json"))  // moved whole, nothing lost
        let reason = try String(contentsOfFile: box.rejected + "/x.json.reason", encoding: .utf8)
        #expect(reason.contains("is not a regular file"), "\(reason)")
        #expect(FileManager.default.fileExists(atPath: box.inbox + "/docs"))
        #expect(box.sendLogLines().contains { $0.contains("event=rejected") && $0.contains("file=x.json") })
    }

    @Test("a name that is not valid UTF-8 goes to rejected/ under a safe name, with its bytes in the reason")
    func invalidName() throws {
        let box = try Sandbox(minGapDays: 0)
        let raw: [UInt8] = Array((box.inbox + "/bad-").utf8) + [0xFF, 0xFE] + Array(".json".utf8) + [0]
        let fd = raw.withUnsafeBufferPointer { $0.baseAddress!.withMemoryRebound(to: CChar.self, capacity: raw.count) { open($0, O_CREAT | O_WRONLY, 0o644) } }
        #expect(fd >= 0)
        _ = write(fd, "{}", 2)
        close(fd)
        #expect(try box.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: box.inbox).isEmpty)
        let safe = "unreadable-name-" + "bad-".utf8.map { String(format: "%02x", $0) }.joined() + "fffe" + ".json".utf8.map { String(format: "%02x", $0) }.joined()
        #expect(FileManager.default.fileExists(atPath: box.rejected + "/" + safe))
        let reason = try String(contentsOfFile: box.rejected + "/" + safe + ".reason", encoding: .utf8)
        #expect(reason.contains("not valid UTF-8") && reason.contains("ff fe"))
        #expect(box.sendLogLines().contains { $0.contains("event=rejected") && $0.contains(safe) })
    }

    @Test("a file name with a line break cannot forge a line on standard error or in the send log")
    func logForging() throws {
        let box = try Sandbox(minGapDays: 0)
        let name = "evil\n2026-11-02T10:00:00+0100 critical relance: forged.json"
        try "not json".write(toFile: box.inbox + "/" + name, atomically: false, encoding: .utf8)
        let result = try box.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"])
        #expect(result.status == 0)
        #expect(!result.stderr.split(separator: "\n").contains { $0.hasPrefix("2026-11-02T10:00:00+0100 critical") }, "\(result.stderr)")
        #expect(result.stderr.contains("evil\\n2026"))
        #expect(!box.sendLogLines().contains { $0.hasPrefix("2026-11-02T10:00:00+0100 critical") })
    }
}

@Suite("check catches what run would trip on", .ownThread)
struct CheckCatchesTests {
    func box(passwordFile: String) throws -> Sandbox {
        try Sandbox(extra: """
            [transport]
            url = "smtp://127.0.0.1:2525"
            tls = "none"
            username = "relance"
            password_file = "\(passwordFile)"
            """)
    }

    @Test("a password file that is missing, empty, a folder or readable by everyone; a folder that cannot be made")
    func secretsAndFolders() throws {
        let missing = try box(passwordFile: "nowhere")
        #expect(try missing.run(["check"]).stderr.contains("transport.password_file: \(missing.root)/nowhere does not exist"))
        let empty = try box(passwordFile: "empty")
        _ = FileManager.default.createFile(atPath: empty.root + "/empty", contents: Data(), attributes: [.posixPermissions: 0o600])
        #expect(try empty.run(["check"]).stderr.contains("is empty"))
        let folder = try box(passwordFile: "folder")
        try FileManager.default.createDirectory(atPath: folder.root + "/folder", withIntermediateDirectories: true)
        #expect(try folder.run(["check"]).stderr.contains("is not a regular file"))
        let open = try box(passwordFile: "open")
        _ = FileManager.default.createFile(atPath: open.root + "/open", contents: Data("x".utf8), attributes: [.posixPermissions: 0o644])
        let result = try open.run(["check"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("is readable by every user"))
        // run trips on the same thing, with the same words.
        #expect(try open.run(["run", "--once"]).stderr.contains("is readable by every user"))
        let fine = try box(passwordFile: "fine")
        _ = FileManager.default.createFile(atPath: fine.root + "/fine", contents: Data("x".utf8), attributes: [.posixPermissions: 0o600])
        #expect(try fine.run(["check"]).status == 0)
        // A payments folder under a file cannot be created.
        try "x".write(toFile: fine.root + "/blocker", atomically: true, encoding: .utf8)
        try fine.configuration(minGapDays: 3, maxFileBytes: 10_485_760, extra: "")
            .replacingOccurrences(of: "send_log = \"send.log\"", with: "send_log = \"send.log\"\npayments = \"blocker/payments\"")
            .write(toFile: fine.config, atomically: true, encoding: .utf8)
        let blocked = try fine.run(["check"])
        #expect(blocked.status == 1)
        #expect(blocked.stderr.contains("paths.payments:") && blocked.stderr.contains("is a file"), "\(blocked.stderr)")
    }
}

@Suite("amounts too large to be real", .ownThread)
struct OverflowTests {
    @Test("two invoices of 50,000,000,000,000,000.00 EUR are rejected with the reason; report and metrics keep working")
    func huge() throws {
        let box = try Sandbox(minGapDays: 0)
        for n in 0..<2 {
            try box.drop("huge-\(n).json", Sandbox.invoice(id: "HUGE-\(n)", issued: "2026-10-02", due: "2026-11-02", total: "50000000000000000.00",
                                                         customer: "C-\(n)", email: "c\(n)@huge.example"))
        }
        // The largest accepted amount, many times over: sums stay exact or saturate, never trap.
        for n in 0..<3 {
            try box.drop("cap-\(n).json", Sandbox.invoice(id: "CAP-\(n)", issued: "2026-10-02", due: "2026-11-02", total: "100000000000.00",
                                                        customer: "K-\(n)", email: "k\(n)@cap.example"))
        }
        #expect(try box.run(["run", "--once", "--now", "2026-10-05T10:00:00+01:00"]).status == 0)
        let reason = try String(contentsOfFile: box.rejected + "/huge-0.json.reason", encoding: .utf8)
        #expect(reason.contains("is too large"), "\(reason)")
        for command in [["report"], ["report", "--json"], ["metrics"], ["status", "--all"]] {
            let result = try box.run(command + ["--now", "2026-12-05T10:00:00+01:00"])
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
        #expect(try box.run(["metrics", "--now", "2026-12-05T10:00:00+01:00"]).stdout.contains("relance_open_receivables{currency=\"EUR\"} 300000000000.00"))
    }
}
