public import RelanceCore

/// Reads SWIFT MT940 customer statements as banks deliver them: plain field text or wrapped in
/// SWIFT blocks (`{1:…}{4:…-}`), several statements per file, each `:61:` with its `:86:`. The
/// `:86:` details are read in the common structured variants: the German `?NN` subfields
/// (`?20`–`?29` and `?60`–`?63` remittance with `EREF+`/`SVWZ+`, `?31` IBAN, `?32`–`?33` name), the
/// Dutch `/NAME/…/REMI/…/EREF/…/IBAN/…` tags, else the whole text as remittance. An impossible
/// day ("30 February", written by some banks) is the month's last, as the Python mt-940 library
/// reads it. Every problem names the statement line and the field.
public enum MT940Reader {
    public static let maximumEntries = 2_000_000

    /// Whether the bytes look like MT940 (detected by content).
    public static func recognizes(_ bytes: [UInt8]) -> Bool {
        let head = String(decoding: bytes.prefix(2048), as: UTF8.self)
        return head.contains(":20:") && (head.contains(":25:") || head.contains(":61:") || head.contains(":60F:"))
    }

    public static func read(_ bytes: [UInt8], file: String) throws(InvoiceRejection) -> [BankEntry] {
        // SWIFT text is ASCII (the X character set); Latin-1 stands in for the odd accented byte.
        let text = String(validating: bytes, as: UTF8.self) ?? String(bytes.map { Character(Unicode.Scalar($0)) })
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n").components(separatedBy: "\n")
        // Unwrap SWIFT blocks: "{1:…}{2:…}{4:" before the fields, "-}" after.
        lines = lines.map { line in
            var line = line
            if let start = line.range(of: "{4:") { line = String(line[start.upperBound...]) }
            if line.hasPrefix("-}") || line == "-" { return "-" }
            return line
        }
        var fields: [(tag: String, value: String, line: Int)] = []
        for (number, line) in lines.enumerated() {
            if line.hasPrefix(":"), let close = line.dropFirst().firstIndex(of: ":"), line.distance(from: line.startIndex, to: close) <= 5 {
                let tag = String(line[line.index(after: line.startIndex)..<close])
                fields.append((tag, String(line[line.index(after: close)...]), number + 1))
            } else if line == "-" {
                fields.append(("-", "", number + 1))
            } else if !fields.isEmpty, fields[fields.count - 1].tag != "-" {
                fields[fields.count - 1].value += "\n" + line
            }
        }
        var entries: [BankEntry] = []
        var account: String?
        var currency: Currency?
        var pending: BankEntry?
        func flush() {
            if let entry = pending { entries.append(entry) }
            pending = nil
        }
        for field in fields {
            switch field.tag {
            case "20", "-":
                flush()
                if field.tag == "20" { account = nil; currency = nil }
            case "25":
                account = field.value.trimmingCharacters(in: .whitespacesAndNewlines)
            case "60F", "60M", "62F", "62M":
                // [C|D] YYMMDD CCY amount: the statement's currency.
                let value = field.value.trimmingCharacters(in: .whitespacesAndNewlines)
                if value.count >= 10, currency == nil || field.tag.hasPrefix("60") {
                    let code = String(value.dropFirst(7).prefix(3))
                    guard let known = Currency(statementCode: code) else {
                        throw InvoiceRejection(file: file, field: "line \(field.line) :\(field.tag):", "\"\(code)\" is not a currency")
                    }
                    currency = known
                }
            case "61":
                flush()
                guard entries.count < maximumEntries else { throw InvoiceRejection(file: file, "more than \(maximumEntries) entries") }
                pending = try transaction(field.value, currency: currency ?? .unstated, account: account, index: entries.count + 1,
                                          file: file, line: field.line)
            case "86":
                guard var entry = pending else { continue }
                details(field.value, into: &entry)
                pending = entry
                flush()
            default:
                break
            }
        }
        flush()
        return entries
    }

