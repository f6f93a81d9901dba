import Foundation
public import PostgresNIO
import Synchronization

extension PostgresStore {
    /// For the daemon's own threads, which work synchronously (an SMTP transaction blocks in libcurl):
    /// runs `body` in one transaction and waits for it, at most twice the deadline. A thread of the
    /// daemon never waits for ever on the store: in the chaos test a transaction begun just as
    /// PostgreSQL restarted once never finished; the thread is then told, and tries again on a new
    /// connection, while the lost one is abandoned (its server session died with the restart).
    /// Never to be called from a Swift concurrency thread: the wait would hold one of the few threads
    /// the transaction itself needs.
    public func blockingTransaction<T: Sendable>(_ operation: String,
                                                 _ body: @escaping @Sendable (PostgresConnection) async throws -> T) throws -> T {
        try waitFor(operation) { try await self.transaction(operation, body) }
    }

    /// The same for one statement, which is atomic on its own: run without BEGIN and COMMIT, one
    /// round trip instead of three (a guarded hand-off, an outcome, a claim).
    public func blockingStatement<T: Sendable>(_ operation: String,
                                               _ body: @escaping @Sendable (PostgresConnection) async throws -> T) throws -> T {
        try waitFor(operation) { try await self.connection(operation, body) }
    }

    /// Any work on this store (a migration, a copy, closing it) run from a synchronous thread, waited
    /// for at most twice the deadline, as the two above.
    public func waitFor<T: Sendable>(_ operation: String, _ work: @escaping @Sendable () async throws -> T) throws -> T {
        let result = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let work = Task {
            let outcome: Result<T, any Error>
            do { outcome = .success(try await work()) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            done.signal()
        }
        // DispatchTime is the monotonic uptime clock: a wait, not a reading of the business clock.
        let seconds = Double(deadline.components.seconds) * 2
        guard done.wait(timeout: .now() + seconds) == .success else {
            work.cancel()
            throw StoreError(operation: operation, underlying: "no answer from \(location) within \(Int(seconds)) s")
        }
        return try result.withLock { $0! }.get()
    }
}
