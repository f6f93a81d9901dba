/// Everything a formal notice (*mise en demeure*, *letzte Mahnung*, final demand) states, decided
/// before it is drawn: who demands what of whom, on which legal basis, by when. The letter
/// renderer only lays it out; nothing in it is computed there.
public struct FormalNotice: Sendable, Equatable {
    public var creditor: LetterParty
    public var debtor: LetterParty
    /// Where the letter is written (the creditor's city), for "Lyon, le 2 décembre 2026".
    public var place: String?
    public var date: LocalDate
    /// The last day to pay before the consequences the letter states.
    public var deadline: LocalDate
    public var language: Language
    public var law: LateChargeLaw
    public var statement: StatementOfAccount
    /// Days on which earlier reminders went, oldest first.
    public var earlierReminders: [LocalDate]
    public var iban: String?
    public var bic: String?
    public var paymentLink: String?
    public var signature: String
    /// The EPC QR text for paying the whole balance, when it is in euros to an IBAN.
    public var paymentCode: EPCPaymentCode?

    public init(creditor: LetterParty, debtor: LetterParty, place: String?, date: LocalDate, deadline: LocalDate, language: Language,
                law: LateChargeLaw, statement: StatementOfAccount, earlierReminders: [LocalDate], iban: String?, bic: String?,
                paymentLink: String?, signature: String) {
        self.creditor = creditor
        self.debtor = debtor
        self.place = place
        self.date = date
        self.deadline = deadline
        self.language = language
        self.law = law
        self.statement = statement
        self.earlierReminders = earlierReminders
        self.iban = iban
        self.bic = bic
        self.paymentLink = paymentLink
        self.signature = signature
        self.paymentCode = Self.paymentCode(creditor: creditor.name, iban: iban, bic: bic, statement: statement)
    }

    /// One invoice's RF reference when the notice is about one invoice; the invoice numbers when
    /// several are paid by one transfer (EPC069-12 field 11); nil outside euros or without an IBAN.
    static func paymentCode(creditor: String, iban: String?, bic: String?, statement: StatementOfAccount) -> EPCPaymentCode? {
        guard let iban, statement.currencies == [.eur] else { return nil }
        return try? EPCPaymentCode(name: creditor, iban: iban, bic: bic, amount: statement.totals(.eur).claimed,
                                   remittance: .paying(statement.lines.map(\.invoiceID)))
    }
}

/// A party to a letter: its name, its postal address and the identifiers the law asks a
/// business letter to show (SIREN/RCS and VAT number in France, register court and number in
/// Germany, company number in the UK).
public struct LetterParty: Sendable, Equatable {
    public var name: String
    public var address: PostalAddress?
    public var identifiers: [String]
    public var email: String?

    public init(name: String, address: PostalAddress?, identifiers: [String] = [], email: String? = nil) {
        self.name = name
        self.address = address
        self.identifiers = identifiers
        self.email = email
    }
}
