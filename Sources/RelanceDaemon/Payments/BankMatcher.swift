import Foundation
import RelanceConfig
import RelanceCore
import RelanceStore

/// Finds the invoices a bank entry pays, in the order of docs/payments.md, each step recorded
/// with its reason: the RF reference relance gave the invoice (or a national structured
/// reference), then an invoice number in the remittance text, then the amount from a debtor
/// known by account or name who has exactly one invoice (or one combination) of that amount.
/// The rules are `PaymentMatching` (pure); this reads the store for them.
struct BankMatcher {
    let configuration: RelanceConfiguration

    enum Outcome {
        /// What each invoice receives (the oldest first), whose customer, and why.
        case matched(allocations: [(invoiceID: String, amount: Money)], customerKey: String, reason: MatchReason)
        case held(state: BankEntryRecord.State, reason: String)
    }

    /// - Parameter today: the day an entry without a booking or value date counts from.
    func match(_ entry: BankEntry, today: LocalDate, tx: StoreTransaction) throws -> Outcome {
        let day = entry.date ?? today
        // 1. Structured references, then references written in the text.
        for (reference, reason) in PaymentMatching.references(entry) {
            let ids = try tx.invoiceIDs(creditorReference: reference.value)
            if !ids.isEmpty {
                return try outcome(ids, entry: entry, day: day, reason: reason, tx: tx)
            }
            if let paid = try tx.anyInvoiceID(creditorReference: reference.value) {
                return .held(state: .unmatched, reason: "\(reason) names invoice \(paid), which is no longer open")
            }
        }
        // 2. Invoice numbers in the remittance text (separators removed; neighbours joined).
        var named: [String] = []
        for candidate in PaymentMatching.numberCandidates(in: entry.remittance ?? "") {
            for id in try tx.invoiceIDs(creditorReference: CreditorReference(invoiceNumber: candidate).value) where !named.contains(id) {
                named.append(id)
            }
        }
        if !named.isEmpty {
            return try outcome(named, entry: entry, day: day, reason: .invoiceNumberInText(named.joined(separator: ", ")), tx: tx)
        }
        // 3. The amount, from a debtor known by the account they paid from before, or by name.
        var customers: [String] = []
        var debtor = ""
        if let iban = entry.debtorIBAN, let known = try tx.customerKey(iban: iban) {
            customers = [known]
            debtor = "account \(IBANText.grouped(iban))"
        } else if let name = entry.debtorName {
            customers = try tx.customerKeys(nameKey: PaymentMatching.nameKey(name))
            debtor = name
        }
        guard customers.count == 1, let customer = customers.first else {
            return .held(state: customers.count > 1 ? .ambiguous : .unmatched,
                         reason: customers.count > 1 ? "the debtor \(debtor) matches \(customers.count) customers"
                             : "no reference, no invoice number in \"\(entry.remittance ?? "")\", and \(entry.debtorName.map { "the debtor \($0)" } ?? "no debtor") is not a known customer")
        }
        let open = try matchable(try tx.invoices(customerKey: customer).filter { $0.state == .open || $0.state == .collection }, day: day, tx: tx)
        guard let settled = PaymentMatching.settledByAmount(entry.amount, among: open) else {
            return .held(state: .unmatched, reason: "no single invoice or combination of \(debtor)'s open invoices comes to \(entry.amount)")
        }
        return .matched(allocations: PaymentMatching.allocate(entry.amount, to: settled.invoices), customerKey: customer,
                        reason: .amountAndDebtor(debtor: debtor, rule: settled.rule))
    }

    /// Invoices named by a reference or a number: one customer's, in the entry's currency. One
    /// invoice takes the whole amount (read without its document: the common case, kept cheap);
    /// several share it, the oldest first.
    private func outcome(_ ids: [String], entry: BankEntry, day: LocalDate, reason: MatchReason, tx: StoreTransaction) throws -> Outcome {
        if ids.count == 1, let summary = try tx.invoiceSummary(id: ids[0]) {
            guard summary.currency == entry.amount.currency.code else {
                return .held(state: .unmatched, reason: "\(reason) names \(ids[0]), in another currency than \(entry.amount.currency.code)")
            }
            return .matched(allocations: [(ids[0], entry.amount)], customerKey: summary.customerKey, reason: reason)
        }
        let stored = try ids.compactMap { try tx.invoice(id: $0) }
        let customers = Set(stored.map { ReminderPlanning.customerKey($0.invoice.customer) })
        guard customers.count == 1, let customer = customers.first else {
            return .held(state: .ambiguous, reason: "\(reason) names invoices of \(customers.count) customers: \(ids.joined(separator: ", "))")
        }
        let sameCurrency = stored.filter { $0.invoice.currency == entry.amount.currency }
        guard !sameCurrency.isEmpty else {
            return .held(state: .unmatched, reason: "\(reason) names \(ids.joined(separator: ", ")), in another currency than \(entry.amount.currency.code)")
        }
        return .matched(allocations: PaymentMatching.allocate(entry.amount, to: try matchable(sameCurrency, day: day, tx: tx)),
                        customerKey: customer, reason: reason)
    }

    /// Open invoices with their balances on the entry's day and the other amounts that settle them.
    private func matchable(_ stored: [StoredInvoice], day: LocalDate, tx: StoreTransaction) throws -> [MatchableInvoice] {
        try stored.map { item in
            let invoice = item.invoice
            let payments = try tx.payments(invoiceID: invoice.id, currency: invoice.currency)
            let balance = Balance.due(invoice, payments: payments, on: day)
            var others: [Money] = invoice.discountOffers.filter { day <= $0.deadline }.map { balance - $0.discount }
            if let charges = LateChargesOwed.on(day, invoice: invoice, payments: payments, law: configuration.lateChargeLaw(for: invoice.customer),
                                                rates: configuration.referenceRates) {
                if let compensation = charges.compensation { others.append(balance + compensation) }
                if let interest = charges.interest, let compensation = charges.compensation { others.append(balance + compensation + interest) }
            }
            return MatchableInvoice(id: invoice.id, dueDate: invoice.dueDate, issueDate: invoice.issueDate, balance: balance, alsoSettledBy: others)
        }
    }
}
