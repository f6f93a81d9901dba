public import RelanceCore

/// The formal notice as an A4 PDF letter: letterhead, the debtor's address where a window
/// envelope shows it (on the right for a French sender, as La Poste's envelopes have it; on
/// the left per DIN 5008 and British practice otherwise), place and date, the registered-post
/// mention, the object, the statement of account, interest and compensation with their legal
/// basis, the deadline, how to pay (with the EPC QR code), the consequences, and the signature.
public enum FormalNoticeLetter {
    public static func render(_ notice: FormalNotice) throws(RenderingError) -> [UInt8] {
        let output = CairoOutput()
        let page = try PageWriter(output: output)
        let words = FormalNoticeWords(language: notice.language, law: notice.law)
        page.metadata(title: words.object, author: notice.creditor.name, date: notice.date)
        page.footer = ([notice.creditor.name] + notice.creditor.identifiers).joined(separator: " · ")

        letterhead(notice.creditor, on: page)
        addressWindow(notice, on: page)

        page.y = 88 * PageWriter.millimetre
        let dateLine = words.placeAndDate(notice.place, notice.date)
        page.draw(dateLine, style: .body, x: page.left, y: page.y, width: page.right - page.left, alignment: .right)
        page.y += 14
        page.paragraph(words.registeredPost, style: .bold, spaceAfter: 8)
        page.paragraph(words.object, style: .heading, spaceAfter: 9)
        page.paragraph(words.salutation)
        page.paragraph(words.opening(earlier: notice.earlierReminders, count: notice.statement.lines.count), spaceAfter: 9)

        StatementTable.draw(notice.statement, language: notice.language, on: page)

        let currencies = notice.statement.currencies
        for currency in currencies {
            let totals = notice.statement.totals(currency)
            let money = { (amount: Money) in MoneyFormatter.format(amount, language: notice.language) }
            page.paragraph(words.demand(claimed: money(totals.claimed), principal: money(totals.balance), deadline: notice.deadline),
                           style: .bold)
            if totals.interest.isPositive || totals.interestPending {
                let oldest = notice.statement.lines.filter { $0.balance.currency == currency }.map(\.daysLate).max() ?? 0
                let rate = notice.statement.lines.compactMap { $0.lateCharges?.rate }.first
                page.paragraph(words.interest(rate: totals.interestPending ? nil : rate.map { words.percent($0) },
                                              amount: totals.interestPending ? nil : money(totals.interest),
                                              days: oldest, asOf: notice.statement.asOf))
            }
            if totals.compensation.isPositive {
                let count = notice.statement.lines.filter { $0.balance.currency == currency && $0.lateCharges?.compensation != nil }.count
                page.paragraph(words.compensation(money(totals.compensation), invoices: count))
            }
        }
        paymentBlock(notice, words: words, on: page)
        page.paragraph(words.consequences)
        page.paragraph(words.alreadyPaid, spaceAfter: 8)
        page.paragraph(words.closing, spaceAfter: 10)
        page.paragraph(notice.signature, style: .body)
        try page.finish()
        return withExtendedLifetime(output) { output.bytes }
    }

    static func letterhead(_ creditor: LetterParty, on page: PageWriter) {
        var y = page.top
        y += page.draw(creditor.name, style: .letterhead, x: page.left, y: y, width: 90 * PageWriter.millimetre) + 3
        var lines = creditor.address?.envelopeLines(senderCountry: creditor.address?.country) ?? []
        if let email = creditor.email { lines.append(email) }
        if !lines.isEmpty {
            page.draw(lines.joined(separator: "\n"), style: .body, x: page.left, y: y, width: 90 * PageWriter.millimetre)
        }
    }

    static func addressWindow(_ notice: FormalNotice, on page: PageWriter) {
        let mm = PageWriter.millimetre
        let frenchWindow = notice.creditor.address?.country == "FR"
        let x = frenchWindow ? 110 * mm : 25 * mm
        var y = 50 * mm
        if !frenchWindow, let address = notice.creditor.address {
            // DIN 5008 form B: the sender on one small line above the recipient.
            let sender = ([notice.creditor.name] + address.envelopeLines(senderCountry: address.country)).joined(separator: " · ")
            y += page.draw(sender, style: .small, x: x, y: y, width: 85 * mm) + 4
        }
        let debtor = [notice.debtor.name] + (notice.debtor.address?.envelopeLines(senderCountry: notice.creditor.address?.country) ?? [])
        page.draw(debtor.joined(separator: "\n"), style: .body, x: x, y: y, width: 80 * mm)
    }

    static func paymentBlock(_ notice: FormalNotice, words: FormalNoticeWords, on page: PageWriter) {
        guard let iban = notice.iban else {
            if let link = notice.paymentLink { page.paragraph("\(words.payOnline) \(link)") }
            return
        }
        let mm = PageWriter.millimetre
        let qrSide = 28 * mm
        let matrix = notice.paymentCode.flatMap { try? QRMatrix(encoding: $0.payload) }
        var lines = [words.howToPay, "IBAN \(IBANText.grouped(iban))" + (notice.bic.map { " – BIC \($0)" } ?? "")]
        let references = notice.statement.lines.map { "\($0.reference.grouped) (\($0.invoiceID))" }
        lines.append("\(words.reference) " + references.joined(separator: ", "))
        if let link = notice.paymentLink { lines.append("\(words.payOnline) \(link)") }
        if matrix != nil { lines.append(words.scanToPay) }
        let text = lines.joined(separator: "\n")
        let textWidth = page.right - page.left - (matrix == nil ? 0 : qrSide + 6 * mm)
        let height = max(page.measure(text, style: .body, width: textWidth), matrix == nil ? 0 : qrSide)
        page.ensure(height)
        page.draw(text, style: .body, x: page.left, y: page.y, width: textWidth)
        if let matrix { page.qr(matrix, x: page.right - qrSide, y: page.y, side: qrSide) }
        page.y += height + 8
    }
}