    /// `YYMMDD[MMDD](C|D|RC|RD)[funds code]amount[N|F|S]xxx customer-ref[//bank-ref][\nsupplementary]`.
    static func transaction(_ value: String, currency: Currency, account: String?, index: Int, file: String, line: Int) throws(InvoiceRejection) -> BankEntry {
        let firstLine = value.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? value
        let chars = Array(firstLine)
        var at = 0
        func fail(_ message: String) -> InvoiceRejection { InvoiceRejection(file: file, field: "line \(line) :61:", message) }
        func digits(_ count: Int) -> Int? {
            guard at + count <= chars.count, chars[at..<(at + count)].allSatisfy(\.isNumber) else { return nil }
            defer { at += count }
            return Int(String(chars[at..<(at + count)]))
        }
        guard let yymmdd = digits(6) else { throw fail("\"\(firstLine.prefix(20))\" does not start with a value date YYMMDD") }
        let year = 2000 + yymmdd / 10_000 >= 2080 ? 1900 + yymmdd / 10_000 : 2000 + yymmdd / 10_000
        guard let valueDate = clampedDate(year: year, month: yymmdd / 100 % 100, day: yymmdd % 100) else {
            throw fail("\(yymmdd) is not a date")
        }
        var entryDate: LocalDate?
        if at + 4 <= chars.count, chars[at..<(at + 4)].allSatisfy(\.isNumber), let mmdd = digits(4) {
            // The booking day's year is the value day's, unless they straddle a new year.
            var entryYear = year
            if mmdd / 100 == 12, valueDate.month == 1 { entryYear -= 1 } else if mmdd / 100 == 1, valueDate.month == 12 { entryYear += 1 }
            entryDate = clampedDate(year: entryYear, month: mmdd / 100, day: mmdd % 100)
        }
        var reversal = false
        var credit: Bool
        if at + 2 <= chars.count, chars[at] == "R", chars[at + 1] == "C" || chars[at + 1] == "D" {
            reversal = true
            credit = chars[at + 1] == "C"
            at += 2
        } else if at < chars.count, chars[at] == "C" || chars[at] == "D" {
            credit = chars[at] == "C"
            at += 1
        } else {
            throw fail("no debit/credit mark (C, D, RC or RD) after the dates")
        }
        // RC and RD are returns: recorded, never applied; their sign follows the last letter, as the
        // Python mt-940 library and most bank software read it.
        if at < chars.count, chars[at].isLetter { at += 1 }  // funds code
        var amountText = ""
        while at < chars.count, chars[at].isNumber || chars[at] == "," { amountText.append(chars[at]); at += 1 }
        guard !amountText.isEmpty, amountText.filter({ $0 == "," }).count <= 1 else { throw fail("no amount after the debit/credit mark") }
        var normalized = amountText.replacingOccurrences(of: ",", with: ".")
        if normalized.hasSuffix(".") { normalized.removeLast() }
        // More decimals than the currency has are zeros in practice ("0,10" in JPY is refused as it should be).
        let amount: Money
        do { amount = try Money(parsing: normalized.hasPrefix(".") ? "0" + normalized : normalized, currency: currency) } catch {
            throw fail("\"\(amountText)\": \(error)")
        }
        var entry = BankEntry(account: account, amount: amount, credit: credit, index: index)
        entry.reversal = reversal
        entry.valueDate = valueDate
        entry.bookingDate = entryDate ?? valueDate
        // Transaction type (4 characters), then the references.
        at = min(chars.count, at + 4)
        let references = String(chars[at...])
        if let slash = references.range(of: "//") {
            let bank = references[slash.upperBound...].trimmingCharacters(in: .whitespaces)
            if !bank.isEmpty { entry.entryReference = bank }
        }
        return entry
    }

    /// A date whose impossible day (30 February) is the month's last, as banks mean it.
    static func clampedDate(year: Int, month: Int, day: Int) -> LocalDate? {
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        if let date = LocalDate(year: year, month: month, day: day) { return date }
        return LocalDate(year: year, month: month, day: 1)?.endOfMonth
    }

