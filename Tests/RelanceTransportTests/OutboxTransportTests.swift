import Foundation
import RelanceMail
import RelanceTransport
import Testing

@Suite("Outbox transport")
struct OutboxTransportTests {
    @Test("each message lands whole in new/, under a unique name, nothing left in tmp/")
    func delivers() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let transport = try OutboxTransport(directory: folder)
        let body = Array("Subject: x\r\n\r\nhello\r\n".utf8)
        var replies: [String] = []
        for i in 0..<50 {
            let outcome = transport.send(OutgoingMessage(messageID: "<m\(i % 5)@x.example>", envelopeFrom: "a@x.example",
                                                         recipients: ["b@x.example"], data: body))
            guard case .delivered(let reply) = outcome else { Issue.record("not delivered: \(outcome)"); return }
            replies.append(reply)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/new")
        #expect(files.count == 50)  // the same Message-ID twice is two files: a duplicate is visible, never hidden
        #expect(Set(replies).count == 50)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/tmp").isEmpty)
        #expect(files.allSatisfy { $0.hasSuffix(".eml") })
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/new/" + files[0]))
        #expect(Array(data) == body)
    }

    @Test("an unwritable outbox defers instead of losing the message")
    func unwritable() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let transport = try OutboxTransport(directory: folder)
        try FileManager.default.removeItem(atPath: folder + "/tmp")
        let outcome = transport.send(OutgoingMessage(messageID: "<m@x.example>", envelopeFrom: "a@x.example", recipients: [], data: [1]))
        guard case .deferred = outcome else { Issue.record("expected deferred, got \(outcome)"); return }
    }
}
