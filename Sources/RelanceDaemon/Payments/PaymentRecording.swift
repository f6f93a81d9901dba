import Foundation
import RelanceCore
import RelanceStore

/// A payment recorded the same way whatever brought it (`relance paid`, a payments file, a bank
/// entry): the store's row, and the send-log line with the amount, the date, what the source says
/// about it, the balance left and an over-payment when there is one.
enum PaymentRecording {
    /// - Parameters:
    ///   - owed: what the invoice asked for (total less prepaid); `receivedBefore`: what payments and
    ///     credit notes had brought before this one; `balanceAfter`: what is still due after it.
    ///   - details: the source's own fields, written between the date and the balance.
    static func record(_ payment: Payment, invoiceID: String, source: String, owed: Money, receivedBefore: Money, balanceAfter: Money,
                       details: [(String, String?)], tx: StoreTransaction, journal: Journal, at now: Date) throws {
        try tx.addPayment(invoiceID: invoiceID, payment, source: source, at: now)
        let overpaid = receivedBefore + payment.amount - owed
        try journal.record(tx, at: now, event: "paid", invoice: invoiceID, [("amount", payment.amount.description), ("date", payment.date.iso)]
            + details + [("balance", balanceAfter.description), ("overpaid", overpaid.isPositive ? overpaid.description : nil)])
    }

    /// The same, for an invoice whose payments so far are `before`; returns the balance left.
    @discardableResult
    static func record(_ payment: Payment, to invoice: Invoice, before: [Payment], source: String, details: [(String, String?)],
                       balanceOn day: LocalDate? = nil, tx: StoreTransaction, journal: Journal, at now: Date) throws -> Money {
        let all = before + [payment]
        let after = Balance.due(invoice, payments: all, on: day ?? payment.date)
        try record(payment, invoiceID: invoice.id, source: source, owed: invoice.total - invoice.amountPaid,
                   receivedBefore: before.reduce(Money.zero(invoice.currency)) { $0 + $1.amount }, balanceAfter: after, details: details,
                   tx: tx, journal: journal, at: now)
        return after
    }
}
