public import RelanceCore

/// What an incoming message is and what it means for the chase: the result
/// of `ReplyClassifier`, shown by `relance inspect` and acted on by the daemon.
public struct ReplyAnalysis: Sendable, Equatable {
    /// What sort of message it is, before what it says: a bounce and an auto-reply are not answers.
    public enum Kind: String, Sendable {
        case bounce, complaint
        case autoReply = "auto-reply"
        case reply, unreadable
    }

    /// What a person's reply says about the invoice.
    public enum Intent: String, Sendable, CaseIterable {
        case paid, promise, dispute
        /// Never received the invoice, or asks for a copy: relance sends it again.
        case invoiceRequest = "invoice-request"
        /// Asks to pay in several parts: a person agrees a plan.
        case installments
        /// The person is not in charge (and may say who is).
        case wrongContact = "wrong-contact"
        case other
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
    /// The day the customer says they paid (`paid`), when they say it.
    public var paidDate: LocalDate?
    /// The address a wrong-contact reply names instead.
    public var newContact: String?
    /// The words that decided: the phrase matched and the sentence it stands in (an absence notice's too).
    public var evidence: String?
    public var phrase: String?
    /// Invoice numbers the subject or body names ("Relance facture H-06").
    public var invoiceNumbers: [String] = []
    /// The day the message says it was written (its Date header, in the company's zone): what
    /// "yesterday" and "next Friday" count from.
    public var writtenOn: LocalDate?
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
