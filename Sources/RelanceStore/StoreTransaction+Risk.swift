public import Foundation
import GRDB
public import RelanceCore

/// Risk: the policy `[[policy_rules]]` last gave each customer, and what customers owe (credit limits).
extension StoreTransaction {
    public func setCustomerPolicy(_ customerKey: String, _ choice: PolicyChoice, at: Date) throws {
        try db.cachedExecute(sql: """
            INSERT INTO customer_policies (customer_key, policy, reason, decided_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(customer_key) DO UPDATE SET policy = excluded.policy, reason = excluded.reason, decided_at = excluded.decided_at
            """, arguments: [customerKey, choice.policy, choice.reason, Int64(at.timeIntervalSince1970)])
    }

    public func customerPolicy(_ customerKey: String) throws -> PolicyChoice? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT policy, reason FROM customer_policies WHERE customer_key = ?"), arguments: [customerKey])
            .map { PolicyChoice(policy: $0["policy"], reason: $0["reason"]) }
    }

    /// What customers still owe, per currency: open and collection invoices, payments subtracted
    /// (never below zero per invoice); one customer's, or every customer's in one aggregate.
    public func openBalances(customerKey: String? = nil) throws -> [(customerKey: String, currency: String, owedMinor: Int64)] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT i.customer_key AS customer_key, i.currency AS currency,
                   SUM(MAX(0, i.owed_minor - COALESCE((SELECT SUM(amount_minor) FROM payments p WHERE p.invoice_id = i.id), 0))) AS owed
            FROM invoices i WHERE i.state IN ('open', 'collection')\(customerKey == nil ? "" : " AND i.customer_key = ?")
            GROUP BY i.customer_key, i.currency ORDER BY i.customer_key, i.currency
            """), arguments: customerKey.map { [$0] } ?? []).map { ($0["customer_key"], $0["currency"], $0["owed"]) }
    }
}
