import Foundation
internal import GRDB

/// relance's single source of truth: one SQLite file in WAL mode, every commit synced
/// (`synchronous=FULL`) unless the caller knowingly asks otherwise, shared safely by the daemon and the command line
/// (a busy timeout instead of "database is locked"). Every state change is one
/// transaction, given to callers as a `StoreTransaction`.
public final class Store: Sendable {
    let pool: DatabasePool
    public let path: String
    /// A copy that no crash needs (a shared store's working set or local copy, made again from
    /// PostgreSQL whenever it is needed): nothing is ever synced to disk.
    let scratch: Bool

    /// Opens (creating if needed) the store at `path` and brings its schema up to date; with
    /// `readOnly`, opens an existing store without writing anything (the commands that only look).
    /// `recorder` notes every statement run (for tests of the query plans). With `scratch`, the
    /// store is a copy made again after a crash: `synchronous = OFF`, and a durable write is an
    /// ordinary one.
    public init(path: String, readOnly: Bool = false, recorder: StatementRecorder? = nil, scratch: Bool = false) throws(StoreError) {
        self.path = path
        self.scratch = scratch
        var configuration = Configuration()
        if let recorder { configuration.prepareDatabase { db in recorder.install(on: db) } }
        configuration.busyMode = .timeout(10)
        if readOnly {
            configuration.readonly = true
            guard FileManager.default.fileExists(atPath: path) else {
                throw StoreError(operation: "open \(path)", underlying: "no store yet: nothing has been taken in (run relance run first)")
            }
            do {
                pool = try DatabasePool(path: path, configuration: configuration)
                guard try pool.read({ db in try Schema.migrator.hasCompletedMigrations(db) }) else {
                    throw StoreError(operation: "open \(path)", underlying: "written by an older relance: run relance run --once to bring it up to date")
                }
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError(operation: "open \(path) read-only", underlying: "\(error)")
            }
            return
        }
        configuration.journalMode = .wal
        configuration.prepareDatabase { db in
            // NORMAL by default on every connection; `write(durable: true)` raises it to FULL around its commit.
            try db.execute(sql: scratch ? "PRAGMA synchronous = OFF" : "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // A small state directory (a tmpfs, a nearly full disk) must not be eaten by the WAL:
            // checkpoint every 256 pages and cut the file back to 1 MiB after each.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 256")
            try db.execute(sql: "PRAGMA journal_size_limit = 1048576")
        }
        do {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            pool = try DatabasePool(path: path, configuration: configuration)
            try Schema.migrator.migrate(pool)
        } catch {
            throw StoreError(operation: "open \(path)", underlying: "\(error)")
        }
    }

    /// Deletes the store file at `path` with its WAL and shared-memory files, those that exist (a
    /// scratch copy done with, or made afresh).
    public static func removeFiles(at path: String) throws {
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            try FileManager.default.removeItem(atPath: file)
        }
    }

    /// Runs `body` in one write transaction: all of it is committed, or none. With `durable`
    /// (the default) the commit is synced to disk before this returns (`synchronous=FULL`);
    /// without, it survives a crash of the process but not a power loss (`synchronous=NORMAL`
    /// in WAL mode): the per-message hand-off and outcome commits, which the send batch's boot
    /// id covers (docs/durability.md).
    public func write<T>(durable: Bool = true, _ body: (StoreTransaction) throws -> T) throws -> T {
        do {
            guard durable, !scratch else { return try pool.write { db in try body(StoreTransaction(db: db)) } }
            return try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                defer { try? db.execute(sql: "PRAGMA synchronous = NORMAL") }
                var result: T?
                try db.inTransaction {
                    result = try body(StoreTransaction(db: db))
                    return .commit
                }
                guard let result else { throw StoreError(operation: "write", underlying: "no result") }
                return result
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw StoreError(operation: "write", underlying: error.description)
        } catch let error as TransitionError {
            throw error
        }
    }

    /// Runs `body` on a consistent snapshot, concurrently with writers.
    public func read<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
        do {
            return try pool.read { db in try body(StoreTransaction(db: db)) }
        } catch let error as DatabaseError {
            throw StoreError(operation: "read", underlying: error.description)
        }
    }

    /// Copies the WAL back into the database and truncates it: after a write failed for want of
    /// space, this gives back what the WAL held. Errors are ignored (the next write says them).
    public func reclaimSpace() {
        try? pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    public func integrityCheck() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer" }
    }
}

/// A store operation that failed, with SQLite's own words.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let underlying: String

    public init(operation: String, underlying: String) {
        self.operation = operation
        self.underlying = underlying
    }

    public var description: String { "store: \(operation) failed: \(underlying)" }
}

extension Database {
    /// Runs one statement through GRDB's statement cache: compiled (and authorized) once per
    /// connection, not once per call, which counts when a cycle touches thousands of rows.
    func cachedExecute(sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}
