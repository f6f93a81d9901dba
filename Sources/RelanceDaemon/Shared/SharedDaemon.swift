import Foundation
public import Logging
public import RelanceConfig
public import RelanceCore
public import RelanceStore
public import RelanceTransport
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `relance run` when `[store]` names a PostgreSQL store: exists so that several instances, on one
/// machine or several, share one store and its queue. Each instance registers under its name,
/// takes its inbox's files in (`SharedPickup`) and its payments folder's statements and payment
/// files (`SharedPaymentPickup`), reads the reply mailbox while it holds its lease
/// (`SharedReplyPoller`, on a thread of its own), judges the promises due and moves to
/// collection the invoices whose formal notice's deadline passed (`SharedInvoicePass`),
/// sends what is due (`SharedCycle`), beats its heart and reaps the leases of instances that died
/// or froze, and sleeps until a signal, the next poll, or a NOTIFY from another instance that
/// committed new work (`WorkListener`).
///
/// It refreshes the reference rates into its own state directory, as one machine does, and reads
/// its settings again on SIGHUP.
public final class SharedDaemon {
    /// The settings, read again on SIGHUP (`reload`).
    private(set) var configuration: RelanceConfiguration
    let store: PostgresStore
    let queue: SharedQueue
    let transport: any MailTransport
    let clock: any WallClock
    let logger: Logger
    let sendLog: SendLog
    private let notifier = SystemdNotifier()
    /// How often an instance looks for due work when nothing woke it.
    let pollInterval: Duration
    /// Passes in a row that claimed nothing for contention and are tried again at once; past it,
    /// the round ends and the next poll tries again.
    static let contendedPassLimit = 20

    /// The file the settings came from, read again on SIGHUP (nil: SIGHUP only reopens the send log).
    let configurationFile: String?

    public init(configuration: RelanceConfiguration, store: PostgresStore, instance: String, leaseSeconds: Int, transport: any MailTransport,
                clock: any WallClock, logger: Logger, sendLog: SendLog, configurationFile: String? = nil, pollInterval: Duration = .seconds(2)) {
        self.configuration = configuration
        self.configurationFile = configurationFile
        self.store = store
        queue = SharedQueue(owner: instance, leaseSeconds: Int64(leaseSeconds))
        self.transport = transport
        self.clock = clock
        self.logger = logger
        self.sendLog = sendLog
        self.pollInterval = pollInterval
    }

    /// The default instance name: the host's.
    public static func defaultInstanceName() -> String { ProcessInfo.processInfo.hostName }

