import RelanceConfig
import RelanceCore

extension FormalNotice {
    /// The formal notice the configuration writes for a statement of account, dated the
    /// statement's day: the company as creditor, the customer's postal address (the company's
    /// country when it names none), the place, the deadline `[formal_notice] deadline_days` later,
    /// the customer's language and law, and how to pay. The one builder of the send cycle's
    /// notices and of `relance letter`.
    static func written(_ statement: StatementOfAccount, earlierReminders: [LocalDate], configuration: RelanceConfiguration) -> FormalNotice {
        let customer = statement.customer
        var address = configuration.postalAddress(for: customer)
        if address?.country == nil { address?.country = configuration.company.country }
        return FormalNotice(
            creditor: configuration.creditorParty, debtor: LetterParty(name: customer.name, address: address),
            place: configuration.formalNotice.place, date: statement.asOf,
            deadline: statement.asOf.adding(days: configuration.formalNotice.deadlineDays),
            language: configuration.language(for: customer), law: configuration.lateChargeLaw(for: customer), statement: statement,
            earlierReminders: earlierReminders, iban: configuration.company.iban, bic: configuration.company.bic,
            paymentLink: configuration.company.paymentLink, signature: configuration.company.signature)
    }
}