    /// The `:86:` information: German `?NN` subfields, Dutch `/TAG/` pairs, else free text.
    static func details(_ value: String, into entry: inout BankEntry) {
        let text = value.replacingOccurrences(of: "\n", with: "")
        if text.contains("?20") || text.contains("?00") || text.contains("?32") {
            var subfields: [String: String] = [:]
            var parts = text.components(separatedBy: "?")
            parts.removeFirst()  // the transaction code before the first ?
            for part in parts where part.count >= 2 {
                let code = String(part.prefix(2))
                guard code.allSatisfy(\.isNumber) else { continue }
                subfields[code, default: ""] += String(part.dropFirst(2))
            }
            let remittance = (20...29).compactMap { subfields[String($0)] } + (60...63).compactMap { subfields[String($0)] }
            let joined = remittance.joined()
            // SEPA keys inside: EREF+ (end to end), SVWZ+ (the purpose), …
            var keyed: [String: String] = [:]
            let keys = ["EREF+", "KREF+", "MREF+", "CRED+", "DEBT+", "SVWZ+", "ABWA+", "ABWE+", "IBAN+", "BIC+"]
            var current: String?
            var rest = Substring(joined)
            while !rest.isEmpty {
                if let key = keys.first(where: { rest.hasPrefix($0) }) {
                    current = key
                    rest = rest.dropFirst(key.count)
                    continue
                }
                if let current { keyed[current, default: ""].append(rest.first!) } else { keyed["", default: ""].append(rest.first!) }
                rest = rest.dropFirst()
            }
            entry.endToEndID = keyed["EREF+"].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty || $0 == "NOTPROVIDED" ? nil : $0 }
            let purpose = keyed["SVWZ+"] ?? keyed[""] ?? joined
            entry.remittance = purpose.trimmingCharacters(in: .whitespaces).isEmpty ? nil : String(purpose.prefix(1_000))
            let name = [subfields["32"], subfields["33"]].compactMap { $0 }.joined()
            entry.debtorName = name.isEmpty ? nil : name.trimmingCharacters(in: .whitespaces)
            if let iban = subfields["31"]?.filter({ $0 != " " }), iban.count >= 15, iban.prefix(2).allSatisfy(\.isLetter) { entry.debtorIBAN = iban.uppercased() }
        } else if text.hasPrefix("/") {
            var tags: [String: String] = [:]
            let known = ["EREF", "NAME", "REMI", "IBAN", "BIC", "CNTP", "TRTP", "ORDP", "BENM", "MARF", "CSID", "PREF", "RTRN", "ISDT", "SVWZ", "ADDR", "ULTC", "ULTD", "PURP"]
            let pieces = text.components(separatedBy: "/")
            var current: String?
            for piece in pieces {
                if known.contains(piece) { current = piece; if tags[piece] == nil { tags[piece] = "" }; continue }
                if let current { tags[current] = (tags[current].map { $0.isEmpty ? $0 : $0 + "/" } ?? "") + piece }
            }
            entry.endToEndID = tags["EREF"].flatMap { $0.isEmpty || $0 == "NOTPROVIDED" ? nil : $0 }
            let remittance = tags["REMI"].map { $0.replacingOccurrences(of: "USTD//", with: "").replacingOccurrences(of: "STRD/CUR/", with: "") }
            entry.remittance = (remittance?.isEmpty == false ? remittance : nil) ?? (tags.isEmpty ? text : nil)
            entry.debtorName = tags["NAME"].flatMap { $0.isEmpty ? nil : $0 }
            if let iban = tags["IBAN"], iban.count >= 15 { entry.debtorIBAN = iban.uppercased() }
        } else {
            let trimmed = value.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
            entry.remittance = trimmed.isEmpty ? nil : String(trimmed.prefix(1_000))
        }
    }
}
