public import RelanceCore
public import Foundation

/// Where a reminder is in its life (DESIGN.md, "Sending semantics").
public enum ReminderState: String, Sendable, CaseIterable {
    case planned, sending, sent, deferred, failed, uncertain, bounced, cancelled, skipped
    /// A `call` step handed to a person as a task (`relance tasks`), instead of an email.
    case tasked
    /// Rendered and waiting for a person's approval (`[review]`: `relance review`, `approve`, `hold`).
    case held
}

/// Whether an invoice is still being chased.
public enum InvoiceState: String, Sendable {
    case open, paid, cancelled
    /// The formal notice's deadline passed unpaid: the chase stops, the file goes to an agency,
    /// a commissaire de justice or a court. `relance resume` brings it back to `open`.
    case collection
}

/// An invoice as stored: the document plus what relance has learnt since.
public struct StoredInvoice: Sendable {
    public let invoice: Invoice
    public let state: InvoiceState
    public let pausedUntil: LocalDate?
    public let pauseReason: String?
    public let sourceFile: String
    public let sourceHash: String
    public let format: String
    public let revision: Int
    /// When relance first took the invoice in.
    public let ingestedAt: Date
    /// The last time its chase was resumed after a pause (by hand, or by a pause's end date passing).
    public let resumedAt: Date?
    /// The deadline of the formal notice sent for it, while one runs (or ran out into `collection`).
    public var noticeDeadline: LocalDate? = nil
    /// The letter's PDF under the state directory's `letters/`.
    public var noticeLetter: String? = nil

    /// Paused on `date` (a pause "until D" ends at the start of D; an open-ended pause never does).
    public func isPaused(on date: LocalDate) -> Bool {
        guard pauseReason != nil || pausedUntil != nil else { return false }
        guard let pausedUntil else { return true }
        return date < pausedUntil
    }
}

/// One period relance was running (a daemon's life, or one `run --once`), for telling
/// "relance was not running" from any other reason a reminder went late.
public struct RunPeriod: Sendable, Equatable {
    public let id: Int64
    public let startedAt: Date
    /// The end of the run before this one, nil on the first run.
    public let previousRunEnded: Date?

    public init(id: Int64, startedAt: Date, previousRunEnded: Date?) {
        self.id = id
        self.startedAt = startedAt
        self.previousRunEnded = previousRunEnded
    }
}

/// One reminder row: a planned step or the record of a sending.
public struct ReminderRecord: Sendable, Equatable {
    public let id: Int64
    public let invoiceID: String
    public let step: String
    public let kind: StepKind
    public let localDate: LocalDate
    public let sendAt: Date
    public let state: ReminderState
    public let amount: Int64
    public let messageID: String?
    public let recipients: String?
    public let attempts: Int
    public let detail: String?
    public let sentAt: Date?
    /// When it was handed off to the transport (marked `sending`), for `status --state uncertain`.
    public let handedOffAt: Date?
    /// The send batch that has claimed it, while one has.
    public let batchID: Int64?
    /// When a person approved it (review): it goes without being held again.
    public var approvedAt: Date? = nil
    /// What an arranged message is about: its plan (`plan`, `installment`) or its task (`confirmation`).
    public var arrangedID: Int64? = nil
    /// The instalment an `installment` reminder is for (1 first).
    public var part: Int? = nil
    /// When it was first handed off since it was planned or resent: the give-up period runs from there.
    public var firstAttemptAt: Date? = nil

    /// Waiting to go: planned, or deferred for a retry.
    public var isWaiting: Bool { state == .planned || state == .deferred }

    public init(id: Int64, invoiceID: String, step: String, kind: StepKind, localDate: LocalDate, sendAt: Date, state: ReminderState,
                amount: Int64, messageID: String?, recipients: String?, attempts: Int, detail: String?, sentAt: Date?, handedOffAt: Date?,
                batchID: Int64?, approvedAt: Date? = nil, arrangedID: Int64? = nil, part: Int? = nil, firstAttemptAt: Date? = nil) {
        self.firstAttemptAt = firstAttemptAt
        self.approvedAt = approvedAt
        self.arrangedID = arrangedID
        self.part = part
        self.id = id
        self.invoiceID = invoiceID
        self.step = step
        self.kind = kind
        self.localDate = localDate
        self.sendAt = sendAt
        self.state = state
        self.amount = amount
        self.messageID = messageID
        self.recipients = recipients
        self.attempts = attempts
        self.detail = detail
        self.sentAt = sentAt
        self.handedOffAt = handedOffAt
        self.batchID = batchID
    }
}

/// A transition the store refused because the row was not in the state the caller expected
/// (a payment, a pause or another process got there first), or a row it cannot read.
public struct TransitionError: Error, CustomStringConvertible, Sendable {
    public let reminderID: Int64
    public let from: [ReminderState]
    public let to: ReminderState
    public var description: String {
        "store: reminder \(reminderID) is not \(from.map(\.rawValue).joined(separator: " or ")); not moved to \(to.rawValue)"
    }
}

/// How a person settles a reminder left `uncertain` or `failed` (`relance resolve`).
public enum Resolution: String, Sendable, CaseIterable {
    /// It did go: recorded as sent.
    case sent
    /// It did not: planned again, with its stable Message-ID, at the next send slot.
    case resend
    /// Leave it: cancelled.
    case cancel
}

/// A planned step ready to be stored (the planner's output, minus what the store adds).
public struct PlannedReminder: Sendable {
    public let step: String
    public let kind: StepKind
    public let localDate: LocalDate
    public let sendAt: Date
    public let amount: Money
    /// An arranged message's plan or task, and an instalment's number.
    public let arrangedID: Int64?
    public let part: Int?

    public init(step: String, kind: StepKind, localDate: LocalDate, sendAt: Date, amount: Money, arrangedID: Int64? = nil, part: Int? = nil) {
        self.step = step
        self.kind = kind
        self.localDate = localDate
        self.sendAt = sendAt
        self.amount = amount
        self.arrangedID = arrangedID
        self.part = part
    }
}

/// What happened to a source file's content when it was recorded.
public enum SourceOutcome: Sendable, Equatable {
    /// The same bytes were ingested before (as `documentID`).
    case duplicate(documentID: String)
    case new
}
