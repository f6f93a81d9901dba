import RelanceCore

/// The statement of account as a table on a page: a row per invoice, the header row repeated
/// on every page the table runs onto, and the totals per currency under it.
enum StatementTable {
    /// Column widths in millimetres (170 mm of text width) and their alignment.
    static let widths: [Double] = [30, 19, 19, 13, 25, 22, 25, 17]
    static let rightAligned: Set<Int> = [3, 4, 5, 6, 7]

    static func draw(_ statement: StatementOfAccount, language: Language, on page: PageWriter) {
        let words = StatementWords(language: language)
        let date = { (day: LocalDate?) in day.map { shortDate($0, language) } ?? "–" }
        let money = { (amount: Money) in MoneyFormatter.format(amount, language: language) }
        header(words.columns, on: page)
        let previous = page.continuation
        page.continuation = { page in header(words.columns, on: page) }
        for line in statement.lines {
            let cells = [line.invoiceID, date(line.issueDate), date(line.dueDate), words.days(line.daysLate), money(line.total),
                         money(line.paid), money(line.balance), line.levelReached > 0 ? String(line.levelReached) : "–"]
            row(cells, style: .table, on: page)
        }
        page.continuation = previous
        page.y += 2
        page.rule(from: page.left, to: page.right)
        page.y += 4
        for currency in statement.currencies {
            let totals = statement.totals(currency)
            var rows = [(words.principal, totals.balance)]
            if totals.interest.isPositive { rows.append((words.interest + (totals.interestPending ? " (…)" : ""), totals.interest)) }
            if totals.compensation.isPositive { rows.append((words.compensation, totals.compensation)) }
            rows.append((words.claimed, totals.claimed))
            for (index, entry) in rows.enumerated() {
                let style: TextStyle = index == rows.count - 1 ? .tableBold : .table
                page.ensure(12)
                let labelWidth = 60 * PageWriter.millimetre
                let amountX = page.right - 30 * PageWriter.millimetre
                page.draw(entry.0, style: style, x: amountX - labelWidth - 4, y: page.y, width: labelWidth, alignment: .right)
                page.draw(money(entry.1), style: style, x: amountX, y: page.y, width: 30 * PageWriter.millimetre, alignment: .right)
                page.y += 11
            }
            page.y += 4
        }
        page.y += 4
    }

    static func header(_ columns: [String], on page: PageWriter) {
        row(columns, style: .tableBold, on: page)
        page.rule(from: page.left, to: page.right)
        page.y += 3
    }

    static func row(_ cells: [String], style: TextStyle, on page: PageWriter) {
        let mm = PageWriter.millimetre
        var heights: [Double] = []
        for (index, cell) in cells.enumerated() { heights.append(page.measure(cell, style: style, width: widths[index] * mm - 3)) }
        let height = heights.max() ?? 0
        page.ensure(height + 3)
        var x = page.left
        for (index, cell) in cells.enumerated() {
            page.draw(cell, style: style, x: x, y: page.y, width: widths[index] * mm - 3, alignment: rightAligned.contains(index) ? .right : .left)
            x += widths[index] * mm
        }
        page.y += height + 3
    }

    /// `02/12/2026`, `02.12.2026`, `02/12/2026` (en-GB) as statements print them.
    static func shortDate(_ date: LocalDate, _ language: Language) -> String {
        let parts = date.iso.split(separator: "-")  // year, month, day
        return language == .de ? "\(parts[2]).\(parts[1]).\(parts[0])" : "\(parts[2])/\(parts[1])/\(parts[0])"
    }
}
