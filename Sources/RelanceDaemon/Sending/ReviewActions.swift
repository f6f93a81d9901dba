import Foundation
public import RelanceCore
public import RelanceMail
public import RelanceStore

/// `relance review`, `show`, `approve`, `hold`: what a person does with the messages `[review]` holds.
public struct ReviewActions {
    let context: DaemonContext

    public init(context: DaemonContext) { self.context = context }

    /// The held messages, by day.
    public func list() throws -> [(reminder: ReminderRecord, customer: String, amount: Money?, heldByPerson: Bool)] {
        try context.store.read { tx in
            try tx.heldReminders().map { held in
                let stored = try tx.invoice(id: held.reminder.invoiceID)
                let amount = try stored.map { Balance.due($0.invoice, payments: try tx.payments(invoiceID: $0.invoice.id, currency: $0.invoice.currency),
                                                         on: context.configuration.calendar.localDate(of: context.clock.now())) }
                return (held.reminder, stored?.invoice.customer.name ?? "", amount, held.heldByPerson)
            }
        }
    }

    /// The held message `id` exactly as it would go now (its Message-ID, headers, parts, QR code and
    /// letter). On a local copy of a shared store, `attachmentsFrom` is the store its invoice's
    /// document is read from (`SharedAttachments`).
    public func show(_ id: Int64, attachmentsFrom shared: PostgresStore? = nil) throws -> OutgoingMessage {
        guard var row = try context.store.read({ tx in try tx.reminder(id: id) }), row.state == .held else {
            throw InvoiceActions.Refusal(description: "no held message \(id) (relance review lists them)")
        }
        row.approvedAt = context.clock.now()  // decided as if approved: what approval would send
        var summary = Cycle.Summary()
        let (_, messages) = try Cycle(context: context).decide([row.invoiceID], rows: [row.invoiceID: [row]], customerKeys: [:],
                                                               now: context.clock.now(), dryRun: true, summary: &summary)
        guard var messages = Optional(messages), !messages.isEmpty else {
            throw InvoiceActions.Refusal(description: "message \(id) would not go any more (paid, paused or past its use): \(summary)")
        }
        if let shared { try SharedMessageAttachments.fill(&messages, from: shared) }
        let message = messages[0]
        switch ComposingPipeline.preview(message, templates: MessageTemplates(overrideDirectory: context.configuration.paths.templates)) {
        case .success(let composed): return composed.message
        case .failure(let failure): throw InvoiceActions.Refusal(description: failure.description)
        }
    }

    /// Approves held messages (all of them with `ids` nil): each goes at the next send slot.
    public func approve(_ ids: [Int64]?) throws -> String {
        let now = context.clock.now()
        let calendar = context.configuration.calendar
        let journal = context.journal()
        var count = 0
        try context.store.write { tx in
            journal.discard()
            count = 0
            let held = try tx.heldReminders().map(\.reminder)
            let chosen = ids.map { wanted in held.filter { wanted.contains($0.id) } } ?? held
            if let ids, let missing = ids.first(where: { id in !held.contains { $0.id == id } }) {
                throw InvoiceActions.Refusal(description: "no held message \(missing)")
            }
            let slot = calendar.windowOpen(atOrAfter: now)
            for row in chosen {
                try tx.approve(row.id, slot: slot, localDate: calendar.localDate(of: slot), at: now)
                try journal.record(tx, at: now, event: "planned", invoice: row.invoiceID, [
                    ("step", row.step), ("date", calendar.localDate(of: slot).iso), ("reason", "approved"),
                ])
                count += 1
            }
        }
        journal.flush(to: context.sendLog)
        WakeSignal.touch(stateDirectory: context.configuration.paths.stateDirectory)
        return "\(count) message(s) approved: they go at the next send slot"
    }

    /// Keeps a held message held (it never goes on its own), or until `until`, when it is held for review again.
    public func hold(_ id: Int64, until: LocalDate?) throws -> String {
        let now = context.clock.now()
        let calendar = context.configuration.calendar
        let journal = context.journal()
        try context.store.write { tx in
            journal.discard()
            guard let row = try tx.reminder(id: id), row.state == .held else { throw InvoiceActions.Refusal(description: "no held message \(id)") }
            if let until {
                let day = calendar.sendingDay(onOrAfter: until)
                try tx.postponeHeld(id, slot: calendar.slot(on: day), localDate: day, at: now)
                try journal.record(tx, at: now, event: "planned", invoice: row.invoiceID, [("step", row.step), ("date", day.iso), ("reason", "held until then")])
            } else {
                try tx.keepHeld(id, at: now)
                try journal.record(tx, at: now, event: "held", invoice: row.invoiceID, [("step", row.step), ("reason", "held by a person")])
            }
        }
        journal.flush(to: context.sendLog)
        return until.map { "message \(id): held until \($0.iso), then reviewed again" } ?? "message \(id): held"
    }
}
