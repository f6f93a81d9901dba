import Foundation
public import Logging
public import RelanceConfig
public import RelanceCore
public import RelanceStore

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
        do {
            let (message, lines) = try SharedWorkingSetTransaction.run(
                "change invoice \(invoiceID)", store: store, workingSet: workingSet, configuration: configuration, clock: clock, logger: logger,
                load: { try await workingSet.load(customerOf: invoiceID, on: $0) }, body: { (try action($0), true) })
            sendLog.append(lines)
            return message
        } catch let refused as SharedWriteBackError {
            throw InvoiceActions.Refusal(description: "\(refused)")
        }
    }
}

extension InvoiceActions.Refusal: SharedStoreAnswer {}
