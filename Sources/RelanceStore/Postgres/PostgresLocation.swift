import Foundation
import RelanceCore

/// Where a shared PostgreSQL store is, read from `[store] url = "postgresql://user@host:port/db"`:
/// exists so that the rules about it (TLS on unless the server is on this machine, no password in
/// the URL, a port in range) are checked once, before anything connects, with a sentence a
/// sysadmin can act on. The password comes from elsewhere (a file, the systemd credential
/// `store-password`, `$RELANCE_STORE_PASSWORD`), exactly as for SMTP.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    /// How the connection is protected.
    public enum TLS: String, Sendable {
        /// TLS, the server's certificate verified against the system's roots or `ca_file` (the default).
        case required
        /// Plain TCP: accepted only towards a loopback address (127.0.0.0/8, ::1, localhost).
        case none
    }

    public let host: String
    public let port: Int
    public let username: String
    public let database: String
    public let tls: TLS

    /// A URL relance cannot use, and why.
    public struct Problem: Error, CustomStringConvertible, Sendable, Equatable {
        public let description: String
    }

    /// - Parameter tls: `[store] tls` ("required" by default, or "none").
    public init(url: String, tls: String = "required") throws(Problem) {
        guard let mode = TLS(rawValue: tls) else { throw Problem(description: "tls = \"\(tls)\" is not \"required\" or \"none\"") }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "postgresql" || scheme == "postgres" else {
            throw Problem(description: "\"\(Self.withoutPassword(url))\" is not a postgresql://user@host/database URL")
        }
        guard components.password == nil else {
            throw Problem(description: "the URL holds a password: put it in a file (password_file), the systemd credential store-password or $RELANCE_STORE_PASSWORD")
        }
        guard let host = components.host, !host.isEmpty else { throw Problem(description: "the URL names no host") }
        guard let user = components.user, !user.isEmpty else { throw Problem(description: "the URL names no user (postgresql://USER@\(host)/…)") }
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw Problem(description: "port \(port) is out of range") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw Problem(description: "the URL names no database (postgresql://\(user)@\(host)/DATABASE)") }
        guard components.query == nil else { throw Problem(description: "query parameters are not read: say TLS with [store] tls and ca_file") }
        if mode == .none, !LoopbackHost.contains(host) {
            throw Problem(description: "tls = \"none\" is accepted only towards this machine (127.0.0.1, ::1, localhost), not \(host)")
        }
        self.host = host
        self.port = port
        username = user.removingPercentEncoding ?? user
        self.database = database.removingPercentEncoding ?? database
        self.tls = mode
    }

    /// Whether `url` names a PostgreSQL store (as opposed to a SQLite file's path).
    public static func isPostgres(_ url: String) -> Bool {
        let lowered = url.lowercased()
        return lowered.hasPrefix("postgresql://") || lowered.hasPrefix("postgres://")
    }

    /// The URL as logs and status show it (never with a password: there is none).
    public var description: String { "postgresql://\(username)@\(host):\(port)/\(database)" }

    private static func withoutPassword(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "…"
        return components.string ?? url
    }
}
