public import Logging
public import RelanceConfig
public import RelanceCore
public import RelanceStore
public import RelanceTransport

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
        let transport = try OutboxTransport(directory: configuration.paths.outbox)
        return DaemonContext(configuration: configuration, store: store, sendLog: sendLog, transport: transport,
                             clock: clock, logger: logger)
    }

    func journal() -> Journal { Journal(zone: configuration.company.timeZone) }
}
