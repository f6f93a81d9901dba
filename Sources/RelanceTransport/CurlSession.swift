import CCurlShim
import Foundation

/// Stops every transfer in progress within about a second (the daemon's SIGTERM). Safe to call
/// from a signal handler: it only sets a `sig_atomic_t`.
public enum TransferAbort {
    public static func request() { relance_curl_request_abort() }
    public static var isRequested: Bool { relance_curl_abort_requested() != 0 }
}

/// One libcurl easy handle kept for the life of a client, so its connection
/// is reused between transfers, with the options every transfer shares: no
/// signals, timeouts, TLS required or not, certificate verification, an
/// optional CA file, and the credentials. Transfers are serialised; each
/// blocks the calling thread.
final class CurlSession: @unchecked Sendable {
    struct Common {
        var url: String
        var requireTLS: Bool
        var caFile: String?
        var username: String?
        var secret: String?
        var bearer: Bool = false
        var connectTimeoutSeconds: Int
        var timeoutSeconds: Int
    }

    /// What a transfer produced.
    struct Result {
        let code: CURLcode
        let response: Int
        let state: TransferState
        var message: String { String(cString: curl_easy_strerror(code)) }
    }

    private let lock = NSLock()
    private var handle: OpaquePointer?

    init() {
        Self.globalInit
    }

    deinit {
        if let handle { curl_easy_cleanup(UnsafeMutableRawPointer(handle)) }
    }

    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        signal(SIGPIPE, SIG_IGN)
    }()

    /// Runs one transfer: the common options, then `configure`'s (which returns the names of options libcurl refused).
    func perform(_ common: Common, upload: [UInt8] = [],
                 configure: (UnsafeMutableRawPointer, UnsafeMutableRawPointer) -> [String]) -> Result? {
        lock.lock()
        defer { lock.unlock() }
        if handle == nil { handle = OpaquePointer(curl_easy_init()) }
        guard let handle else { return nil }
        let easy = UnsafeMutableRawPointer(handle)
        // Options are set afresh each time; the connection cache survives curl_easy_reset.
        curl_easy_reset(easy)
        let state = TransferState(upload: upload)
        let opaque = Unmanaged.passRetained(state)
        defer { opaque.release() }
        var refused: [String] = []
        func set(_ code: CURLcode, _ name: String) { if code != CURLE_OK { refused.append(name) } }
        set(relance_curl_setopt_string(easy, CURLOPT_URL, common.url), "url")
        set(relance_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1), "nosignal")
        set(relance_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT, common.connectTimeoutSeconds), "connect timeout")
        set(relance_curl_setopt_long(easy, CURLOPT_TIMEOUT, common.timeoutSeconds), "timeout")
        // The wait for each server reply has its own limit (120 s by default), which the overall one does not cut short.
        set(relance_curl_setopt_long(easy, CURLOPT_SERVER_RESPONSE_TIMEOUT, common.timeoutSeconds), "response timeout")
        set(relance_curl_setopt_long(easy, CURLOPT_USE_SSL, Int(common.requireTLS ? CURLUSESSL_ALL.rawValue : CURLUSESSL_NONE.rawValue)), "use ssl")
        set(relance_curl_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1), "verify peer")
        set(relance_curl_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2), "verify host")
        if let ca = common.caFile { set(relance_curl_setopt_string(easy, CURLOPT_CAINFO, ca), "ca file") }
        if let username = common.username {
            set(relance_curl_setopt_string(easy, CURLOPT_USERNAME, username), "username")
            if let secret = common.secret {
                set(relance_curl_setopt_string(easy, common.bearer ? CURLOPT_XOAUTH2_BEARER : CURLOPT_PASSWORD, secret), "secret")
            }
        }
        set(relance_curl_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, CurlCallbacks.header), "header callback")
        set(relance_curl_setopt_pointer(easy, CURLOPT_HEADERDATA, opaque.toOpaque()), "header data")
        set(relance_curl_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, CurlCallbacks.write), "write callback")
        set(relance_curl_setopt_pointer(easy, CURLOPT_WRITEDATA, opaque.toOpaque()), "write data")
        set(relance_curl_enable_abort(easy), "abort on stop")
        refused += configure(easy, opaque.toOpaque())
        guard refused.isEmpty else {
            state.replyLines.append("libcurl refused the options: \(refused.joined(separator: ", "))")
            return Result(code: CURLE_BAD_FUNCTION_ARGUMENT, response: 0, state: state)
        }
        let code = curl_easy_perform(easy)
        var response = 0
        _ = relance_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &response)
        return Result(code: code, response: response, state: state)
    }
}
