import Foundation
public import Logging
public import RelanceConfig
public import RelanceCore
import RelanceMail
public import RelanceStore
public import RelanceTransport

/// One pass of the scheduler for an instance sharing a PostgreSQL store: exists so that several
/// instances send what is due with the same rules as one machine and the queue protocol of
/// `SharedQueue` (claims with leases and fencing tokens, guarded hand-off and outcome, a reaper).
///
/// A pass claims the due reminders of a few customers whole, copies those customers' rows into a
/// local working set (`SharedWorkingSet`) and runs the one-machine send-time decision on it
/// (`Cycle.decide`: balance, pause, discount lapse, minimum gap, undeliverable addresses, the
/// escalation order, review holds, wording, late charges, one statement per customer). What the
/// decision changed is written back under guards; then each message is handed off in PostgreSQL
/// (its reminders' leases and the invoices' state re-checked in the same statement) just before
/// its own SMTP transaction, and its outcome, recorded on the copy by the one-machine code, is
/// written back under the same leases. A guard that misses changes nothing: the reminders are
/// decided afresh by a later pass, of this instance or another.
///
/// It runs on a thread of the daemon's own; every store call waits with the blocking helpers.
public final class SharedCycle {
    let configuration: RelanceConfiguration
    let store: PostgresStore
    let queue: SharedQueue
    let transport: any MailTransport
    let clock: any WallClock
    let logger: Logger
    let sendLog: SendLog
    let workingSet: SharedWorkingSet
    /// Customers' due reminders claimed per pass, at most (whole customers may add a few).
    let claimLimit: Int

    public init(configuration: RelanceConfiguration, store: PostgresStore, queue: SharedQueue, transport: any MailTransport,
                clock: any WallClock, logger: Logger, sendLog: SendLog, workingSetPath: String, claimLimit: Int? = nil) throws {
        self.configuration = configuration
        self.store = store
        self.queue = queue
        self.transport = transport
        self.clock = clock
        self.logger = logger
        self.sendLog = sendLog
        // Over SMTP each message is handed off and recorded on its own; to the outbox folder a pass
        // is written and synced as one batch, as one machine's (256 reminders a pass).
        self.claimLimit = max(1, claimLimit ?? (transport.acceptanceIsDurable ? 32 : 256))
        workingSet = try SharedWorkingSet(path: workingSetPath)
    }

    /// What one pass did (reminders, as the send log counts them), and how many it claimed.
    public struct PassSummary: Sendable {
        public var cycle = Cycle.Summary()
        public var claimed = 0
        /// Decisions or outcomes the store refused (another instance, or the reaper, got there first).
        public var conflicts = 0
        /// Customers picked and left unclaimed because another instance's claim ran at the same
        /// moment (`ClaimedCustomers.contended`): a pass shortly after may claim them whole.
        public var contended = 0
        /// Whether any claimed reminder was sent, skipped, postponed, cancelled, held or failed.
        public var acted: Bool {
            let c = cycle
            return c.sent + c.deferred + c.failed + c.uncertain + c.skipped + c.postponed + c.cancelled + c.tasked + c.held > 0
        }
    }

    /// Claims what is due now and sends it. `stop` and `heartbeat` are asked between messages.
    public func pass(stop: () -> Bool = { false }, heartbeat: () -> Void = {}) throws -> PassSummary {
        var result = PassSummary()
        let now = clock.now()
        guard configuration.calendar.isInSendWindow(now) else { return result }
        let queue = queue, limit = claimLimit, grouped = configuration.schedule.groupByCustomer
        let claimed = try store.blockingStatement("claim due reminders") {
            try await queue.claimDueCustomers(at: now, limit: limit, groupByCustomer: grouped, on: $0)
        }
        result.claimed = claimed.leases.count
        result.contended = claimed.contended
        guard !claimed.leases.isEmpty else { return result }
        do {
            try decideAndSend(claimed, at: now, into: &result, stop: stop, heartbeat: heartbeat)
        } catch {
            // Whatever was claimed and not handed off is given back at once (a handed-off one keeps its lease for the reaper).
            giveBack(claimed.leases)
            throw error
        }
        return result
    }