    /// Runs until SIGTERM or SIGINT; with `once`, one round (pickup, everything due, maintenance).
    public func run(once: Bool) throws {
        let signals = try SignalWatcher()
        let received = Daemon.ReceivedSignals(signals)
        let store = store
        // The store may be down or restarting when the instance starts: it waits for it, as for a
        // dead SMTP server, rather than exit (only another live instance under its name stops it).
        while true {
            do {
                try register()
                break
            } catch let clash as InstanceNameTaken {
                throw RuntimeFailure(clash.description)
            } catch {
                // One round (--once) says it and stops; the daemon waits for the store.
                if once { throw error }
                logger.error("shared store not reachable at start, trying again shortly: \(error)")
                var fds = [pollfd(fd: signals.descriptor, events: Int16(POLLIN), revents: 0)]
                _ = poll(&fds, 1, 2000)
                if received.stopRequested() { return }
            }
        }
        var parts = try Parts(self)
        let replyJob = BackgroundJob(name: "relance.replies")
        let ratesRefresh = BackgroundJob(name: "relance.rates")
        var lastReplyPoll: ContinuousClock.Instant?
        let wake = once ? nil : try WakePipe(store: store, logger: logger)
        defer { wake?.stop() }
        let monotonic = ContinuousClock()
        var lastPing: ContinuousClock.Instant?
        let heartbeat = { [notifier] in
            guard let interval = notifier.watchdogInterval else { return }
            if lastPing.map({ monotonic.now - $0 >= .milliseconds(Int64(interval * 250)) }) ?? true {
                notifier.notify("WATCHDOG=1")
                lastPing = monotonic.now
            }
        }
        notifier.notify("READY=1\nSTATUS=instance \(queue.owner) on \(store.location)")
        logger.info("relance started on a shared store", metadata: ["instance": "\(queue.owner)", "store": "\(store.location)"])
        var lastMaintenance: ContinuousClock.Instant?
        while true {
            heartbeat()
            if lastMaintenance.map({ monotonic.now - $0 >= .seconds(max(1, queue.leaseSeconds / 4)) }) ?? true {
                lastMaintenance = monotonic.now
                maintain()
            }
            // The morning digest first, as on one machine: it lists what the day's pass will send.
            parts.digest.runIfDue()
            _ = parts.pickup.scan()
            // Payments before the pass: an invoice paid today is not chased today.
            parts.payments.scan()
            if let replies = parts.replies {
                if once {
                    // One round reads the mailbox before it sends: a reply that came in pauses today's reminder.
                    replies.poll()
                } else if !replyJob.isRunning,
                          lastReplyPoll.map({ monotonic.now - $0 >= .seconds(replies.settings.pollIntervalSeconds) }) ?? true {
                    // On a thread of its own: a slow IMAP server never holds up sending.
                    lastReplyPoll = monotonic.now
                    let box = ReplyPollerBox(replies)
                    replyJob.start {
                        box.poller.poll()
                        return false
                    }
                }
            }
            // As the one-machine cycle starts: what was not reviewed in time goes in this round's pass.
            parts.reviewTimeouts.runIfDue()
            // As the one-machine cycle starts: the running payment plans are judged.
            parts.plans.runIfDue()
            parts.promises.runIfDue()
            // Before the pass, as the one-machine cycle starts: an invoice in collection is chased no more.
            parts.collection.runIfDue()
            do {
                var total = Cycle.Summary()
                var contendedPasses = 0
                while !received.stopRequested() {
                    let pass = try parts.cycle.pass(stop: { received.stopRequested() }, heartbeat: heartbeat)
                    total.add(pass.cycle)
                    // Customers left to another claim ran into one at the same moment: tried again after a
                    // few milliseconds (apart from the other instance's next claim), a bounded number of times.
                    if pass.claimed == 0, pass.contended > 0, contendedPasses < Self.contendedPassLimit {
                        contendedPasses += 1
                        Thread.sleep(forTimeInterval: Double.random(in: 0.01...0.05))
                        continue
                    }
                    // A pass that claimed reminders and changed none of them (an invoice with no due date, a
                    // write-back refused) would claim them again at once: the round ends, the next one comes after the poll.
                    guard pass.claimed > 0, pass.acted else { break }
                }
                if total.sent + total.deferred + total.failed + total.uncertain > 0 { logger.info("cycle: \(total)") }
            } catch {
                // PostgreSQL unreachable, a disk full: said, then tried again; what is claimed runs out and is reaped.
                logger.error("shared cycle failed, trying again shortly: \(error)")
            }
            if once || received.stopRequested() {
                // Another instance may read the mailbox at once: the poll under way ends first (its IMAP
                // timeout bounds it, within the stop timeout); one that does not lets its lease run out instead.
                if let replies = parts.replies, replyJob.waitUntilIdle(timeout: .seconds(10)) { replies.release() }
                notifier.notify("STOPPING=1")
                if !once { logger.info("relance stopping") }
                return
            }
            // The reference-rate refresh (`[late_charges] refresh_days`), on a thread of its own: this instance's
            // table in its state directory, taken in as on SIGHUP once fetched.
            refreshRatesIfDue(ratesRefresh)
            // SIGHUP (logrotate, `systemctl reload`): the send log reopened and the settings read again,
            // while the mailbox poll, which reads them, is not running.
            if !replyJob.isRunning, !ratesRefresh.isRunning, ratesRefresh.takeFinished() || received.takeReload() { reload(&parts) }
            var fds = [pollfd(fd: signals.descriptor, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wake?.descriptor ?? -1, events: Int16(POLLIN), revents: 0)]
            var timeout = Int32(pollInterval.components.seconds * 1000 + pollInterval.components.attoseconds / 1_000_000_000_000_000)
            if let interval = notifier.watchdogInterval { timeout = min(timeout, Int32(interval * 500)) }
            if received.reloadPending { timeout = min(timeout, 200) }  // a reload waits for the mailbox poll to end
            if poll(&fds, nfds_t(fds.count), timeout) < 0, errno != EINTR { throw RuntimeFailure("poll: \(String(cString: strerror(errno)))") }
            wake?.drain()
        }
    }

    /// What a round runs, made from the settings: made again when they are reloaded.
    struct Parts {
        let pickup: SharedPickup
        let payments: SharedPaymentPickup
        let replies: SharedReplyPoller?
        let promises: SharedInvoicePass
        let plans: SharedInvoicePass
        let reviewTimeouts: SharedInvoicePass
        let collection: SharedInvoicePass
        let digest: SharedDigest
        let cycle: SharedCycle

