/// Reads CSV batches, one invoice per row, with a header row naming the
/// columns (case-insensitive; see docs/invoice-csv.md): `id`, `issueDate`,
/// `dueDate`, `terms`, `currency`, `total`, `amountPaid`, `customerId`,
/// `customerName`, `email` (several separated by spaces or `|`), `cc`,
/// `language`. `;`, `,` or tab is detected from the header; amounts may use a
/// decimal comma or point; dates are `YYYY-MM-DD` or `DD/MM/YYYY`. Each row is
/// checked by the JSON reader's rules, so the two formats accept the same
/// invoices; a file with one bad row is rejected whole, every problem named
/// with its line.
enum InvoiceCSVReader {
    static let columns: [String: String] = [
        "id": "id", "invoice": "id", "number": "id", "issuedate": "issueDate", "date": "issueDate", "duedate": "dueDate",
        "due": "dueDate", "terms": "terms", "currency": "currency", "total": "total", "amount": "total", "amountpaid": "amountPaid",
        "paid": "amountPaid", "customerid": "customer.id", "customername": "customer.name", "customer": "customer.name",
        "email": "customer.email", "cc": "customer.cc", "language": "customer.language",
    ]

    /// True when the first line looks like a header this reader understands.
    static func looksLikeBatch(_ bytes: ArraySlice<UInt8>) -> Bool {
        let first = String(decoding: bytes.prefix(2048).prefix { $0 != 0x0A }, as: UTF8.self).lowercased()
        let names = first.split(whereSeparator: { $0 == ";" || $0 == "," || $0 == "\t" })
            .map { $0.filter { $0.isLetter } }
        return names.contains("total") || names.contains("amount") ? names.contains("id") || names.contains("invoice") || names.contains("number") : false
    }

    static func read(_ bytes: [UInt8], file: String, inbox: String?) throws(InvoiceRejection) -> [InvoiceReader.Document] {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard let text = String(validating: Array(body), as: UTF8.self) else {
            throw InvoiceRejection(file: file, "the CSV file is not valid UTF-8 text")
        }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        guard let headerLine = lines.first else { throw InvoiceRejection(file: file, "the file is empty") }
        let delimiter: Character = headerLine.contains(";") ? ";" : (headerLine.contains("\t") ? "\t" : ",")
        let header = PaymentCSVReader.split(String(headerLine), delimiter: delimiter)
        var keys: [String?] = []
        var problems: [InvoiceRejection.Problem] = []
        for name in header {
            let key = columns[name.lowercased().filter { $0.isLetter }]
            if key == nil { problems.append(.init(field: "line 1", message: "unknown column \"\(name)\" (known: \(Set(columns.values).sorted().joined(separator: ", ")))")) }
            keys.append(key)
        }
        guard problems.isEmpty else { throw InvoiceRejection(file: file, problems: problems) }
        var documents: [InvoiceReader.Document] = []
        for (offset, line) in lines.enumerated().dropFirst() where !line.allSatisfy(\.isWhitespace) {
            let number = offset + 1
            let values = PaymentCSVReader.split(String(line), delimiter: delimiter)
            guard values.count == keys.count else {
                problems.append(.init(field: "line \(number)", message: "\(values.count) fields where the header has \(keys.count)"))
                continue
            }
            var top: [(String, JSONValue)] = [("version", .number("1"))]
            var customer: [(String, JSONValue)] = []
            for (key, value) in zip(keys, values) where !value.isEmpty {
                guard let key else { continue }
                let json: JSONValue
                switch key {
                case "total", "amountPaid": json = .string(PaymentCSVReader.normalizedAmount(value) ?? value)
                case "issueDate", "dueDate": json = .string(PaymentCSVReader.parseDate(value)?.iso ?? value)
                case "customer.email", "customer.cc":
                    json = .array(value.split(whereSeparator: { $0 == " " || $0 == "|" || $0 == "," || $0 == ";" }).map { .string(String($0)) })
                default: json = .string(value)
                }
                if key.hasPrefix("customer.") { customer.append((String(key.dropFirst(9)), json)) } else { top.append((key, json)) }
            }
            top.append(("customer", .object(customer)))
            let row = Array(JSONWriter.serialize(.object(top)).utf8)
            do {
                documents.append(try InvoiceJSONReader.read(row, location: .init(file: file, inbox: inbox)))
            } catch {
                problems += error.problems.map { .init(field: "line \(number): \($0.field)", message: $0.message) }
            }
        }
        guard problems.isEmpty else { throw InvoiceRejection(file: file, problems: problems) }
        guard !documents.isEmpty else { throw InvoiceRejection(file: file, "a header and no invoice rows") }
        return documents
    }
}
