import Foundation
import RelanceConfig
import RelanceCore
import RelanceStore

/// Queues a message arranged with the customer (a plan's schedule, a call's confirmation, the
/// invoice sent again) for the send window open now, or the next one; the send log says so.
enum ArrangedMessages {
    static func plan(_ kind: StepKind, step: String, invoice: Invoice, arrangedID: Int64? = nil, reason: String,
                     configuration: RelanceConfiguration, tx: StoreTransaction, journal: Journal, at now: Date) throws {
        precondition(kind.isArranged, "only an arranged message is planned here")
        let calendar = configuration.calendar
        let slot = calendar.sendSlot(atOrAfter: now)
        let payments = try tx.payments(invoiceID: invoice.id, currency: invoice.currency)
        try tx.planArranged(invoiceID: invoice.id, PlannedReminder(step: step, kind: kind, localDate: slot.date, sendAt: slot.at,
                                                                   amount: Balance.due(invoice, payments: payments, on: calendar.localDate(of: now)),
                                                                   arrangedID: arrangedID), at: now)
        try journal.record(tx, at: now, event: "planned", invoice: invoice.id, [("step", step), ("date", slot.date.iso), ("reason", reason)])
    }
}
