import Foundation
import RelanceCore
import RelanceFormats

/// The intake's judgements and words that do not depend on the store: exists so that the local
/// intake (`Pickup`) and the shared one (`SharedIntakeView`) refuse the same documents for the
/// same reasons and report what they took with the same send-log fields.
enum IntakeRules {
    /// Why an invoice cannot amend the one stored under its number (nil: it can).
    static func amendmentProblem(stored: Currency?, _ invoice: Invoice) -> String? {
        guard let stored, stored != invoice.currency else { return nil }
        return "currency: the invoice \(invoice.id) was ingested in \(stored.code); an amendment cannot change it to \(invoice.currency.code)"
    }

    /// Why a credit note cannot be applied to its invoice, whose currency is `target` (nil: not known).
    static func creditNoteProblem(target: Currency?, _ note: CreditNote) -> String? {
        guard let target else { return "refersTo: no invoice \(note.refersTo) is known; drop the credit note again once the invoice is in" }
        guard target != note.amount.currency else { return nil }
        return "currency: the credit note is in \(note.amount.currency.code) but \(note.refersTo) is in \(target.code)"
    }

    /// An invoice document's `ingested` line.
    static func ingested(file: String, format: String, amended: Bool, revision: Int, _ invoice: Invoice) -> [(String, String?)] {
        [("file", file), ("format", format), ("result", amended ? "amended" : "new"), ("revision", String(revision)),
         ("to", invoice.customer.emails.map(\.value).joined(separator: ",")), ("amount", (invoice.total - invoice.amountPaid).description)]
    }

    /// A credit note's `ingested` line.
    static func credited(file: String, _ note: CreditNote) -> [(String, String?)] {
        [("file", file), ("credit_note", note.id), ("result", "credit"), ("amount", note.amount.description)]
    }

    /// A file taken before (its content hash): its `ingested` line.
    static func duplicate(file: String) -> [(String, String?)] {
        [("file", file), ("result", "duplicate"), ("change", "none")]
    }
}
