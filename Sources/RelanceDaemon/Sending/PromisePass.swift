import Foundation
import RelanceConfig
import RelanceCore
import RelanceStore

/// The start of each cycle: each pending promise is judged (`PromiseRule`, pure). Kept: paid in full
/// by the promised date plus `[people] promise_grace_days`. Broken: that day passed unpaid; the
/// pause the promise set is lifted, the chase resumes with the next level, and the next message
/// cites the promise. Both are in the send log (`event=promise result=kept|broken`).
extension Cycle {
    func judgePromises(now: Date) throws {
        // A read first: most cycles have no promise to judge, and need no write transaction for it.
        guard try context.store.read({ tx in try !tx.pendingPromises().isEmpty }) else { return }
        let journal = context.journal()
        try context.store.write { tx in
            journal.discard()
            try PromiseJudging.judge(tx, configuration: context.configuration, journal: journal, at: now)
        }
        journal.flush(to: context.sendLog)
    }
}

/// Judging the pending promises a store holds, inside one of its transactions: exists so that the
/// one-machine cycle (`Cycle.judgePromises`) and the shared store's pass (`SharedInvoicePass.promises`, on
/// a copy of one customer) judge them through the same code.
enum PromiseJudging {
    static func judge(_ tx: StoreTransaction, configuration: RelanceConfiguration, journal: Journal, at now: Date) throws {
        let today = configuration.calendar.localDate(of: now)
        let grace = configuration.people.promiseGraceDays
        for promise in try tx.pendingPromises() {
            guard let stored = try tx.invoice(id: promise.invoiceID) else { continue }
            let payments = try tx.payments(invoiceID: stored.invoice.id, currency: stored.invoice.currency)
            let paidOn = Balance.paidInFullOn(stored.invoice, payments: payments)
            guard let verdict = PromiseRule.verdict(promisedFor: promise.promisedFor, graceDays: grace, today: today, paidInFullOn: paidOn) else {
                continue
            }
            try tx.judgePromise(promise.id, verdict, at: now)
            try journal.record(tx, at: now, event: "promise", invoice: promise.invoiceID, [
                ("result", verdict.rawValue), ("promised_for", promise.promisedFor.iso), ("made_on", promise.madeOn.iso), ("source", promise.source),
            ])
            guard verdict == .broken, stored.state == .open, stored.pauseReason?.hasPrefix("promise") == true else { continue }
            try tx.setPause(stored.invoice.id, until: nil, reason: nil, at: now)
            try tx.markResumed(stored.invoice.id, at: now)
            try journal.record(tx, at: now, event: "resumed", invoice: stored.invoice.id, [("reason", "promise of \(promise.promisedFor.iso) broken")])
        }
    }
}
