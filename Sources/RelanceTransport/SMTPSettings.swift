import RelanceCore

/// How to reach the SMTP server: parsed from `[transport]` by the
/// configuration, checked here for what libcurl needs. The secret itself is
/// never part of these settings; `SecretSource` reads it when connecting.
public struct SMTPSettings: Sendable, Equatable {
    /// How the connection is protected (`[transport] tls`): plain text only where no one can listen.
    public enum TLS: String, Sendable, Equatable {
        /// STARTTLS on smtp://, TLS from the first byte on smtps://; certificate verified.
        case required
        /// Plain text: accepted only towards a loopback address.
        case none
    }

    public var url: String
    public var tls: TLS
    public var username: String?
    /// Send the secret as an OAuth 2 bearer token (XOAUTH2) instead of a password.
    public var oauthBearer: Bool
    public var caFile: String?
    /// Envelope sender; `+TOKEN` is inserted before the @ per reminder when `tagEnvelope` is set.
    public var envelopeFrom: String?
    public var tagEnvelope: Bool
    public var connectTimeoutSeconds: Int
    public var timeoutSeconds: Int

    public init(url: String, tls: TLS = .required, username: String? = nil, oauthBearer: Bool = false, caFile: String? = nil,
                envelopeFrom: String? = nil, tagEnvelope: Bool = false, connectTimeoutSeconds: Int = 15, timeoutSeconds: Int = 120) {
        self.url = url
        self.tls = tls
        self.username = username
        self.oauthBearer = oauthBearer
        self.caFile = caFile
        self.envelopeFrom = envelopeFrom
        self.tagEnvelope = tagEnvelope
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.timeoutSeconds = timeoutSeconds
    }

    /// The host part of `url` (`[::1]` without brackets).
    public var host: String? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        var rest = url[schemeEnd.upperBound...]
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if rest.hasPrefix("[") { return rest.dropFirst().prefix { $0 != "]" }.lowercased() }
        return rest.prefix { $0 != ":" && $0 != "/" }.lowercased()
    }

    public var isLoopback: Bool { host.map(LoopbackHost.contains) ?? false }

    /// Problems that make these settings unusable, in words for `relance check`.
    public var problems: [String] {
        var found: [String] = []
        let lower = url.lowercased()
        if !(lower.hasPrefix("smtp://") || lower.hasPrefix("smtps://")) { found.append("url must start with smtp:// or smtps://") }
        if url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) { found.append("url contains a space or control character") }
        if host?.isEmpty ?? true { found.append("url has no host") }
        if tls == .none, lower.hasPrefix("smtps://") { found.append("tls = \"none\" contradicts an smtps:// url") }
        if tls == .none, !isLoopback { found.append("tls = \"none\" is accepted only towards a loopback address (127.0.0.1, ::1, localhost)") }
        if url.contains("@") { found.append("put the user name in `username`, not in the url") }
        return found
    }
}
