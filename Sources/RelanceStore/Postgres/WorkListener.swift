public import PostgresNIO
import Synchronization

/// Wakes an instance when another one commits new work (reminders planned, a file taken in), so
/// that instances sleeping until their next due time need not poll the store every few seconds:
/// PostgreSQL's LISTEN/NOTIFY, whose notifications are delivered only when the announcing
/// transaction commits (a rolled-back plan wakes nobody). Polling stays the fallback: `wait`
/// returns after its timeout whether or not anything was announced, and a listener whose
/// connection was lost (a server restart) says so and is simply made again.
public final class WorkListener: Sendable {
    /// The channel every instance of one store listens on.
    public static let channel = "relance_work"

    private struct State {
        var pending = 0
        var waiter: CheckedContinuation<Bool, Never>?
        /// Which `wait` the waiter belongs to: a timer only ever ends its own.
        var waitID = 0
        var lost = false
    }

    /// Whether listening started, for the one who waits for it (whichever comes first).
    private struct Start {
        var outcome: Result<Void, any Error>?
        var waiter: CheckedContinuation<Void, any Error>?
    }

    /// The state the listening task and the waiters share.
    private final class Shared: Sendable {
        let state = Mutex(State())

        func signal() {
            state.withLock { state in
                if let waiter = state.waiter {
                    state.waiter = nil
                    waiter.resume(returning: true)
                } else {
                    state.pending += 1
                }
            }
        }
    }

    private let shared = Shared()
    private let connection: PostgresConnection
    private let task: Task<Void, Never>

    /// Inside a transaction: every listener wakes when it commits, none if it rolls back.
    public static func announce(on connection: PostgresConnection) async throws {
        try await connection.query("SELECT pg_notify(\(channel), '')", logger: SharedQueue.logger)
    }

    /// Listens on a connection of its own (one per instance), ready when this returns.
    public init(store: PostgresStore) async throws {
        let connection = try await store.connections.dedicated()
        self.connection = connection
        let shared = shared
        let start = Mutex(Start())
        @Sendable func started(_ outcome: Result<Void, any Error>) {
            start.withLock { start in
                guard start.outcome == nil else { return }
                start.outcome = outcome
                start.waiter?.resume(with: outcome)
                start.waiter = nil
            }
        }
        task = Task {
            do {
                try await connection.listen(on: Self.channel) { notifications in
                    started(.success(()))
                    for try await _ in notifications { shared.signal() }
                }
                started(.failure(StoreError(operation: "listen on \(Self.channel)", underlying: "the listening ended")))
            } catch {
                started(.failure(error))
            }
            shared.state.withLock { state in
                state.lost = true
                state.waiter?.resume(returning: false)
                state.waiter = nil
            }
        }
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                start.withLock { start in
                    if let outcome = start.outcome { continuation.resume(with: outcome) } else { start.waiter = continuation }
                }
            }
        } catch {
            task.cancel()
            try? await connection.close()
            throw StoreError(operation: "listen on \(Self.channel)", underlying: PostgresStore.describe(error))
        }
    }

    /// Whether the connection was lost (the listener must be made again).
    public var isLost: Bool { shared.state.withLock { $0.lost } }

    /// Waits for an announcement, at most `timeout`: true when one came (announcements made while
    /// nobody waited count too, all of them as one), false when the time ran out or the
    /// connection was lost.
    public func wait(timeout: Duration) async -> Bool {
        let shared = shared
        let timer = Mutex<Task<Void, Never>?>(nil)
        let woken = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let id: Int? = shared.state.withLock { state in
                if state.pending > 0 || state.lost {
                    let woken = state.pending > 0
                    state.pending = 0
                    continuation.resume(returning: woken)
                    return nil
                }
                state.waitID += 1
                state.waiter = continuation
                return state.waitID
            }
            guard let id else { return }
            timer.withLock {
                $0 = Task {
                    guard (try? await Task.sleep(for: timeout)) != nil else { return }
                    shared.state.withLock { state in
                        guard state.waitID == id, let waiter = state.waiter else { return }
                        state.waiter = nil
                        waiter.resume(returning: false)
                    }
                }
            }
        }
        timer.withLock { $0?.cancel() }
        return woken
    }

    /// Stops listening and closes the connection.
    public func close() async {
        task.cancel()
        try? await connection.close()
        await task.value
    }
}
