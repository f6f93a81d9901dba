import Foundation
import Logging
import RelanceConfig
import RelanceCore
import RelanceMail
import RelanceStore
import RelanceTransport

/// One pass of the scheduler at the clock's instant, inside the send window:
/// every invoice whose reminders' time has come is re-checked against balance,
/// pause, minimum balance and the customer's minimum gap; `ReminderChoice`
/// (pure, in RelanceCore) decides which one goes (the lowest escalation level
/// not yet sent, never a later one), which are no longer true and are skipped,
/// and which levels wait and are re-spaced; then it is sent, following
/// DESIGN.md's sending semantics.
public struct Cycle {
    let context: DaemonContext
    var retry = RetryPolicy()
    /// Rate-table gaps already reported in this cycle.
    let missingRates = MissingRates()
    /// What the current decision found once for all its invoices (any open task, any redirected contact).
    let found = DecisionFlags()
    /// The next chunk's invoices, decoded on another thread while the current chunk goes out.
    let decodedAhead = DecodedInvoices()
    /// The configuration in force for this cycle (a SIGHUP swaps the context's between cycles),
    /// held here so that deciding thousands of invoices does not copy it for each.
    let configuration: RelanceConfiguration
    /// The company as the payee of the EPC QR codes, checked once per cycle (nil without a valid IBAN).
    let beneficiary: EPCPaymentCode.Beneficiary?

    public init(context: DaemonContext) {
        self.context = context
        configuration = context.configuration
        let company = context.configuration.company
        beneficiary = company.iban.flatMap { iban in try? EPCPaymentCode.Beneficiary(name: company.name, iban: iban, bic: company.bic) }
        retry.giveUpAfter = TimeInterval(context.configuration.giveUpAfterDays * 86_400)
    }

    /// What a cycle did, for logs and `--once`.
    public struct Summary: Sendable, CustomStringConvertible {
        public var sent = 0, deferred = 0, failed = 0, uncertain = 0, skipped = 0, postponed = 0, cancelled = 0, tasked = 0, held = 0
        mutating func add(_ other: Summary) {
            sent += other.sent; deferred += other.deferred; failed += other.failed; uncertain += other.uncertain
            skipped += other.skipped; postponed += other.postponed; cancelled += other.cancelled; tasked += other.tasked; held += other.held
        }

        public var description: String {
            "sent=\(sent) deferred=\(deferred) failed=\(failed) uncertain=\(uncertain) skipped=\(skipped) postponed=\(postponed) cancelled=\(cancelled)"
                + (tasked > 0 ? " tasks=\(tasked)" : "") + (held > 0 ? " held=\(held)" : "")
        }
    }

    /// After a crash: a reminder handed off and not confirmed becomes `uncertain`, reported, never
    /// resent on its own (`relance resolve` decides); one claimed but never handed off waits again.
    /// After a reboot, the whole unfinished batch is uncertain (docs/durability.md).
    public func recoverInterrupted() throws {
        let now = context.clock.now()
        try context.store.write { tx in context.run = try tx.beginRun(at: now) }
        try settleUnfinishedBatches()
    }

    /// Batches a previous cycle could not close (the process died, or the disk was full when it
    /// tried): what they handed off and never recorded is `uncertain`, what they only claimed waits again.
    func settleUnfinishedBatches() throws {
        let now = context.clock.now()
        let journal = context.journal()
        let boot = BootID.current
        try context.store.write { tx in
            journal.discard()
            for row in try tx.recoverInterrupted(bootID: boot, at: now) {
                try journal.record(tx, at: now, event: "uncertain", invoice: row.invoiceID, [
                    ("step", row.step), ("message_id", row.messageID),
                    ("reason", (row.state == .sending ? "interrupted while sending" : "the machine restarted during its send batch")
                        + "; check before resending (relance resolve)"),
                ])
            }
        }
        journal.flush(to: context.sendLog)
    }

    /// The store's key for the last day the send log warned of a missing reference rate.
    static let ratesWarnedKey = "rates_warned_on"

    /// Records that a cycle ran at the clock's instant (for `relance metrics`), then writes
    /// `relance.prom` when `paths.metrics_dir` is set (a failure there is logged, never fatal).
    public func markCompleted() throws {
        let now = context.clock.now()
        let configuration = context.configuration
        let today = configuration.calendar.localDate(of: now)
        let gaps = configuration.referenceRates.missing(series: configuration.rateSeriesInUse, on: today)
        let journal = context.journal()
        try context.store.write { tx in
            journal.discard()
            try tx.setDaemonValue(MetricsSnapshot.lastCycleKey, String(Int64(now.timeIntervalSince1970)))
            if let run = context.run { try tx.touchRun(run.id, at: now) }
            // Once a day in the send log: a half-year without its reference rate.
            if !gaps.isEmpty, try tx.daemonValue(Self.ratesWarnedKey) != today.iso {
                try tx.setDaemonValue(Self.ratesWarnedKey, today.iso)
                for gap in gaps {
                    try journal.record(tx, at: now, event: "warning", invoice: nil, [
                        ("reason", "no \(gap.series) reference rate for the half-year starting \(gap.halfYear.iso): late-payment interest not computed, "
                            + "the fixed compensation still shown; run relance rates update"),
                    ])
                }
            }
        }
        journal.flush(to: context.sendLog)
        writeMetrics()
    }

