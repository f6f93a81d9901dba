import ArgumentParser
import Foundation
import Logging
import RelanceCore
import RelanceConfig
import RelanceDaemon
import RelanceStore

/// `relance run`: the daemon, or with `--once` one full cycle (pickup, due reminders) and exit.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the daemon, or one cycle with --once.")

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Run one cycle (recover, pick up the inbox, send what is due) and exit.")
    var once = false

    @Option(help: "Act as if the clock read this instant (ISO 8601, or a date = local midnight).")
    var now: String?

    @Flag(help: "Show what would be sent (would-send lines on standard output); change nothing.")
    var dryRun = false

    func run() throws {
        let configuration = try options.load()
        if let shared = configuration.store {
            try runShared(configuration, settings: shared)
            return
        }
        let clock = try ClockOption.clock(now, zone: configuration.company.timeZone)
        // One daemon per state directory; a dry run changes nothing and may look beside it.
        let lock: StateLock?
        do {
            lock = dryRun ? nil : try StateLock(stateDirectory: configuration.paths.stateDirectory)
        } catch {
            Console.error("relance: \(error)")
            throw ExitCode(1)
        }
        defer { withExtendedLifetime(lock) {} }
        let context = try CommandContext.open(configuration, clock: clock)
        if dryRun {
            // The files still in the inbox too, as pickup would take them: a new user sees what would happen.
            for line in InboxPreview(context: context).lines() { Console.out(line) }
            let summary = try Cycle(context: context).run(dryRun: true)
            Console.error("dry run: \(summary)")
            return
        }
        if once {
            let cycle = Cycle(context: context)
            try cycle.recoverInterrupted()
            Pickup(context: context).scan()
            PaymentPickup(context: context).scan()
            try ReplyPoller(context: context)?.poll()
            DigestJob(context: context).runIfDue()
            let summary = try cycle.run()
            try cycle.markCompleted()
            Console.error("cycle at \(ZonedDateTime.iso8601(clock.now(), in: configuration.company.timeZone)): \(summary)")
            return
        }
        try Daemon(context: context, configurationFile: options.path).run()
    }
}

extension RunCommand {
    /// The daemon (or one round with `--once`) on the shared PostgreSQL store `[store]` names
    /// (`SharedDaemon`, docs/shared-store.md).
    func runShared(_ configuration: RelanceConfiguration, settings: StoreSettings) throws {
        guard !dryRun else {
            try dryRunShared(configuration, settings: settings)
            return
        }
        // A daemon on a shared store started at --now keeps time from there: leases must run out.
        let fixed = try ClockOption.clock(now, zone: configuration.company.timeZone)
        let clock: any WallClock = once || now == nil ? fixed : RunningClock(from: fixed.now())
        // One instance per state directory here too: its working copy and send log are its own.
        let lock: StateLock
        do {
            lock = try StateLock(stateDirectory: configuration.paths.stateDirectory)
        } catch {
            Console.error("relance: \(error)")
            throw ExitCode(1)
        }
        defer { withExtendedLifetime(lock) {} }
        LoggingBootstrap.once()
        let logger = Logger(label: "relance")
        // The send passes, the listener, and the reply poller on its own thread.
        let store = try SharedStoreAccess.open(settings, maximumConnections: configuration.replies == nil ? 3 : 4)
        defer { _ = try? store.waitFor("close the connections") { await store.close() } }
        do {
            let transport = try DaemonContext.makeTransport(configuration)
            let sendLog = try SendLog(path: configuration.paths.sendLog)
            let daemon = SharedDaemon(configuration: configuration, store: store, instance: settings.instance ?? SharedDaemon.defaultInstanceName(),
                                      leaseSeconds: settings.leaseSeconds, transport: transport, clock: clock, logger: logger, sendLog: sendLog,
                                      configurationFile: options.path)
            try daemon.run(once: once)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Console.error("relance: run: \(error)")
            throw ExitCode(1)
        }
    }
}

