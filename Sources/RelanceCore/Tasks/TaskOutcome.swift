/// What a person found out on a call, as `relance task done ID --outcome …` records it.
public enum TaskOutcome: String, Sendable, CaseIterable, Hashable {
    case paid, promise, dispute
    case noAnswer = "no-answer"
    case wrongContact = "wrong-contact"
    case other
}

/// What an outcome does to the chase, decided here (pure) and applied by the daemon: the
/// practice is to call, find out why, and ask for a date; each answer moves the sequence.
public enum TaskEffect: Equatable, Sendable {
    /// The customer says it is paid: the task is done and a person records the payment (the chase
    /// goes on until the payment is recorded: relance never assumes money it has not seen).
    case askForPayment
    /// A promise: the chase is paused until the day after the promised date.
    case pauseUntil(LocalDate)
    /// A dispute: the chase stops until a person resumes it.
    case stop
    /// Nobody answered: the same task again on `due`, its grace extended to `graceUntil`.
    case reschedule(due: LocalDate, graceUntil: LocalDate)
    /// The number or the person was wrong: the invoice needs a person's attention.
    case flagContact
    /// Noted; the chase goes on.
    case none

    /// Why an outcome cannot be recorded as given.
    public enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        case promiseNeedsDate
        case promiseInThePast(LocalDate)

        public var description: String {
            switch self {
            case .promiseNeedsDate: return "a promise needs its date (--date YYYY-MM-DD)"
            case .promiseInThePast(let day): return "the promised date \(day.iso) is already past"
            }
        }
    }

    /// - Parameters:
    ///   - date: the date the customer gave (a promise), if any.
    ///   - nextCallDay: the next sending day after today, when an unanswered call is tried again.
    ///   - graceDays: days a task holds the steps after it.
    public static func of(_ outcome: TaskOutcome, date: LocalDate?, today: LocalDate, nextCallDay: LocalDate,
                          graceDays: Int) throws(Refusal) -> TaskEffect {
        switch outcome {
        case .paid: return .askForPayment
        case .promise:
            guard let date else { throw .promiseNeedsDate }
            guard date >= today else { throw .promiseInThePast(date) }
            return .pauseUntil(date.adding(days: 1))
        case .dispute: return .stop
        case .noAnswer: return .reschedule(due: nextCallDay, graceUntil: nextCallDay.adding(days: graceDays))
        case .wrongContact: return .flagContact
        case .other: return .none
        }
    }
}

/// What a confirmation email after a call says was agreed ("suite à notre appel…"): only the
/// outcomes that agree something with the customer can be confirmed.
public struct CallConfirmation: Hashable, Sendable {
    public let outcome: TaskOutcome
    public let calledOn: LocalDate
    /// The promised date (a promise).
    public let date: LocalDate?

    /// The outcomes a confirmation can be written for.
    public static let confirmable: Set<TaskOutcome> = [.promise, .paid, .dispute]

    public init(outcome: TaskOutcome, calledOn: LocalDate, date: LocalDate?) {
        self.outcome = outcome
        self.calledOn = calledOn
        self.date = date
    }
}

/// Why relance set a task for a person: the script it carries follows from it.
public enum TaskPurpose: String, Sendable, CaseIterable, Hashable {
    /// A `call` step of the policy.
    case call
    /// A `task` step of the policy, with its own text.
    case task
    /// A problem the customer reported in reply to the check-in.
    case checkInProblem = "check-in-problem"
    /// A dispute the customer wrote: find out what is wrong and settle it.
    case dispute
    /// The customer asks to pay in parts: agree a plan (`relance installments`).
    case installments
    /// The person written to is not in charge: find who is (the reply may name them).
    case wrongContact = "wrong-contact"
}
