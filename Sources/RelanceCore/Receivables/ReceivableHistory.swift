/// Everything the receivables report needs to know about one invoice, as
/// relance recorded it: the document, the money received, the reminders that
/// went out and the promises the customer made. The report is a pure function
/// of these values and an "as of" date, so a past date is answered from the
/// same history (payments dated after it are ignored).
public struct ReceivableHistory: Sendable, Equatable {
    public let invoice: Invoice
    /// Who the invoice belongs to, the same key the minimum gap uses.
    public let customerKey: String
    /// Cancelled invoices (withdrawn, fully credited) are left out of every figure.
    public let cancelled: Bool
    public let payments: [Payment]
    public let reminders: [SentReminder]
    public let promises: [PaymentPromise]

    public init(invoice: Invoice, customerKey: String, cancelled: Bool = false, payments: [Payment],
                reminders: [SentReminder] = [], promises: [PaymentPromise] = []) {
        self.invoice = invoice
        self.customerKey = customerKey
        self.cancelled = cancelled
        self.payments = payments.sorted { $0.date < $1.date }
        self.reminders = reminders
        self.promises = promises
    }

    /// Issued on or before `date` and not cancelled: part of the books on that day.
    func isBooked(on date: LocalDate) -> Bool { !cancelled && invoice.issueDate <= date }

    /// The payments known on `date`.
    func payments(knownOn date: LocalDate) -> [Payment] { payments.filter { $0.date <= date } }

    /// What is still owed at the end of `date`.
    func openBalance(on date: LocalDate) -> Money { Balance.due(invoice, payments: payments, on: date) }

    /// The day the invoice was paid in full, if it was by `date`.
    func settledOn(by date: LocalDate) -> LocalDate? { Balance.paidInFullOn(invoice, payments: payments(knownOn: date)) }

    /// The due date, or the issue date when the invoice states neither a due date nor terms.
    var effectiveDueDate: LocalDate { invoice.dueDate ?? invoice.issueDate }
}

/// A reminder that went out, by its policy step and the creditor's calendar day.
public struct SentReminder: Sendable, Equatable {
    public let step: String
    public let sentOn: LocalDate

    public init(step: String, sentOn: LocalDate) {
        self.step = step
        self.sentOn = sentOn
    }
}

/// "We will pay on D", said on `madeOn` (in a reply, on a call, or recorded by hand).
public struct PaymentPromise: Sendable, Equatable {
    public let madeOn: LocalDate
    public let promisedFor: LocalDate
    /// Kept or broken as relance judged it (`PromiseRule`, with its grace days); nil while pending.
    public let verdict: PromiseVerdict?

    public init(madeOn: LocalDate, promisedFor: LocalDate, verdict: PromiseVerdict? = nil) {
        self.madeOn = madeOn
        self.promisedFor = promisedFor
        self.verdict = verdict
    }
}
