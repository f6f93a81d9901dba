public import Foundation
public import RelanceCore
internal import GRDB

/// The store's reads for reports and metrics: whole histories, totals by
/// state, and the daemon's own bookkeeping (when a cycle last ran).
extension StoreTransaction {
    /// Every invoice with its payments, sent reminders and promises; `day` turns an instant into the creditor's date.
    /// `customerKey`: only that customer's invoices (what a policy rule judges).
    public func receivableHistories(customerKey: String? = nil, day: (Date) -> LocalDate) throws -> [ReceivableHistory] {
        let only = customerKey == nil ? "" : " AND invoice_id IN (SELECT id FROM invoices WHERE customer_key = ?)"
        let arguments: StatementArguments = customerKey.map { [$0] } ?? []
        var payments: [String: [(Int64, String, String?)]] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT invoice_id, amount_minor, date, reference FROM payments WHERE 1 = 1\(only) ORDER BY date, id"),
                                    arguments: arguments) {
            payments[row["invoice_id"], default: []].append((row["amount_minor"], row["date"], row["reference"]))
        }
        var sent: [String: [SentReminder]] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT invoice_id, step, sent_at FROM reminders WHERE state = 'sent' AND sent_at IS NOT NULL\(only)"),
                                    arguments: arguments) {
            let at = Date(timeIntervalSince1970: TimeInterval(row["sent_at"] as Int64))
            sent[row["invoice_id"], default: []].append(SentReminder(step: row["step"], sentOn: day(at)))
        }
        var promises: [String: [PaymentPromise]] = [:]
        // Every promise, whichever way it came (a reply, a call, the command line), but those a payment plan replaced.
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT invoice_id, made_on, promised_for, state FROM promises WHERE state != 'superseded'\(only) ORDER BY id"),
                                    arguments: arguments) {
            guard let made = LocalDate(iso: row["made_on"] as String), let promised = LocalDate(iso: row["promised_for"] as String) else { continue }
            promises[row["invoice_id"], default: []].append(PaymentPromise(madeOn: made, promisedFor: promised,
                                                                            verdict: PromiseVerdict(rawValue: row["state"] as String)))
        }
        // A payment plan is a promise to pay on its schedule: completed, kept by its last date; broken,
        // broken on the date of the part missed. One running, or ended by a person, has no verdict yet.
        for row in try Row.fetchAll(db.cachedStatement(sql: """
            SELECT p.invoice_id, p.agreed_on, p.state,
                   CASE WHEN p.state = 'broken' THEN (SELECT due_date FROM installments i WHERE i.plan_id = p.id AND i.number = p.broken_part)
                        ELSE (SELECT MAX(due_date) FROM installments i WHERE i.plan_id = p.id) END AS last_due
            FROM installment_plans p WHERE p.state IN ('completed', 'broken')\(only.replacingOccurrences(of: "invoice_id", with: "p.invoice_id")) ORDER BY p.id
            """), arguments: arguments) {
            guard let agreed = LocalDate(iso: row["agreed_on"] as String), let last = (row["last_due"] as String?).flatMap({ LocalDate(iso: $0) }) else { continue }
            promises[row["invoice_id"], default: []].append(PaymentPromise(madeOn: agreed, promisedFor: last,
                                                                            verdict: row["state"] as String == "completed" ? .kept : .broken))
        }
        let decoder = JSONDecoder()
        let invoices = customerKey == nil ? "" : " WHERE customer_key = ?"
        return try Row.fetchAll(db.cachedStatement(sql: "SELECT id, customer_key, state, document FROM invoices\(invoices) ORDER BY issue_date, id"),
                                arguments: arguments).map { row in
            let id: String = row["id"]
            let invoice = try decoder.decode(Invoice.self, from: Data((row["document"] as String).utf8))
            let paid = (payments[id] ?? []).compactMap { amount, date, reference in
                LocalDate(iso: date).map { Payment(amount: Money(minorUnits: amount, currency: invoice.currency), date: $0, reference: reference) }
            }
            return ReceivableHistory(invoice: invoice, customerKey: row["customer_key"], cancelled: row["state"] as String == "cancelled",
                                     payments: paid, reminders: sent[id] ?? [], promises: promises[id] ?? [])
        }
    }

    /// Open invoices and what they still owe, per currency (payments subtracted, never below zero per invoice).
    public func openTotals() throws -> [(currency: String, invoices: Int, owedMinor: Int64)] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT i.currency AS currency, COUNT(*) AS n,
                   SUM(MAX(0, i.owed_minor - COALESCE((SELECT SUM(amount_minor) FROM payments p WHERE p.invoice_id = i.id), 0))) AS owed
            FROM invoices i WHERE i.state = 'open' GROUP BY i.currency ORDER BY i.currency
            """)).map { ($0["currency"], $0["n"], $0["owed"]) }
    }

    /// The last time a reminder was accepted by the mail server.
    public func lastSuccessfulSend() throws -> Date? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(sent_at) FROM reminders WHERE state = 'sent'"))
            .map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    // MARK: - Daemon bookkeeping

    public func setDaemonValue(_ key: String, _ value: String) throws {
        try db.cachedExecute(sql: "INSERT INTO daemon_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [key, value])
    }

    public func daemonValue(_ key: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM daemon_state WHERE key = ?"), arguments: [key])
    }
}
