/// The rule for "this machine", shared by every connection relance may make in plain text (SMTP,
/// IMAP, HTTP fetches, the PostgreSQL store): exists so that the one place plain text is allowed is
/// decided the same way everywhere.
public enum LoopbackHost {
    /// An IPv4 loopback literal (127.0.0.0/8), `::1` (with or without brackets) or `localhost`.
    /// A name such as "127.example.com" is not: it may resolve anywhere.
    public static func contains(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let lowered = bare.lowercased()
        if lowered == "localhost" || lowered == "::1" { return true }
        let parts = lowered.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
