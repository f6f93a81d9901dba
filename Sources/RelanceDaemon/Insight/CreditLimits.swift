import Foundation
import RelanceConfig
import RelanceCore
import RelanceStore

/// Credit limits (`[credit] default_limit`, `[customers.ID] credit_limit`): a customer whose open
/// balance in a currency is over its limit is flagged in `status`, the digest and `metrics`.
enum CreditLimits {
    /// "over its credit limit: owes 12 400,00 € of 10 000,00 €", or nil.
    static func alert(for customer: Customer, tx: StoreTransaction, configuration: RelanceConfiguration) throws -> String? {
        guard !configuration.defaultCreditLimit.isEmpty || customer.id.flatMap({ configuration.customers[$0]?.creditLimit.isEmpty == false }) == true else {
            return nil
        }
        let language = configuration.language(for: customer)
        for (code, owed) in try tx.openBalances(customerKey: ReminderPlanning.customerKey(customer)) {
            guard let currency = Currency(code: code), let limit = configuration.creditLimit(for: customer, currency: currency), owed > limit.minorUnits else { continue }
            return "over its credit limit: owes \(MoneyFormatter.format(Money(minorUnits: owed, currency: currency), language: language)) "
                + "of \(MoneyFormatter.format(limit, language: language))"
        }
        return nil
    }
}

extension CreditLimits {
    /// Every customer over its limit: (customer key, owed, limit), when any limit is configured.
    static func overLimit(tx: StoreTransaction, configuration: RelanceConfiguration) throws -> [(customerKey: String, owed: Money, limit: Money)] {
        let anyLimit = !configuration.defaultCreditLimit.isEmpty || configuration.customers.values.contains { !$0.creditLimit.isEmpty }
        guard anyLimit else { return [] }
        var out: [(customerKey: String, owed: Money, limit: Money)] = []
        for row in try tx.openBalancesByCustomer() {
            guard let currency = Currency(code: row.currency) else { continue }
            // Customer keys are "id:ID" or "email:ADDRESS"; only an id has settings of its own.
            let id = row.customerKey.hasPrefix("id:") ? String(row.customerKey.dropFirst(3)) : nil
            let own = id.flatMap { configuration.customers[$0]?.creditLimit[currency.code] }
            guard let limit = own ?? configuration.defaultCreditLimit[currency.code], row.owedMinor > limit else { continue }
            out.append((row.customerKey, Money(minorUnits: row.owedMinor, currency: currency), Money(minorUnits: limit, currency: currency)))
        }
        return out.sorted { $0.customerKey < $1.customerKey }
    }
}
