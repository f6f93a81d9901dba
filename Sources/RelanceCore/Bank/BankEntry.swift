/// One entry of a bank statement (camt.053, camt.054, MT940), as a reader gives it: the money
/// that moved and everything that may say which invoice it pays. Only a credit that is not a
/// return can pay an invoice; debits and returns are recorded and reported, never applied.
public struct BankEntry: Hashable, Sendable {
    /// The statement's account (an IBAN, or the bank's account identification).
    public var account: String?
    /// Always positive; `credit` says which way it moved.
    public var amount: Money
    public var credit: Bool
    /// A reversal (camt `RvslInd`, MT940 `RC`/`RD`): the return of an earlier entry.
    public var reversal: Bool = false
    public var bookingDate: LocalDate?
    public var valueDate: LocalDate?
    /// The bank's own reference of the entry (camt `AcctSvcrRef`, MT940 `//` bank reference).
    public var entryReference: String?
    public var endToEndID: String?
    /// The structured creditor reference (camt `CdtrRefInf/Ref`, MT940 `?20 EREF+…` is not one).
    public var creditorReference: String?
    /// The unstructured remittance information, joined.
    public var remittance: String?
    public var debtorName: String?
    public var debtorIBAN: String?
    /// Where in the file it stands (1 first), for messages.
    public var index: Int

    public init(account: String?, amount: Money, credit: Bool, index: Int) {
        self.account = account
        self.amount = amount
        self.credit = credit
        self.index = index
    }

    /// Whether it can pay an invoice.
    public var isIncomingPayment: Bool { credit && !reversal && amount.isPositive }

    /// The day it counts from: booked, else valued.
    public var date: LocalDate? { bookingDate ?? valueDate }

    /// The key that makes the same entry, in the same or an overlapping statement, count once:
    /// the account and the bank's reference, else the end-to-end id, else the content itself.
    public var key: String {
        let owner = (account ?? "").uppercased().filter { $0 != " " }
        if let reference = entryReference?.trimmingCharacters(in: .whitespaces), !reference.isEmpty, reference.uppercased() != "NONREF" {
            return "\(owner)/ref:\(reference)"
        }
        if let id = endToEndID?.trimmingCharacters(in: .whitespaces), !id.isEmpty, id.uppercased() != "NOTPROVIDED" {
            return "\(owner)/e2e:\(id)/\(amount.minorUnits)\(amount.currency.code)"
        }
        return "\(owner)/content:" + [String(amount.minorUnits), amount.currency.code, credit ? "C" : "D", reversal ? "R" : "",
                                      bookingDate?.iso ?? "", valueDate?.iso ?? "", creditorReference ?? "", remittance ?? "",
                                      debtorName ?? "", debtorIBAN ?? ""].joined(separator: "|")
    }
}
