import Foundation
public import RelanceCore
import RelanceConfig
public import RelanceStore

/// What `relance letter` and `relance export collection` draw from the store: the invoices
/// concerned (one, or a customer's open ones), their statement of account as of the clock's day,
/// and the formal notice it gives.
public struct LetterQuery {
    let context: DaemonContext

    public init(context: DaemonContext) { self.context = context }

    /// An invoice number, or a customer (its id, as in `[customers.ID]`, or an e-mail address).
    public enum Subject: Sendable {
        case invoice(String)
        case customer(String)
    }

    /// The customer keys a `--customer` name can stand for: its id, and for an e-mail address the
    /// customer known only by it.
    public static func customerKeys(_ name: String) -> [String] {
        name.contains("@") ? ["email:" + name.lowercased(), "id:" + name] : ["id:" + name]
    }

    /// Why nothing can be drawn.
    public struct Refusal: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The invoices concerned: the named one (whatever its state), or every invoice of the
    /// customer still owing something (open or in collection).
    public func invoices(_ subject: Subject, tx: StoreTransaction) throws -> [StoredInvoice] {
        switch subject {
        case .invoice(let id):
            guard let stored = try tx.invoice(id: id) else { throw Refusal(description: "no invoice \(id)") }
            return [stored]
        case .customer(let name):
            var found: [StoredInvoice] = []
            for key in Self.customerKeys(name) { found += try tx.invoices(customerKey: key) }
            let owing = found.filter { $0.state == .open || $0.state == .collection }
            guard !owing.isEmpty else {
                throw Refusal(description: found.isEmpty ? "no invoice for customer \(name)" : "customer \(name) owes nothing")
            }
            return owing
        }
    }

    /// The statement of account of `invoices` on the clock's day, with each one's level reached.
    public func statement(_ invoices: [StoredInvoice], tx: StoreTransaction) throws -> StatementOfAccount {
        let configuration = context.configuration
        let today = configuration.calendar.localDate(of: context.clock.now())
        let customer = invoices[0].invoice.customer
        var entries: [(invoice: Invoice, payments: [Payment], levelReached: Int)] = []
        for stored in invoices {
            let reminders = try tx.reminders(invoiceID: stored.invoice.id)
            let levels = reminders.filter { $0.kind.isEscalation && [.sent, .uncertain, .bounced].contains($0.state) }.count
            entries.append((stored.invoice, try tx.payments(invoiceID: stored.invoice.id, currency: stored.invoice.currency), levels))
        }
        return StatementOfAccount.of(entries, customer: customer, asOf: today, law: configuration.lateChargeLaw(for: customer),
                                     rates: configuration.referenceRates)
    }

    /// The formal notice for `subject` as it would be written today.
    public func formalNotice(_ subject: Subject) throws -> FormalNotice {
        let configuration = context.configuration
        let calendar = configuration.calendar
        return try context.store.read { tx in
            let invoices = try self.invoices(subject, tx: tx)
            let statement = try self.statement(invoices, tx: tx)
            guard !statement.lines.isEmpty else { throw Refusal(description: "nothing is owed: no formal notice to write") }
            var earlier: [LocalDate] = []
            for stored in invoices {
                for row in try tx.reminders(invoiceID: stored.invoice.id)
                where [.sent, .uncertain, .bounced].contains(row.state) && (row.kind == .due || row.kind.isEscalation) {
                    if let sent = row.sentAt { earlier.append(calendar.localDate(of: sent)) }
                }
            }
            return FormalNotice.written(statement, earlierReminders: Array(Set(earlier)).sorted(), configuration: configuration)
        }
    }

    /// Where `relance letter` puts a letter it was not told where to put: `letters/YYYY/MM/draft-INVOICE-DATE.pdf`.
    public static func draftPath(_ notice: FormalNotice, stateDirectory: String) -> String {
        let lead = notice.statement.lines.first?.invoiceID ?? "letter"
        return "\(stateDirectory)/letters/\(notice.date.yearMonthPath)/draft-\(FileNames.safe(lead))-\(notice.date.iso).pdf"
    }
}
