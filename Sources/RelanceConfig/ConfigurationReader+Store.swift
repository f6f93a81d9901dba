import Foundation

/// `[store]`: where the state lives when it is not the state directory's own SQLite file.
extension ConfigurationReader {
    /// `url = "postgresql://USER@HOST[:PORT]/DATABASE"`, `tls = "required" | "none"`, `ca_file`, `password_file`.
    /// The URL's own rules (no password in it, TLS only off towards loopback) are checked where it is opened.
    mutating func store() -> StoreSettings? {
        guard let section = table(root, "store", required: false) else { return nil }
        allowOnly(section, "store", ["url", "tls", "ca_file", "password_file", "instance", "lease_seconds"])
        let url = string(section, "store.url", required: true)
        if let url {
            let scheme = url.prefix { $0 != ":" }.lowercased()
            if !["postgresql", "postgres"].contains(scheme) {
                problem("store.url", "must start with postgresql:// (without [store], the state directory's SQLite file is the store)")
            }
        }
        let tls = string(section, "store.tls", required: false) ?? "required"
        if !["required", "none"].contains(tls) { problem("store.tls", "\"\(tls)\" is not \"required\" or \"none\"") }
        func file(_ key: String, in reader: inout ConfigurationReader) -> String? {
            reader.string(section, "store.\(key)", required: false).map {
                $0.hasPrefix("/") ? $0 : (reader.directory as NSString).appendingPathComponent($0)
            }
        }
        let instance = string(section, "store.instance", required: false)
        if let instance, instance.isEmpty || instance.count > 100 || instance.contains(where: { $0.isNewline || $0 == "\0" }) {
            problem("store.instance", "must be a name of 1 to 100 characters on one line")
        }
        let leaseSeconds = integer(section, "store.lease_seconds") ?? 60
        if !(5...3600).contains(leaseSeconds) { problem("store.lease_seconds", "must be from 5 to 3600 (seconds)") }
        guard let url else { return nil }
        return StoreSettings(url: url, tls: tls, caFile: file("ca_file", in: &self), passwordFile: file("password_file", in: &self),
                             instance: instance, leaseSeconds: leaseSeconds)
    }
}
