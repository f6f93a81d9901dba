import Foundation
import RelanceCore
import RelanceStore
import RelanceTransport

/// The start of each cycle: invoices whose formal notice's deadline passed unpaid go to
/// `collection` (`CollectionRule`, pure); their chase stops, and the send log says so.
extension Cycle {
    func enterCollection(now: Date, summary: inout Summary) throws {
        let today = context.configuration.calendar.localDate(of: now)
        guard try context.store.read({ tx in try !tx.noticesPastDeadline(today: today).isEmpty }) else { return }
        let journal = context.journal()
        var cancelled = 0
        try context.store.write { tx in
            journal.discard()
            cancelled = 0
            for stored in try tx.noticesPastDeadline(today: today) {
                guard let deadline = stored.noticeDeadline else { continue }
                let payments = try tx.payments(invoiceID: stored.invoice.id, currency: stored.invoice.currency)
                let balance = Balance.due(stored.invoice, payments: payments, on: today)
                // A payment plan agreed after the notice keeps the invoice out of collection while it runs.
                guard CollectionRule.isDue(noticeDeadline: deadline, today: today, balance: balance),
                      try tx.activePlan(invoiceID: stored.invoice.id) == nil else { continue }
                try tx.enterCollection(stored.invoice.id, at: now)
                cancelled += try tx.cancelWaiting(invoiceID: stored.invoice.id, reason: "collection", at: now)
                try journal.record(tx, at: now, event: "collection", invoice: stored.invoice.id, [
                    ("amount", balance.description), ("deadline", deadline.iso),
                    ("reason", "the formal notice's deadline passed unpaid; export the file with relance export collection"),
                ])
            }
        }
        journal.flush(to: context.sendLog)
        summary.cancelled += cancelled
    }
}

extension DeliveryOutcome {
    /// Delivered, or perhaps delivered: what a formal notice's deadline runs from.
    var mayHaveReachedTheServer: Bool {
        switch self {
        case .delivered, .uncertain: return true
        case .deferred, .failed: return false
        }
    }
}
