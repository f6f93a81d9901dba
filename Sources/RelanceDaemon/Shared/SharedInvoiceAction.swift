import Foundation
public import Logging
public import RelanceConfig
public import RelanceCore
public import RelanceStore
import RelanceTransport

/// A command that changes one invoice (`relance paid`, `pause`, `resume`, `promise`, `resolve`)
/// run against a shared PostgreSQL store: exists so that such a command changes what the instances
/// read, and not a SQLite file none of them looks at. In one PostgreSQL transaction the invoice's
/// customer is copied into a local working set under the invoices' advisory locks
/// (`SharedWorkingSet.load(customerOf:)`), the one-machine action (`InvoiceActions`) runs on the
/// copy, and what it changed is written back under guards (`SharedWriteBack`); the instances are
/// woken (NOTIFY). A row another instance changed or holds a lease on meanwhile makes it a
/// conflict: tried again on a fresh copy, then said. A change the shared store does not carry yet
/// (a promise's row) is refused whole.
public enum SharedInvoiceAction {
    /// Tries when a guard missed.
    static let tries = 5

    /// Runs `action` on a copy of `invoiceID`'s customer and writes back what it changed; returns
    /// what the action says it did. Its refusals (`InvoiceActions.Refusal`) reach the caller as they are.
    public static func perform(invoiceID: String, configuration: RelanceConfiguration, store: PostgresStore, sendLog: SendLog,
                               clock: any WallClock, logger: Logger,
                               _ action: @escaping @Sendable (DaemonContext) throws -> String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("relance-command-\(UUID().uuidString).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let workingSet = try SharedWorkingSet(path: path)
        var attempt = 1
        while true {
            do {
                let (message, lines) = try store.blockingTransaction("change invoice \(invoiceID)") { connection in
                    try await workingSet.load(customerOf: invoiceID, on: connection)
                    let context = DaemonContext(configuration: configuration, store: workingSet.store, sendLog: SendLog(discarding: ()),
                                                transport: NoTransport(), clock: clock, logger: logger)
                    let message = try action(context)
                    let changes = try workingSet.changes(leases: [:], keepLeases: [])
                    try await changes.apply(at: clock.now(), on: connection)
                    if !changes.isEmpty { try await WorkListener.announce(on: connection) }
                    return (message, changes.lines)
                }
                sendLog.append(lines)
                return message
            } catch let conflict as SharedWriteBackError {
                guard case .conflict = conflict, attempt < tries else { throw InvoiceActions.Refusal(description: "\(conflict)") }
                attempt += 1
                // A wait on the monotonic uptime clock, not a reading of the business clock.
                Thread.sleep(forTimeInterval: 0.2 * Double(attempt))
            }
        }
    }
}

extension InvoiceActions.Refusal: SharedStoreAnswer {}
