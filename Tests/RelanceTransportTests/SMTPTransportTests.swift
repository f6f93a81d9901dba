import Foundation
import RelanceMail
import RelanceTestSupport
import RelanceTransport
import Testing

@Suite("SMTP through libcurl against real servers", .ownThread, .serialized, .enabled(if: TestServer.pythonAvailable))
struct SMTPTransportTests {
    static func message(_ n: Int, to recipients: [String] = ["ap@acme.example"]) -> OutgoingMessage {
        let text = "From: compta@atelier.example\r\nTo: \(recipients.joined(separator: ", "))\r\nSubject: test \(n)\r\n"
            + "Message-ID: <t\(n)@atelier.example>\r\n\r\nBonjour \(n).\r\n.leading dot line\r\n"
        return OutgoingMessage(messageID: "<t\(n)@atelier.example>", envelopeFrom: "compta@atelier.example",
                               recipients: recipients, data: Array(text.utf8))
    }

    struct Secure {
        let scratch = ScratchFolder()
        let certificates: TestCertificates
        let server: TestServer
        var maildir: String { scratch.path + "/maildir" }

        let implicit: Bool

        init(implicitTLS: Bool = false) throws {
            implicit = implicitTLS
            certificates = try TestCertificates(folder: scratch.path)
            server = try TestServer(script: "aiosmtpd_server.py", arguments: [
                "--maildir", scratch.path + "/maildir", "--cert", certificates.cert, "--key", certificates.key,
                "--user", "relance", "--password", "s3cret",
            ] + (implicitTLS ? ["--implicit-tls"] : []), folder: scratch.path)
        }

        func transport(password: String = "s3cret", ca: Bool = true, tagEnvelope: Bool = false) throws -> SMTPTransport {
            try SMTPTransport(settings: SMTPSettings(
                url: "\(implicit ? "smtps" : "smtp")://127.0.0.1:\(server.port)", tls: .required, username: "relance", caFile: ca ? certificates.ca : nil,
                envelopeFrom: tagEnvelope ? "bounces@atelier.example" : nil, tagEnvelope: tagEnvelope, connectTimeoutSeconds: 5, timeoutSeconds: 10),
                secret: password)
        }
    }

    @Test("STARTTLS with a verified certificate and AUTH: delivered byte for byte over one reused connection")
    func delivers() throws {
        let secure = try Secure()
        let transport = try secure.transport(tagEnvelope: true)
        var replies: [String] = []
        for n in 1...3 {
            guard case .delivered(let reply) = transport.send(Self.message(n)) else { Issue.record("message \(n) not delivered"); return }
            replies.append(reply)
        }
        #expect(replies == ["250 2.0.0 Ok: queued as Q000001", "250 2.0.0 Ok: queued as Q000002", "250 2.0.0 Ok: queued as Q000003"])
        let stored = try Data(contentsOf: URL(fileURLWithPath: secure.maildir + "/new/1.eml"))
        #expect(String(decoding: stored, as: UTF8.self).contains(".leading dot line"))  // dot-stuffing undone by the server
        let envelopes = try String(contentsOfFile: secure.maildir + "/envelopes.jsonl", encoding: .utf8)
        // One connection for all three: every message came from the same client port.
        let peers = Set(envelopes.split(separator: "\n").compactMap { line in
            line.components(separatedBy: "\"peer\": \"").last?.split(separator: "\"").first.map(String.init)
        })
        #expect(peers.count == 1, "\(peers)")
        #expect(envelopes.contains("\"from\": \"bounces+"))  // tagged envelope sender
    }

    @Test("smtps:// (TLS from the first byte) delivers too")
    func implicitTLS() throws {
        let secure = try Secure(implicitTLS: true)
        let outcome = try secure.transport().send(Self.message(1))
        guard case .delivered(let reply) = outcome else { Issue.record("expected delivered, got \(outcome)"); return }
        #expect(reply.hasPrefix("250 2.0.0 Ok: queued as"))
    }

    @Test("a wrong password fails with a clear reason and is not retried")
    func wrongPassword() throws {
        let secure = try Secure()
        let outcome = try secure.transport(password: "wrong").send(Self.message(1))
        guard case .failed(let reason) = outcome else { Issue.record("expected failed, got \(outcome)"); return }
        #expect(reason.hasPrefix("authentication failed"))
    }

