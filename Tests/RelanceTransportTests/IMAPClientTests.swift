import Foundation
import RelanceTestSupport
import RelanceTransport
import Testing

@Suite("IMAP through libcurl against a private Dovecot", .ownThread, .serialized, .enabled(if: ScriptedServer.available("/usr/sbin/dovecot")))
struct IMAPClientTests {
    /// Drops a message into the relance Maildir the way a delivery agent does.
    func deliver(_ dovecot: ScriptedServer, _ name: String, _ text: String) throws {
        let folder = dovecot.folder + "/mail/relance"
        try text.write(toFile: folder + "/tmp/" + name, atomically: false, encoding: .utf8)
        try FileManager.default.moveItem(atPath: folder + "/tmp/" + name, toPath: folder + "/new/" + name)
    }

    @Test("UIDVALIDITY, new UIDs, fetching without marking read, moving a handled message")
    func poll() throws {
        let dovecot = try ScriptedServer(script: "dovecot-instance")
        let client = try IMAPClient(settings: IMAPSettings(url: "imap://127.0.0.1:\(dovecot.port)", tls: .none, username: "relance"), secret: "s3cret")
        for n in 1...3 {
            try deliver(dovecot, "\(n).eml", "From: c\(n)@customers.test\r\nSubject: Re: F-\(n)\r\nMessage-ID: <r\(n)@customers.test>\r\n\r\nBody \(n).\r\n")
        }
        let status = try client.status(folder: "INBOX")
        #expect(status.uidValidity > 0)
        let all = try client.uids(folder: "INBOX", from: 1)
        #expect(all.count == 3)
        #expect(try client.uids(folder: "INBOX", from: all[2] + 1).isEmpty)  // nothing new above the mark
        let bytes = try client.fetch(folder: "INBOX", uid: all[0], markRead: false)
        #expect(String(decoding: bytes, as: UTF8.self).contains("Message-ID: <r1@customers.test>"))
        #expect(try client.flags(folder: "INBOX", uids: [all[0]])[all[0]]?.contains("\\Seen") == false)
        _ = try client.fetch(folder: "INBOX", uid: all[1], markRead: true)
        #expect(try client.flags(folder: "INBOX", uids: [all[1]])[all[1]]?.contains("\\Seen") == true)
        #expect(throws: IMAPError.self) { try client.move(folder: "INBOX", uid: all[2], to: "Nonexistent") }
        try client.create(folder: "Handled")
        try client.create(folder: "Handled")  // twice is fine
        try client.move(folder: "INBOX", uid: all[2], to: "Handled")
        #expect(try client.uids(folder: "INBOX", from: 1) == Array(all.prefix(2)))
        #expect(try client.uids(folder: "Handled", from: 1).count == 1)
    }

    @Test("a wrong password is an error naming the cause")
    func wrongPassword() throws {
        let dovecot = try ScriptedServer(script: "dovecot-instance")
        let client = try IMAPClient(settings: IMAPSettings(url: "imap://127.0.0.1:\(dovecot.port)", tls: .none, username: "relance"), secret: "wrong")
        #expect(throws: IMAPError.self) { try client.status(folder: "INBOX") }
    }
}
