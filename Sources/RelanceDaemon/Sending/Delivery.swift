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
        var awaitingFlush: [Outcome] = []
        // The outcome of message k is committed in the same transaction that hands off message k+1:
        // one commit per message, and k is always recorded before k+1 goes.
        var pending: Outcome?
        messages: for (index, (row, facts)) in decided.items.enumerated() {
            // Drained in order even when stopping: the composer works through the batch in turn.
            let composed = decided.pipeline.message(index)
            if context.stopRequested() { break messages }
            context.heartbeat()
            let now = context.clock.now()
            let today = context.configuration.calendar.localDate(of: now)
            let message: OutgoingMessage
            switch composed {
            case .success(let built): message = built
            case .failure(let error):
                // A broken template is not the server's fault: fail this reminder with the reason, never crash.
                guard commit(pending, summary: &summary, then: { tx, journal in
                    try tx.failBeforeHandOff(row.id, reason: error.description, at: now)
                    try journal.record(tx, at: now, event: "failed", invoice: row.invoiceID, [("step", row.step), ("reason", error.description)])
                    return true
                }) != nil else { pending = nil; break messages }
                pending = nil
                summary.failed += 1
                continue
            }
            let handedOff = commit(pending, summary: &summary) { tx, _ in try tx.handOff(row.id, batch: batch, today: today, at: now) }
            pending = nil
            guard let handedOff else { break messages }  // the store cannot be written: nothing more is sent
            guard handedOff else { summary.cancelled += 1; continue }
            let outcome = context.transport.send(message)
            let done = Outcome(row: row, facts: facts, result: outcome, at: context.clock.now())
            if case .delivered = outcome, !context.transport.acceptanceIsDurable { awaitingFlush.append(done) } else { pending = done }
        }
        if let pending { _ = commit(pending, summary: &summary) { _, _ in true } }
        if !awaitingFlush.isEmpty {
            // Written but perhaps not durable: neither resent nor claimed as delivered.
            let problem = context.transport.flush()
            _ = commit(nil, summary: &summary) { tx, journal in
                for item in awaitingFlush {
                    let result = problem.map { DeliveryOutcome.uncertain(reason: $0) } ?? item.result
                    try self.record(Outcome(row: item.row, facts: item.facts, result: result, at: item.at), tx: tx, journal: journal)
                }
                return true
            }
            for item in awaitingFlush { count(problem.map { .uncertain(reason: $0) } ?? item.result, in: &summary) }
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

    /// What the transport said of one message.
    struct Outcome {
        let row: ReminderRecord
        let facts: ReminderFacts
        let result: DeliveryOutcome
        let at: Date
    }

    /// One unsynced transaction: the previous message's outcome, then `body`; the send-log lines
    /// after the commit. nil when the store could not be written (the previous message then stays
    /// `sending`: the next start reports it uncertain and never resends it).
    private func commit(_ previous: Outcome?, summary: inout Summary, then body: (StoreTransaction, Journal) throws -> Bool) -> Bool? {
        let journal = context.journal()
        do {
            let result = try context.store.write(durable: false) { tx in
                journal.discard()
                if let previous { try record(previous, tx: tx, journal: journal) }
                return try body(tx, journal)
            }
            journal.flush(to: context.sendLog)
            if let previous { count(previous.result, in: &summary) }
            return result
        } catch {
            context.logger.error("the store could not be written; nothing more is sent until it can: \(error)")
            return nil
        }
    }

    private func count(_ outcome: DeliveryOutcome, in summary: inout Summary) {
        switch outcome {
        case .delivered: summary.sent += 1
        case .deferred: summary.deferred += 1
        case .failed: summary.failed += 1
        case .uncertain: summary.uncertain += 1
        }
    }

    /// Records one outcome inside `tx`; its send-log line is held by `journal` until the commit.
    private func record(_ outcome: Outcome, tx: StoreTransaction, journal: Journal) throws {
        let row = outcome.row, facts = outcome.facts, after = outcome.at
        let base: [(String, String?)] = [
            ("step", row.step), ("to", facts.to.map(\.value).joined(separator: ",")), ("amount", facts.amountDue.description),
            ("message_id", facts.messageID),
        ]
        switch outcome.result {
        case .delivered(let reply):
            try tx.markSent(row.id, reply: reply, at: after)
            try journal.record(tx, at: after, event: "sent", invoice: row.invoiceID, base + [("smtp", reply)])
        case .deferred(let reason):
            // Counted from the planned slot (a deferred row's send_at holds its next retry).
            if after.timeIntervalSince(context.configuration.calendar.slot(on: row.localDate)) > retry.giveUpAfter {
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
}
