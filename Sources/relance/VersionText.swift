import CCurlShim

/// What `relance --version` prints: relance's own version and the libcurl it
/// was linked against, with libcurl's protocols, which proves on a fresh
/// machine that SMTP and IMAP (and their TLS forms) are available.
enum VersionText {
    static let relanceVersion = "0.1.0"

    static var full: String {
        var protocols: [String] = []
        for index in 0..<relance_curl_protocol_count() {
            if let name = relance_curl_protocol_at(index) { protocols.append(String(cString: name)) }
        }
        let curl = String(cString: relance_curl_version())
        let tls = String(cString: relance_curl_ssl_version())
        return """
            relance \(relanceVersion)
            libcurl \(curl)\(tls.isEmpty ? "" : " (\(tls))")
            protocols: \(protocols.joined(separator: " "))
            """
    }
}
