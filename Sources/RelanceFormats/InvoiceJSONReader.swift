import RelanceCore

/// Reads relance's own invoice format, JSON version 1 (see docs/invoice-json.md),
/// collecting every problem with its field path instead of stopping at the first.
public struct InvoiceJSONReader {
    /// Where the file sits, to resolve and contain its `attachment`.
    public struct Location: Sendable {
        public let file: String
        /// The inbox root the attachment must stay inside; nil to skip the containment check.
        public let inbox: String?

        public init(file: String, inbox: String?) {
            self.file = file
            self.inbox = inbox
        }
    }

    static let knownKeys: Set<String> = [
        "version", "kind", "refersTo", "id", "issueDate", "dueDate", "terms", "currency", "total", "amountPaid", "customer", "attachment",
    ]
    static let customerKeys: Set<String> = ["id", "name", "email", "cc", "language", "address"]
    static let addressKeys: Set<String> = ["lines", "postalCode", "city", "region", "country"]

    private var problems: [InvoiceRejection.Problem] = []

    public static func read(_ bytes: [UInt8], location: Location) throws(InvoiceRejection) -> InvoiceReader.Document {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw InvoiceRejection(file: location.file, field: "file", "not valid JSON (\(error))")
        }
        var reader = InvoiceJSONReader()
        if case .string("credit-note") = document["kind"] {
            let note = reader.creditNote(document)
            guard reader.problems.isEmpty, let note else { throw InvoiceRejection(file: location.file, problems: reader.problems) }
            return .creditNote(note)
        }
        if let kind = document["kind"], kind != .string("invoice") {
            throw InvoiceRejection(file: location.file, field: "kind", "must be \"invoice\" or \"credit-note\"")
        }
        let invoice = reader.invoice(document, location: location)
        guard reader.problems.isEmpty, let invoice else {
            throw InvoiceRejection(file: location.file, problems: reader.problems)
        }
        return .invoice(invoice)
    }

    /// A credit note: `kind`, `id`, `refersTo`, `issueDate`, `currency`, `total` (the amount credited).
    private mutating func creditNote(_ document: JSONValue) -> CreditNote? {
        guard case .object(let members) = document else { return nil }
        let allowed: Set<String> = ["version", "kind", "id", "refersTo", "issueDate", "currency", "total", "customer"]
        for (key, _) in members where !allowed.contains(key) {
            problem(key, "unknown field for a credit note (fields: \(allowed.sorted().joined(separator: ", ")))")
        }
        let id = text(document, "id", required: true, maxLength: 200)
        let refersTo = text(document, "refersTo", required: true, maxLength: 200)
        let issueDate = date(document, "issueDate", required: true)
        let code = text(document, "currency", required: true, maxLength: 16)
        let currency = code.flatMap { Currency(code: $0) }
        if let code, currency == nil { problem("currency", "\"\(code)\" is not an ISO 4217 currency code") }
        let total = currency.flatMap { amount(document, "total", currency: $0, required: true) }
        if let total, !total.isPositive { problem("total", "a credit note credits a positive amount") }
        guard let id, let refersTo, let issueDate, let total else { return nil }
        return CreditNote(id: id, refersTo: refersTo, issueDate: issueDate, amount: total)
    }

    private mutating func invoice(_ document: JSONValue, location: Location) -> Invoice? {
        guard case .object(let members) = document else {
            problem("file", "the document must be a JSON object, found \(document.typeName)")
            return nil
        }
        for (key, _) in members where !Self.knownKeys.contains(key) {
            problem(key, "unknown field (version 1 fields: \(Self.knownKeys.sorted().joined(separator: ", ")))")
        }
        if let version = document["version"], version != .number("1") {
            problem("version", "only version 1 is understood")
        }
        let id = text(document, "id", required: true, maxLength: 200)
        let issueDate = date(document, "issueDate", required: true)
        let statedDue = date(document, "dueDate", required: false)
        let termsText = text(document, "terms", required: false, maxLength: 2000, allowLineBreaks: true)
        let currencyCode = text(document, "currency", required: true, maxLength: 16)
        var currency: Currency?
        if let currencyCode {
            currency = Currency(code: currencyCode)
            if currency == nil { problem("currency", "\"\(currencyCode)\" is not an ISO 4217 currency code") }
        }
        let total = currency.flatMap { amount(document, "total", currency: $0, required: true) }
        let paid = currency.flatMap { amount(document, "amountPaid", currency: $0, required: false) }
        if let total, total.isNegative { problem("total", "an invoice cannot have a negative total (send a credit note)") }
        if let paid, paid.isNegative { problem("amountPaid", "cannot be negative") }
        let customer = self.customer(document["customer"])
        let attachment = self.attachment(document["attachment"], location: location)

        var terms: PaymentTerms?
        if let termsText {
            let parsed = PaymentTermsParser.parse(termsText)
            terms = parsed
        }
        if let issueDate, let statedDue, statedDue < issueDate {
            problem("dueDate", "\(statedDue) is before the issue date \(issueDate)")
        }
        guard let id, let issueDate, let total, let customer, problems.isEmpty else { return nil }
        let invoice = Invoice(id: id, issueDate: issueDate, statedDueDate: statedDue, terms: terms, total: total,
                              amountPaid: paid, customer: customer, attachment: attachment)
        return invoice
    }

    /// `customer.address`: `{"lines": ["12 rue …"], "postalCode": "69003", "city": "Lyon", "region": "…", "country": "FR"}`.
    private mutating func address(_ value: JSONValue?) -> PostalAddress? {
        guard let value, value != .null else { return nil }
        guard case .object(let members) = value else { problem("customer.address", "expected an object, found \(value.typeName)"); return nil }
        for (key, _) in members where !Self.addressKeys.contains(key) {
            problem("customer.address.\(key)", "unknown field (address fields: \(Self.addressKeys.sorted().joined(separator: ", ")))")
        }
        var lines: [String] = []
        if let list = value["lines"] {
            if case .array(let items) = list, items.count <= 3 {
                for (index, item) in items.enumerated() {
                    guard case .string(let line) = item, line.count <= 200, !line.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                        problem("customer.address.lines[\(index)]", "expected one line of at most 200 characters"); continue
                    }
                    let trimmed = line.trimmingWhitespace()
                    if !trimmed.isEmpty { lines.append(trimmed) }
                }
            } else {
                problem("customer.address.lines", "expected an array of at most three strings")
            }
        }
        let postalCode = text(value, "postalCode", required: false, maxLength: 20, prefix: "customer.address.")
        let city = text(value, "city", required: false, maxLength: 100, prefix: "customer.address.")
        let region = text(value, "region", required: false, maxLength: 100, prefix: "customer.address.")
        let country = text(value, "country", required: false, maxLength: 2, prefix: "customer.address.")?.uppercased()
        if let country, country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isLetter }) {
            problem("customer.address.country", "\"\(country)\" is not a two-letter ISO 3166 code")
        }
        let address = PostalAddress(lines: lines, postalCode: postalCode, city: city, subdivision: region, country: country)
        if !address.isUsable { problem("customer.address", "needs lines or a city"); return nil }
        return address
    }

    private mutating func customer(_ value: JSONValue?) -> Customer? {
        guard let value else { problem("customer", "required"); return nil }
        guard case .object(let members) = value else {
            problem("customer", "expected an object, found \(value.typeName)")
            return nil
        }
        for (key, _) in members where !Self.customerKeys.contains(key) {
            problem("customer.\(key)", "unknown field (customer fields: \(Self.customerKeys.sorted().joined(separator: ", ")))")
        }
        let id = text(value, "id", required: false, maxLength: 200, prefix: "customer.")
        let name = text(value, "name", required: true, maxLength: 300, prefix: "customer.")
        let emails = addresses(value["email"], field: "customer.email", required: true)
        let cc = addresses(value["cc"], field: "customer.cc", required: false)
        var language: Language?
        if let tag = text(value, "language", required: false, maxLength: 35, prefix: "customer.") {
            language = Language(tag: tag)
            if language == nil { problem("customer.language", "\"\(tag)\" is not one of fr, en, de") }
        }
        guard let name, let emails else { return nil }
        return Customer(id: id, name: name, emails: emails, cc: cc ?? [], language: language, address: address(value["address"]))
    }

    private mutating func addresses(_ value: JSONValue?, field: String, required: Bool) -> [EmailAddress]? {
        guard let value, value != .null else {
            if required { problem(field, "required") }
            return nil
        }
        var items: [(String, JSONValue)] = []
        switch value {
        case .string: items = [(field, value)]
        case .array(let elements):
            guard !elements.isEmpty || !required else { problem(field, "needs at least one address"); return nil }
            items = elements.enumerated().map { ("\(field)[\($0.offset)]", $0.element) }
        default:
            problem(field, "expected an address or a list of addresses, found \(value.typeName)")
            return nil
        }
        var result: [EmailAddress] = []
        for (path, item) in items {
            guard case .string(let raw) = item else { problem(path, "expected a string, found \(item.typeName)"); continue }
            do { result.append(try EmailAddress(raw)) } catch { problem(path, error.description) }
        }
        return result.count == items.count ? result : nil
    }

    private mutating func attachment(_ value: JSONValue?, location: Location) -> String? {
        guard let value, value != .null else { return nil }
        guard case .string(let path) = value, !path.isEmpty else {
            problem("attachment", "expected a relative file path")
            return nil
        }
        guard !path.hasPrefix("/") else { problem("attachment", "must be a path relative to the invoice file"); return nil }
        guard !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            problem("attachment", "contains a control character")
            return nil
        }
        let directory = location.file.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let full = (directory.isEmpty ? "." : directory) + "/" + path
        if let inbox = location.inbox {
            guard InboxFile.isInside(full, root: inbox), InboxFile.resolvesInside(full, root: inbox) else {
                problem("attachment", "\"\(path)\" leads outside the inbox")
                return nil
            }
        }
        return path
    }

    // MARK: - Field readers

    private mutating func text(_ object: JSONValue, _ key: String, required: Bool, maxLength: Int,
                               allowLineBreaks: Bool = false, prefix: String = "") -> String? {
        let field = prefix + key
        guard let value = object[key], value != .null else {
            if required { problem(field, "required") }
            return nil
        }
        guard case .string(let raw) = value else { problem(field, "expected a string, found \(value.typeName)"); return nil }
        let trimmed = raw.trimmingWhitespace()
        if required, trimmed.isEmpty { problem(field, "must not be empty"); return nil }
        if raw.count > maxLength { problem(field, "longer than \(maxLength) characters"); return nil }
        let forbidden = raw.unicodeScalars.contains { scalar in
            (scalar.value < 0x20 && !(allowLineBreaks && (scalar == "\n" || scalar == "\r" || scalar == "\t")))
                || scalar.value == 0x7F || scalar == "\u{2028}" || scalar == "\u{2029}"
        }
        if forbidden {
            problem(field, allowLineBreaks ? "contains a control character" : "contains a line break (CR/LF) or control character")
            return nil
        }
        return trimmed
    }

    private mutating func date(_ object: JSONValue, _ key: String, required: Bool) -> LocalDate? {
        guard let value = object[key], value != .null else {
            if required { problem(key, "required") }
            return nil
        }
        guard case .string(let raw) = value else { problem(key, "expected a date string YYYY-MM-DD, found \(value.typeName)"); return nil }
        guard let date = LocalDate(iso: raw) else { problem(key, "\"\(raw.prefix(40))\" is not a date in the form YYYY-MM-DD"); return nil }
        return date
    }

    private mutating func amount(_ object: JSONValue, _ key: String, currency: Currency, required: Bool) -> Money? {
        guard let value = object[key], value != .null else {
            if required { problem(key, "required") }
            return nil
        }
        let literal: String
        switch value {
        case .string(let s): literal = s.trimmingWhitespace()
        case .number(let n): literal = n
        default: problem(key, "expected an amount such as \"1250.00\", found \(value.typeName)"); return nil
        }
        do { return try Money(parsing: literal, currency: currency) } catch { problem(key, error.description); return nil }
    }

    private mutating func problem(_ field: String, _ message: String) {
        problems.append(.init(field: field, message: message))
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
