import Foundation
import RelanceCore
import RelanceMail
import RelanceStore
import RelanceTransport

/// Sending a decided batch, one reminder at a time: each is handed off (marked `sending`, after
/// re-checking balance, state and pause in the same transaction) just before its own SMTP
/// transaction and recorded right after the server's answer, so a crash leaves at most the one
/// message in flight in doubt. Per-message commits are not synced (WAL, `synchronous=NORMAL`);
/// the batch's own claim was, and a new boot id turns the whole unfinished batch uncertain
/// (docs/durability.md). A store that cannot be written stops the batch: nothing goes unrecorded.
extension Cycle {
    /// Returns how long the batch took, from its decision to its last record.
    func deliver(_ decided: DecidedBatch, summary: inout Summary) throws -> Duration {
        let started = ContinuousClock.now
        guard let batch = decided.id else { return decided.decidedIn }
        var awaitingFlush: [(row: ReminderRecord, facts: ReminderFacts, reply: String, at: Date)] = []
        for (index, (row, facts)) in decided.items.enumerated() {
            // Drained in order even when stopping: the composer works through the batch in turn.
            let composed = decided.pipeline.message(index)
            if context.stopRequested() { break }
            context.heartbeat()
            let message: OutgoingMessage
            switch composed {
            case .success(let built): message = built
            case .failure(let error):
                // A broken template is not the server's fault: fail this reminder with the reason, never crash.
                record { tx, journal in
                    try tx.failBeforeHandOff(row.id, reason: error.description, at: context.clock.now())
                    try journal.record(tx, at: context.clock.now(), event: "failed", invoice: row.invoiceID,
                                       [("step", row.step), ("reason", error.description)])
                }
                summary.failed += 1
                continue
            }
            guard let handedOff = handOff(row, batch: batch) else { break }  // the store cannot be written: stop here
            guard handedOff else { summary.cancelled += 1; continue }
            let outcome = context.transport.send(message)
            let after = context.clock.now()
            if case .delivered(let reply) = outcome, !context.transport.acceptanceIsDurable {
                awaitingFlush.append((row, facts, reply, after))
                continue
            }
            record(outcome, row: row, facts: facts, at: after, summary: &summary)
        }
        if !awaitingFlush.isEmpty {
            // Written but perhaps not durable: neither resent nor claimed as delivered.
            let problem = context.transport.flush()
            for item in awaitingFlush {
                record(problem.map { .uncertain(reason: $0) } ?? .delivered(reply: item.reply), row: item.row, facts: item.facts, at: item.at,
                       summary: &summary)
            }
        }
        do {
            try context.store.write { tx in try tx.finishBatch(batch, at: context.clock.now()) }
        } catch {
            context.logger.error("send batch \(batch) not closed (its unsent reminders wait until the next start): \(error)")
        }
        let delivered = ContinuousClock.now - started
        context.logger.debug("batch", metadata: ["reminders": "\(decided.items.count)", "decide": "\(decided.decidedIn)", "deliver": "\(delivered)"])
        return decided.decidedIn + delivered
    }

    /// Marks the reminder `sending` if it still should go: its invoice open, with a balance, not
    /// paused, the row still claimed by this batch. False when it should not (it is let go);
    /// nil when the store could not be written (nothing is sent then).
    private func handOff(_ row: ReminderRecord, batch: Int64) -> Bool? {
        let now = context.clock.now()
        let today = context.configuration.calendar.localDate(of: now)
        do {
            return try context.store.write(durable: false) { tx in
                guard let stored = try tx.invoice(id: row.invoiceID), stored.state == .open, !stored.isPaused(on: today),
                      Balance.due(stored.invoice, payments: try tx.payments(invoiceID: row.invoiceID, currency: stored.invoice.currency),
                                  on: today).isPositive else {
                    try tx.release(row.id, at: now)
                    return false
                }
                return try tx.handOff(row.id, batch: batch, at: now)
            }
        } catch {
            context.logger.error("reminder \(row.invoiceID) \(row.step) not handed off, not sent: \(error)")
            return nil
        }
    }

    /// Records one outcome in its own transaction and writes its send-log line after the commit.
    private func record(_ outcome: DeliveryOutcome, row: ReminderRecord, facts: ReminderFacts, at after: Date, summary: inout Summary) {
        let base: [(String, String?)] = [
            ("step", row.step), ("to", facts.to.map(\.value).joined(separator: ",")), ("amount", facts.amountDue.description),
            ("message_id", facts.messageID),
        ]
        let retry = self.retry
        let calendar = context.configuration.calendar
        record { tx, journal in
            switch outcome {
            case .delivered(let reply):
                try tx.markSent(row.id, reply: reply, at: after)
                try journal.record(tx, at: after, event: "sent", invoice: row.invoiceID, base + [("smtp", reply)])
            case .deferred(let reason):
                // Counted from the planned slot (a deferred row's send_at holds its next retry).
                if after.timeIntervalSince(calendar.slot(on: row.localDate)) > retry.giveUpAfter {
                    try tx.markFailed(row.id, reason: "gave up: \(reason)", at: after)
                    try journal.record(tx, at: after, event: "failed", invoice: row.invoiceID, base + [("reason", "gave up: " + reason)])
                } else {
                    let next = retry.nextAttempt(after: row.attempts + 1, now: after)
                    try tx.markDeferred(row.id, reason: reason, retryAt: next, at: after)
                    try journal.record(tx, at: after, event: "deferred", invoice: row.invoiceID,
                                       base + [("reason", reason), ("retry_at", ZonedDateTime.iso8601(next, in: facts.timeZone))])
                }
            case .failed(let reason):
                try tx.markFailed(row.id, reason: reason, at: after)
                try journal.record(tx, at: after, event: "failed", invoice: row.invoiceID, base + [("reason", reason)])
            case .uncertain(let reason):
                try tx.markUncertain(row.id, reason: reason, at: after)
                try journal.record(tx, at: after, event: "uncertain", invoice: row.invoiceID, base + [("reason", reason)])
            }
        }
        switch outcome {
        case .delivered: summary.sent += 1
        case .deferred: summary.deferred += 1
        case .failed: summary.failed += 1
        case .uncertain: summary.uncertain += 1
        }
    }

    /// One unsynced transaction and its send-log lines; a failure is logged (the row stays
    /// `sending`, so the next start reports it uncertain and never resends it).
    private func record(_ body: (StoreTransaction, Journal) throws -> Void) {
        let journal = context.journal()
        do {
            try context.store.write(durable: false) { tx in
                journal.discard()
                try body(tx, journal)
            }
            journal.flush(to: context.sendLog)
        } catch {
            context.logger.error("an outcome could not be recorded (reported as uncertain at the next start): \(error)")
        }
    }
}