extension RunCommand {
    /// `run --dry-run` on a shared store: the customers with a reminder due now copied locally
    /// (`SharedLocalCopy`), and the one-machine dry run on the copy: the files in this instance's
    /// inbox as its intake would take them, then what a send pass would send now. Nothing is
    /// claimed, registered or written; no transport, send log or secret but the store's is opened.
    func dryRunShared(_ configuration: RelanceConfiguration, settings: StoreSettings) throws {
        let clock = try ClockOption.clock(now, zone: configuration.company.timeZone)
        let instant = clock.now()
        let local = try SharedLocalCopy(purpose: "dry-run")
        defer { local.remove() }
        let store = try SharedStoreAccess.open(settings)
        _ = try SharedStoreAccess.snapshot(.customersWithRemindersDue(at: instant), of: store, into: local.databasePath)
        LoggingBootstrap.once()
        do {
            let context = DaemonContext.onCopy(local.configuration(from: configuration), store: try Store(path: local.databasePath, scratch: true),
                                               clock: clock, logger: Logger(label: "relance"))
            for line in InboxPreview(context: context).lines() { Console.out(line) }
            let summary = try Cycle(context: context).run(dryRun: true)
            Console.error("dry run: \(summary)")
        } catch {
            Console.error("relance: run --dry-run: \(error)")
            throw ExitCode(1)
        }
    }
}

/// The clock a command runs with: the system's, or one stopped at `--now`.
enum ClockOption {
    static func clock(_ now: String?, zone: TimeZone) throws -> any WallClock {
        guard let now else { return SystemClock() }
        guard let instant = ZonedDateTime.parse(now, defaultZone: zone) else {
            throw ValidationError("--now \"\(now)\" is not an ISO 8601 instant or a date YYYY-MM-DD")
        }
        return FixedClock(instant)
    }
}

/// The hidden `--now` of the commands that change or show state, so a
/// time-travel test can run `paid`, `status`… on the same clock as `run --now`.
struct HiddenClockOption: ParsableArguments {
    @Option(help: ArgumentHelp("Act as if the clock read this instant (tests, time travel).", visibility: .hidden))
    var now: String?

    /// The daemon's parts, on the system clock or the one stopped at `--now`.
    func context(for configuration: RelanceConfiguration) throws -> DaemonContext {
        try CommandContext.open(configuration, clock: ClockOption.clock(now, zone: configuration.company.timeZone))
    }

    /// For the commands that only look: the store read-only, nothing else opened.
    func readOnlyContext(for configuration: RelanceConfiguration) throws -> DaemonContext {
        try CommandContext.open(configuration, clock: ClockOption.clock(now, zone: configuration.company.timeZone), readOnly: true)
    }
}

/// Opens the daemon's parts for a command, with diagnostics on standard error.
enum CommandContext {
    /// The SQLite store's parts. With `[store]` (a shared PostgreSQL store) a command that has no
    /// shared version yet is refused with the reason: the SQLite file it would read or change is
    /// one no instance uses, so its answer would be untrue and its change lost.
    static func open(_ configuration: RelanceConfiguration, clock: any WallClock, readOnly: Bool = false) throws -> DaemonContext {
        if let shared = configuration.store {
            let name = CommandLine.arguments.dropFirst().prefix { !$0.hasPrefix("-") }.prefix(2).joined(separator: " ")
            Console.error("relance: \(name.isEmpty ? "this command" : name): not available on a shared store yet ([store] url = \(shared.url)); "
                + "it would use a SQLite file no instance reads (docs/shared-store.md says what works there)")
            throw ExitCode(1)
        }
        LoggingBootstrap.once()
        do {
            let logger = Logger(label: "relance")
            return try readOnly ? DaemonContext.openReadOnly(configuration, clock: clock, logger: logger)
                : DaemonContext.open(configuration, clock: clock, logger: logger)
        } catch {
            Console.error("relance: \(error)")
            throw ExitCode(1)
        }
    }
}

/// swift-log to standard error (journald keeps it under systemd), set up once per process.
/// Untrusted text (a file name with a newline, a server's reply) is escaped on the way, so a
/// diagnostic is always one line and can never forge another.
enum LoggingBootstrap {
    private static let done: Void = {
        LoggingSystem.bootstrap { label in
            var handler = EscapingLogHandler(StreamLogHandler.standardError(label: label))
            handler.logLevel = ProcessInfo.processInfo.environment["RELANCE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            return handler
        }
    }()

    static func once() { _ = done }
}
