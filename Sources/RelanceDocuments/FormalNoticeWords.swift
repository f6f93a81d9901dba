import Foundation
import RelanceCore

/// The words of a formal notice in the debtor's language, citing the creditor's law. The
/// articles are those of docs/formal-notice.md: the notice itself (FR art. 1344 Code civil;
/// DE § 286 BGB), the interest (FR L441-10 C. com.; DE § 288 (2) BGB; GB Late Payment of
/// Commercial Debts (Interest) Act 1998 s. 1, 4), the fixed compensation (FR D441-5 C. com.;
/// DE § 288 (5) BGB; GB s. 5A), and the court procedure that follows (FR injonction de payer,
/// art. 1405 ff. CPC; DE gerichtliches Mahnverfahren, §§ 688 ff. ZPO).
struct FormalNoticeWords {
    let language: Language
    let law: LateChargeLaw

    /// `12,15` in French and German, `12.15` in English.
    func percent(_ rate: Percent) -> String {
        language == .en ? rate.description : rate.description.replacingOccurrences(of: ".", with: ",")
    }

    var registeredPost: String {
        switch language {
        case .fr: return "Lettre recommandée avec demande d'avis de réception"
        case .de: return "Einschreiben mit Rückschein"
        case .en: return "By recorded delivery, signature required"
        }
    }

    var object: String {
        switch language {
        case .fr: return "Objet : Mise en demeure de payer"
        case .de: return "Letzte Mahnung vor Einleitung gerichtlicher Schritte"
        case .en: return "Final demand before legal action"
        }
    }

    func placeAndDate(_ place: String?, _ date: LocalDate) -> String {
        let day = PeopleDates.format(date, language)
        guard let place, !place.isEmpty else { return day }
        switch language {
        case .fr: return "\(place), le \(day)"
        case .de, .en: return "\(place), \(day)"
        }
    }

    var salutation: String {
        switch language {
        case .fr: return "Madame, Monsieur,"
        case .de: return "Sehr geehrte Damen und Herren,"
        case .en: return "Dear Sir or Madam,"
        }
    }

    func opening(earlier: [LocalDate], count: Int) -> String {
        let dates = PeopleDates.list(earlier, language)
        let one = count == 1
        switch language {
        case .fr:
            let subject = one ? "la facture ci-dessous reste impayée" : "les factures ci-dessous restent impayées"
            if earlier.isEmpty { return "Sauf erreur de notre part, \(subject) à ce jour." }
            return (earlier.count == 1 ? "Malgré notre relance du \(dates), " : "Malgré nos relances des \(dates), ") + "\(subject) à ce jour."
        case .de:
            let subject = one ? "ist die folgende Rechnung bis heute nicht bezahlt" : "sind die folgenden Rechnungen bis heute nicht bezahlt"
            if earlier.isEmpty { return one ? "die folgende Rechnung ist bis heute nicht bezahlt." : "die folgenden Rechnungen sind bis heute nicht bezahlt." }
            return (earlier.count == 1 ? "trotz unserer Mahnung vom \(dates) " : "trotz unserer Mahnungen vom \(dates) ") + "\(subject)."
        case .en:
            let subject = one ? "the invoice below remains unpaid" : "the invoices below remain unpaid"
            if earlier.isEmpty { return "According to our records, \(subject)." }
            return (earlier.count == 1 ? "Despite our reminder of \(dates), " : "Despite our reminders of \(dates), ") + "\(subject)."
        }
    }

    /// The demand itself: the sum, what of it is principal, and the deadline.
    func demand(claimed: String, principal: String, deadline: LocalDate) -> String {
        let day = PeopleDates.format(deadline, language)
        switch language {
        case .fr:
            return "Par la présente, nous vous mettons en demeure (article 1344 du Code civil) de nous régler la somme de \(claimed), "
                + "dont \(principal) en principal, au plus tard le \(day)."
        case .de:
            return "Sie befinden sich mit der Zahlung in Verzug (§ 286 BGB). Wir fordern Sie hiermit letztmalig auf, den Betrag von "
                + "\(claimed), davon \(principal) Hauptforderung, bis spätestens \(day) zu zahlen."
        case .en:
            return "We now formally demand payment of \(claimed), of which \(principal) is the principal, by \(day) at the latest."
        }
    }

