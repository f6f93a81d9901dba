public import Foundation

/// One reminder the planner intends to send: which step, on which local day,
/// at which instant, for how much, and with which discount still on offer.
public struct PlannedStep: Hashable, Sendable {
    public let name: String
    public let kind: StepKind
    /// The date the policy names (anchor ± days) before moving to a sending day.
    public let nominalDate: LocalDate
    /// The sending day the step lands on.
    public let date: LocalDate
    public let sendAt: Date
    /// Balance owed on `date`.
    public let amountDue: Money
    /// The best discount still valid on `date`, if any.
    public let discount: DiscountOffer?
    /// Set when a later step landed in the same slot: this one is not sent.
    public var supersededBy: String?

    public var isActive: Bool { supersededBy == nil }
}
