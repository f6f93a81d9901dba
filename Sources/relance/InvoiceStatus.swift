import Foundation
import RelanceCore
import RelanceFormats
import RelanceStore

/// The state `status` reports for an invoice, the most pressing first.
enum Standing: String, CaseIterable {
    case noContact = "no-contact", disputed, promised, paused, bounced, uncertain, planned, open, paid, cancelled
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
    /// The customer's latest reply that said something (paid, dispute, promise…).
    let intent: (intent: String, promiseDate: LocalDate?)?

    var next: ReminderRecord? {
        reminders.filter { $0.state == .planned || $0.state == .deferred }.min { $0.sendAt < $1.sendAt }
    }

    var daysLate: Int {
        guard stored.state == .open, let due = stored.invoice.dueDate else { return 0 }
        return max(0, due.days(until: today))
    }

    /// The state, its date when it has one (paused until, promised for), and a line for people.
    var standing: (state: Standing, date: LocalDate?, text: String) {
        switch stored.state {
        case .paid: return (.paid, nil, "paid")
        case .cancelled: return (.cancelled, nil, "cancelled")
        case .open: break
        }
        if stored.invoice.customer.emails.isEmpty { return (.noContact, nil, "no contact") }
        if stored.isPaused(on: today) {
            if intent?.intent == "dispute", stored.pausedUntil == nil { return (.disputed, nil, "disputed") }
            if intent?.intent == "promise", let promised = intent?.promiseDate, let until = stored.pausedUntil, promised < until {
                return (.promised, promised, "promised for \(promised.iso)")
            }
            let why = stored.pauseReason.map { " (\($0))" } ?? ""
            return (.paused, stored.pausedUntil, (stored.pausedUntil.map { "paused until \($0)" } ?? "paused") + why)
        }
        if reminders.contains(where: { $0.state == .bounced }) || note?.hasPrefix("hard bounce") == true
            || note?.hasPrefix("no deliverable address") == true {
            return (.bounced, nil, "bounced")
        }
        if reminders.contains(where: { $0.state == .uncertain }) { return (.uncertain, nil, "uncertain") }
        if let next { return (.planned, next.localDate, "planned") }
        return (.open, nil, "open (no reminder left)")
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

    /// "sent 2026-12-02": the last event's name and day, from its send-log line.
    var lastEventSummary: String? {
        guard let lastEvent else { return nil }
        let parts = lastEvent.split(separator: " ")
        guard let event = parts.first(where: { $0.hasPrefix("event=") }) else { return nil }
        return "\(event.dropFirst(6)) \(parts.first?.prefix(10) ?? "")"
    }

    func json(zone: TimeZone) -> JSONValue {
        let invoice = stored.invoice
        let standing = self.standing
        var fields: [(String, JSONValue)] = [
            ("id", .string(invoice.id)), ("customer", .string(invoice.customer.name)),
            ("dueDate", invoice.dueDate.map { .string($0.iso) } ?? .null), ("currency", .string(invoice.currency.code)),
            ("total", .string(invoice.total.decimalString)), ("amountDue", .string(balance.decimalString)),
            ("state", .string(standing.state.rawValue)), ("stateText", .string(standing.text)),
            ("daysLate", .number(String(daysLate))),
        ]
        switch standing.state {
        case .paused: fields.append(("pausedUntil", standing.date.map { .string($0.iso) } ?? .null))
        case .promised: fields.append(("promisedFor", standing.date.map { .string($0.iso) } ?? .null))
        default: break
        }
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
