public import RelanceCore

/// What a person means, read from their own words in English, French and
/// German. A dispute outweighs everything; then a statement that the invoice
/// is paid; then a promise to pay (with its date when one is written).
public enum Intents {
    static let dispute = [
        "dispute", "disagree", "incorrect", "wrong amount", "amount is wrong", "not received", "never received", "did not receive",
        "didn't receive", "not ordered", "never ordered", "contest", "refuse to pay", "error in the invoice", "invoice is wrong",
        "conteste", "contestons", "contestation", "litige", "erreur", "pas reçu", "jamais reçu", "non conforme", "désaccord",
        "refusons de payer", "widerspreche", "widersprechen", "einspruch", "fehlerhaft", "falsch", "nicht erhalten", "nie erhalten",
        "reklamation", "reklamieren", "bestreiten", "nicht bestellt",
    ]
    static let paid = [
        "already paid", "have paid", "has been paid", "was paid", "payment was made", "payment has been made", "we paid", "i paid",
        "paid on", "paid it", "transfer has been made", "payment sent", "sent the payment", "settled",
        "déjà réglé", "deja regle", "déjà payé", "deja paye", "avons réglé", "avons payé", "ai réglé", "ai payé", "a été réglée",
        "a été payée", "virement a été effectué", "paiement a été effectué", "réglée le", "payée le",
        "bereits bezahlt", "bereits überwiesen", "schon bezahlt", "schon überwiesen", "haben bezahlt", "habe bezahlt", "wurde bezahlt",
        "wurde überwiesen", "haben überwiesen", "habe überwiesen", "zahlung ist erfolgt", "zahlung erfolgte",
    ]
    static let promise = [
        "will pay", "we'll pay", "i'll pay", "will be paid", "will transfer", "payment will be made", "will settle", "pay by", "pay on",
        "will send the payment", "going to pay",
        "réglerai", "réglerons", "reglerai", "reglerons", "paierai", "paierons", "payerai", "payerons", "sera réglée", "sera payée",
        "virement sera", "effectuerons le paiement", "procéderons au règlement", "procéderons au paiement",
        "zahlen bis", "zahlen am", "werden zahlen", "werde zahlen", "werden bezahlen", "überweisen bis", "überweisen am", "werden überweisen",
        "werde überweisen", "wird bezahlt", "wird überwiesen", "begleichen bis", "werden begleichen", "werden am", "werde am",
        "zahlen wir", "überweisen wir",
    ]

    public static func read(_ text: String, reference: LocalDate) -> (ReplyAnalysis.Intent, LocalDate?) {
        let lower = text.lowercased().replacingAll("’", with: "'")
        if dispute.contains(where: { lower.contains($0) }) { return (.dispute, nil) }
        if paid.contains(where: { lower.contains($0) }) { return (.paid, nil) }
        if let cue = promise.first(where: { lower.contains($0) }), let range = lower.range(of: cue) {
            // The date after the promise; English writes the month first in slash dates.
            let english = ["will", "we'll", "i'll", "pay by", "pay on", "going to"].contains { cue.contains($0) }
            let after = String(lower[range.upperBound...].prefix(60))
            let date = TextDates.all(in: after, reference: reference, dayFirst: !english).first
                ?? TextDates.all(in: lower, reference: reference, dayFirst: !english).first
            return (.promise, date)
        }
        return (.other, nil)
    }
}