    private func decideAndSend(_ claimed: ClaimedCustomers, at now: Date, into result: inout PassSummary, stop: () -> Bool,
                               heartbeat: () -> Void) throws {
        let grouped = configuration.schedule.groupByCustomer
        var leases = Dictionary(uniqueKeysWithValues: claimed.leases.map { ($0.reminderID, $0) })
        let workingSet = workingSet, store = store
        let customers = Array(Set(claimed.customerKeys.values)).sorted()
        let mine = Set(leases.keys)
        let invoiceCount = try store.waitFor("read the claimed customers") {
            try await workingSet.load(customerKeys: customers, mine: mine, from: store)
        }
        let context = DaemonContext(configuration: configuration, store: workingSet.store, sendLog: SendLog(discarding: ()),
                                    transport: NoTransport(), clock: clock, logger: logger)
        let cycle = Cycle(context: context)
        // The claimed reminders as the copy has them, by invoice, in the order they were due.
        var order: [String] = []
        var byInvoice: [String: [ReminderRecord]] = [:]
        try workingSet.store.read { tx in
            for lease in claimed.leases where byInvoice[lease.invoiceID] == nil {
                order.append(lease.invoiceID)
                byInvoice[lease.invoiceID] = try tx.reminders(invoiceID: lease.invoiceID).filter { mine.contains($0.id) }
            }
        }
        if grouped { order = CustomerOrder.grouping(order, by: claimed.customerKeys) }
        var (batch, messages) = try cycle.decide(order, rows: byInvoice, customerKeys: claimed.customerKeys, now: now, dryRun: false,
                                                 summary: &result.cycle)
        logger.debug("shared pass", metadata: ["claimed": "\(claimed.leases.count)", "invoices": "\(invoiceCount)", "messages": "\(messages.count)"])
        let going = Set(messages.flatMap { $0.rows.map(\.id) })
        // Their invoices' documents, read before composing; the store unreachable, the pass gives its claims back (`pass`).
        try SharedMessageAttachments.fill(&messages, from: store)
        let templates = MessageTemplates(overrideDirectory: configuration.paths.templates)
        let composer = ComposerThread()
        defer { composer.finish() }
        // Composed from now on, beside the decision's write-back. To the outbox the pass waits for
        // every message before it hands any off: composed on two threads then.
        let toOutbox = !transport.acceptanceIsDurable
        let pipeline = ComposingPipeline(messages, templates: templates, queue: composer, parallel: toOutbox, eager: toOutbox)
        guard try writeBack(leases: leases, keep: going, invoices: order) else {
            // Nothing decided was kept: the pass did not act, and the round ends (a conflict that
            // came back at once would otherwise be claimed and refused again without pause).
            result.conflicts += 1
            result.cycle = Cycle.Summary()
            giveBack(Array(leases.values))
            return
        }
        guard let batch, !messages.isEmpty else { return }
        for id in Array(leases.keys) where !going.contains(id) { leases[id] = nil }
        if toOutbox {
            try deliverToOutbox(messages, pipeline: pipeline, leases: leases, batch: batch, cycle: cycle, summary: &result, stop: stop,
                                heartbeat: heartbeat)
            return
        }
        for (index, item) in messages.enumerated() {
            heartbeat()
            if stop() {
                // Claimed and not handed off: given back, for this instance's next start or another instance.
                giveBack(messages[index...].flatMap { $0.rows.compactMap { leases[$0.id] } })
                break
            }
            renewIfHalfGone(&leases)
            let itemLeases = item.rows.compactMap { leases[$0.id] }
            let composed = pipeline.message(index)
            guard itemLeases.count == item.rows.count else {
                // A lease lost while waiting (this instance was frozen): the reminder is someone else's now.
                result.conflicts += 1
                continue
            }
            deliver(item, composed: composed, leases: itemLeases, batch: batch, cycle: cycle, summary: &result)
        }
    }

    /// Writes back what the copy holds since it was read or last written, inside one transaction
    /// that first takes the invoices' advisory locks; false when a guard missed (nothing written).
    private func writeBack(leases: [Int64: ReminderLease], keep: Set<Int64>, invoices: [String],
                           outcomes: Cycle.Summary = Cycle.Summary()) throws -> Bool {
        let changes = try workingSet.changes(leases: leases, keepLeases: keep)
        guard !changes.isEmpty else { return true }
        let now = clock.now(), queue = queue
        do {
            try store.blockingTransaction("write back a send pass") { connection in
                if changes.needsInvoiceLocks { try await SharedQueue.lockInvoices(invoices, on: connection) }
                try await changes.apply(at: now, on: connection)
                try await queue.addOutcomes(sent: outcomes.sent, deferred: outcomes.deferred, failed: outcomes.failed,
                                            uncertain: outcomes.uncertain, on: connection)
            }
        } catch let error as SharedWriteBackError {
            logger.info("shared store: \(error)")
            return false
        }
        try workingSet.rebase()
        sendLog.append(changes.lines)
        return true
    }

