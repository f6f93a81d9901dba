public import Foundation
public import RelanceCore

/// Everything a reminder message says, already decided: who, which invoice,
/// which step, how much, which discount. The composer only formats it.
public struct ReminderFacts: Sendable {
    public var invoice: Invoice
    public var step: String
    public var kind: StepKind
    public var language: Language
    public var amountDue: Money
    public var discount: DiscountOffer?
    /// The local date the reminder is sent on, for "days late".
    public var sendDate: LocalDate
    public var companyName: String
    public var from: EmailAddress
    public var replyTo: EmailAddress?
    public var to: [EmailAddress]
    public var cc: [EmailAddress]
    public var messageID: String
    /// Message-IDs of the earlier reminders of this invoice, oldest first.
    public var references: [String]
    public var date: Date
    public var timeZone: TimeZone
    public var payment: PaymentInstructions
    /// Statutory late charges owed on the send date, when the law grants them.
    public var lateCharges: LateChargesOwed?
    /// What the message says, from the facts of the send day (never from the step's name).
    public var wording: Wording
    /// Payments received so far, listed when the balance differs from the total.
    public var payments: [Payment]
    /// The creditor's law for this customer: which articles the message cites (default term, late charges).
    public var law: LateChargeLaw = .eu
    /// Days on which earlier reminders of this invoice went (due-day and escalation levels), oldest first.
    public var earlierReminders: [LocalDate]
    /// A document to attach (the invoice PDF).
    public var attachment: MailAttachment?
    /// The other invoices of the customer that this message also reminds (one message per
    /// customer and sending day): with them, the message carries a statement of account.
    public var alsoReminded: [StatementLine] = []
    /// The statement line of this message's own invoice, when it carries a statement.
    public var ownLine: StatementLine?
    /// The formal notice this message carries as a PDF letter (a `formal-notice` step).
    public var formalNotice: FormalNotice?
    /// The rendered letter, attached after the invoice's document.
    public var letter: MailAttachment?
    /// The EPC QR code as a PNG, shown inline in the HTML part (EUR to an IBAN).
    public var paymentQR: MailAttachment?
    /// The last promise to pay the customer broke on this invoice, which the message cites.
    public var brokenPromise: BrokenPromise?
    /// The payment plan the customer broke on this invoice, which the message says.
    public var brokenPlan: BrokenPlan?
    /// The payment plan a `plan` or `installment` message is about: when it was agreed, and each
    /// part with what was paid toward it.
    public var plan: (agreedOn: LocalDate, parts: [InstallmentStanding])?
    /// The part an `installment` message reminds.
    public var installment: InstallmentStanding?
    /// What a `confirmation` message confirms.
    public var confirmation: CallConfirmation?
    /// An `invoice-copy` message's invoice, drawn as a PDF copy when it came without a document of its own.
    public var invoiceCopy: InvoiceCopy?

    public init(invoice: Invoice, step: String, kind: StepKind, language: Language, amountDue: Money, discount: DiscountOffer?,
                sendDate: LocalDate, companyName: String, from: EmailAddress, replyTo: EmailAddress?, to: [EmailAddress],
                cc: [EmailAddress], messageID: String, references: [String], date: Date, timeZone: TimeZone,
                payment: PaymentInstructions, lateCharges: LateChargesOwed? = nil, attachment: MailAttachment? = nil,
                wording: Wording? = nil, payments: [Payment] = [], earlierReminders: [LocalDate] = []) {
        self.invoice = invoice
        self.step = step
        self.kind = kind
        self.language = language
        self.amountDue = amountDue
        self.discount = discount
        self.sendDate = sendDate
        self.companyName = companyName
        self.from = from
        self.replyTo = replyTo
        self.to = to
        self.cc = cc
        self.messageID = messageID
        self.references = references
        self.date = date
        self.timeZone = timeZone
        self.payment = payment
        self.lateCharges = lateCharges
        self.attachment = attachment
        self.wording = wording ?? invoice.dueDate.map {
            Wording.choose(kind: kind, sendDate: sendDate, dueDate: $0, discountHolds: discount != nil, levelsSent: 0)
        } ?? .checkIn(daysLeft: 0)
        self.payments = payments
        self.earlierReminders = earlierReminders
    }

    /// Every invoice this message is about, its own first when it carries a statement.
    public var statementLines: [StatementLine] { ownLine.map { [$0] + alsoReminded } ?? [] }

    /// The references a transfer should carry: this invoice's RF, or every listed invoice's.
    public var creditorReferences: [(invoiceID: String, reference: CreditorReference)] {
        let lines = statementLines
        if lines.isEmpty { return [(invoice.id, CreditorReference(invoiceNumber: invoice.id))] }
        return lines.map { ($0.invoiceID, $0.reference) }
    }

    /// Days past the due date on the send date (0 before or on it).
    public var daysLate: Int {
        guard let due = invoice.dueDate else { return 0 }
        return max(0, due.days(until: sendDate))
    }
}

/// The invoice a customer asked for, as the PDF copy draws it: its statement line and who issued it.
public struct InvoiceCopy: Sendable, Equatable {
    public let statement: StatementOfAccount
    public let creditor: LetterParty

    public init(statement: StatementOfAccount, creditor: LetterParty) {
        self.statement = statement
        self.creditor = creditor
    }
}

/// A file attached to a message.
public struct MailAttachment: Sendable, Equatable {
    public let fileName: String
    public let contentType: String
    public let bytes: [UInt8]

    public init(fileName: String, contentType: String, bytes: [UInt8]) {
        self.fileName = fileName
        self.contentType = contentType
        self.bytes = bytes
    }
}
