import Foundation
import Synchronization
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
        let transports = context.transports
        let queue = DeliveryQueue(count: decided.items.count)
        if !transports[0].acceptanceIsDurable {
            // The outbox folder: nothing it writes is durable before the batch's syncfs, so the batch is
            // handed off, written, synced and recorded as a whole (a crash leaves it uncertain, never resent).
            summary.add(deliverToOutbox(decided, batch: batch, transport: transports[0]))
        } else if transports.count == 1 {
            // One connection: this thread sends, checks for SIGTERM and feeds the watchdog between messages.
            summary.add(deliverItems(decided, batch: batch, queue: queue, transport: transports[0]) {
                context.heartbeat()
                return context.stopRequested()
            })
        } else {
            // Several connections side by side, each taking the next message; this thread watches
            // for SIGTERM and feeds the watchdog while they work.
            let shared = SharedDelivery(cycle: self, decided: decided, batch: batch, queue: queue)
            let group = DispatchGroup()
            for transport in transports {
                group.enter()
                let thread = Thread {
                    shared.run(transport)
                    group.leave()
                }
                thread.name = "relance.smtp"
                thread.start()
            }
            // DispatchTime is the monotonic uptime clock: a wait, not a reading of the business clock.
            while group.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
                context.heartbeat()
                if context.stopRequested() { queue.stop() }
            }
            summary.add(shared.summary)
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

    /// One connection's work: takes messages from `queue` until it is empty or stopped. The outcome
    /// of each message is committed in the same transaction that hands off its next one: one
    /// commit per message, and a message is always recorded before the next goes. For a
    /// transport whose acceptance is durable (SMTP); the outbox goes through `deliverToOutbox`.
    func deliverItems(_ decided: DecidedBatch, batch: Int64, queue: DeliveryQueue, transport: any MailTransport,
                      between: () -> Bool) -> Summary {
        var summary = Summary()
        var pending: Outcome?
        while let index = queue.next() {
            let item = decided.items[index]
            let composed = decided.pipeline.message(index)
            if between() {
                queue.stop()
                break
            }
            let now = context.clock.now()
            let today = context.configuration.calendar.localDate(of: now)
            guard case .success(let ready) = composed else {
                // A broken template is not the server's fault: fail this reminder with the reason, never crash.
                let reason = { if case .failure(let error) = composed { error.description } else { "" } }()
                guard commit(pending, summary: &summary, then: { tx, journal in
                    try failBeforeHandOff(item, reason: reason, tx: tx, journal: journal, at: now)
                    return true
                }) != nil else {
                    pending = nil
                    queue.stop()
                    break
                }
                pending = nil
                summary.failed += item.rows.count
                continue
            }
            let handedOff = commit(pending, summary: &summary) { tx, _ in try handOff(item, batch: batch, today: today, tx: tx, at: now) }
            pending = nil
            guard let handedOff else {  // the store cannot be written: nothing more is sent
                queue.stop()
                break
            }
            guard handedOff else { summary.cancelled += item.rows.count; continue }
            pending = Outcome(item: item, composed: ready, result: transport.send(ready.message), at: context.clock.now())
        }
        if let pending { _ = commit(pending, summary: &summary) { _, _ in true } }
        return summary
    }

    /// Hands off every reminder a message covers, or none: when one of them should no longer go
    /// (its invoice paid, paused or in collection since the decision), the message is not sent and
    /// every reminder waits again, to be decided afresh by the next cycle (the statement it carries
    /// would no longer be true).
    func handOff(_ item: DecidedMessage, batch: Int64, today: LocalDate, tx: StoreTransaction, at now: Date) throws -> Bool {
        guard item.rows.count > 1 else { return try tx.handOff(item.rows[0].id, batch: batch, today: today, at: now) }
        var all = true
        try tx.savepoint {
            for row in item.rows where try !tx.handOff(row.id, batch: batch, today: today, at: now) {
                all = false
                break
            }
            return all
        }
        if !all { for row in item.rows { try tx.release(row.id, at: now) } }
        return all
    }

    func failBeforeHandOff(_ item: DecidedMessage, reason: String, tx: StoreTransaction, journal: Journal, at now: Date) throws {
        for row in item.rows {
            try tx.failBeforeHandOff(row.id, reason: reason, at: now)
            try journal.record(tx, at: now, event: "failed", invoice: row.invoiceID, [("step", row.step), ("reason", reason)])
        }
    }

    /// A batch to the outbox folder: one transaction hands off every reminder still due (the same
    /// re-checks), the files are written and synced once, one transaction records every outcome.
    private func deliverToOutbox(_ decided: DecidedBatch, batch: Int64, transport: any MailTransport) -> Summary {
        var summary = Summary()
        context.heartbeat()
        if context.stopRequested() { return summary }
        let composed = decided.items.indices.map { decided.pipeline.message($0) }
        let now = context.clock.now()
        let today = context.configuration.calendar.localDate(of: now)
        var handedOff: [Int] = []
        var failed = 0
        let ok = commit(nil, summary: &summary) { tx, journal in
            for (index, item) in decided.items.enumerated() {
                if case .failure(let error) = composed[index] {
                    try failBeforeHandOff(item, reason: error.description, tx: tx, journal: journal, at: now)
                    failed += item.rows.count
                } else if try handOff(item, batch: batch, today: today, tx: tx, at: now) {
                    handedOff.append(index)
                }
            }
            return true
        }
        guard ok != nil else { return summary }
        summary.failed += failed
        summary.cancelled += decided.items.reduce(0) { $0 + $1.rows.count } - handedOff.reduce(0) { $0 + decided.items[$1].rows.count } - failed
        var outcomes: [Outcome] = []
        for index in handedOff {
            guard case .success(let ready) = composed[index] else { continue }
            outcomes.append(Outcome(item: decided.items[index], composed: ready, result: transport.send(ready.message), at: context.clock.now()))
        }
        outcomes = Self.synced(outcomes, by: transport)
        guard !outcomes.isEmpty else { return summary }
        let recorded = commit(nil, summary: &summary) { tx, journal in
            for outcome in outcomes { try self.record(outcome, tx: tx, journal: journal) }
            return true
        }
        if recorded != nil { for outcome in outcomes { count(outcome, in: &summary) } }
        return summary
    }

    /// A batch written to a transport whose acceptance is durable only once synced, synced: what it
    /// accepted is uncertain when the sync fails (written but perhaps not durable), neither resent
    /// nor claimed as delivered.
    static func synced(_ outcomes: [Outcome], by transport: any MailTransport) -> [Outcome] {
        guard let problem = transport.flush() else { return outcomes }
        return outcomes.map { outcome in
            guard case .delivered = outcome.result else { return outcome }
            return Outcome(item: outcome.item, composed: outcome.composed, result: .uncertain(reason: problem), at: outcome.at)
        }
    }

    /// What the transport said of one message.
    struct Outcome {
        let item: DecidedMessage
        let composed: ComposedMessage
        let result: DeliveryOutcome
        let at: Date
    }

    /// One unsynced transaction: the previous message's outcome, then `body`; the send-log lines
    /// after the commit. nil when the store could not be written (the previous message then stays
    /// `sending`: the next start reports it uncertain and never resends it).
    func commit(_ previous: Outcome?, summary: inout Summary, then body: (StoreTransaction, Journal) throws -> Bool) -> Bool? {
        let journal = context.journal()
        do {
            let result = try context.store.write(durable: false) { tx in
                journal.discard()
                if let previous { try record(previous, tx: tx, journal: journal) }
                return try body(tx, journal)
            }
            journal.flush(to: context.sendLog)
            if let previous { count(previous, in: &summary) }
            return result
        } catch {
            context.logger.error("the store could not be written; nothing more is sent until it can: \(error)")
            return nil
        }
    }

    /// Counts each reminder of the message (the summary counts reminders, like the send log).
    func count(_ outcome: Outcome, in summary: inout Summary) {
        let n = outcome.item.rows.count
        switch outcome.result {
        case .delivered: summary.sent += n
        case .deferred: summary.deferred += n
        case .failed: summary.failed += n
        case .uncertain: summary.uncertain += n
        }
    }

    /// Records one outcome inside `tx`, for each reminder the message covers (one send-log line per
    /// invoice, all with the same `message_id`); the lines are held by `journal` until the commit.
    func record(_ outcome: Outcome, tx: StoreTransaction, journal: Journal) throws {
        let item = outcome.item, facts = item.facts, after = outcome.at
        let archive = outcome.composed.copy?.reference
        for (index, row) in item.rows.enumerated() {
            let amount = index == 0 ? facts.amountDue : facts.alsoReminded[index - 1].balance
            let base: [(String, String?)] = [
                ("step", row.step), ("to", facts.to.map(\.value).joined(separator: ",")), ("amount", amount.description),
                ("message_id", facts.messageID),
            ]
            switch outcome.result {
            case .delivered(let reply):
                try tx.markSent(row.id, reply: reply, archive: archive, at: after)
                try journal.record(tx, at: after, event: "sent", invoice: row.invoiceID, base + noticeFields(item, outcome) + [("smtp", reply)])
            case .deferred(let reason):
                // Counted from its first attempt (a deferred row's send_at holds its next retry).
                let first = RetryPolicy.firstAttempt(of: row, plannedSlot: context.configuration.calendar.slot(on: row.localDate), now: after)
                if retry.givesUp(firstAttempt: first, now: after) {
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
                try tx.markUncertain(row.id, reason: reason, archive: archive, at: after)
                try journal.record(tx, at: after, event: "uncertain", invoice: row.invoiceID, base + noticeFields(item, outcome) + [("reason", reason)])
            }
            // A formal notice that went (or may have): its deadline runs from today, for every invoice it lists.
            if let notice = facts.formalNotice, outcome.result.mayHaveReachedTheServer {
                try tx.recordFormalNotice(invoiceID: row.invoiceID, deadline: notice.deadline,
                                          letter: outcome.composed.letterKept ? item.letterPath : nil, at: after)
            }
        }
    }

    /// The formal notice's deadline and letter on the send-log line, and a copy that could not be kept.
    private func noticeFields(_ item: DecidedMessage, _ outcome: Outcome) -> [(String, String?)] {
        var fields: [(String, String?)] = []
        if let notice = item.facts.formalNotice {
            fields.append(("deadline", notice.deadline.iso))
            fields.append(("letter", outcome.composed.letterKept ? item.letterPath : "not kept (disk)"))
        }
        if outcome.composed.copy == nil { fields.append(("copy", "not kept (disk)")) }
        return fields
    }
}