    /// One message: handed off in PostgreSQL (all its reminders or none), sent, its outcome recorded
    /// on the copy by the one-machine code and written back under the leases.
    private func deliver(_ item: DecidedMessage, composed: Result<ComposedMessage, CompositionFailure>, leases: [ReminderLease], batch: Int64,
                         cycle: Cycle, summary: inout PassSummary) {
        let byID = Dictionary(uniqueKeysWithValues: leases.map { ($0.reminderID, $0) })
        let invoices = item.rows.map(\.invoiceID)
        let now = clock.now(), today = configuration.calendar.localDate(of: now)
        let journal = Journal(zone: configuration.company.timeZone)
        do {
            guard case .success(let ready) = composed else {
                let reason = { if case .failure(let error) = composed { error.description } else { "" } }()
                try workingSet.store.write(durable: false) { tx in try cycle.failBeforeHandOff(item, reason: reason, tx: tx, journal: journal, at: now) }
                if try writeBack(leases: byID, keep: [], invoices: invoices) { summary.cycle.failed += item.rows.count } else { summary.conflicts += 1 }
                return
            }
            // The copy first (the same re-checks, on what was read), then the shared store, which decides.
            let local = try workingSet.store.write(durable: false) { tx in try cycle.handOff(item, batch: batch, today: today, tx: tx, at: now) }
            let queue = queue
            let shared: Bool
            do {
                // One reminder: one guarded statement, atomic on its own; several: all in one transaction or none.
                shared = try local && (leases.count == 1
                    ? store.blockingStatement("hand off") { try await queue.handOff(leases[0], today: today, at: now, on: $0) }
                    : store.blockingTransaction("hand off") { try await queue.handOff(all: leases, today: today, at: now, on: $0) })
            } catch is SharedQueue.NotHandedOff {
                shared = false
            }
            guard shared else {
                // Paid, paused or taken since the decision: it waits again, to be decided afresh.
                try workingSet.store.write(durable: false) { tx in for row in item.rows { try tx.release(row.id, at: now) } }
                try workingSet.rebase()
                giveBack(leases)
                summary.cycle.cancelled += item.rows.count
                return
            }
            try workingSet.rebase()
            // A transport whose acceptance is durable (SMTP): the outbox folder goes through `deliverToOutbox`.
            let outcome = Cycle.Outcome(item: item, composed: ready, result: transport.send(ready.message), at: clock.now())
            try workingSet.store.write(durable: false) { tx in try cycle.record(outcome, tx: tx, journal: journal) }
            var counted = Cycle.Summary()
            cycle.count(outcome, in: &counted)
            if try recordOutcome(leases: byID, invoices: invoices, counts: counted) {
                summary.cycle.add(counted)
            } else {
                summary.conflicts += 1
            }
        } catch {
            logger.error("shared store: a message could not be recorded (its lease runs out and the reaper reports it): \(error)")
        }
    }

