import Logging
import RelanceDaemon

/// A log handler that writes every message and metadata value as one line: CR, LF and the
/// other control characters become `\r`, `\n`, `\u{…}`, as the send log already does, so a
/// hostile file name cannot forge a line in the journal.
struct EscapingLogHandler: LogHandler {
    private var inner: StreamLogHandler

    init(_ inner: StreamLogHandler) { self.inner = inner }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        var escaped = event
        escaped.message = "\(Self.escape(event.message.description))"
        escaped.metadata = event.metadata?.mapValues { Logger.Metadata.Value.string(Self.escape($0.description)) }
        inner.log(event: escaped)
    }

    static func escape(_ text: String) -> String { LogfmtLine.escapingControls(text) }
}
