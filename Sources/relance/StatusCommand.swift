import ArgumentParser
import Foundation
import RelanceConfig
import RelanceCore
import RelanceDaemon
import RelanceFormats
import RelanceStore

/// `relance status [INVOICE] [--json]`: where each invoice stands.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show each invoice's state, balance, next reminder and last event.")

    @Argument(help: "One invoice number (default: every invoice).") var invoice: String?
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func run() throws {
        let configuration = try options.load()
        let context = try clock.context(for: configuration)
        let now = context.clock.now()
        let today = configuration.calendar.localDate(of: now)
        let zone = configuration.company.timeZone
        let rows: [InvoiceStatus] = try context.store.read { tx in
            let invoices: [StoredInvoice]
            if let invoice {
                guard let one = try tx.invoice(id: invoice) else { return [] }
                invoices = [one]
            } else {
                invoices = try tx.invoices()
            }
            return try invoices.map { stored in
                let payments = try tx.payments(invoiceID: stored.invoice.id, currency: stored.invoice.currency)
                let charges = try? LateCharges.compute(invoice: stored.invoice, payments: payments, asOf: today,
                                                       law: configuration.lateChargeLaw(for: stored.invoice.customer),
                                                       rates: configuration.referenceRates)
                return InvoiceStatus(stored: stored, balance: Balance.due(stored.invoice, payments: payments, on: today),
                                     lateCharges: stored.state == .open ? charges ?? nil : nil,
                                     reminders: try tx.reminders(invoiceID: stored.invoice.id),
                                     lastEvent: try tx.lastEvent(invoiceID: stored.invoice.id), today: today,
                                     note: try tx.attention(stored.invoice.id))
            }
        }
        if let invoice, rows.isEmpty {
            Console.error("relance: no invoice \(invoice)")
            throw ExitCode(1)
        }
        if json {
            Console.out(JSONWriter.serialize(.object([("invoices", .array(rows.map { $0.json(zone: zone) }))]), pretty: true))
            return
        }
        var table = [["INVOICE", "CUSTOMER", "DUE", "AMOUNT DUE", "STATE", "NEXT REMINDER", "ATTENTION"]]
        for row in rows {
            let next = row.next.map { "\($0.step) \(ZonedDateTime.iso8601($0.sendAt, in: zone))" } ?? "-"
            table.append([row.stored.invoice.id, row.stored.invoice.customer.name, row.stored.invoice.dueDate?.iso ?? "-",
                          row.balance.description, row.state, next, row.attention.joined(separator: "; ")])
        }
        Console.out(PreviewRenderer.align(table).joined(separator: "\n"))
        if let invoice, let row = rows.first, let last = row.lastEvent {
            Console.out("\nlast event of \(invoice):\n  \(last)")
        }
    }
}

/// One invoice's standing, as `status` shows it.
struct InvoiceStatus {
    let stored: StoredInvoice
    let balance: Money
    /// Statutory charges owed today, when the law grants them and the rate table covers the period.
    let lateCharges: LateChargesResult?
    let reminders: [ReminderRecord]
    let lastEvent: String?
    let today: LocalDate
    /// Why a person should look at this invoice (a reply, a hard bounce…).
    let note: String?

    var next: ReminderRecord? {
        reminders.filter { $0.state == .planned || $0.state == .deferred }.min { $0.sendAt < $1.sendAt }
    }

    var state: String {
        if stored.state != .open { return stored.state.rawValue }
        if stored.isPaused(on: today) {
            let why = stored.pauseReason.map { " (\($0))" } ?? ""
            return (stored.pausedUntil.map { "paused until \($0)" } ?? "paused") + why
        }
        return "open"
    }

    /// Uncertain and failed reminders, which a person must look at.
    var attention: [String] {
        (note.map { [$0] } ?? []) + reminders.compactMap { row in
            switch row.state {
            case .uncertain: return "\(row.step) uncertain: \(row.detail ?? "")"
            case .failed: return "\(row.step) failed: \(row.detail ?? "")"
            case .deferred: return "\(row.step) deferred: \(row.detail ?? "")"
            default: return nil
            }
        }
    }

    func json(zone: TimeZone) -> JSONValue {
        let invoice = stored.invoice
        var fields: [(String, JSONValue)] = [
            ("id", .string(invoice.id)), ("customer", .string(invoice.customer.name)),
            ("dueDate", invoice.dueDate.map { .string($0.iso) } ?? .null), ("currency", .string(invoice.currency.code)),
            ("total", .string(invoice.total.decimalString)), ("amountDue", .string(balance.decimalString)),
            ("state", .string(state)),
            ("daysLate", .number(String(max(0, invoice.dueDate.map { $0.days(until: today) } ?? 0)))),
        ]
        if let charges = lateCharges {
            fields.append(("lateCharges", .object([
                ("asOf", .string(charges.asOf.iso)), ("interest", .string(charges.interest.decimalString)),
                ("compensation", charges.compensation.map { .string($0.decimalString) } ?? .null), ("rate", .string(charges.rate.description)),
            ])))
        }
        if let next {
            fields.append(("nextReminder", .object([
                ("step", .string(next.step)), ("kind", .string(next.kind.rawValue)),
                ("sendAt", .string(ZonedDateTime.iso8601(next.sendAt, in: zone))),
            ])))
        }
        fields.append(("reminders", .array(reminders.map { row in
            var item: [(String, JSONValue)] = [
                ("step", .string(row.step)), ("state", .string(row.state.rawValue)), ("date", .string(row.localDate.iso)),
                ("sendAt", .string(ZonedDateTime.iso8601(row.sendAt, in: zone))),
            ]
            if let id = row.messageID { item.append(("messageId", .string(id))) }
            if let detail = row.detail { item.append(("detail", .string(detail))) }
            return .object(item)
        })))
        fields.append(("attention", .array(attention.map { .string($0) })))
        if let lastEvent { fields.append(("lastEvent", .string(lastEvent))) }
        return .object(fields)
    }
}