    private func writeMetrics() {
        guard let directory = context.configuration.paths.metricsDirectory else { return }
        do {
            try MetricsTextfile.write(try MetricsSnapshot.collect(context), directory: directory)
        } catch {
            context.logger.warning("metrics not written: \(error)")
        }
    }

    public func run(dryRun: Bool = false) throws -> Summary {
        let now = context.clock.now()
        var summary = Summary()
        // Outside the send window nothing goes: what is due waits for the next window (DESIGN.md).
        guard context.configuration.calendar.isInSendWindow(now) else { return summary }
        // Only this process sends (the state lock): any batch still open is one it could not close.
        if !dryRun, try context.store.read({ tx in try tx.hasUnfinishedBatch() }) { try settleUnfinishedBatches() }
        if !dryRun {
            try releaseHeldOnTimeout(now: now)
            try judgePromises(now: now)
            try judgePlans(now: now)
            try enterCollection(now: now, summary: &summary)
        }
        let grouped = context.configuration.schedule.groupByCustomer
        let (due, customerKeys) = try context.store.read { tx in
            (try tx.dueReminders(at: now), grouped ? try tx.dueCustomerKeys(at: now) : [:])
        }
        var order: [String] = []
        var byInvoice: [String: [ReminderRecord]] = [:]
        for row in due {
            if byInvoice[row.invoiceID] == nil { order.append(row.invoiceID) }
            byInvoice[row.invoiceID, default: []].append(row)
        }
        if grouped { order = CustomerOrder.grouping(order, by: customerKeys) }
        guard !order.isEmpty else { return summary }
        let templates = MessageTemplates(overrideDirectory: context.configuration.paths.templates)
        // Over SMTP one composer keeps ahead of the network, and a second would take the sending thread's core;
        // a batch to the outbox folder waits for its whole composition, which a second core halves.
        let composeInParallel = !context.transports[0].acceptanceIsDurable
        let composer = ComposerThread()
        defer { composer.finish() }
        var batch = BatchSize()
        var index = 0
        // While batch k goes out, batch k+1 is already decided (its reminders claimed, not handed
        // off) and being composed: the store, the templates and the network work side by side.
        var ready: DecidedBatch?
        let decoder = DispatchQueue(label: "relance.decode-ahead")
        let store = context.store, decodedAhead = self.decodedAhead
        defer { decoder.sync {} }
        while index < order.count, !context.stopRequested() {
            // A chunk never splits one customer's invoices: they go as one message.
            let end = CustomerOrder.chunkEnd(order, from: index, size: batch.size, keys: grouped ? customerKeys : [:])
            let chunk = Array(order[index..<end])
            index += chunk.count
            let started = ContinuousClock.now
            let (batchID, toSend) = try decide(chunk, rows: byInvoice, customerKeys: customerKeys, now: now, dryRun: dryRun, summary: &summary)
            if dryRun {
                for message in toSend { printWouldSend(message, now: now) }
                continue
            }
            let next = DecidedBatch(id: batchID, items: toSend,
                                    pipeline: ComposingPipeline(toSend, templates: templates, queue: composer, parallel: composeInParallel),
                                    decidedIn: ContinuousClock.now - started)
            // The invoices the next chunk can hold (the largest batch), decoded while this one goes out.
            if index < order.count {
                let upcoming = Array(order[index..<min(order.count, index + BatchSize.largest)])
                decoder.async { store.decodeAhead(upcoming, into: decodedAhead) }
            }
            if let previous = ready { batch.adapt(after: try deliver(previous, summary: &summary)) }
            ready = next
        }
        if let last = ready { _ = try deliver(last, summary: &summary) }
        return summary
    }

    /// A send batch: its reminders claimed (with their Message-IDs), their messages being composed.
    struct DecidedBatch {
        let id: Int64?
        let items: [DecidedMessage]
        let pipeline: ComposingPipeline
        let decidedIn: Duration
    }
}

/// How many invoices one transaction decides: it starts small and doubles while a batch goes out
/// in under a quarter of a second (up to 512), halving when slower. Only one reminder at a time is
/// ever handed off, whatever the batch size.
struct BatchSize {
    private(set) var size = 64
    static let largest = 512

    mutating func adapt(after elapsed: Duration) {
        if elapsed < .milliseconds(250) { size = min(Self.largest, size * 2) } else if elapsed > .seconds(1) { size = max(1, size / 2) }
    }
}

/// The order in which a cycle decides invoices when it writes one message per customer: each
/// customer's invoices together, customers in the order their first due reminder came.
enum CustomerOrder {
    static func grouping(_ order: [String], by keys: [String: String]) -> [String] {
        var position: [String: Int] = [:]
        var groups: [[String]] = []
        for id in order {
            let key = keys[id] ?? "invoice:" + id
            if let at = position[key] { groups[at].append(id) } else { position[key] = groups.count; groups.append([id]) }
        }
        return groups.flatMap { $0 }
    }

    /// Where a chunk of about `size` invoices starting at `from` ends without splitting a customer.
    static func chunkEnd(_ order: [String], from: Int, size: Int, keys: [String: String]) -> Int {
        var end = min(from + size, order.count)
        guard !keys.isEmpty else { return end }
        while end < order.count, let key = keys[order[end]], key == keys[order[end - 1]] { end += 1 }
        return end
    }
}

/// The set of problems a cycle has already reported (a reference type so the cycle's methods can stay non-mutating).
final class MissingRates {
    private var seen = Set<String>()
    func insert(_ text: String) -> (inserted: Bool, memberAfterInsert: String) { seen.insert(text) }
}