    /// A pass's messages to the outbox folder, whose acceptance is durable only once synced: as on
    /// one machine (`Cycle.deliverToOutbox`), they are handed off together (each message all its
    /// reminders or none, `SharedQueue.handOff(messages:)`), written, synced once, and their
    /// outcomes recorded in one write-back. A crash leaves the pass's handed-off messages for the
    /// reaper to call uncertain, never resent; a message written and not synced was in doubt anyway.
    private func deliverToOutbox(_ messages: [DecidedMessage], pipeline: ComposingPipeline, leases: [Int64: ReminderLease], batch: Int64,
                                 cycle: Cycle, summary: inout PassSummary, stop: () -> Bool, heartbeat: () -> Void) throws {
        var leases = leases
        heartbeat()
        guard !stop() else {
            giveBack(Array(leases.values))
            return
        }
        renewIfHalfGone(&leases)
        let composed = messages.indices.map { pipeline.message($0) }
        let now = clock.now(), today = configuration.calendar.localDate(of: now)
        let journal = Journal(zone: configuration.company.timeZone)
        // A lease lost while waiting (this instance was frozen): that message is someone else's now.
        let held = messages.indices.filter { index in messages[index].rows.allSatisfy { leases[$0.id] != nil } }
        summary.conflicts += messages.count - held.count
        let broken = held.filter { if case .failure = composed[$0] { true } else { false } }
        if !broken.isEmpty {
            try workingSet.store.write(durable: false) { tx in
                for index in broken {
                    guard case .failure(let error) = composed[index] else { continue }
                    try cycle.failBeforeHandOff(messages[index], reason: error.description, tx: tx, journal: journal, at: now)
                }
            }
            let rows = broken.flatMap { messages[$0].rows }
            let byID = Dictionary(uniqueKeysWithValues: rows.compactMap { row in leases[row.id].map { (row.id, $0) } })
            if try writeBack(leases: byID, keep: [], invoices: rows.map(\.invoiceID)) { summary.cycle.failed += rows.count } else { summary.conflicts += 1 }
        }
        // The copy first (the same re-checks, on what was read), then the shared store, which decides.
        let ready = held.filter { if case .success = composed[$0] { true } else { false } }
        let local = try workingSet.store.write(durable: false) { tx in
            try ready.filter { try cycle.handOff(messages[$0], batch: batch, today: today, tx: tx, at: now) }
        }
        let queue = queue
        let offered = local.map { index in messages[index].rows.compactMap { leases[$0.id] } }
        let handed = try store.blockingTransaction("hand off \(offered.count) message(s)") { connection in
            try await queue.handOff(messages: offered, today: today, at: now, on: connection)
        }
        let going = local.filter { index in messages[index].rows.allSatisfy { handed.contains($0.id) } }
        let refused = ready.filter { !going.contains($0) }
        if !refused.isEmpty {
            // Paid, paused or taken since the decision: they wait again, to be decided afresh. (The
            // copy may still call them sending: nothing of theirs is written back from it, and the
            // next pass loads the copy again.)
            try workingSet.store.write(durable: false) { tx in
                for index in refused { for row in messages[index].rows { try tx.release(row.id, at: now) } }
            }
            giveBack(refused.flatMap { messages[$0].rows.compactMap { leases[$0.id] } })
            summary.cycle.cancelled += refused.reduce(0) { $0 + messages[$1].rows.count }
        }
        try workingSet.rebase()
        guard !going.isEmpty else { return }
        let outcomes = Cycle.synced(going.compactMap { index in
            guard case .success(let message) = composed[index] else { return nil }
            return Cycle.Outcome(item: messages[index], composed: message, result: transport.send(message.message), at: clock.now())
        }, by: transport)
        var counted = Cycle.Summary()
        do {
            try workingSet.store.write(durable: false) { tx in for outcome in outcomes { try cycle.record(outcome, tx: tx, journal: journal) } }
            for outcome in outcomes { cycle.count(outcome, in: &counted) }
            let rows = going.flatMap { messages[$0].rows }
            let byID = Dictionary(uniqueKeysWithValues: rows.compactMap { row in leases[row.id].map { (row.id, $0) } })
            if try recordOutcome(leases: byID, invoices: rows.map(\.invoiceID), counts: counted) {
                summary.cycle.add(counted)
            } else {
                summary.conflicts += 1
            }
        } catch {
            logger.error("shared store: \(outcomes.count) message(s) could not be recorded (their leases run out and the reaper reports them): \(error)")
        }
    }

    /// The outcome written back, tried again while the store cannot be reached (PostgreSQL
    /// restarting) for as long as the leases last: the server's answer is known here and nowhere
    /// else. False when the store refused it (the leases were reaped: the reaper said uncertain).
    private func recordOutcome(leases: [Int64: ReminderLease], invoices: [String], counts: Cycle.Summary) throws -> Bool {
        let expires = leases.values.map(\.expiresAt).min() ?? 0
        while true {
            do {
                return try writeBack(leases: leases, keep: [], invoices: invoices, outcomes: counts)
            } catch {
                guard SharedQueue.seconds(clock.now()) + 1 < expires else { throw error }
                // A wait on the monotonic uptime clock, not a reading of the business clock.
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
    }

    /// Half a lease gone: every lease still held is renewed (one that is lost is someone else's now).
    private func renewIfHalfGone(_ leases: inout [Int64: ReminderLease]) {
        guard let first = leases.values.map(\.expiresAt).min(), SharedQueue.seconds(clock.now()) + queue.leaseSeconds / 2 >= first else { return }
        let held = Array(leases.values), now = clock.now(), queue = queue
        do {
            let renewed = try store.blockingStatement("renew leases") { try await queue.renew(held, at: now, on: $0) }
            leases = Dictionary(uniqueKeysWithValues: renewed.map { ($0.reminderID, $0) })
        } catch {
            logger.warning("shared store: leases not renewed: \(error)")
        }
    }

    /// Gives claimed reminders back (not handed off); a failure leaves them to run out and be reaped.
    private func giveBack(_ leases: [ReminderLease]) {
        let queue = queue, now = clock.now()
        for lease in leases {
            _ = try? store.blockingStatement("give back a claim") { try await queue.release(lease, at: now, on: $0) }
        }
    }
}