/// The messages of a batch waiting for a connection, taken in order, until stopped.
final class DeliveryQueue: Sendable {
    private struct State {
        var next = 0
        var stopped = false
    }

    private let count: Int
    private let state = Mutex(State())

    init(count: Int) { self.count = count }

    func next() -> Int? {
        state.withLock { current in
            guard !current.stopped, current.next < count else { return nil }
            defer { current.next += 1 }
            return current.next
        }
    }

    func stop() { state.withLock { $0.stopped = true } }
}

/// What several connections share while they send one batch. The cycle and its context are
/// used from the worker threads only for what is safe there (the store, the send log, the
/// transports, the clock and the configuration, which nothing changes during a batch); the
/// signal check and the watchdog, which are not, stay on the coordinating thread.
final class SharedDelivery: @unchecked Sendable {
    private let cycle: Cycle
    private let decided: Cycle.DecidedBatch
    private let batch: Int64
    private let queue: DeliveryQueue
    private let totals = Mutex(Cycle.Summary())

    init(cycle: Cycle, decided: Cycle.DecidedBatch, batch: Int64, queue: DeliveryQueue) {
        self.cycle = cycle
        self.decided = decided
        self.batch = batch
        self.queue = queue
    }

    func run(_ transport: any MailTransport) {
        let counted = cycle.deliverItems(decided, batch: batch, queue: queue, transport: transport) { false }
        totals.withLock { $0.add(counted) }
    }

    var summary: Cycle.Summary { totals.withLock { $0 } }
}
