import Foundation
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
        guard !closed else { throw PostgresStoreError(operation: "connect", underlying: "the store was closed") }
        while let connection = idle.popLast() {
            if !connection.isClosed { return connection }
        }
        nextID += 1
        return try await PostgresConnection.connect(configuration: configuration, id: nextID, logger: logger)
    }

    /// Gives a connection back after use: kept when it is healthy and there is room, closed otherwise.
    func giveBack(_ connection: PostgresConnection, healthy: Bool) async {
        if healthy, !closed, !connection.isClosed, idle.count < maximumIdle {
            idle.append(connection)
            return
        }
        try? await connection.close()
    }

    func closeAll() async {
        closed = true
        let connections = idle
        idle = []
        for connection in connections { try? await connection.close() }
    }
}