        init(_ daemon: SharedDaemon) throws {
            let configuration = daemon.configuration, store = daemon.store, sendLog = daemon.sendLog, clock = daemon.clock
            let logger = daemon.logger, queue = daemon.queue, state = configuration.paths.stateDirectory
            pickup = SharedPickup(configuration: configuration, store: store, sendLog: sendLog, clock: clock, logger: logger)
            payments = try SharedPaymentPickup(configuration: configuration, store: store, sendLog: sendLog, clock: clock, logger: logger,
                                               workingSetPath: state + "/shared-payments.sqlite")
            replies = try SharedReplyPoller(configuration: configuration, store: store, owner: queue.owner, leaseSeconds: queue.leaseSeconds,
                                            sendLog: sendLog, clock: clock, logger: logger, workingSetPath: state + "/shared-replies.sqlite")
            promises = try SharedInvoicePass.promises(configuration: configuration, store: store, sendLog: sendLog, clock: clock, logger: logger,
                                                      workingSetPath: state + "/shared-promises.sqlite")
            plans = try SharedInvoicePass.plans(configuration: configuration, store: store, sendLog: sendLog, clock: clock, logger: logger,
                                                workingSetPath: state + "/shared-plans.sqlite")
            reviewTimeouts = try SharedInvoicePass.reviewTimeouts(configuration: configuration, store: store, sendLog: sendLog, clock: clock,
                                                                  logger: logger, workingSetPath: state + "/shared-review.sqlite")
            collection = try SharedInvoicePass.collection(configuration: configuration, store: store, sendLog: sendLog, clock: clock,
                                                          logger: logger, workingSetPath: state + "/shared-collection.sqlite")
            digest = SharedDigest(configuration: configuration, store: store, owner: queue.owner, transport: daemon.transport, sendLog: sendLog,
                                  clock: clock, logger: logger)
            cycle = try SharedCycle(configuration: configuration, store: store, queue: queue, transport: daemon.transport, clock: clock,
                                    logger: logger, sendLog: sendLog, workingSetPath: state + "/shared-pass.sqlite")
        }
    }

    /// Starts the reference-rate refresh when it is due (`RatesUpdater.isDue`, its record beside
    /// this instance's table); a failure is logged by the updater and tried again an hour later.
    /// A single round (`--once`) ends before it: `relance rates update` is for that.
    private func refreshRatesIfDue(_ job: BackgroundJob) {
        guard !job.isRunning else { return }
        var quiet = logger
        quiet[metadataKey: "job"] = "rates"
        let updater = RatesUpdater(configuration: configuration, record: .beside(configuration.fetchedRatesFile), clock: clock, logger: quiet)
        guard updater.isDue() else { return }
        job.start { updater.update().contains(where: \.succeeded) }
    }

    /// SIGHUP: the send log reopened (logrotate moved it), the settings read again from
    /// `configurationFile` and the round's parts made from them. A file that does not load, or
    /// that names another store or instance (a restart's business), keeps the running settings.
    /// The transport stays as it started, as on one machine.
    private func reload(_ parts: inout Parts) {
        notifier.notify("RELOADING=1")
        defer { notifier.notify("READY=1") }
        sendLog.reopen()
        guard let configurationFile else { return }
        do {
            let fresh = try ConfigurationLoader.load(file: configurationFile)
            guard fresh.store?.url == configuration.store?.url, fresh.store?.instance == configuration.store?.instance else {
                logger.error("configuration not reloaded, keeping the previous one: [store] changed; restart relance to use another store or name")
                return
            }
            let running = configuration
            configuration = fresh
            do {
                parts = try Parts(self)
            } catch {
                configuration = running
                throw error
            }
            logger.info("configuration reloaded from \(configurationFile)")
        } catch {
            logger.error("configuration not reloaded, keeping the previous one: \(error)")
        }
    }

    /// The reply poller handed to its thread: used by one thread at a time (one poll at a time),
    /// and what it shares with the main loop (the store, the send log, the logger, the clock) is
    /// safe to share.
    private final class ReplyPollerBox: @unchecked Sendable {
        let poller: SharedReplyPoller
        init(_ poller: SharedReplyPoller) { self.poller = poller }
    }

