import Foundation
import Logging
import RelanceConfig
import RelanceCore
#if canImport(Glibc)
import Glibc
#endif

/// The long-running service: recovers from a crash, takes the inbox, sends
/// what is due, then sleeps in poll(2) until the next due instant, an inbox
/// event, a wake-up from the command line or a signal. No busy polling: with
/// nothing due it wakes only for the systemd watchdog.
public final class Daemon {
    private let context: DaemonContext
    private let configurationFile: String
    private let notifier = SystemdNotifier()
    private var inotify: Inotify
    private var watchedInbox = ""
    private let ratesRefresh = BackgroundJob(name: "relance.rates")
    private let replyJob = BackgroundJob(name: "relance.replies")

    /// The reply poller handed to its thread. It is only ever used by one thread at a time (one
    /// poll at a time, never during a configuration reload), and what it shares with the main
    /// loop (the store, the send log, the logger, the clock) is safe to share.
    private final class PollerBox: @unchecked Sendable {
        let poller: ReplyPoller
        init(_ poller: ReplyPoller) { self.poller = poller }
    }

    public init(context: DaemonContext, configurationFile: String) throws {
        self.context = context
        self.configurationFile = configurationFile
        self.inotify = try Inotify()
    }

    /// Runs until SIGTERM or SIGINT. `signals` must be created before any other thread starts.
    public func run() throws {
        let signals = try SignalWatcher()
        let received = ReceivedSignals(signals)
        try watchFolders()
        // Between two messages of a cycle: stop after the one in flight, keep the watchdog fed.
        context.stopRequested = { received.stopRequested() }
        let monotonicClock = ContinuousClock()
        var lastPing: ContinuousClock.Instant?
        context.heartbeat = { [notifier] in
            guard let interval = notifier.watchdogInterval else { return }
            if lastPing.map({ monotonicClock.now - $0 >= .milliseconds(Int64(interval * 250)) }) ?? true {
                notifier.notify("WATCHDOG=1")
                lastPing = monotonicClock.now
            }
        }
        let cycle = Cycle(context: context)
        try cycle.recoverInterrupted()
        Pickup(context: context).scan()
        PaymentPickup(context: context).scan()
        // The watchdog and the mailbox poll run on monotonic time, not the (possibly fixed) business clock.
        let monotonic = ContinuousClock()
        let replies = try ReplyPoller(context: context)
        var lastPoll: ContinuousClock.Instant?
        notifier.notify("READY=1\nSTATUS=watching \(context.configuration.paths.inbox)")
        context.logger.info("relance started", metadata: ["inbox": "\(context.configuration.paths.inbox)"])
        var lastWatchdog: ContinuousClock.Instant?
        var lastMark: ContinuousClock.Instant?

        while true {
            // The mailbox is read on a thread of its own: a slow IMAP server never holds up sending.
            if let replies, !replyJob.isRunning, lastPoll.map({ monotonic.now - $0 >= .seconds(replies.settings.pollIntervalSeconds) }) ?? true {
                lastPoll = monotonic.now
                let box = PollerBox(replies)
                replyJob.start {
                    box.poller.poll()
                    return false
                }
            }
            refreshRatesIfDue()
            var failing = false
            if context.pickupNeedsRetry {
                // Files that arrived while the disk was full: no inotify event will come for them again.
                context.pickupNeedsRetry = false
                Pickup(context: context).scan()
                PaymentPickup(context: context).scan()
                failing = context.pickupNeedsRetry
            }
            let cycle = Cycle(context: context)
            // The morning digest first: it lists what the day's cycle will send.
            DigestJob(context: context).runIfDue()
            do {
                let summary = try cycle.run()
                let acted = summary.sent + summary.deferred + summary.failed + summary.uncertain > 0
                if acted { context.logger.info("cycle: \(summary)") }
                // The cycle's bookkeeping and relance.prom: after sending, else at most once a minute (an fsync each).
                if acted || lastMark.map({ monotonic.now - $0 >= .seconds(60) }) ?? true {
                    lastMark = monotonic.now
                    try cycle.markCompleted()
                }
            } catch {
                // A full disk or an unreadable store: said, then tried again, never a reason to stop.
                context.logger.error("cycle failed, trying again shortly: \(error)")
                context.store.reclaimSpace()
                failing = true
            }
            if received.stopRequested() {
                notifier.notify("STOPPING=1")
                context.logger.info("relance stopping")
                return
            }
            // A SIGHUP that arrived during the cycle was drained from the pipe: act on it before sleeping.
            // A reload swaps the configuration: only while no background job reads it.
            if !replyJob.isRunning, !ratesRefresh.isRunning, received.takeReload() { reload() }
            var timeout = failing ? min(sleepMilliseconds(), 30_000) : sleepMilliseconds()
            if received.reloadPending { timeout = min(timeout, 200) }  // a reload waits for a background job to finish
            var fds = [pollfd(fd: inotify.descriptor, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: signals.descriptor, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0, errno != EINTR { throw RuntimeFailure("poll: \(String(cString: strerror(errno)))") }
            if let interval = notifier.watchdogInterval,
               lastWatchdog.map({ monotonic.now - $0 >= .milliseconds(Int64(interval * 500)) }) ?? true {
                notifier.notify("WATCHDOG=1")
                lastWatchdog = monotonic.now
            }
            if received.stopRequested() {
                notifier.notify("STOPPING=1")
                context.logger.info("relance stopping")
                return
            }
            if !replyJob.isRunning, !ratesRefresh.isRunning, received.takeReload() { reload() }
            let events = inotify.drain()
            let inbox = context.configuration.paths.inbox
            // A regular file is taken once closed or renamed in; a symbolic link, FIFO or device
            // never closes after writing, so its creation is enough (it will be rejected with a reason).
            let names = Array(Set(events.filter { $0.folder == inbox && (!$0.created || Self.isSpecial(inbox + "/" + $0.name)) }
                .map(\.name))).sorted()
            if !names.isEmpty { Pickup(context: context).ingest(names: names) }
            let paymentsFolder = context.configuration.paths.payments
            let paymentNames = Array(Set(events.filter { $0.folder == paymentsFolder }.map(\.name))).sorted()
            if !paymentNames.isEmpty { PaymentPickup(context: context).ingest(names: paymentNames) }
        }
    }

    /// The weekly reference-rate refresh (`[late_charges] refresh_days`), on a thread of its own so a
    /// slow or dead source never holds up sending: a failure is logged and tried again an hour
    /// later, never fatal; fresh rates are taken in on the next turn of the loop, as on SIGHUP.
    private func refreshRatesIfDue() {
        if ratesRefresh.takeFinished() {
            do {
                context.configuration = try ConfigurationLoader.load(file: configurationFile)
            } catch {
                context.logger.error("reference rates updated, but the configuration could not be read again: \(error)")
            }
        }
        let updater = RatesUpdater(context: context)
        guard !ratesRefresh.isRunning, updater.isDue() else { return }
        ratesRefresh.start {
            updater.update().contains(where: \.succeeded)
        }
    }

    /// The signals that arrived, drained from the self-pipe whenever asked (between messages, after a cycle).
    final class ReceivedSignals {
        private let watcher: SignalWatcher
        private var stop = false
        private var reload = false

        init(_ watcher: SignalWatcher) { self.watcher = watcher }

        private func drain() {
            for signal in watcher.drain() {
                switch signal {
                case .terminate: stop = true
                case .reload: reload = true
                }
            }
        }

        func stopRequested() -> Bool {
            drain()
            return stop
        }

        var reloadPending: Bool { reload }

        func takeReload() -> Bool {
            drain()
            defer { reload = false }
            return reload
        }
    }

    static func isSpecial(_ path: String) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0 else { return false }
        let type = info.st_mode & S_IFMT
        return type != S_IFREG && type != S_IFDIR
    }

    /// Until the next due reminder, capped by the watchdog and by an hour (clock changes, DST).
    private func sleepMilliseconds() -> Int32 {
        var seconds: TimeInterval = 3600
        if let next = try? context.store.read({ tx in try tx.nextWake() }) {
            // Work due outside the send window waits for the window to open.
            let now = context.clock.now()
            let at = max(next, context.configuration.calendar.windowOpen(atOrAfter: now))
            seconds = min(seconds, max(0, at.timeIntervalSince(now)))
        }
        if let digest = DigestJob(context: context).nextDue() { seconds = min(seconds, max(0, digest.timeIntervalSince(context.clock.now()))) }
        if let interval = notifier.watchdogInterval { seconds = min(seconds, interval) }
        if let poll = context.configuration.replies?.pollIntervalSeconds { seconds = min(seconds, TimeInterval(poll)) }
        // A fixed clock (time travel) never advances: do not spin on past-due work.
        if context.clock is FixedClock { seconds = max(seconds, 1) }
        return Int32(min(seconds * 1000, Double(Int32.max)).rounded(.up))
    }

    private func watchFolders() throws {
        let paths = context.configuration.paths
        for folder in [paths.inbox, paths.stateDirectory, paths.payments] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        inotify.unwatchAll()
        try inotify.watch(paths.inbox)
        try inotify.watch(paths.stateDirectory)
        try inotify.watch(paths.payments)
        watchedInbox = paths.inbox
    }

    /// SIGHUP: reopen the send log; load the configuration again, keeping the old one when the new is invalid.
    private func reload() {
        notifier.notify("RELOADING=1")
        context.sendLog.reopen()
        do {
            let fresh = try ConfigurationLoader.load(file: configurationFile)
            context.configuration = fresh
            if fresh.paths.inbox != watchedInbox { try watchFolders() }
            context.logger.info("configuration reloaded from \(configurationFile)")
        } catch {
            context.logger.error("configuration not reloaded, keeping the previous one: \(error)")
        }
        notifier.notify("READY=1")
    }
}