    /// How the law sets the rate, in this language.
    var rateDescription: String {
        switch (law, language) {
        case (.fr, .fr): return "taux de refinancement de la BCE majoré de 10 points"
        case (.fr, .de): return "EZB-Hauptrefinanzierungssatz zuzüglich 10 Prozentpunkten"
        case (.fr, .en): return "the ECB main refinancing rate plus 10 points"
        case (.de, .fr): return "taux de base allemand (Basiszinssatz) majoré de 9 points"
        case (.de, .de): return "neun Prozentpunkte über dem Basiszinssatz"
        case (.de, .en): return "the German base rate (Basiszinssatz) plus 9 points"
        case (.gb, .fr): return "taux de base de la Banque d'Angleterre majoré de 8 points"
        case (.gb, .de): return "Leitzins der Bank of England zuzüglich 8 Prozentpunkten"
        case (.gb, .en): return "8 points over the Bank of England base rate"
        case (_, .fr): return "taux de refinancement de la BCE majoré de 8 points"
        case (_, .de): return "EZB-Hauptrefinanzierungssatz zuzüglich 8 Prozentpunkten"
        case (_, .en): return "the ECB main refinancing rate plus 8 points"
        }
    }

    /// Interest to date: its rate, days and basis; or, when a half-year's rate is missing, that it is owed.
    func interest(rate: String?, amount: String?, days: Int, asOf: LocalDate) -> String {
        let day = PeopleDates.format(asOf, language)
        let basis = law.legalBasis
        guard let rate, let amount else {
            switch language {
            case .fr: return "Des pénalités de retard au taux légal sont en outre dues (\(basis)), à compter du lendemain de chaque échéance."
            case .de: return "Zusätzlich schulden Sie Verzugszinsen in gesetzlicher Höhe (\(basis)) ab dem Tag nach jeder Fälligkeit."
            case .en: return "Statutory interest is also owed (\(basis)) from the day after each due date."
            }
        }
        switch language {
        case .fr:
            return "Des pénalités de retard sont dues de plein droit (\(basis)) au taux annuel de \(rate) % (\(rateDescription)) : "
                + "\(amount) au \(day), pour \(days) jours de retard sur la plus ancienne facture."
        case .de:
            return "Verzugszinsen schulden Sie kraft Gesetzes (\(basis)) in Höhe von jährlich \(rate) % (\(rateDescription)): "
                + "\(amount) bis zum \(day), für \(days) Verzugstage bei der ältesten Rechnung."
        case .en:
            return "Interest for late payment is owed by law (\(basis)) at \(rate) % a year (\(rateDescription)): "
                + "\(amount) to \(day), for \(days) days late on the oldest invoice."
        }
    }

    func compensation(_ amount: String, invoices: Int) -> String {
        let basis = law.compensationBasis
        switch language {
        case .fr:
            return "S'y ajoute l'indemnité forfaitaire pour frais de recouvrement (\(basis))\(invoices > 1 ? ", due pour chaque facture" : "") : \(amount)."
        case .de:
            return "Hinzu kommt die Verzugspauschale (\(basis))\(invoices > 1 ? " für jede Rechnung" : ""): \(amount)."
        case .en:
            return "A fixed sum for the costs of recovery is also owed (\(basis))\(invoices > 1 ? ", for each invoice" : ""): \(amount)."
        }
    }

    /// What happens after the deadline, with the procedure of the creditor's courts.
    var consequences: String {
        switch (language, law) {
        case (.fr, .fr):
            return "À défaut de règlement à cette date, nous engagerons sans autre avis une procédure judiciaire de recouvrement "
                + "(injonction de payer, articles 1405 et suivants du Code de procédure civile), ou confierons ce dossier à un commissaire de justice."
        case (.fr, _):
            return "À défaut de règlement à cette date, nous engagerons sans autre avis une procédure judiciaire de recouvrement."
        case (.de, .de):
            return "Geht die Zahlung bis zu diesem Datum nicht ein, werden wir ohne weitere Ankündigung gerichtliche Schritte einleiten "
                + "(gerichtliches Mahnverfahren, §§ 688 ff. ZPO) oder ein Inkassounternehmen beauftragen."
        case (.de, _):
            return "Geht die Zahlung bis zu diesem Datum nicht ein, werden wir ohne weitere Ankündigung gerichtliche Schritte einleiten."
        case (.en, .fr):
            return "If payment is not received by that date, we will start court proceedings without further notice "
                + "(injonction de payer, articles 1405 ff. of the French Code of Civil Procedure)."
        case (.en, .de):
            return "If payment is not received by that date, we will start court proceedings without further notice "
                + "(gerichtliches Mahnverfahren, §§ 688 ff. ZPO)."
        case (.en, _):
            return "If payment is not received by that date, we will start court proceedings to recover the debt without further notice."
        }
    }

