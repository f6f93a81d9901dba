public import RelanceCore

/// One line of a payments file: which invoice, how much (as written), when, and the bank's reference.
public struct PaymentLine: Sendable, Equatable {
    public let line: Int
    public let invoiceID: String
    /// The amount as a plain decimal with a point (`1250.00`), to be read in the invoice's currency.
    public let amount: String
    public let date: LocalDate
    public let reference: String?
}

/// Reads payment files dropped in `payments/`: CSV with the columns
/// `invoice;amount;date;reference` (reference optional), `;` or `,` as the
/// delimiter (detected), a decimal comma or point, dates as `YYYY-MM-DD` or
/// `DD/MM/YYYY` / `DD.MM.YYYY`, an optional header row, quoted fields. Every
/// problem is reported with its line; one bad line rejects the whole file, so
/// fixing and dropping it again never applies a payment twice.
public enum PaymentCSVReader {
    public static func read(_ bytes: [UInt8], file: String) throws(InvoiceRejection) -> [PaymentLine] {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard let text = String(validating: Array(body), as: UTF8.self) else {
            throw InvoiceRejection(file: file, "the file is not valid UTF-8 text")
        }
        let rows = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .enumerated().filter { !$0.element.allSatisfy(\.isWhitespace) }
        guard let first = rows.first else { throw InvoiceRejection(file: file, "the file is empty") }
        let delimiter: Character = first.element.contains(";") ? ";" : (first.element.contains("\t") ? "\t" : ",")
        var lines: [PaymentLine] = []
        var problems: [InvoiceRejection.Problem] = []
        for (offset, row) in rows {
            let number = offset + 1
            let fields = split(String(row), delimiter: delimiter)
            if offset == first.offset, fields.first?.lowercased().trimmingCharacters(in: [" "]) .hasPrefix("invoice") == true
                || fields.first?.lowercased().hasPrefix("facture") == true || fields.first?.lowercased().hasPrefix("rechnung") == true {
                continue  // header row
            }
            guard fields.count == 3 || fields.count == 4 else {
                problems.append(.init(field: "line \(number)", message: "expected invoice\(delimiter)amount\(delimiter)date[\(delimiter)reference], found \(fields.count) fields"))
                continue
            }
            let invoice = fields[0]
            if invoice.isEmpty || invoice.count > 200 || invoice.unicodeScalars.contains(where: { $0.value < 0x20 }) {
                problems.append(.init(field: "line \(number)", message: "the invoice number is empty or not one line"))
            }
            let amount = normalizedAmount(fields[1])
            if amount == nil { problems.append(.init(field: "line \(number)", message: "\"\(fields[1])\" is not an amount")) }
            let date = parseDate(fields[2])
            if date == nil { problems.append(.init(field: "line \(number)", message: "\"\(fields[2])\" is not a date (YYYY-MM-DD or DD/MM/YYYY)")) }
            let reference = fields.count == 4 && !fields[3].isEmpty ? fields[3] : nil
            if let reference, reference.unicodeScalars.contains(where: { $0.value < 0x20 }) {
                problems.append(.init(field: "line \(number)", message: "the reference contains a control character"))
            }
            if let amount, let date, problems.isEmpty {
                lines.append(PaymentLine(line: number, invoiceID: invoice, amount: amount, date: date, reference: reference))
            }
        }
        guard problems.isEmpty else { throw InvoiceRejection(file: file, problems: problems) }
        guard !lines.isEmpty else { throw InvoiceRejection(file: file, "no payment lines") }
        return lines
    }

    /// `1 250,00`, `1.250,00`, `1,250.00`, `1250.5`, `-3` → a plain decimal with a point; nil otherwise.
    static func normalizedAmount(_ text: String) -> String? {
        var digits = text.filter { $0 != " " && $0 != "\u{00A0}" && $0 != "\u{202F}" && $0 != "'" && $0 != "€" }
        var negative = false
        if digits.hasPrefix("-") { negative = true; digits.removeFirst() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == ",") }) else { return nil }
        // The last separator followed by one to three digits (not exactly three after a point-and-comma mix) is the decimal one.
        if let last = digits.lastIndex(where: { $0 == "." || $0 == "," }) {
            let fraction = digits[digits.index(after: last)...]
            let whole = digits[..<last].filter(\.isNumber)
            let separators = digits.filter { $0 == "." || $0 == "," }
            let isThousands = fraction.count == 3 && (separators.count == 1 ? false : Set(separators).count == 1)
            digits = isThousands ? String(whole) + String(fraction) : String(whole) + "." + String(fraction)
            if fraction.isEmpty { return nil }
        }
        guard digits.first?.isNumber == true else { return nil }
        return (negative ? "-" : "") + digits
    }

    static func parseDate(_ text: String) -> LocalDate? {
        if let iso = LocalDate(iso: text) { return iso }
        for separator in ["/", "."] as [Character] {
            let parts = text.split(separator: separator)
            if parts.count == 3, parts[2].count == 4, let d = Int(parts[0]), let m = Int(parts[1]), let y = Int(parts[2]) {
                return LocalDate(year: y, month: m, day: d)
            }
        }
        return nil
    }

    /// Splits a CSV row, honouring double quotes ("" inside quotes is a quote).
    static func split(_ row: String, delimiter: Character) -> [String] {
        let chars = Array(row)
        var fields: [String] = [""]
        var quoted = false
        var index = 0
        while index < chars.count {
            let ch = chars[index]
            if ch == "\"" {
                if quoted, index + 1 < chars.count, chars[index + 1] == "\"" {
                    fields[fields.count - 1].append("\"")
                    index += 2
                    continue
                }
                quoted.toggle()
            } else if ch == delimiter, !quoted {
                fields.append("")
            } else {
                fields[fields.count - 1].append(ch)
            }
            index += 1
        }
        return fields.map { $0.trimmingWhitespace() }
    }
}