    @Test("an untrusted certificate fails as a TLS problem")
    func untrustedCertificate() throws {
        let secure = try Secure()
        let outcome = try secure.transport(ca: false).send(Self.message(1))
        guard case .failed(let reason) = outcome else { Issue.record("expected failed, got \(outcome)"); return }
        #expect(reason.hasPrefix("TLS:"))
    }

    func misbehaving(_ mode: String, to recipients: [String] = ["ap@acme.example"], timeout: Int = 10) throws -> (DeliveryOutcome, String) {
        let scratch = ScratchFolder()
        let server = try TestServer(script: "misbehaving_smtp.py", arguments: ["--mode", mode, "--log", scratch.path + "/accepted.jsonl"],
                                    folder: scratch.path)
        let transport = try SMTPTransport(settings: SMTPSettings(url: "smtp://127.0.0.1:\(server.port)", tls: .none,
                                                                 connectTimeoutSeconds: 5, timeoutSeconds: timeout), secret: nil)
        let outcome = transport.send(Self.message(1, to: recipients))
        return (outcome, (try? String(contentsOfFile: scratch.path + "/accepted.jsonl", encoding: .utf8)) ?? "")
    }

    @Test("421 at the greeting is deferred")
    func greeting421() throws {
        let (outcome, _) = try misbehaving("greeting-421")
        guard case .deferred(let reason) = outcome else { Issue.record("expected deferred, got \(outcome)"); return }
        #expect(reason.contains("421"))
    }

    @Test("451 on RCPT is deferred")
    func rcpt451() throws {
        let (outcome, _) = try misbehaving("rcpt-451")
        guard case .deferred(let reason) = outcome else { Issue.record("expected deferred, got \(outcome)"); return }
        #expect(reason.contains("451"))
    }

    @Test("550 on the only RCPT fails; a refused Cc does not stop the To")
    func rcpt550() throws {
        let (alone, _) = try misbehaving("rcpt-550-bad", to: ["bad@acme.example"])
        guard case .failed(let reason) = alone else { Issue.record("expected failed, got \(alone)"); return }
        #expect(reason.contains("550"))
        let (mixed, accepted) = try misbehaving("rcpt-550-bad", to: ["ap@acme.example", "bad@acme.example"])
        guard case .delivered(let reply) = mixed else { Issue.record("expected delivered, got \(mixed)"); return }
        #expect(reply.hasPrefix("250 2.0.0 Ok: queued as"))
        #expect(reply.contains("550 5.1.1 <bad@acme.example>"))
        #expect(accepted.contains("ap@acme.example") && !accepted.contains("bad@acme.example"))
    }

    @Test("552 after DATA fails")
    func data552() throws {
        let (outcome, _) = try misbehaving("data-552")
        guard case .failed(let reason) = outcome else { Issue.record("expected failed, got \(outcome)"); return }
        #expect(reason.contains("552"))
    }

    @Test("a stall after the data is uncertain, never retried blindly")
    func stallAfterData() throws {
        let (stalled, _) = try misbehaving("stall-after-data", timeout: 3)
        guard case .uncertain = stalled else { Issue.record("expected uncertain, got \(stalled)"); return }
    }

    @Test("a connection dropped after the data is uncertain")
    func dropAfterData() throws {
        let (dropped, _) = try misbehaving("drop-after-data")
        guard case .uncertain = dropped else { Issue.record("expected uncertain, got \(dropped)"); return }
    }

    @Test("a refused connection is deferred")
    func refused() throws {
        let transport = try SMTPTransport(settings: SMTPSettings(url: "smtp://127.0.0.1:9", tls: .none, connectTimeoutSeconds: 3), secret: nil)
        guard case .deferred = transport.send(Self.message(1)) else { Issue.record("expected deferred"); return }
    }

    @Test("plain text is refused towards anything but loopback; the url is checked")
    func settingsChecks() {
        #expect(SMTPSettings(url: "smtp://mail.example.com:587", tls: .none).problems.contains { $0.contains("loopback") })
        #expect(SMTPSettings(url: "smtp://127.0.0.1:2525", tls: .none).problems.isEmpty)
        #expect(SMTPSettings(url: "smtps://[::1]:465").problems.isEmpty)
        #expect(!SMTPSettings(url: "http://x.example").problems.isEmpty)
        #expect(!SMTPSettings(url: "smtp://user:pw@x.example").problems.isEmpty)
        #expect(!SMTPSettings(url: "smtp://x.example\r\n").problems.isEmpty)
    }
}
