public import RelanceCore

/// The entry point of the formats: recognises a file by its content and hands
/// it to the reader for that format. Every outcome is an `Invoice` or an
/// `InvoiceRejection` naming the file; nothing here throws anything else.
public enum InvoiceReader {
    /// The formats relance recognises by content.
    public enum Format: String, Sendable {
        case json, ubl, cii, csv
        case facturXPDF = "facturx-pdf"
    }

    /// What a file turned out to hold.
    public enum Document: Sendable {
        case invoice(Invoice)
        case creditNote(CreditNote)
    }

    /// A file that was read: one document, or several for a CSV batch.
    public struct Read: Sendable {
        public let file: String
        public let format: Format
        public let documents: [Document]

        public init(file: String, format: Format, document: Document) {
            self.init(file: file, format: format, documents: [document])
        }

        public init(file: String, format: Format, documents: [Document]) {
            self.file = file
            self.format = format
            self.documents = documents
        }

        /// The first document.
        public var document: Document { documents[0] }

        /// The first invoice, when the file held one (nil for a credit note).
        public var invoice: Invoice? { invoices.first }

        public var invoices: [Invoice] {
            documents.compactMap { if case .invoice(let invoice) = $0 { invoice } else { nil } }
        }
    }

    /// Reads one file. `defaultTerms` (the statutory term, `schedule.default_terms`) applies
    /// to an invoice that states neither a due date nor terms relance understands; without
    /// it such an invoice is rejected. Pickup and `relance preview` both come here, with the
    /// same inbox rule and limits, so they never disagree.
    public static func read(file: String, inbox: String? = nil, sizeLimit: Int = InboxFile.defaultSizeLimit,
                            defaultTerms: PaymentTerms? = nil) throws(InvoiceRejection) -> Read {
        let bytes = try InboxFile.read(file, inbox: inbox, sizeLimit: sizeLimit)
        return try read(bytes: bytes, file: file, inbox: inbox, defaultTerms: defaultTerms)
    }

    public static func read(bytes: [UInt8], file: String, inbox: String?, defaultTerms: PaymentTerms? = nil) throws(InvoiceRejection) -> Read {
        let read = try readDocuments(bytes: bytes, file: file, inbox: inbox)
        var documents: [Document] = []
        for document in read.documents {
            guard case .invoice(let invoice) = document, invoice.dueDate == nil else { documents.append(document); continue }
            guard let defaultTerms else {
                let said = invoice.terms.map { " and its terms \"\($0.text.prefix(120))\" give none relance understands" } ?? " and states no terms"
                throw InvoiceRejection(file: file, field: read.format == .json || read.format == .csv ? "dueDate" : "BT-9 due date",
                                       "invoice \(invoice.id) states no due date\(said) (schedule.default_terms would apply the legal term)")
            }
            documents.append(.invoice(invoice.applyingDefaultTerms(defaultTerms)))
        }
        return Read(file: read.file, format: read.format, documents: documents)
    }

    private static func readDocuments(bytes: [UInt8], file: String, inbox: String?) throws(InvoiceRejection) -> Read {
        switch detect(bytes) {
        case .json:
            let document = try InvoiceJSONReader.read(bytes, location: .init(file: file, inbox: inbox))
            return Read(file: file, format: .json, document: document)
        case .ubl, .cii:
            let root: XMLNode
            do { root = try SafeXML.parse(bytes) } catch { throw InvoiceRejection(file: file, "\(error.description)") }
            let (format, document) = try EInvoiceReader.read(root, file: file)
            return Read(file: file, format: format, document: document)
        case .facturXPDF:
            let xml: [UInt8]
            do { xml = try FacturXPDF.embeddedInvoice(bytes) } catch {
                switch error {
                case .broken, .notAPDF: throw InvoiceRejection(file: file, "a broken PDF: no readable object in it")
                case .noInvoice: throw InvoiceRejection(file: file, "a PDF without an embedded invoice XML (not Factur-X / ZUGFeRD)")
                }
            }
            let root: XMLNode
            do { root = try SafeXML.parse(xml) } catch { throw InvoiceRejection(file: file, "the embedded invoice: \(error.description)") }
            let (_, document) = try EInvoiceReader.read(root, file: file)
            guard case .invoice(var invoice) = document else { return Read(file: file, format: .facturXPDF, document: document) }
            // The PDF is the invoice people read: it goes with the reminders.
            invoice.attachment = file.split(separator: "/").last.map(String.init)
            return Read(file: file, format: .facturXPDF, document: .invoice(invoice))
        case .csv:
            return Read(file: file, format: .csv, documents: try InvoiceCSVReader.read(bytes, file: file, inbox: inbox))
        case nil:
            if bytes.isEmpty { throw InvoiceRejection(file: file, "the file is empty") }
            throw InvoiceRejection(file: file, "not a format relance reads (expected a JSON invoice, UBL or CII XML, a Factur-X PDF, or a CSV batch with a header row)")
        }
    }

    /// Detection by content, never by file name: a JSON document starts with `{`; an XML one with `<`
    /// (which of UBL or CII it is, the root element says once parsed).
    public static func detect(_ bytes: [UInt8]) -> Format? {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard let first = body.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else { return nil }
        if first == UInt8(ascii: "{") { return .json }
        if body.starts(with: Array("%PDF-".utf8)) { return .facturXPDF }
        if InvoiceCSVReader.looksLikeBatch(body) { return .csv }
        if first == UInt8(ascii: "<") {
            let head = String(decoding: body.prefix(4096), as: UTF8.self)
            return head.contains("CrossIndustry") ? .cii : .ubl
        }
        return nil
    }
}
