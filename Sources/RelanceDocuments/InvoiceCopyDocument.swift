public import RelanceCore

/// A copy of an invoice drawn from the data relance holds, for a customer who says they never
/// received it and whose invoice came without a document of its own: the letterhead, the
/// invoice's number, dates, total, what was paid and what is due, and how to pay it. It says it
/// is a copy; the invoice itself is the file the company issued.
public enum InvoiceCopyDocument {
    public static func render(_ statement: StatementOfAccount, creditor: LetterParty, language: Language, iban: String?, bic: String?) throws(RenderingError) -> [UInt8] {
        let output = CairoOutput()
        let page = try PageWriter(output: output)
        let words = InvoiceCopyWords(language: language)
        let line = statement.lines.first
        let number = line?.invoiceID ?? ""
        page.metadata(title: "\(words.title) \(number)", author: creditor.name, date: statement.asOf)
        page.footer = ([creditor.name] + creditor.identifiers).joined(separator: " · ")
        FormalNoticeLetter.letterhead(creditor, on: page)
        page.y = 55 * PageWriter.millimetre
        page.paragraph("\(words.title) \(number)", style: .heading, spaceAfter: 4)
        page.paragraph(words.notice, spaceAfter: 10)
        let customer = [statement.customer.name] + (statement.customer.address?.envelopeLines(senderCountry: creditor.address?.country) ?? [])
        page.paragraph("\(words.customer): " + customer.joined(separator: ", "), spaceAfter: 10)
        StatementTable.draw(statement, language: language, on: page)
        if let line {
            var payment = ["\(words.reference): \(line.reference.grouped)"]
            if let iban { payment.insert("IBAN \(IBANText.grouped(iban))" + (bic.map { " – BIC \($0)" } ?? ""), at: 0) }
            page.paragraph(payment.joined(separator: "\n"), spaceAfter: 6)
        }
        try page.finish()
        return withExtendedLifetime(output) { output.bytes }
    }
}

/// The copy's words in the customer's language.
struct InvoiceCopyWords {
    let language: Language

    var title: String {
        switch language {
        case .fr: return "Copie de la facture"
        case .de: return "Kopie der Rechnung"
        case .en: return "Copy of invoice"
        }
    }

    var notice: String {
        switch language {
        case .fr: return "Copie établie à votre demande à partir de nos écritures ; elle ne remplace pas la facture originale."
        case .de: return "Auf Ihren Wunsch aus unserer Buchhaltung erstellte Kopie; sie ersetzt nicht die Originalrechnung."
        case .en: return "A copy made at your request from our records; it does not replace the original invoice."
        }
    }

    var customer: String {
        switch language {
        case .fr: return "Client"
        case .de: return "Kunde"
        case .en: return "Customer"
        }
    }

    var reference: String {
        switch language {
        case .fr: return "Référence à indiquer"
        case .de: return "Verwendungszweck"
        case .en: return "Reference"
        }
    }
}
