/// Whether a promise to pay was kept: paid in full by the promised date plus a grace period (a
/// transfer takes a day or two to arrive), or broken once that day has passed unpaid. Decided
/// here, applied by the daemon: a broken promise resumes the chase, and the next message cites it.
public enum PromiseVerdict: String, Sendable, Equatable {
    case kept, broken
}

/// When a promise to pay is kept or broken (its day plus a grace period, against the day the
/// invoice was paid in full): pure, unit-tested alone; the cycle applies its verdicts.
public enum PromiseRule {
    /// nil while it can still be kept.
    /// - Parameter paidInFullOn: the day the invoice was paid in full, if it was.
    public static func verdict(promisedFor: LocalDate, graceDays: Int, today: LocalDate, paidInFullOn: LocalDate?) -> PromiseVerdict? {
        let last = promisedFor.adding(days: graceDays)
        if let paid = paidInFullOn, paid <= last { return .kept }
        return today > last ? .broken : nil
    }
}

/// A promise the customer broke, as the next message cites it ("on 4 December you told us you
/// would pay by 15 December").
public struct BrokenPromise: Sendable, Equatable {
    public let madeOn: LocalDate
    public let promisedFor: LocalDate

    public init(madeOn: LocalDate, promisedFor: LocalDate) {
        self.madeOn = madeOn
        self.promisedFor = promisedFor
    }
}
