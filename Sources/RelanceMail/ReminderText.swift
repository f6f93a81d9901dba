public import RelanceCore

/// The built-in wording of reminders in French, English and German, from a
/// friendly note before the due date to a firm final notice. (Mustache
/// templates that users can override replace this with the email issue.)
public enum ReminderText {
    public static func subject(_ facts: ReminderFacts) -> String {
        let id = facts.invoice.id
        switch (facts.language, facts.kind) {
        case (.fr, .preDue): return "Rappel : facture \(id) à échéance le \(date(facts.invoice.dueDate, .fr))"
        case (.fr, .discount): return "Facture \(id) : escompte de \(facts.discount?.percent.description ?? "") % jusqu'au \(date(facts.discount?.deadline, .fr))"
        case (.fr, .due): return "Facture \(id) à régler aujourd'hui"
        case (.fr, .postDue): return "Relance : facture \(id) en retard de paiement"
        case (.fr, .final): return "Dernier rappel avant recouvrement : facture \(id)"
        case (.en, .preDue): return "Reminder: invoice \(id) due on \(date(facts.invoice.dueDate, .en))"
        case (.en, .discount): return "Invoice \(id): \(facts.discount?.percent.description ?? "") % discount until \(date(facts.discount?.deadline, .en))"
        case (.en, .due): return "Invoice \(id) is due today"
        case (.en, .postDue): return "Overdue: invoice \(id)"
        case (.en, .final): return "Final notice: invoice \(id)"
        case (.de, .preDue): return "Erinnerung: Rechnung \(id) fällig am \(date(facts.invoice.dueDate, .de))"
        case (.de, .discount): return "Rechnung \(id): \(facts.discount?.percent.description ?? "") % Skonto bis \(date(facts.discount?.deadline, .de))"
        case (.de, .due): return "Rechnung \(id) ist heute fällig"
        case (.de, .postDue): return "Zahlungserinnerung: Rechnung \(id)"
        case (.de, .final): return "Letzte Mahnung: Rechnung \(id)"
        }
    }

    public static func body(_ facts: ReminderFacts) -> String {
        let l = facts.language
        let amount = MoneyFormatter.format(facts.amountDue, language: l)
        let id = facts.invoice.id
        let due = date(facts.invoice.dueDate, l)
        var lines: [String] = []
        switch l {
        case .fr:
            lines.append("Bonjour,")
            lines.append("")
            switch facts.kind {
            case .preDue, .discount: lines.append("Pour rappel, la facture \(id) d'un montant de \(amount) arrive à échéance le \(due).")
            case .due: lines.append("La facture \(id) d'un montant de \(amount) arrive à échéance aujourd'hui.")
            case .postDue: lines.append("Sauf erreur de notre part, la facture \(id) d'un montant de \(amount), échue le \(due), reste impayée (\(facts.daysLate) jours de retard).")
            case .final: lines.append("Malgré nos relances, la facture \(id) d'un montant de \(amount), échue le \(due), reste impayée. Sans règlement de votre part, nous engagerons une procédure de recouvrement.")
            }
            if let offer = facts.discount {
                lines.append("Réglez \(MoneyFormatter.format(offer.payable, language: l)) d'ici le \(date(offer.deadline, l)) pour bénéficier de votre escompte de \(offer.percent) %.")
            }
            lines += ["", "Si vous avez déjà réglé cette facture, merci de ne pas tenir compte de ce message.", "", "Cordialement,", facts.companyName]
        case .en:
            lines.append("Hello,")
            lines.append("")
            switch facts.kind {
            case .preDue, .discount: lines.append("A friendly reminder that invoice \(id) for \(amount) is due on \(due).")
            case .due: lines.append("Invoice \(id) for \(amount) is due today.")
            case .postDue: lines.append("Our records show that invoice \(id) for \(amount), due on \(due), is still unpaid (\(facts.daysLate) days overdue).")
            case .final: lines.append("Despite our reminders, invoice \(id) for \(amount), due on \(due), remains unpaid. Unless we receive payment, we will start recovery proceedings.")
            }
            if let offer = facts.discount {
                lines.append("Pay \(MoneyFormatter.format(offer.payable, language: l)) by \(date(offer.deadline, l)) to keep your \(offer.percent) % discount.")
            }
            lines += ["", "If you have already paid, please disregard this message.", "", "Kind regards,", facts.companyName]
        case .de:
            lines.append("Guten Tag,")
            lines.append("")
            switch facts.kind {
            case .preDue, .discount: lines.append("wir möchten Sie daran erinnern, dass die Rechnung \(id) über \(amount) am \(due) fällig wird.")
            case .due: lines.append("die Rechnung \(id) über \(amount) ist heute fällig.")
            case .postDue: lines.append("nach unseren Unterlagen ist die Rechnung \(id) über \(amount), fällig am \(due), noch offen (\(facts.daysLate) Tage überfällig).")
            case .final: lines.append("trotz unserer Erinnerungen ist die Rechnung \(id) über \(amount), fällig am \(due), weiterhin offen. Ohne Zahlungseingang leiten wir das Inkasso ein.")
            }
            if let offer = facts.discount {
                lines.append("Zahlen Sie \(MoneyFormatter.format(offer.payable, language: l)) bis zum \(date(offer.deadline, l)), um \(offer.percent) % Skonto zu erhalten.")
            }
            lines += ["", "Sollten Sie bereits gezahlt haben, betrachten Sie diese Nachricht bitte als gegenstandslos.", "", "Mit freundlichen Grüßen", facts.companyName]
        }
        return lines.joined(separator: "\n")
    }

    /// A date for people: `15 janvier 2026`, `15 January 2026`, `15. Januar 2026`.
    public static func date(_ date: LocalDate?, _ language: Language) -> String {
        guard let date else { return "?" }
        let months: [String]
        switch language {
        case .fr: months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"]
        case .en: months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        case .de: months = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"]
        }
        let month = months[date.month - 1]
        switch language {
        case .fr: return "\(date.day == 1 ? "1er" : String(date.day)) \(month) \(date.year)"
        case .en: return "\(date.day) \(month) \(date.year)"
        case .de: return "\(date.day). \(month) \(date.year)"
        }
    }
}
