import Foundation
public import Logging
public import RelanceConfig
public import RelanceCore
import PostgresNIO
public import RelanceStore

/// A command that changes one invoice (`relance paid`, `pause`, `resume`, `promise`, `resolve`,
/// `payments assign`)
/// run against a shared PostgreSQL store: exists so that such a command changes what the instances
/// read, and not a SQLite file none of them looks at. In one PostgreSQL transaction the invoice's
/// customer is copied into a local working set under the invoices' advisory locks
/// (`SharedWorkingSet.load(customerOf:)`), the one-machine action (`InvoiceActions`) runs on the
/// copy, and what it changed is written back under guards (`SharedWriteBack`); the instances are
/// woken (NOTIFY). A row another instance changed or holds a lease on meanwhile makes it a
/// conflict: tried again on a fresh copy, then said. A change the shared store does not carry yet
/// (a promise's row) is refused whole.
public enum SharedInvoiceAction {
    /// What a command's copy holds.
    public enum Copy: Sendable {
        /// Every invoice of this invoice's customer (`paid`, `pause`, `resume`, `promise`, `resolve`).
        case customerOf(invoiceID: String)
        /// A bank entry, with every invoice of the customer it is assigned to and the account it
        /// was paid from (`payments assign`), as a payments file's copy holds them.
        case bankEntry(id: Int64, invoiceID: String)
        /// Every invoice of the customers with a message held for review, among `ids` when given
        /// (`approve`, `hold`); a message not held is not copied, and the action says so.
        case heldReminders(ids: [Int64]?)

        var operation: String {
            switch self {
            case .customerOf(let invoiceID): "change invoice \(invoiceID)"
            case .bankEntry(let id, let invoiceID): "assign bank entry \(id) to \(invoiceID)"
            case .heldReminders(let ids): ids.map { "review held messages \($0.map(String.init).joined(separator: ", "))" } ?? "review every held message"
            }
        }

        func load(into workingSet: SharedWorkingSet, on connection: PostgresConnection) async throws {
            switch self {
            case .customerOf(let invoiceID):
                try await workingSet.load(customerOf: invoiceID, on: connection)
            case .bankEntry(let id, let invoiceID):
                try await workingSet.loadForPayments(try await SharedWorkingSet.assignmentCandidates(entryID: id, invoiceID: invoiceID,
                                                                                                      on: connection), on: connection)
            case .heldReminders(let ids):
                try await workingSet.load(customersOf: try await SharedReview.invoices(holding: ids, on: connection), on: connection)
            }
        }
    }

    /// Runs `action` on `copy` and writes back what it changed; returns what the action says it
    /// did. Its refusals (`InvoiceActions.Refusal`) reach the caller as they are.
    public static func perform(_ copy: Copy, configuration: RelanceConfiguration, store: PostgresStore, sendLog: SendLog,
                               clock: any WallClock, logger: Logger,
                               _ action: @escaping @Sendable (DaemonContext) throws -> String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("relance-command-\(UUID().uuidString).sqlite").path
        defer { try? Store.removeFiles(at: path) }
        let workingSet = try SharedWorkingSet(path: path)
        do {
            let (message, lines) = try SharedWorkingSetTransaction.run(
                copy.operation, store: store, workingSet: workingSet, configuration: configuration, clock: clock, logger: logger,
                load: { try await copy.load(into: workingSet, on: $0) }, body: { (try action($0), true) })
            sendLog.append(lines)
            return message
        } catch let refused as SharedWriteBackError {
            throw InvoiceActions.Refusal(description: "\(refused)")
        }
    }
}

extension InvoiceActions.Refusal: SharedStoreAnswer {}
