public import RelanceMail

/// Something that delivers a composed message: the outbox folder now, SMTP
/// through libcurl next. It knows nothing of invoices. `send` blocks; callers
/// run it on their own thread, never on the concurrency pool.
public protocol MailTransport: Sendable {
    func send(_ message: OutgoingMessage) -> DeliveryOutcome

    /// Makes what `send` delivered since the last call durable; the reason when it could not.
    /// Called once per batch; deliveries of a transport whose acceptance is not durable are
    /// recorded as delivered only after it.
    func flush() -> String?

    /// Whether `.delivered` is already durable on its own (an SMTP server's 250 is the server's
    /// promise), or only once `flush` has succeeded (files written to the outbox folder).
    var acceptanceIsDurable: Bool { get }
}

extension MailTransport {
    /// A transport whose acceptance is already durable (an SMTP server's 250) has nothing to flush.
    public func flush() -> String? { nil }
    public var acceptanceIsDurable: Bool { true }
}

/// How a delivery attempt ended, classified the way a mail queue needs it.
public enum DeliveryOutcome: Sendable, Equatable {
    /// Accepted; `reply` is the server's final answer (or the outbox file).
    case delivered(reply: String)
    /// Try again later (4xx, timeout, refused connection).
    case deferred(reason: String)
    /// Never retry (5xx, bad credentials, TLS failure).
    case failed(reason: String)
    /// The message may or may not have gone (connection lost after the data).
    case uncertain(reason: String)
}
