public import Foundation
public import Logging
public import PostgresNIO

/// The store several relance instances share, in PostgreSQL: exists because an accounting firm, a
/// host or a business that cannot let reminders stop with one machine runs relance on several, and
/// the guarantee must not change (no reminder twice, none lost, doubt reported). It holds a pool
/// of connections (TLS by default) and runs every operation in one transaction with a deadline the
/// network layer and the server enforce, so a dead or unreachable server is an error the caller
/// reports and retries, never a hang. What instances share is `SharedQueue`'s protocol.
public final class PostgresStore: Sendable {
    public let location: PostgresLocation
    let connections: PostgresConnections
    let logger: Logger
    /// How long one operation may take, connecting included, before it fails.
    let deadline: Duration

    /// - Parameters:
    ///   - password: read by the caller from `password_file`, the credential `store-password` or `$RELANCE_STORE_PASSWORD`.
    ///   - caFile: the certificate authority the server's certificate is checked against (default: the system's).
    /// - Throws: `StoreError` when the TLS settings cannot be used (an unreadable `ca_file`).
    public init(location: PostgresLocation, password: String?, caFile: String? = nil, maximumConnections: Int = 4,
                deadline: Duration = .seconds(15), logger: Logger = Logger(label: "relance.store.postgres")) throws(StoreError) {
        self.location = location
        self.logger = logger
        self.deadline = deadline
        var configuration = PostgresConnection.Configuration(host: location.host, port: location.port, username: location.username,
                                                             password: password, database: location.database, tls: .disable)
        if location.tls == .required {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .fullVerification
            if let caFile { tls.trustRoots = .file(caFile) }
            do {
                configuration.tls = .require(try NIOSSLContext(configuration: tls))
            } catch {
                throw StoreError(operation: "set up TLS for \(location)", underlying: caFile.map { "ca_file \($0): \(error)" } ?? "\(error)")
            }
        }
        let seconds = max(1, Int64(deadline.components.seconds))
        configuration.options.connectTimeout = .seconds(seconds)
        // The server bounds what it waits for too: a statement (a lock held by another instance),
        // and a transaction left open by an instance that froze inside it (SIGSTOP, a stuck VM),
        // whose locks would otherwise stop every other instance.
        configuration.options.additionalStartupParameters = [
            ("application_name", "relance"),
            ("statement_timeout", "\(seconds * 1000)"),
            ("idle_in_transaction_session_timeout", "\(seconds * 2000)"),
        ]
        connections = PostgresConnections(configuration: configuration, maximumIdle: maximumConnections, logger: logger)
    }

    /// Closes every connection; the store cannot be used after.
    public func close() async {
        await connections.closeAll()
    }

    /// Runs `body` in one transaction (all of it committed, or none), within the deadline.
    @discardableResult
    public func transaction<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let logger = logger
        return try await connection(operation) { connection in
            try await connection.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }

    /// Runs `body` on one connection, outside any transaction (what cannot run in one: CREATE DATABASE).
    @discardableResult
    public func connection<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await reportingFailure(of: operation) { [connections] in
            let connection = try await connections.take()
            do {
                let result = try await body(connection)
                await connections.giveBack(connection, healthy: true)
                return result
            } catch {
                await connections.giveBack(connection, healthy: false)
                throw error
            }
        }
    }

    /// The schema versions this relance knows, oldest first.
    public static var schemaVersions: [Int] { PostgresSchema.versions.map(\.version) }

    /// Brings the schema up to date, exactly once however many instances start at the same time:
    /// each version in its own transaction, under the advisory lock, recorded in `relance_schema`.
    /// Returns the versions it applied (empty when the store was already up to date).
    @discardableResult
    public func migrate(at now: Date) async throws -> [Int] {
        try await transaction("migrate the schema") { connection in
            let logger = Logger(label: "relance.store.postgres.migrate")
            try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS relance_schema (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
                                       logger: logger)
            var applied = Set<Int>()
            for try await version in try await connection.query("SELECT version FROM relance_schema", logger: logger).decode(Int.self) {
                applied.insert(version)
            }
            var done: [Int] = []
            for (version, statements) in PostgresSchema.versions where !applied.contains(version) {
                for statement in statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                let seconds = Int64(now.timeIntervalSince1970)
                try await connection.query("INSERT INTO relance_schema (version, applied_at) VALUES (\(version), \(seconds))", logger: logger)
                done.append(version)
            }
            return done
        }
    }

    /// The schema versions applied so far.
    public func schemaVersions() async throws -> [Int] {
        try await transaction("read the schema version") { connection in
            var versions: [Int] = []
            let exists = try await connection.query("SELECT to_regclass('relance_schema') IS NOT NULL", logger: Logger(label: "relance.store.postgres"))
            for try await present in exists.decode(Bool.self) where !present { return [] }
            for try await version in try await connection.query("SELECT version FROM relance_schema ORDER BY version",
                                                                 logger: Logger(label: "relance.store.postgres")).decode(Int.self) {
                versions.append(version)
            }
            return versions
        }
    }

    /// `body`, or a `StoreError` naming the operation when it fails. What bounds the wait is
    /// below the caller's tasks, where a busy machine cannot delay it: the connect timeout (SwiftNIO's
    /// event loop), and the server's `statement_timeout` and `idle_in_transaction_session_timeout`.
    /// A clock raced here instead, on Swift's cooperative threads, fired early whenever those threads
    /// were all busy elsewhere (a loaded machine, a test run) and reported a healthy server as silent.
    func reportingFailure<T: Sendable>(of operation: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw error
        } catch let answer as any SharedStoreAnswer {
            throw answer
        } catch let error as PostgresTransactionError {
            // The store's answer from inside the transaction (rolled back): said as it is, not as a failure.
            if let answer = error.closureError as? any SharedStoreAnswer, error.commitError == nil { throw answer }
            throw StoreError(operation: operation, underlying: Self.describe(error.closureError ?? error.commitError ?? error.beginError ?? error))
        } catch {
            throw StoreError(operation: operation, underlying: Self.describe(error))
        }
    }

    /// The server's own words when there are some (postgres-nio hides them from `description`).
    static func describe(_ error: any Error) -> String {
        if let error = error as? StoreError { return error.underlying }
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                return [error.serverInfo?[.sqlState].map { "SQLSTATE \($0)" }, message].compactMap { $0 }.joined(separator: ": ")
            }
            return "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
        }
        return "\(error)"
    }
}

/// An error that is the shared store's answer, not a failure to reach it (a guard that missed: "not
/// yours any more"): passed to the caller as it is, so that it is told apart from an outage (which
/// is tried again) by its type.
public protocol SharedStoreAnswer: Error {}
