public import RelanceCore

/// What an incoming message is and what it means for the chase: the result
/// of `ReplyClassifier`, shown by `relance inspect` and acted on by the daemon.
public struct ReplyAnalysis: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case bounce, complaint
        case autoReply = "auto-reply"
        case reply, unreadable
    }

    /// What a person's reply says about the invoice.
    public enum Intent: String, Sendable {
        case paid, promise, dispute, other
    }

    /// A delivery failure: which address, which status, and whether it is permanent.
    public struct Bounce: Sendable, Equatable {
        public var recipient: String?
        public var status: String?
        public var hard: Bool
    }

    public var kind: Kind
    public var bounce: Bounce?
    /// The date an auto-reply says its author is back, when it says one.
    public var returnDate: LocalDate?
    public var intent: Intent?
    public var promiseDate: LocalDate?
    /// Message-IDs this message answers or quotes (In-Reply-To, References, the returned message's).
    public var references: [String] = []
    /// The invoice named in relance's own header inside the message, when present.
    public var invoice: String?
    /// The token of a tagged envelope sender (`bounces+TOKEN@…`) the message was addressed to.
    public var envelopeTag: String?
    public var from: String?
    public var subject: String?
    /// Why the message could not be read (kind `unreadable`).
    public var problem: String?

    public init(kind: Kind) { self.kind = kind }
}
