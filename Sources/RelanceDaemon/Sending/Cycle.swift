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
    private let missingRates = MissingRates()

    public init(context: DaemonContext) {
        self.context = context
        retry.giveUpAfter = TimeInterval(context.configuration.giveUpAfterDays * 86_400)
    }

    /// What a cycle did, for logs and `--once`.
    public struct Summary: Sendable, CustomStringConvertible {
        public var sent = 0, deferred = 0, failed = 0, uncertain = 0, skipped = 0, postponed = 0, cancelled = 0
        public var description: String {
            "sent=\(sent) deferred=\(deferred) failed=\(failed) uncertain=\(uncertain) skipped=\(skipped) postponed=\(postponed) cancelled=\(cancelled)"
        }
    }

    /// After a crash: rows left in `sending` become `uncertain`, reported, never resent on their own.
    public func recoverInterrupted() throws {
        let now = context.clock.now()
        let journal = context.journal()
        try context.store.write { tx in
            journal.discard()
            context.run = try tx.beginRun(at: now)
            for row in try tx.markInterruptedUncertain(at: now) {
                try journal.record(tx, at: now, event: "uncertain", invoice: row.invoiceID, [
                    ("step", row.step), ("message_id", row.messageID), ("reason", "interrupted while sending; check before resending"),
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
        let due = try context.store.read { tx in try tx.dueReminders(at: now) }
        var order: [String] = []
        var byInvoice: [String: [ReminderRecord]] = [:]
        for row in due {
            if byInvoice[row.invoiceID] == nil { order.append(row.invoiceID) }
            byInvoice[row.invoiceID, default: []].append(row)
        }
        let templates = MessageTemplates(overrideDirectory: context.configuration.paths.templates)
        let composer = DispatchQueue(label: "relance.compose", qos: .userInitiated)
        var batch = BatchSize()
        var index = 0
        // While batch k goes out, batch k+1 is already decided (committed `sending`) and being
        // composed: the store, the templates and the network work side by side.
        var ready: DecidedBatch?
        while index < order.count {
            let chunk = Array(order[index..<min(index + batch.size, order.count)])
            index += chunk.count
            let started = ContinuousClock.now
            let toSend = try decide(chunk, rows: byInvoice, now: now, dryRun: dryRun, summary: &summary)
            if dryRun {
                for (row, facts) in toSend { printWouldSend(row: row, facts: facts, now: now) }
                continue
            }
            let next = DecidedBatch(items: toSend, pipeline: ComposingPipeline(toSend.map(\.1), templates: templates, queue: composer),
                                    decidedIn: ContinuousClock.now - started)
            if let previous = ready { batch.adapt(after: deliver(previous, summary: &summary)) }
            ready = next
        }
        if let last = ready { _ = deliver(last, summary: &summary) }
        return summary
    }

    /// Reminders committed `sending`, their messages being composed.
    private struct DecidedBatch {
        let items: [(ReminderRecord, ReminderFacts)]
        let pipeline: ComposingPipeline
        let decidedIn: Duration
    }

    /// Decides, in one transaction for the whole chunk, what each invoice's due rows become; the
    /// reminders to send are committed `sending` (with their Message-IDs) before any is sent.
    private func decide(_ invoiceIDs: [String], rows: [String: [ReminderRecord]], now: Date, dryRun: Bool,
                        summary: inout Summary) throws -> [(ReminderRecord, ReminderFacts)] {
        let journal = context.journal()
        var toSend: [(ReminderRecord, ReminderFacts)] = []
        var localSummary = summary
        try context.store.write { tx in
            journal.discard()
            toSend = []
            localSummary = summary
            for invoiceID in invoiceIDs {
                if let item = try decide(invoiceID: invoiceID, rows: rows[invoiceID] ?? [], tx: tx, journal: journal, now: now,
                                         dryRun: dryRun, summary: &localSummary) {
                    toSend.append(item)
                }
            }
        }
        journal.flush(to: context.sendLog)
        summary = localSummary
        return toSend
    }

    private func decide(invoiceID: String, rows: [ReminderRecord], tx: StoreTransaction, journal: Journal, now: Date, dryRun: Bool,
                        summary: inout Summary) throws -> (ReminderRecord, ReminderFacts)? {
        let configuration = context.configuration
        let calendar = configuration.calendar
        let today = calendar.localDate(of: now)
        guard let stored = try tx.invoice(id: invoiceID) else { return nil }
        let invoice = stored.invoice
        if stored.state != .open {
            summary.cancelled += try tx.cancelWaiting(invoiceID: invoiceID, reason: stored.state.rawValue, at: now)
            return nil
        }
        let payments = try tx.payments(invoiceID: invoiceID, currency: invoice.currency)
        let balance = Balance.due(invoice, payments: payments, on: today)
        if balance.isZero {
            try ReminderPlanning.refresh(tx, invoice: invoice, configuration: configuration, journal: journal, at: now)
            summary.cancelled += 1
            return nil
        }
        // An e-invoice that names no buyer e-mail is kept and reported, never mailed.
        if invoice.customer.emails.isEmpty {
            for row in rows where !dryRun {
                try tx.setReminderState(row.id, .cancelled, detail: "no contact", at: now)
                try journal.record(tx, at: now, event: "cancelled", invoice: invoiceID, [("step", row.step), ("reason", "no contact e-mail on the invoice")])
            }
            if !dryRun { try tx.setAttention(invoiceID, "no contact: the invoice names no buyer e-mail") }
            summary.cancelled += rows.count
            return nil
        }
        // Every send waits for the send window: catch-up, late arrivals, retries and resumed sequences alike.
        if !calendar.isInSendWindow(now) {
            summary.postponed += rows.count
            return nil
        }
        if stored.isPaused(on: today) {
            guard let until = stored.pausedUntil else { return nil }  // open-ended: waits for `resume`
            let day = calendar.sendingDay(onOrAfter: until)
            for row in rows where !dryRun { try tx.reschedule(row.id, to: calendar.slot(on: day), localDate: day, at: now) }
            summary.postponed += rows.count
            return nil
        }
        // A balance under min_balance is reported (status), never chased.
        if configuration.schedule.isBelowMinimum(balance) {
            for row in rows where !dryRun {
                try tx.setReminderState(row.id, .cancelled, detail: "balance \(balance) below min_balance", at: now)
                try journal.record(tx, at: now, event: "cancelled", invoice: invoiceID, [
                    ("step", row.step), ("reason", "the balance \(balance) is below min_balance; not chased"),
                ])
            }
            if !dryRun { try tx.setAttention(invoiceID, "small balance left: \(balance) (below min_balance, not chased)") }
            summary.cancelled += rows.count
            return nil
        }
        guard let dueDate = invoice.dueDate else { return nil }
        let policy = configuration.policy(for: invoice.customer)
        let all = try tx.reminders(invoiceID: invoiceID)
        func rank(_ step: String) -> Int { policy.steps.firstIndex { $0.name == step } ?? Int.max }
        let waiting = rows.map {
            WaitingReminder(id: $0.id, step: $0.step, kind: $0.kind, rank: rank($0.step), localDate: $0.localDate, sendAt: $0.sendAt)
        }
        let dueIDs = Set(rows.map(\.id))
        let inFlightRanks = all.filter { $0.kind.isEscalation && !dueIDs.contains($0.id) && [.sending, .deferred].contains($0.state) }
            .map { rank($0.step) }
        let choice = ReminderChoice.choose(
            due: waiting, lowerLevelInFlight: { level in inFlightRanks.contains { $0 < level } }, today: today, dueDate: dueDate,
            discountDeadline: invoice.discountOffers.last(where: { today <= $0.deadline })?.deadline)
        let run = context.run
        // Said only of a reminder a sending day or more behind its planned day.
        func cause(_ reminder: WaitingReminder) -> DelayCause? {
            guard today > reminder.localDate else { return nil }
            let resumed = stored.resumedAt ?? stored.pausedUntil.flatMap { $0 <= today ? calendar.slot(on: $0) : nil }
            return DelayCause.explain(plannedAt: reminder.sendAt, now: now, ingestedAt: stored.ingestedAt, dueDate: dueDate, today: today,
                                      resumedAt: resumed, previousRunEnded: run?.previousRunEnded, runStarted: run?.startedAt ?? now,
                                      timeZone: calendar.timeZone)
        }
        for skip in choice.skipped where !dryRun {
            let why = cause(skip.reminder).map { "skipped: \(skip.reason) (\($0))" } ?? "skipped: \(skip.reason)"
            try tx.setReminderState(skip.reminder.id, .skipped, detail: why, at: now)
            try journal.record(tx, at: now, event: "cancelled", invoice: invoiceID, [("step", skip.reminder.step), ("reason", why)])
        }
        summary.skipped += choice.skipped.count
        guard let chosen = choice.send, let latest = rows.first(where: { $0.id == chosen.id }) else {
            // Every due level waits for a lower one still in flight: look again on the next sending day.
            let next = calendar.sendingDay(onOrAfter: today.adding(days: 1))
            for held in choice.heldBack where !dryRun {
                try tx.reschedule(held.id, to: calendar.slot(on: next), localDate: next, at: now)
                try journal.record(tx, at: now, event: "planned", invoice: invoiceID, [
                    ("step", held.step), ("date", next.iso), ("reason", "waits for an earlier level still being delivered"),
                ])
            }
            summary.postponed += choice.heldBack.count
            return nil
        }
        // Minimum gap between two reminders to one customer.
        let gap = configuration.schedule.minGapDays
        if gap > 0, let last = try tx.lastReminderSent(customerKey: ReminderPlanning.customerKey(invoice.customer)) {
            let earliest = calendar.localDate(of: last).adding(days: gap)
            if today < earliest {
                let day = calendar.sendingDay(onOrAfter: earliest)
                if !dryRun { try tx.reschedule(latest.id, to: calendar.slot(on: day), localDate: day, at: now) }
                summary.postponed += 1
                return nil
            }
        }
        let sentBefore = all.filter { [.sent, .uncertain].contains($0.state) && $0.sentAt != nil && ($0.kind == .due || $0.kind.isEscalation) }
        let levelsSent = all.filter { [.sent, .uncertain].contains($0.state) && $0.kind.isEscalation }.count
        var facts = self.facts(invoice: invoice, row: latest, balance: balance, today: today, now: now,
                               references: try tx.sentMessageIDs(invoiceID: invoiceID))
        facts.wording = Wording.choose(kind: latest.kind, sendDate: today, dueDate: dueDate, discountHolds: facts.discount != nil,
                                       levelsSent: levelsSent)
        facts.payments = payments
        facts.law = configuration.lateChargeLaw(for: invoice.customer)
        facts.earlierReminders = sentBefore.compactMap { $0.sentAt.map(calendar.localDate(of:)) }.sorted()
        if today > dueDate { facts.lateCharges = self.lateCharges(invoice, payments: payments, on: today) }
        if dryRun { return (latest, facts) }
        // Addresses that bounced hard or complained are never mailed again.
        let blocked = try tx.undeliverable((facts.to + facts.cc).map(\.value))
        facts.to.removeAll { blocked.contains($0.value.lowercased()) }
        facts.cc.removeAll { blocked.contains($0.value.lowercased()) }
        guard !facts.to.isEmpty else {
            try tx.setReminderState(latest.id, .failed, detail: "every address of the customer is undeliverable", at: now)
            try tx.setAttention(invoiceID, "no deliverable address: \(blocked.sorted().joined(separator: ", "))")
            try journal.record(tx, at: now, event: "failed", invoice: invoiceID, [
                ("step", latest.step), ("reason", "every address is undeliverable (bounced or complained)"),
            ])
            summary.failed += 1
            return nil
        }
        try tx.markSending(latest.id, messageID: facts.messageID, recipients: (facts.to + facts.cc).map(\.value).joined(separator: ","),
                           envelopeTag: MessageID.envelopeTag(facts.messageID), at: now)
        // Once marked (replan rewrites only planned rows): a level sent later than planned, or with later levels due at once: the levels after it
        // keep the policy's spacing from today's send.
        if latest.kind.isEscalation, today > latest.localDate || !choice.heldBack.isEmpty {
            var history = try ReminderPlanning.history(tx, invoiceID: invoiceID, zone: calendar.timeZone)
            history[latest.step] = today
            try ReminderPlanning.replan(tx, invoice: invoice, payments: payments, configuration: configuration, history: history, at: now)
            let why = cause(chosen).map { " (\($0))" } ?? ""
            for row in try tx.reminders(invoiceID: invoiceID) where row.state == .planned && row.kind.isEscalation {
                try journal.record(tx, at: now, event: "planned", invoice: invoiceID, [
                    ("step", row.step), ("date", row.localDate.iso), ("reason", "spaced from \(latest.step) sent \(today.iso)\(why)"),
                ])
            }
        }
        return (latest, facts)
    }

    private func printWouldSend(row: ReminderRecord, facts: ReminderFacts, now: Date) {
        var line = LogfmtLine(timestamp: ZonedDateTime.iso8601(now, in: context.configuration.company.timeZone), event: "would-send")
        line.add("invoice", row.invoiceID)
        line.add("step", row.step)
        line.add("to", facts.to.map(\.value).joined(separator: ","))
        line.add("amount", facts.amountDue.description)
        print(line.text)
    }

    /// Sends each message of the batch as it is composed, makes the transport's writes durable,
    /// then records every outcome in one transaction. A crash before that commit leaves the rows
    /// `sending`: the next start reports them uncertain and never resends them.
    /// Returns how long the batch took, from its decision to its record.
    private func deliver(_ decided: DecidedBatch, summary: inout Summary) -> Duration {
        let started = ContinuousClock.now
        let batch = decided.items
        guard !batch.isEmpty else { return decided.decidedIn }
        var outcomes: [(row: ReminderRecord, facts: ReminderFacts, outcome: DeliveryOutcome, at: Date)] = []
        outcomes.reserveCapacity(batch.count)
        for (index, (row, facts)) in batch.enumerated() {
            let outcome: DeliveryOutcome
            switch decided.pipeline.message(index) {
            case .success(let message): outcome = context.transport.send(message)
            // A broken template is not the server's fault: fail this reminder with the reason, never crash.
            case .failure(let error): outcome = .failed(reason: error.description)
            }
            outcomes.append((row, facts, outcome, context.clock.now()))
        }
        if let problem = context.transport.flush() {
            // Written but perhaps not durable: neither resent nor claimed as delivered.
            outcomes = outcomes.map { item in
                guard case .delivered = item.outcome else { return item }
                return (item.row, item.facts, .uncertain(reason: problem), item.at)
            }
        }
        let journal = context.journal()
        do {
            try context.store.write { tx in
                journal.discard()
                for (row, facts, outcome, after) in outcomes {
                    let base: [(String, String?)] = [
                        ("step", row.step), ("to", facts.to.map(\.value).joined(separator: ",")), ("amount", facts.amountDue.description),
                        ("message_id", facts.messageID),
                    ]
                switch outcome {
                case .delivered(let reply):
                    try tx.setReminderState(row.id, .sent, detail: reply, sentAt: after, at: after)
                    try journal.record(tx, at: after, event: "sent", invoice: row.invoiceID, base + [("smtp", reply)])
                case .deferred(let reason):
                    // Counted from the planned slot (a deferred row's send_at holds its next retry).
                    let firstTry = context.configuration.calendar.slot(on: row.localDate)
                    if after.timeIntervalSince(firstTry) > retry.giveUpAfter {
                        try tx.setReminderState(row.id, .failed, detail: "gave up: \(reason)", at: after)
                        try journal.record(tx, at: after, event: "failed", invoice: row.invoiceID, base + [("reason", "gave up: " + reason)])
                    } else {
                        let next = retry.nextAttempt(after: row.attempts + 1, now: after)
                        try tx.setReminderState(row.id, .deferred, detail: reason, retryAt: next, at: after)
                        try journal.record(tx, at: after, event: "deferred", invoice: row.invoiceID,
                                           base + [("reason", reason), ("retry_at", ZonedDateTime.iso8601(next, in: facts.timeZone))])
                    }
                case .failed(let reason):
                    try tx.setReminderState(row.id, .failed, detail: reason, at: after)
                    try journal.record(tx, at: after, event: "failed", invoice: row.invoiceID, base + [("reason", reason)])
                case .uncertain(let reason):
                    try tx.setReminderState(row.id, .uncertain, detail: reason, sentAt: after, at: after)
                    try journal.record(tx, at: after, event: "uncertain", invoice: row.invoiceID, base + [("reason", reason)])
                }
                }
            }
            journal.flush(to: context.sendLog)
        } catch {
            // The rows stay in `sending`: the next start reports them as uncertain, never resends them.
            context.logger.error("could not record the outcome of \(outcomes.count) reminders: \(error)")
        }
        for item in outcomes {
            switch item.outcome {
            case .delivered: summary.sent += 1
            case .deferred: summary.deferred += 1
            case .failed: summary.failed += 1
            case .uncertain: summary.uncertain += 1
            }
        }
        let delivered = ContinuousClock.now - started
        context.logger.debug("batch", metadata: ["reminders": "\(batch.count)", "decide": "\(decided.decidedIn)", "deliver": "\(delivered)"])
        return decided.decidedIn + delivered
    }

    private func facts(invoice: Invoice, row: ReminderRecord, balance: Money, today: LocalDate, now: Date, references: [String]) -> ReminderFacts {
        let configuration = context.configuration
        let customerSettings = invoice.customer.id.flatMap { configuration.customers[$0] }
        let offer = invoice.discountOffers.first { today <= $0.deadline }.map {
            DiscountOffer(percent: $0.percent, days: $0.days, deadline: $0.deadline, discount: $0.discount, payable: balance - $0.discount)
        }
        var cc = invoice.customer.cc
        for extra in customerSettings?.cc ?? [] where !cc.contains(extra) && !invoice.customer.emails.contains(extra) { cc.append(extra) }
        return ReminderFacts(
            invoice: invoice, step: row.step, kind: row.kind, language: configuration.language(for: invoice.customer),
            amountDue: balance, discount: offer, sendDate: today,
            companyName: configuration.company.name, from: configuration.company.email, replyTo: configuration.company.replyTo,
            to: invoice.customer.emails, cc: cc,
            messageID: MessageID.make(invoiceID: invoice.id, step: row.step, domain: configuration.company.email.domain),
            references: references, date: now, timeZone: configuration.company.timeZone,
            payment: PaymentInstructions(iban: configuration.company.iban, bic: configuration.company.bic,
                                         paymentLink: configuration.company.paymentLink, signature: configuration.company.signature),
            attachment: invoice.attachment.flatMap(Self.attachment))
    }

    /// Statutory charges owed today: the compensation whenever it is owed, the interest when the rate
    /// table covers every half-year involved (a gap is reported once per cycle, never guessed).
    private func lateCharges(_ invoice: Invoice, payments: [Payment], on today: LocalDate) -> LateChargesOwed? {
        let configuration = context.configuration
        let owed = LateChargesOwed.on(today, invoice: invoice, payments: payments, law: configuration.lateChargeLaw(for: invoice.customer),
                                      rates: configuration.referenceRates)
        if let missing = owed?.missingRate, missingRates.insert(missing.description).inserted {
            context.logger.warning("late-payment interest not computed: \(missing); the fixed compensation is still shown")
        }
        return owed
    }

    /// The stored copy of the invoice's document, if it can be read.
    static func attachment(_ path: String) -> MailAttachment? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let name = (path as NSString).lastPathComponent
        let type = name.lowercased().hasSuffix(".pdf") ? "application/pdf" : "application/octet-stream"
        return MailAttachment(fileName: name, contentType: type, bytes: Array(data))
    }
}

/// How many invoices one transaction decides and one transaction records: it starts small and
/// doubles while a batch goes out in under a quarter of a second (up to 512), halving when
/// slower, so a slow mail server never leaves many rows `sending` at once.
struct BatchSize {
    private(set) var size = 64

    mutating func adapt(after elapsed: Duration) {
        if elapsed < .milliseconds(250) { size = min(512, size * 2) } else if elapsed > .seconds(1) { size = max(1, size / 2) }
    }
}

/// The set of problems a cycle has already reported (a reference type so the cycle's methods can stay non-mutating).
final class MissingRates {
    private var seen = Set<String>()
    func insert(_ text: String) -> (inserted: Bool, memberAfterInsert: String) { seen.insert(text) }
}
