public import RelanceCore

/// A credit note against an earlier invoice: it lowers that invoice's balance
/// by `amount` from `issueDate` on.
public struct CreditNote: Sendable, Hashable {
    public let id: String
    public let refersTo: String
    public let issueDate: LocalDate
    public let amount: Money

    public init(id: String, refersTo: String, issueDate: LocalDate, amount: Money) {
        self.id = id
        self.refersTo = refersTo
        self.issueDate = issueDate
        self.amount = amount
    }
}
