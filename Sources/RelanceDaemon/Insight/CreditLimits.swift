import Foundation
import RelanceConfig
import RelanceCore
import RelanceStore

/// Credit limits (`[credit] default_limit`, `[customers.ID] credit_limit`): a customer whose open
/// balance in a currency is over its limit is flagged in `status`, the digest and `metrics`.
enum CreditLimits {
    /// Customers over their limit, from the store's per-customer balances (all customers, or one).
    static func overLimit(tx: StoreTransaction, configuration: RelanceConfiguration,
                          customerKey: String? = nil) throws -> [(customerKey: String, owed: Money, limit: Money)] {
        guard configuration.hasCreditLimits else { return [] }
        return try tx.openBalances(customerKey: customerKey).compactMap { row in
            guard let currency = Currency(code: row.currency) else { return nil }
            // Customer keys are "id:ID" or "email:ADDRESS"; only an id has settings of its own.
            let id = row.customerKey.hasPrefix("id:") ? String(row.customerKey.dropFirst(3)) : nil
            guard let limit = configuration.creditLimit(customerID: id, currency: currency), row.owedMinor > limit.minorUnits else { return nil }
            return (row.customerKey, Money(minorUnits: row.owedMinor, currency: currency), limit)
        }
    }

    /// "over its credit limit: owes 12 400,00 € of 10 000,00 €", or nil.
    static func alert(for customer: Customer, tx: StoreTransaction, configuration: RelanceConfiguration) throws -> String? {
        guard let over = try overLimit(tx: tx, configuration: configuration, customerKey: ReminderPlanning.customerKey(customer)).first else { return nil }
        let language = configuration.language(for: customer)
        return "over its credit limit: owes \(MoneyFormatter.format(over.owed, language: language)) of \(MoneyFormatter.format(over.limit, language: language))"
    }
}
