import CCurlShim

/// Turns libcurl's result code, the server's last response code and what was
/// uploaded into a `DeliveryOutcome`, the way mail queues treat SMTP replies.
enum SMTPOutcome {
    static func classify(code: CURLcode, response: Int, replies: [String], uploadFinished: Bool, curlMessage: String) -> DeliveryOutcome {
        let last = replies.last(where: { $0.count >= 3 && $0.prefix(3).allSatisfy(\.isNumber) }) ?? ""
        let refused = replies.filter { $0.hasPrefix("4") || $0.hasPrefix("5") }
        if code == CURLE_OK {
            let note = refused.isEmpty ? "" : " (refused: \(refused.joined(separator: " | ")))"
            return .delivered(reply: (last.isEmpty ? "250" : last) + note)
        }
        // The server's refusal, when it gave one, decides (later lines may be QUIT's 221).
        let verdict = refused.first ?? last
        let detail = verdict.isEmpty ? curlMessage : "\(verdict) (\(curlMessage))"
        let verdictCode = Int(verdict.prefix(3)) ?? response
        switch code {
        case CURLE_LOGIN_DENIED:
            return .failed(reason: "authentication failed: \(detail)")
        case CURLE_USE_SSL_FAILED:
            return .failed(reason: "TLS: the server does not offer STARTTLS: \(detail)")
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            return .failed(reason: "TLS: \(detail)")
        default:
            break
        }
        if (500...599).contains(verdictCode) { return .failed(reason: detail) }
        if (400...499).contains(verdictCode) { return .deferred(reason: detail) }
        // No SMTP verdict: the connection failed, or relance stopped the transfer (SIGTERM). After
        // the data it may have been delivered.
        if code == CURLE_ABORTED_BY_CALLBACK, !uploadFinished { return .deferred(reason: "stopped before the data was sent: relance is shutting down") }
        if uploadFinished { return .uncertain(reason: "connection lost after the message was sent: \(detail)") }
        return .deferred(reason: detail)
    }
}
