import Foundation
public import PostgresNIO
public import RelanceStore

/// A private PostgreSQL server (`scripts/test-servers/postgres-instance`) for one test, with a
/// migrated database and helpers to put invoices and reminders in it the way the store does.
public final class PostgresFixture: Sendable {
    public static var available: Bool {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        return versions.contains { ScriptedServer.available("/usr/lib/postgresql/\($0)/bin/postgres") }
    }

    public let server: ScriptedServer
    public let location: PostgresLocation
    public let store: PostgresStore
    public static let password = "s3cret"

    public init() async throws {
        server = try await Self.offThePool { try ScriptedServer(script: "postgres-instance") }
        location = try PostgresLocation(url: "postgresql://relance@127.0.0.1:\(server.port)/postgres", tls: "none")
        store = try PostgresStore(location: location, password: Self.password, deadline: Self.deadline)
        try await store.migrate(at: Date(timeIntervalSince1970: 1_790_000_000))
    }

    /// A second client of the same store, as another instance would hold.
    public func instance() throws -> PostgresStore { try PostgresStore(location: location, password: Self.password, deadline: Self.deadline) }

    /// How long a test's store call may go unanswered before it is a failure: longer than the
    /// daemon's own (15 s), because a full test run on two cores starts several servers and
    /// chaos tests at once, and a starved server is not what these tests look at.
    static let deadline: Duration = .seconds(45)

    /// `count` open invoices, each with one reminder due at `sendAt`; returns the reminders' ids.
    @discardableResult
    public func dueReminders(_ count: Int, sendAt: Int64, prefix: String = "F") async throws -> [Int64] {
        try await store.transaction("insert fixtures") { connection in
            var ids: [Int64] = []
            for n in 0..<count {
                let invoice = "\(prefix)-\(n)"
                try await connection.query("""
                    INSERT INTO invoices (id, customer_key, currency, total_minor, issue_date, due_date, source_file, source_hash, format,
                        document, ingested_at, updated_at, owed_minor)
                    VALUES (\(invoice), \("id:C\(n)"), 'EUR', 10000, '2026-11-01', '2026-12-01', \(invoice + ".json"), 'hash', 'json', '{}', 0, 0, 10000)
                    """, logger: Self.logger)
                let rows = try await connection.query("""
                    INSERT INTO reminders (invoice_id, step, kind, local_date, send_at, state, amount_minor, updated_at)
                    VALUES (\(invoice), 'due', 'due', '2026-12-01', \(sendAt), 'planned', 10000, 0) RETURNING id
                    """, logger: Self.logger)
                for try await id in rows.decode(Int64.self) { ids.append(id) }
            }
            return ids
        }
    }

    /// One reminder's state, detail and lease owner.
    public func reminder(_ id: Int64) async throws -> (state: String, detail: String?, owner: String?) {
        try await store.transaction("read a reminder") { connection in
            let rows = try await connection.query("SELECT state, detail, lease_owner FROM reminders WHERE id = \(id)", logger: Self.logger)
            for try await row in rows.decode((String, String?, String?).self) { return (row.0, row.1, row.2) }
            throw StoreError(operation: "read reminder \(id)", underlying: "no such row")
        }
    }

    /// How many sessions wait for a lock right now (to know that a concurrent statement is blocked).
    public func sessionsWaitingForLocks() async throws -> Int {
        try await store.transaction("look at locks") { connection in
            let rows = try await connection.query("SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'", logger: Self.logger)
            for try await count in rows.decode(Int64.self) { return Int(count) }
            return 0
        }
    }

    /// Waits until `count` sessions wait for a lock (at most ten seconds).
    public func waitUntilBlocked(_ count: Int = 1) async throws {
        for _ in 0..<500 {
            if try await sessionsWaitingForLocks() >= count { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw StoreError(operation: "wait for a blocked session", underlying: "none blocked after ten seconds")
    }

    /// The first column of the first row `sql` gives, as text ("" when there is none).
    public func scalar(_ sql: String) async throws -> String {
        try await store.transaction("read") { connection in
            for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: PostgresFixture.logger).decode(String.self) {
                return value
            }
            return ""
        }
    }

    public func close() async { await store.close() }

    /// An immediate restart of the server (its sessions die with it).
    public func restartServer() async -> Bool {
        let server = server
        return (try? await Self.offThePool { server.run("restart") }) ?? false
    }

    /// Runs blocking work (starting a server waits for its script) on a thread of its own, not on
    /// one of the few threads every async test shares.
    public static func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    public static let logger = Logger(label: "relance.tests.postgres")
}

/// A one-shot gate a test opens to let a transaction it holds open go on. A wait is bounded: a
/// gate that is never opened (the transaction meant to open it failed on a loaded machine) is the
/// test's failure after a minute, never a test run that waits for ever.
public final class Gate: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init() { (stream, continuation) = AsyncStream<Void>.makeStream() }

    /// Opens the gate; opening it again changes nothing (a child that opens it, then opens it again
    /// in its `defer` when it fails, is the usual pattern).
    public func open() {
        continuation.yield()
        continuation.finish()
    }

    /// Waits until the gate is opened, or throws `GateTimeout` after `limit`.
    public func wait(upTo limit: Duration = .seconds(60)) async throws {
        let stream = stream
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in stream { return true }
                return true
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return false
            }
            let opened = try await group.next() ?? false
            group.cancelAll()
            guard opened else { throw GateTimeout(limit: limit) }
        }
    }
}

/// A gate nobody opened in time.
public struct GateTimeout: Error, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "a gate was not opened within \(limit)" }
}
