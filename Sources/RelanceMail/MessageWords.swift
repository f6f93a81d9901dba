public import RelanceCore

/// The title of an escalation level as each language numbers it: "Second reminder",
/// "2e relance", "2. Mahnung"; the last level is "Final notice", "Dernière relance", "Letzte Mahnung".
public enum LevelTitles {
    public static func title(_ level: Int, final: Bool, _ language: Language) -> String {
        switch language {
        case .en:
            if final { return "Final notice" }
            let ordinals = ["First", "Second", "Third", "Fourth", "Fifth", "Sixth"]
            return level >= 1 && level <= ordinals.count ? "\(ordinals[level - 1]) reminder" : "Reminder \(level)"
        case .fr:
            if final { return "Dernière relance avant recouvrement" }
            return level == 1 ? "1re relance" : "\(level)e relance"
        case .de:
            if final { return "Letzte Mahnung" }
            return "\(level). Mahnung"
        }
    }
}

/// The legal basis of the statutory default payment term a message cites, by the creditor's law.
public enum StatutoryTerm {
    /// Directive 2011/7/EU art. 3(3)(b) and 4(3)(a); FR Code de commerce L441-10 I; DE § 286 (3) BGB.
    public static func basis(country law: LateChargeLaw?) -> String {
        switch law {
        case .fr?: return "article L441-10 du Code de commerce"
        case .de?: return "§ 286 Abs. 3 BGB"
        case .gb?: return "Late Payment of Commercial Debts (Interest) Act 1998, s. 4"
        default: return "Directive 2011/7/EU, art. 3 and 4"
        }
    }
}

/// "and 2 other invoices" after a subject, when one message reminds several invoices.
enum MoreInvoices {
    static func text(_ count: Int, _ language: Language) -> String {
        switch language {
        case .fr: return count == 1 ? "et 1 autre facture" : "et \(count) autres factures"
        case .de: return count == 1 ? "und 1 weitere Rechnung" : "und \(count) weitere Rechnungen"
        case .en: return count == 1 ? "and 1 other invoice" : "and \(count) other invoices"
        }
    }
}
