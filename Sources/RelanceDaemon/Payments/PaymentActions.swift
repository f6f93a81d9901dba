import Foundation
import RelanceCore
public import RelanceStore

/// `relance payments unmatched` and `relance payments assign`: the bank entries no rule could
/// match, for a person to look at, and the assignment that applies one to an invoice.
public struct PaymentActions {
    let context: DaemonContext

    public init(context: DaemonContext) { self.context = context }

    public func waiting() throws -> [BankEntryRecord] {
        try context.store.read { tx in try tx.waitingBankEntries() }
    }

    /// Applies a waiting entry (all of what is left, or `amount`) to an invoice, as a payment.
    public func assign(entryID: Int64, invoiceID: String, amount text: String?) throws -> String {
        let now = context.clock.now()
        let journal = context.journal()
        let message: String = try context.store.write { tx in
            journal.discard()
            guard let record = try tx.bankEntry(id: entryID) else { throw InvoiceActions.Refusal(description: "no bank entry \(entryID)") }
            guard record.state == .unmatched || record.state == .ambiguous else {
                throw InvoiceActions.Refusal(description: "bank entry \(entryID) is \(record.state.rawValue), not waiting to be assigned")
            }
            guard let stored = try tx.invoice(id: invoiceID) else { throw InvoiceActions.Refusal(description: "no invoice \(invoiceID)") }
            guard stored.invoice.currency == record.entry.amount.currency else {
                throw InvoiceActions.Refusal(description: "\(invoiceID) is in \(stored.invoice.currency.code), the entry in \(record.entry.amount.currency.code)")
            }
            let amount: Money
            if let text {
                do { amount = try Money(parsing: text, currency: record.entry.amount.currency, allowComma: true) } catch {
                    throw InvoiceActions.Refusal(description: "--amount: \(error)")
                }
                guard amount.isPositive, amount <= record.left else {
                    throw InvoiceActions.Refusal(description: "--amount must be more than zero and at most the \(record.left) left of the entry")
                }
            } else {
                amount = record.left
            }
            try tx.assignBankEntry(entryID, invoiceID: invoiceID, amount: amount, at: now)
            try StatementApplier(context: context).record(amount, to: stored.invoice, entry: record.entry, entryID: entryID, file: record.file,
                                                          reason: MatchReason.assigned(by: "a person").description, tx: tx, journal: journal, at: now)
            if let iban = record.entry.debtorIBAN {
                try tx.learnAccount(iban: iban, customerKey: ReminderPlanning.customerKey(stored.invoice.customer), at: now)
            }
            try ReminderPlanning.refresh(tx, invoice: stored.invoice, configuration: context.configuration, journal: journal, at: now, announcePaid: false)
            let left = record.left - amount
            return "bank entry \(entryID): \(amount) applied to \(invoiceID)" + (left.isPositive ? "; \(left) left to assign" : "")
        }
        journal.flush(to: context.sendLog)
        WakeSignal.touch(stateDirectory: context.configuration.paths.stateDirectory)
        return message
    }
}
