import Foundation
import PostgresNIO
import RelanceConfig
import RelanceCore
import RelanceFormats
import RelanceStore

/// What taking one read file into the shared store writes, inside the batch's transaction: the
/// local intake's rules (`Pickup.commit`) on PostgreSQL rows. A new invoice or an amendment is
/// stored and planned; a credit note is a payment on its invoice, which is then planned again
/// or settled; a file seen before (its content hash) changes nothing. Each change is an event,
/// with the send-log line it is reported by.
struct SharedIntakeRules: Sendable {
    let configuration: RelanceConfiguration
    let now: Date

    /// The file's lines and, when it cannot be taken, its reasons (the caller rolls its savepoint back).
    func commit(_ read: InvoiceReader.Read, hash: String, on connection: PostgresConnection) async throws -> SharedPickup.FileResult {
        let name = (read.file as NSString).lastPathComponent
        var events = Events(zone: configuration.company.timeZone, now: now)
        let (firstID, kind) = Self.identity(read.documents.first)
        // The hash first: a second instance taking the same file waits here for this transaction.
        guard try await SharedIntake.recordSource(hash: hash, name: name, documentID: firstID, kind: kind, at: now, on: connection) else {
            try await events.add("ingested", firstID, [("file", name), ("result", "duplicate"), ("change", "none")], on: connection)
            return SharedPickup.FileResult(reasons: nil, lines: events.lines)
        }
        var reasons: [String] = []
        for (index, document) in read.documents.enumerated() {
            if let problems = try await commit(document, name: name, read: read, hash: hash, events: &events, on: connection) {
                reasons += read.documents.count > 1 ? problems.map { "document \(index + 1): \($0)" } : problems
            }
        }
        return reasons.isEmpty ? SharedPickup.FileResult(reasons: nil, lines: events.lines) : SharedPickup.FileResult(reasons: reasons, lines: [])
    }

    private static func identity(_ document: InvoiceReader.Document?) -> (id: String, kind: String) {
        switch document {
        case .invoice(let invoice): (invoice.id, "invoice")
        case .creditNote(let note): (note.id, "credit-note")
        case nil: ("", "invoice")
        }
    }

    private func commit(_ document: InvoiceReader.Document, name: String, read: InvoiceReader.Read, hash: String, events: inout Events,
                        on connection: PostgresConnection) async throws -> [String]? {
        switch document {
        case .invoice(let invoice):
            // The local intake copies an attachment into its state directory, which the other
            // instances cannot read: refused with its reason rather than sent without it.
            if let attachment = invoice.attachment {
                return ["attachment: \(attachment) cannot be shared yet: a shared store takes invoices without attachments (docs/shared-store.md)"]
            }
            let previous = try await SharedInvoiceRows.invoiceForUpdate(invoice.id, on: connection)
            if let previous, previous.currency != invoice.currency {
                return ["currency: the invoice \(invoice.id) was ingested in \(previous.currency.code); an amendment cannot change it to \(invoice.currency.code)"]
            }
            let revision = try await SharedInvoiceRows.upsert(invoice, customerKey: ReminderPlanning.customerKey(invoice.customer), sourceFile: name,
                                                              sourceHash: hash, format: read.format.rawValue, at: now, on: connection)
            try await events.add("ingested", invoice.id, [
                ("file", name), ("format", read.format.rawValue), ("result", previous == nil ? "new" : "amended"),
                ("revision", String(revision)), ("to", invoice.customer.emails.map(\.value).joined(separator: ",")),
                ("amount", (invoice.total - invoice.amountPaid).description),
            ], on: connection)
            try await refresh(invoice, events: &events, on: connection)
        case .creditNote(let note):
            guard let target = try await SharedInvoiceRows.invoiceForUpdate(note.refersTo, on: connection) else {
                return ["refersTo: no invoice \(note.refersTo) is known; drop the credit note again once the invoice is in"]
            }
            guard target.currency == note.amount.currency else {
                return ["currency: the credit note is in \(note.amount.currency.code) but \(note.refersTo) is in \(target.currency.code)"]
            }
            try await SharedInvoiceRows.addPayment(invoiceID: note.refersTo, Payment(amount: note.amount, date: note.issueDate, reference: note.id),
                                                   source: "credit-note", at: now, on: connection)
            try await events.add("ingested", note.refersTo, [
                ("file", name), ("credit_note", note.id), ("result", "credit"), ("amount", note.amount.description),
            ], on: connection)
            try await refresh(target, events: &events, on: connection)
        }
        return nil
    }

    /// Plans the invoice again from its policy and history, or settles it when nothing is owed
    /// (`ReminderPlanning.refresh`'s rules).
    private func refresh(_ invoice: Invoice, events: inout Events, on connection: PostgresConnection) async throws {
        let payments = try await SharedInvoiceRows.payments(invoiceID: invoice.id, currency: invoice.currency, on: connection)
        let calendar = configuration.calendar
        let today = calendar.localDate(of: now)
        if Balance.due(invoice, payments: payments, on: max(today, payments.map(\.date).max() ?? today)).isZero {
            let cancelled = try await SharedInvoices.settlePaid(invoice.id, at: now, on: connection)
            try await events.add("paid", invoice.id, [("balance", Money.zero(invoice.currency).description)], on: connection)
            if let cancelled, cancelled > 0 {
                try await events.add("cancelled", invoice.id, [("reminders", String(cancelled)), ("reason", "paid")], on: connection)
            }
            return
        }
        try await SharedInvoiceRows.setState(invoice.id, .open, at: now, on: connection)
        // While a payment plan runs (one copied from a local store), its instalments replace the policy's steps.
        if try await !SharedInvoiceRows.hasActivePlan(invoiceID: invoice.id, on: connection) {
            let history = try await SharedInvoiceRows.history(invoiceID: invoice.id, zone: configuration.company.timeZone, on: connection)
            let steps = Planner.plan(invoice: invoice, payments: payments, policy: configuration.policy(for: invoice.customer),
                                     calendar: calendar, history: history)
            let planned = steps.filter(\.isActive).map {
                PlannedReminder(step: $0.name, kind: $0.kind, localDate: $0.date, sendAt: $0.sendAt, amount: $0.amountDue)
            }
            try await SharedInvoiceRows.replacePlanned(invoiceID: invoice.id, with: planned, at: now, on: connection)
        }
        let upcoming = try await SharedInvoiceRows.planned(invoiceID: invoice.id, on: connection)
        let next = upcoming.first { $0.sendAt >= Int64(now.timeIntervalSince1970) } ?? upcoming.last
        try await events.add("planned", invoice.id, [
            ("steps", String(upcoming.count)),
            ("next", next.map { "\($0.step)@\($0.localDate)" }),
            ("due", invoice.dueDate?.iso),
            ("amount", Balance.due(invoice, payments: payments, on: today).description),
        ], on: connection)
    }

    /// A file's events: each written to the shared store's events table, its line kept for the
    /// send log (written once the transaction committed).
    struct Events {
        let timestamp: String
        let now: Date
        private(set) var lines: [String] = []

        init(zone: TimeZone, now: Date) {
            timestamp = ZonedDateTime.iso8601(now, in: zone)
            self.now = now
        }

        mutating func add(_ event: String, _ invoice: String?, _ fields: [(String, String?)], on connection: PostgresConnection) async throws {
            let line = Journal.line(timestamp: timestamp, event: event, invoice: invoice, fields)
            try await SharedInvoiceRows.addEvent(at: now, event: event, invoiceID: invoice, line: line, on: connection)
            lines.append(line)
        }
    }
}
