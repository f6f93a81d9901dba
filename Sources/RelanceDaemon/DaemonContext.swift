import Foundation
public import Logging
public import RelanceConfig
public import RelanceCore
public import RelanceStore
public import RelanceTransport
import RelanceMail

/// What every part of the daemon works with: the configuration in force, the
/// store, the send log, the transport and the one clock. The command line
/// builds one per invocation; the daemon keeps one and swaps the
/// configuration on SIGHUP.
public final class DaemonContext {
    public var configuration: RelanceConfiguration
    public let store: Store
    public let sendLog: SendLog
    public let transport: any MailTransport
    public let clock: any WallClock
    public let logger: Logger
    /// This process's running period, opened by `Cycle.recoverInterrupted` (nil for read-only commands).
    public var run: RunPeriod?
    /// Asked between two messages: true once SIGTERM or SIGINT has arrived (the daemon sets it).
    public var stopRequested: () -> Bool = { false }
    /// Called before each message: the daemon pings the systemd watchdog from it.
    public var heartbeat: () -> Void = {}
    /// Set when a pickup could not commit or move its files (a full disk): the daemon scans the
    /// inbox and the payments folder again, every 30 s, until it can.
    public var pickupNeedsRetry = false
    /// One transport per SMTP connection (`[transport] connections`); the first is `transport`.
    public private(set) lazy var transports: [any MailTransport] = {
        var all: [any MailTransport] = [transport]
        let extra = max(0, (configuration.transport?.connections ?? 1) - 1)
        for _ in 0..<extra {
            guard let another = try? Self.makeTransport(configuration) else { break }
            all.append(another)
        }
        return all
    }()

    public init(configuration: RelanceConfiguration, store: Store, sendLog: SendLog, transport: any MailTransport,
                clock: any WallClock, logger: Logger) {
        self.configuration = configuration
        self.store = store
        self.sendLog = sendLog
        self.transport = transport
        self.clock = clock
        self.logger = logger
    }

    /// Opens the store, send log and outbox named by `configuration`.
    public static func open(_ configuration: RelanceConfiguration, clock: any WallClock, logger: Logger) throws -> DaemonContext {
        let store = try Store(path: configuration.paths.stateDirectory + "/relance.sqlite")
        let sendLog = try SendLog(path: configuration.paths.sendLog)
        let transport = try makeTransport(configuration)
        return DaemonContext(configuration: configuration, store: store, sendLog: sendLog, transport: transport,
                             clock: clock, logger: logger)
    }

    /// For the commands that only look (`status`, `plan`, `report`, `metrics`): the store opened
    /// read-only, no send log, no transport, no secret read, no folder created.
    public static func openReadOnly(_ configuration: RelanceConfiguration, clock: any WallClock, logger: Logger) throws -> DaemonContext {
        let store = try Store(path: configuration.paths.stateDirectory + "/relance.sqlite", readOnly: true)
        return DaemonContext(configuration: configuration, store: store, sendLog: SendLog(discarding: ()), transport: NoTransport(),
                             clock: clock, logger: logger)
    }

    /// A context on a local copy that sends nothing and writes no send log (`run --dry-run` on a
    /// shared store decides on a copy of the customers due).
    public static func onCopy(_ configuration: RelanceConfiguration, store: Store, clock: any WallClock, logger: Logger) -> DaemonContext {
        DaemonContext(configuration: configuration, store: store, sendLog: SendLog(discarding: ()), transport: NoTransport(), clock: clock, logger: logger)
    }

    func journal() -> Journal { Journal(zone: configuration.company.timeZone) }

    /// SMTP when `[transport]` is configured, else the outbox folder.
    public static func makeTransport(_ configuration: RelanceConfiguration) throws -> any MailTransport {
        guard let settings = configuration.transport else { return try OutboxTransport(directory: configuration.paths.outbox) }
        let secret = try SecretSource(file: settings.passwordFile, credentialName: "smtp-password",
                                      environmentVariable: "RELANCE_SMTP_PASSWORD").read()
        return try SMTPTransport(settings: smtpSettings(settings, company: configuration.company.email.value), secret: secret)
    }

    /// The transport's view of `[transport]`. Under a systemd watchdog every timeout stays below
    /// half its interval, so a stalled server can never get a healthy daemon killed.
    public static func smtpSettings(_ settings: TransportSettings, company: String, environment: [String: String]? = nil) -> SMTPSettings {
        let cap = watchdogTimeoutCap(environment ?? ProcessInfo.processInfo.environment)
        return SMTPSettings(url: settings.url, tls: settings.tls == "none" ? .none : .required, username: settings.username,
                            oauthBearer: settings.auth == "xoauth2", caFile: settings.caFile, envelopeFrom: settings.envelopeFrom,
                            tagEnvelope: settings.tagEnvelope, connectTimeoutSeconds: min(settings.connectTimeoutSeconds, cap),
                            timeoutSeconds: min(settings.timeoutSeconds, cap))
    }

    /// The longest a network wait may last under `WATCHDOG_USEC` (a third of the interval, at least 2 s); no cap without one.
    public static func watchdogTimeoutCap(_ environment: [String: String]) -> Int {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = Int(text), microseconds > 0 else { return Int.max }
        return max(2, microseconds / 3_000_000)
    }
}

/// The transport of a read-only command: nothing is ever sent from one.
struct NoTransport: MailTransport {
    func send(_ message: OutgoingMessage) -> DeliveryOutcome { .failed(reason: "a read-only command sends nothing") }
}
