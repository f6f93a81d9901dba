public import RelanceCore

/// A statement of account on its own, as a PDF: for the collection file, and for a customer
/// who asks for one. The letterhead and the customer's name head it; the table and the totals
/// are the formal notice's.
public enum StatementDocument {
    public static func render(_ statement: StatementOfAccount, creditor: LetterParty, language: Language) throws(RenderingError) -> [UInt8] {
        let output = CairoOutput()
        let page = try PageWriter(output: output)
        let words = StatementWords(language: language)
        page.metadata(title: "\(words.title) \(statement.customer.name)", author: creditor.name, date: statement.asOf)
        page.footer = ([creditor.name] + creditor.identifiers).joined(separator: " · ")
        FormalNoticeLetter.letterhead(creditor, on: page)
        page.y = 55 * PageWriter.millimetre
        page.paragraph("\(words.title) \(words.asOf(statement.asOf))", style: .heading, spaceAfter: 6)
        let customer = [statement.customer.name] + (statement.customer.address?.envelopeLines(senderCountry: creditor.address?.country) ?? [])
        page.paragraph("\(words.customer): " + customer.joined(separator: ", "), spaceAfter: 12)
        StatementTable.draw(statement, language: language, on: page)
        try page.finish()
        return withExtendedLifetime(output) { output.bytes }
    }
}
