import CCurlShim
import Foundation
public import RelanceMail

/// Delivers over SMTP through the system libcurl: STARTTLS (or implicit TLS)
/// with certificate verification, AUTH PLAIN/LOGIN or XOAUTH2, one connection
/// kept open and reused between messages, the server's final reply recorded,
/// and every failure classified: 4xx and network trouble before the data →
/// deferred; 5xx, TLS and authentication failures → failed; the connection
/// lost after the data went out → uncertain. `send` blocks: the daemon calls it
/// from its own thread, never from the concurrency pool.
public final class SMTPTransport: MailTransport, Sendable {
    private let settings: SMTPSettings
    private let secret: String?
    private let session = CurlSession()

    /// Fails when the settings are unusable (see `SMTPSettings.problems`).
    public init(settings: SMTPSettings, secret: String?) throws {
        let problems = settings.problems
        guard problems.isEmpty else { throw SMTPConfigurationError(problems: problems) }
        self.settings = settings
        self.secret = secret
    }

    public func send(_ message: OutgoingMessage) -> DeliveryOutcome {
        var recipients: UnsafeMutablePointer<curl_slist>?
        for recipient in message.recipients { recipients = curl_slist_append(recipients, "<\(recipient)>") }
        defer { curl_slist_free_all(recipients) }
        let envelope = envelopeSender(for: message)
        let common = CurlSession.Common(
            url: settings.url, requireTLS: settings.tls == .required, caFile: settings.caFile, username: settings.username,
            secret: secret, bearer: settings.oauthBearer, connectTimeoutSeconds: settings.connectTimeoutSeconds,
            timeoutSeconds: settings.timeoutSeconds)
        let result = session.perform(common, upload: message.data) { easy, state in
            var refused: [String] = []
            func set(_ code: CURLcode, _ name: String) { if code != CURLE_OK { refused.append(name) } }
            set(relance_curl_setopt_string(easy, CURLOPT_MAIL_FROM, "<\(envelope)>"), "mail from")
            set(relance_curl_setopt_slist(easy, CURLOPT_MAIL_RCPT, recipients), "recipients")
            // One refused recipient (a bad Cc) must not stop the others.
            set(relance_curl_setopt_long(easy, relance_curlopt_mail_rcpt_allowfails(), 1), "allow rcpt failures")
            set(relance_curl_setopt_long(easy, CURLOPT_UPLOAD, 1), "upload")
            set(relance_curl_setopt_offset(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(message.data.count)), "size")
            set(relance_curl_setopt_data_callback(easy, CURLOPT_READFUNCTION, CurlCallbacks.read), "read callback")
            set(relance_curl_setopt_pointer(easy, CURLOPT_READDATA, state), "read data")
            return refused
        }
        guard let result else { return .deferred(reason: "libcurl: cannot create a handle") }
        if result.code == CURLE_BAD_FUNCTION_ARGUMENT, let why = result.state.replyLines.last, why.hasPrefix("libcurl refused") {
            return .failed(reason: why)
        }
        return SMTPOutcome.classify(code: result.code, response: result.response, replies: result.state.replyLines,
                                    uploadFinished: result.state.uploadFinished, curlMessage: result.message)
    }

    /// The envelope sender, tagged `local+TOKEN@domain` per message when configured,
    /// so a bounce that does not quote the Message-ID still finds its reminder.
    func envelopeSender(for message: OutgoingMessage) -> String {
        let base = settings.envelopeFrom ?? message.envelopeFrom
        guard settings.tagEnvelope, let at = base.lastIndex(of: "@") else { return base }
        return base[..<at] + "+" + MessageID.envelopeTag(message.messageID) + base[at...]
    }
}

/// `[transport]` settings that cannot work, each problem in words.
public struct SMTPConfigurationError: Error, CustomStringConvertible {
    public let problems: [String]
    public var description: String { "transport: " + problems.joined(separator: "; ") }
}