    /// Brings the schema up to date and registers this instance, after checking that no other live
    /// process runs under its name.
    private func register() throws {
        let store = store, queue = queue, started = clock.now()
        let applied = try store.waitFor("bring the shared store's schema up to date") { try await store.migrate(at: started) }
        if !applied.isEmpty { logger.info("shared store: schema versions \(applied.map(String.init).joined(separator: ", ")) applied") }
        let host = ProcessInfo.processInfo.hostName, pid = Int64(getpid())
        // Two live instances under one name would show as one and count as one: the second is refused.
        let registered = try store.blockingStatement("list the instances") { try await SharedQueue.instances(on: $0) }
        if let same = registered.first(where: { $0.name == queue.owner }),
           Self.stillRunning(same, host: host, pid: pid, now: started, leaseSeconds: queue.leaseSeconds,
                             processAlive: same.host == host ? kill(pid_t(same.pid), 0) == 0 : nil) {
            throw InstanceNameTaken(name: queue.owner, host: same.host, pid: same.pid, heartbeatAge: Int(started.timeIntervalSince(same.heartbeatAt)))
        }
        try store.blockingStatement("register this instance") { try await queue.register(host: host, pid: pid, at: started, on: $0) }
    }

    /// Another live process runs under this instance's name.
    struct InstanceNameTaken: Error, CustomStringConvertible {
        let name: String, host: String, pid: Int64, heartbeatAge: Int
        var description: String {
            "instance \(name) is already running on \(host) (pid \(pid), heartbeat \(heartbeatAge) s ago): give this one its own name ([store] instance)"
        }
    }

    /// Whether the instance registered under this name is another process still running: its
    /// heartbeat is recent (within two leases) and, on this host, its process is alive (a kill -9
    /// restarted at once leaves a recent heartbeat and a dead pid). On another host only the
    /// heartbeat can tell.
    static func stillRunning(_ registered: InstanceRecord, host: String, pid: Int64, now: Date, leaseSeconds: Int64, processAlive: Bool?) -> Bool {
        guard now.timeIntervalSince(registered.heartbeatAt) < Double(2 * leaseSeconds) else { return false }
        guard registered.host == host else { return true }
        return registered.pid != pid && processAlive == true
    }

    /// Beats this instance's heart and ends every lease that ran out (any instance's): what was
    /// handed off and never confirmed is `uncertain`, said in the send log; the rest waits again.
    func maintain() {
        let queue = queue, now = clock.now(), zone = configuration.company.timeZone
        do {
            let lines = try store.blockingTransaction("heartbeat and reap leases") { connection -> [String] in
                try await queue.heartbeat(at: now, on: connection)
                let reaped = try await queue.reap(at: now, on: connection)
                guard !reaped.uncertain.isEmpty else { return [] }
                let stamp = ZonedDateTime.iso8601(now, in: zone)
                var lines: [String] = []
                for fact in try await SharedQueue.uncertainFacts(reaped.uncertain, on: connection) {
                    let line = Journal.line(timestamp: stamp, event: "uncertain", invoice: fact.invoice, [
                        ("step", fact.step), ("message_id", fact.messageID),
                        ("reason", (fact.detail ?? "lease lost while sending") + "; check before resending (relance resolve)"),
                    ])
                    try await SharedQueue.addEvent(at: now, event: "uncertain", invoiceID: fact.invoice, line: line, on: connection)
                    lines.append(line)
                }
                return lines
            }
            sendLog.append(lines)
        } catch {
            logger.warning("shared store: heartbeat and reaper not run: \(error)")
        }
    }
}

/// A NOTIFY from another instance turned into a byte on a pipe, so the daemon's poll(2) wakes for
/// it as for a signal. The listener is made again when its connection is lost (a server restart).
final class WakePipe: Sendable {
    let descriptor: Int32
    private let writeEnd: Int32
    private let task: Task<Void, Never>

    init(store: PostgresStore, logger: Logger) throws {
        let ends = try SignalWatcher.nonBlockingPipe()
        descriptor = ends.read
        writeEnd = ends.write
        let writeEnd = ends.write
        task = Task {
            var listener: WorkListener?
            while !Task.isCancelled {
                if listener?.isLost ?? true {
                    await listener?.close()
                    listener = try? await WorkListener(store: store)
                    if listener == nil { try? await Task.sleep(for: .seconds(2)) }
                    continue
                }
                if await listener?.wait(timeout: .seconds(5)) == true {
                    var byte: UInt8 = 1
                    _ = write(writeEnd, &byte, 1)
                }
            }
            await listener?.close()
        }
    }

    func drain() {
        var byte: UInt8 = 0
        while read(descriptor, &byte, 1) == 1 {}
    }

    func stop() {
        task.cancel()
        close(descriptor)
        close(writeEnd)
    }
}
