import CCurlShim
import Foundation

/// Fetches one document over HTTPS through libcurl (the official reference-rate series).
/// Certificates are verified; redirects may only lead to HTTPS; plain `http://` is accepted
/// only towards a loopback address (tests serve recorded responses that way). It knows
/// nothing of rates: it returns bytes or says why it could not.
public struct HTTPSFetcher: Sendable {
    public let connectTimeoutSeconds: Int
    public let timeoutSeconds: Int
    public let caFile: String?
    /// Responses larger than this are cut off and refused.
    public let sizeLimit: Int

    public init(connectTimeoutSeconds: Int = 10, timeoutSeconds: Int = 30, caFile: String? = nil, sizeLimit: Int = 4 * 1024 * 1024) {
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.timeoutSeconds = timeoutSeconds
        self.caFile = caFile
        self.sizeLimit = sizeLimit
    }

    /// Why a fetch failed, in words for the log.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public let description: String
    }

    public func get(_ url: String) -> Result<[UInt8], Failure> {
        let lower = url.lowercased()
        let plain = lower.hasPrefix("http://")
        guard lower.hasPrefix("https://") || plain else { return .failure(Failure(description: "\(url): only https:// URLs are fetched")) }
        if plain, !SMTPSettings(url: "smtp://" + url.dropFirst("http://".count)).isLoopback {
            return .failure(Failure(description: "\(url): plain http is accepted only towards a loopback address"))
        }
        let session = CurlSession()
        let common = CurlSession.Common(url: url, requireTLS: false, caFile: caFile, username: nil, secret: nil,
                                        connectTimeoutSeconds: connectTimeoutSeconds, timeoutSeconds: timeoutSeconds)
        let limit = sizeLimit
        guard let result = session.perform(common, configure: { easy, _ in
            var refused: [String] = []
            func set(_ code: CURLcode, _ name: String) { if code != CURLE_OK { refused.append(name) } }
            set(relance_curl_setopt_string(easy, CURLOPT_PROTOCOLS_STR, plain ? "http" : "https"), "protocols")
            set(relance_curl_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "https"), "redirect protocols")
            set(relance_curl_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 1), "follow location")
            set(relance_curl_setopt_long(easy, CURLOPT_MAXREDIRS, 5), "max redirects")
            set(relance_curl_setopt_offset(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(limit)), "max file size")
            set(relance_curl_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, ""), "accept encoding")
            // The Bank of England's database answers 500 to a request without one.
            set(relance_curl_setopt_string(easy, CURLOPT_USERAGENT, "relance (reference-rate update; libcurl)"), "user agent")
            return refused
        }) else { return .failure(Failure(description: "\(url): libcurl could not start a transfer")) }
        guard result.code == CURLE_OK else {
            return .failure(Failure(description: "\(url): \(result.message)" + (result.response > 0 ? " (HTTP \(result.response))" : "")))
        }
        guard (200..<300).contains(result.response) else {
            return .failure(Failure(description: "\(url): HTTP \(result.response)"))
        }
        guard result.state.download.count <= limit else { return .failure(Failure(description: "\(url): the response is over \(limit) bytes")) }
        return .success(result.state.download)
    }
}
