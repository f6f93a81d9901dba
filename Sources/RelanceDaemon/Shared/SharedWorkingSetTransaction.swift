import Foundation
import Logging
import PostgresNIO
import RelanceConfig
import RelanceCore
import RelanceStore
import RelanceTransport

/// The one-machine code run on a working set inside one PostgreSQL transaction, and what it
/// changed written back under guards: exists so that a payments file (`SharedPaymentPickup`) and a
/// command on one invoice (`SharedInvoiceAction`) share one way of loading, applying, writing back,
/// waking the other instances and trying again after a conflict.
enum SharedWorkingSetTransaction {
    /// Tries when a guard missed (another instance at work on the same rows).
    static let tries = 5

    /// `load` fills the copy inside the transaction (its locks taken); `body` runs the one-machine
    /// code on a context over the copy and says whether its changes are to be written back (false:
    /// nothing is, as for a payments CSV with a bad line); `guarded` runs just before the
    /// write-back and throws to refuse it (a mailbox lease no longer held). The instances are woken when something
    /// was written. A conflict is tried again on a fresh copy, up to `tries` times, then thrown, as
    /// is any other refusal of the write-back. Returns `body`'s value and the send-log lines of the
    /// events written, to be appended once the transaction committed.
    static func run<T: Sendable>(_ operation: String, store: PostgresStore, workingSet: SharedWorkingSet, configuration: RelanceConfiguration,
                                 clock: any WallClock, logger: Logger, load: @escaping @Sendable (PostgresConnection) async throws -> Void,
                                 body: @escaping @Sendable (DaemonContext) throws -> (value: T, writeBack: Bool),
                                 guarded: @escaping @Sendable (PostgresConnection) async throws -> Void = { _ in })
        throws -> (value: T, lines: [String]) {
        var attempt = 1
        while true {
            do {
                return try store.blockingTransaction(operation) { connection in
                    try await load(connection)
                    let context = DaemonContext(configuration: configuration, store: workingSet.store, sendLog: SendLog(discarding: ()),
                                                transport: NoTransport(), clock: clock, logger: logger)
                    let (value, writeBack) = try body(context)
                    guard writeBack else { return (value, []) }
                    let changes = try workingSet.changes(leases: [:], keepLeases: [])
                    try await guarded(connection)
                    try await changes.apply(at: clock.now(), on: connection)
                    if !changes.isEmpty { try await WorkListener.announce(on: connection) }
                    return (value, changes.lines)
                }
            } catch let conflict as SharedWriteBackError {
                guard case .conflict = conflict, attempt < tries else { throw conflict }
                logger.info("shared store: \(conflict); \(operation) tried again")
                attempt += 1
                // A wait on the monotonic uptime clock, not a reading of the business clock.
                Thread.sleep(forTimeInterval: 0.2 * Double(attempt))
            }
        }
    }
}