    /// A label and its colon as the language sets it: `Référence :` (a space before it in French), `Reference:`.
    func label(_ word: String) -> String { language == .fr ? word + "\u{00A0}:" : word + ":" }

    var howToPay: String {
        switch language {
        case .fr: return label("Règlement par virement")
        case .de: return label("Zahlung per Überweisung")
        case .en: return label("Payment by bank transfer")
        }
    }

    var reference: String {
        switch language {
        case .fr: return label("Référence")
        case .de: return label("Verwendungszweck")
        case .en: return label("Reference")
        }
    }

    var payOnline: String {
        switch language {
        case .fr: return label("Ou en ligne")
        case .de: return label("Oder online")
        case .en: return label("Or online")
        }
    }

    var scanToPay: String {
        switch language {
        case .fr: return "Scannez ce code avec l'application de votre banque : le virement est prérempli."
        case .de: return "Scannen Sie diesen Code mit Ihrer Banking-App: die Überweisung ist vorausgefüllt."
        case .en: return "Scan this code with your banking app: the transfer is filled in for you."
        }
    }

    var alreadyPaid: String {
        switch language {
        case .fr: return "Si vous avez réglé ces sommes entre-temps, nous vous prions de ne pas tenir compte de ce courrier."
        case .de: return "Sollten Sie die Zahlung inzwischen geleistet haben, betrachten Sie dieses Schreiben bitte als gegenstandslos."
        case .en: return "If you have paid in the meantime, please disregard this letter."
        }
    }

    var closing: String {
        switch language {
        case .fr: return "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées."
        case .de: return "Mit freundlichen Grüßen"
        case .en: return "Yours faithfully,"
        }
    }
}

/// The column heads and totals of a statement of account.
struct StatementWords {
    let language: Language

    var title: String {
        switch language {
        case .fr: return "Relevé de compte"
        case .de: return "Kontoauszug"
        case .en: return "Statement of account"
        }
    }

    func asOf(_ date: LocalDate) -> String {
        switch language {
        case .fr: return "au \(PeopleDates.format(date, language))"
        case .de: return "zum \(PeopleDates.format(date, language))"
        case .en: return "as of \(PeopleDates.format(date, language))"
        }
    }

    var columns: [String] {
        switch language {
        case .fr: return ["Facture", "Émise le", "Échéance", "Retard", "Montant", "Réglé", "Reste dû", "Relances"]
        case .de: return ["Rechnung", "Datum", "Fällig", "Verzug", "Betrag", "Bezahlt", "Offen", "Mahnstufe"]
        case .en: return ["Invoice", "Issued", "Due", "Late", "Total", "Paid", "Balance", "Level"]
        }
    }

    func days(_ n: Int) -> String {
        switch language {
        case .fr: return "\(n) j"
        case .de: return "\(n) T."
        case .en: return "\(n) d"
        }
    }

    var principal: String {
        switch language {
        case .fr: return "Principal"
        case .de: return "Hauptforderung"
        case .en: return "Principal"
        }
    }

    var interest: String {
        switch language {
        case .fr: return "Pénalités de retard"
        case .de: return "Verzugszinsen"
        case .en: return "Interest"
        }
    }

    var compensation: String {
        switch language {
        case .fr: return "Indemnités forfaitaires"
        case .de: return "Verzugspauschalen"
        case .en: return "Fixed compensation"
        }
    }

    var claimed: String {
        switch language {
        case .fr: return "Total réclamé"
        case .de: return "Gesamtforderung"
        case .en: return "Total claimed"
        }
    }

    var customer: String {
        switch language {
        case .fr: return "Client"
        case .de: return "Kunde"
        case .en: return "Customer"
        }
    }
}
