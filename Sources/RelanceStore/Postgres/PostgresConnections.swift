import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import PostgresNIO

/// The few connections one instance keeps to the shared store: exists instead of postgres-nio's
/// `PostgresClient` because that pool, when a connection cannot be made (a wrong password, a
/// certificate it does not trust, a server that is down), keeps retrying in the background and lets
/// the request wait, so the caller learns nothing but a timeout. Here a connection is made when one
/// is needed and none is idle, and a failure to make it is the caller's error at once, in the
/// server's words. A connection that saw an error is closed, never handed out again.
actor PostgresConnections {
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let maximumIdle: Int
    private var idle: [PostgresConnection] = []
    private var nextID = 0
    private var closed = false

    init(configuration: PostgresConnection.Configuration, maximumIdle: Int, logger: Logger) {
        self.configuration = configuration
        self.maximumIdle = max(1, maximumIdle)
        self.logger = logger
    }

    /// An open connection: an idle one, or a new one.
    func take() async throws -> PostgresConnection {
        while let connection = idle.popLast() {
            if !connection.isClosed { return connection }
        }
        return try await dedicated()
    }

    /// A new connection, for a long-lived use of its own (LISTEN) or to be pooled after use.
    func dedicated() async throws -> PostgresConnection {
        guard !closed else { throw StoreError(operation: "connect", underlying: "the store was closed") }
        nextID += 1
        return try await PostgresConnection.connect(on: Self.eventLoops.any(), configuration: configuration, id: nextID, logger: logger)
    }

    /// Gives a connection back after use: kept when it is healthy and there is room, closed otherwise.
    func giveBack(_ connection: PostgresConnection, healthy: Bool) async {
        if healthy, !closed, !connection.isClosed, idle.count < maximumIdle {
            idle.append(connection)
            return
        }
        try? await connection.close()
    }

    /// SwiftNIO's threads for every connection, started with every signal blocked, whatever thread
    /// first needs them: the process's signals (SIGTERM and SIGHUP for the daemon's orderly stop,
    /// SIGCHLD for the children it waits for) must go to the threads that handle them, never to a
    /// network thread that would take them with the default action.
    static let eventLoops: MultiThreadedEventLoopGroup = {
        var all = sigset_t()
        sigfillset(&all)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &all, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }()

    /// A store dropped without `close()` (a thread that ended, an error path) closes what it holds:
    /// each connection is kept alive until its close completed (postgres-nio requires a connection
    /// to be closed before it is freed).
    deinit {
        for connection in idle {
            connection.close().whenComplete { _ in _ = connection }
        }
    }

    func closeAll() async {
        closed = true
        let connections = idle
        idle = []
        for connection in connections { try? await connection.close() }
    }
}
