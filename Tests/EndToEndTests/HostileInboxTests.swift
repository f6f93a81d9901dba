import Foundation
import Testing

/// Entries that used to lie in the inbox unexplained, or to forge a line in the journal.
@Suite("hostile inbox entries")
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
