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
public final class SMTPTransport: MailTransport, @unchecked Sendable {
    private let settings: SMTPSettings
    private let secret: String?
    private let lock = NSLock()
    private var handle: OpaquePointer?

    /// Fails when the settings are unusable (see `SMTPSettings.problems`).
    public init(settings: SMTPSettings, secret: String?) throws {
        let problems = settings.problems
        guard problems.isEmpty else { throw SMTPConfigurationError(problems: problems) }
        self.settings = settings
        self.secret = secret
        Self.globalInit
    }

    deinit {
        if let handle { curl_easy_cleanup(UnsafeMutableRawPointer(handle)) }
    }

    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        signal(SIGPIPE, SIG_IGN)
    }()

    public func send(_ message: OutgoingMessage) -> DeliveryOutcome {
        lock.lock()
        defer { lock.unlock() }
        if handle == nil { handle = OpaquePointer(curl_easy_init()) }
        guard let handle else { return .deferred(reason: "libcurl: cannot create a handle") }
        let easy = UnsafeMutableRawPointer(handle)
        // Options are set afresh each time; the connection cache survives curl_easy_reset.
        curl_easy_reset(easy)

        let state = TransferState(upload: message.data)
        let opaque = Unmanaged.passRetained(state)
        defer { opaque.release() }
        var recipients: UnsafeMutablePointer<curl_slist>?
        for recipient in message.recipients { recipients = curl_slist_append(recipients, "<\(recipient)>") }
        defer { curl_slist_free_all(recipients) }

        let envelope = envelopeSender(for: message)
        var failures: [String] = []
        func check(_ code: CURLcode, _ what: String) { if code != CURLE_OK { failures.append(what) } }
        check(relance_curl_setopt_string(easy, CURLOPT_URL, settings.url), "url")
        check(relance_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1), "nosignal")
        check(relance_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT, settings.connectTimeoutSeconds), "connect timeout")
        check(relance_curl_setopt_long(easy, CURLOPT_TIMEOUT, settings.timeoutSeconds), "timeout")
        // The wait for each server reply has its own limit (120 s by default), which the overall one does not cut short.
        check(relance_curl_setopt_long(easy, CURLOPT_SERVER_RESPONSE_TIMEOUT, settings.timeoutSeconds), "response timeout")
        check(relance_curl_setopt_long(easy, CURLOPT_USE_SSL, Int(settings.tls == .required ? CURLUSESSL_ALL.rawValue : CURLUSESSL_NONE.rawValue)), "use ssl")
        check(relance_curl_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1), "verify peer")
        check(relance_curl_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2), "verify host")
        if let ca = settings.caFile { check(relance_curl_setopt_string(easy, CURLOPT_CAINFO, ca), "ca file") }
        if let username = settings.username {
            check(relance_curl_setopt_string(easy, CURLOPT_USERNAME, username), "username")
            if let secret {
                if settings.oauthBearer {
                    check(relance_curl_setopt_string(easy, CURLOPT_XOAUTH2_BEARER, secret), "bearer")
                } else {
                    check(relance_curl_setopt_string(easy, CURLOPT_PASSWORD, secret), "password")
                }
            }
        }
        check(relance_curl_setopt_string(easy, CURLOPT_MAIL_FROM, "<\(envelope)>"), "mail from")
        check(relance_curl_setopt_slist(easy, CURLOPT_MAIL_RCPT, recipients), "recipients")
        // One refused recipient (a bad Cc) must not stop the others.
        check(relance_curl_setopt_long(easy, relance_curlopt_mail_rcpt_allowfails(), 1), "allow rcpt failures")
        check(relance_curl_setopt_long(easy, CURLOPT_UPLOAD, 1), "upload")
        check(relance_curl_setopt_offset(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(message.data.count)), "size")
        check(relance_curl_setopt_data_callback(easy, CURLOPT_READFUNCTION, CurlCallbacks.read), "read callback")
        check(relance_curl_setopt_pointer(easy, CURLOPT_READDATA, opaque.toOpaque()), "read data")
        check(relance_curl_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, CurlCallbacks.header), "header callback")
        check(relance_curl_setopt_pointer(easy, CURLOPT_HEADERDATA, opaque.toOpaque()), "header data")
        guard failures.isEmpty else { return .failed(reason: "libcurl refused the options: \(failures.joined(separator: ", "))") }

        let code = curl_easy_perform(easy)
        var response = 0
        _ = relance_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &response)
        return SMTPOutcome.classify(code: code, response: response, replies: state.replyLines,
                                    uploadFinished: state.uploadFinished, curlMessage: String(cString: curl_easy_strerror(code)))
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
