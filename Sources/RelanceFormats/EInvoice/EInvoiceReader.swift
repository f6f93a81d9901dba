import RelanceCore

/// Reads UBL 2.1 (`Invoice`, `CreditNote`) and UN/CEFACT CII (Factur-X /
/// ZUGFeRD 2.x `CrossIndustryInvoice`, ZUGFeRD 1.0 `CrossIndustryDocument`)
/// into relance's values, by EN 16931 business term:
///
/// | term | UBL | CII |
/// | --- | --- | --- |
/// | BT-1 number | `cbc:ID` | `ExchangedDocument/ID` |
/// | BT-2 issue date | `cbc:IssueDate` | `IssueDateTime` (format 102) |
/// | BT-9 due date | `cbc:DueDate` / `PaymentMeans/PaymentDueDate` | `SpecifiedTradePaymentTerms/DueDateDateTime` |
/// | BT-20 terms | `PaymentTerms/Note` | `SpecifiedTradePaymentTerms/Description` |
/// | BT-5 currency | `DocumentCurrencyCode` | `InvoiceCurrencyCode` |
/// | BT-115 amount due | `LegalMonetaryTotal/PayableAmount` | `DuePayableAmount` (1.0: `GrandTotalAmount`) |
/// | BT-44 buyer | `PartyLegalEntity/RegistrationName`, else `PartyName/Name` | `BuyerTradeParty/Name` |
/// | BG-8 buyer address | `PostalAddress`: `StreetName`, `AdditionalStreetName`, `AddressLine/Line`, `CityName`, `PostalZone`, `CountrySubentity`, `Country/IdentificationCode` | `PostalTradeAddress`: `LineOne`–`LineThree`, `CityName`, `PostcodeCode`, `CountrySubDivisionName`, `CountryID` |
/// | buyer e-mail | `Contact/ElectronicMail`, else BT-49 `EndpointID` with scheme `EM` | `DefinedTradeContact/EmailURIUniversalCommunication/URIID`, else `URIUniversalCommunication/URIID` with scheme `EM` |
///
/// An invoice with no usable e-mail is still read (it is "no contact": kept, reported, never mailed).
enum EInvoiceReader {
    static func read(_ root: XMLNode, file: String) throws(InvoiceRejection) -> (InvoiceReader.Format, InvoiceReader.Document) {
        switch root.name {
        case "Invoice", "CreditNote": return (.ubl, try ubl(root, file: file))
        case "CrossIndustryInvoice", "CrossIndustryDocument": return (.cii, try cii(root, file: file))
        default: throw InvoiceRejection(file: file, "an XML document of type \(root.name), not an invoice (UBL or CII)")
        }
    }

    // MARK: - UBL

    static func ubl(_ root: XMLNode, file: String) throws(InvoiceRejection) -> InvoiceReader.Document {
        let buyer = root.first(["AccountingCustomerParty", "Party"])
        let fields = Fields(
            id: root.value(["ID"]), issueDate: root.value(["IssueDate"]).flatMap { LocalDate(iso: $0) },
            rawIssueDate: root.value(["IssueDate"]),
            dueDate: (root.value(["DueDate"]) ?? root.value(["PaymentMeans", "PaymentDueDate"])).flatMap { LocalDate(iso: $0) },
            terms: root.all(["PaymentTerms", "Note"]).map(\.text),
            currency: root.value(["DocumentCurrencyCode"]),
            amount: root.value(["LegalMonetaryTotal", "PayableAmount"]),
            buyerName: buyer?.value(["PartyLegalEntity", "RegistrationName"]) ?? buyer?.value(["PartyName", "Name"]),
            buyerID: buyer?.value(["PartyIdentification", "ID"]),
            emails: [buyer?.value(["Contact", "ElectronicMail"])].compactMap { $0 }
                + (buyer?.all(["EndpointID"]).filter { $0.attributes["schemeID"]?.uppercased() == "EM" }.map(\.text) ?? []),
            creditNote: root.name == "CreditNote" || root.value(["InvoiceTypeCode"]) == "381",
            refersTo: root.value(["BillingReference", "InvoiceDocumentReference", "ID"]),
            address: buyer?.first(["PostalAddress"]).map { postal in
                Fields.address(lines: [postal.value(["StreetName"]), postal.value(["AdditionalStreetName"]), postal.value(["AddressLine", "Line"])],
                               city: postal.value(["CityName"]), postalCode: postal.value(["PostalZone"]),
                               subdivision: postal.value(["CountrySubentity"]), country: postal.value(["Country", "IdentificationCode"]))
            } ?? nil)
        return try fields.document(file: file)
    }

    // MARK: - CII

    static func cii(_ root: XMLNode, file: String) throws(InvoiceRejection) -> InvoiceReader.Document {
        let document = root.first(["ExchangedDocument"]) ?? root.first(["HeaderExchangedDocument"])
        let transaction = root.first(["SupplyChainTradeTransaction"]) ?? root.first(["SpecifiedSupplyChainTradeTransaction"])
        let agreement = transaction?.first(["ApplicableHeaderTradeAgreement"]) ?? transaction?.first(["ApplicableSupplyChainTradeAgreement"])
        let settlement = transaction?.first(["ApplicableHeaderTradeSettlement"]) ?? transaction?.first(["ApplicableSupplyChainTradeSettlement"])
        let buyer = agreement?.first(["BuyerTradeParty"])
        let summation = settlement?.first(["SpecifiedTradeSettlementHeaderMonetarySummation"])
            ?? settlement?.first(["SpecifiedTradeSettlementMonetarySummation"])
        let rawIssue = document?.value(["IssueDateTime", "DateTimeString"])
        let fields = Fields(
            id: document?.value(["ID"]), issueDate: rawIssue.flatMap(date102), rawIssueDate: rawIssue,
            dueDate: settlement?.value(["SpecifiedTradePaymentTerms", "DueDateDateTime", "DateTimeString"]).flatMap(date102),
            terms: settlement?.all(["SpecifiedTradePaymentTerms", "Description"]).map(\.text) ?? [],
            currency: settlement?.value(["InvoiceCurrencyCode"]),
            amount: summation?.value(["DuePayableAmount"]) ?? summation?.value(["GrandTotalAmount"]),
            buyerName: buyer?.value(["Name"]), buyerID: buyer?.value(["ID"]),
            emails: (buyer?.all(["DefinedTradeContact", "EmailURIUniversalCommunication", "URIID"]).map(\.text) ?? [])
                + (buyer?.all(["URIUniversalCommunication", "URIID"]).filter { $0.attributes["schemeID"]?.uppercased() == "EM" }.map(\.text) ?? []),
            creditNote: document?.value(["TypeCode"]) == "381",
            refersTo: settlement?.value(["InvoiceReferencedDocument", "IssuerAssignedID"]),
            address: buyer?.first(["PostalTradeAddress"]).map { postal in
                Fields.address(lines: [postal.value(["LineOne"]), postal.value(["LineTwo"]), postal.value(["LineThree"])],
                               city: postal.value(["CityName"]), postalCode: postal.value(["PostcodeCode"]),
                               subdivision: postal.value(["CountrySubDivisionName"]), country: postal.value(["CountryID"]))
            } ?? nil)
        return try fields.document(file: file)
    }

    /// `20160404` (format 102), or an ISO date for the odd file that writes one.
    static func date102(_ text: String) -> LocalDate? { LocalDate(basic: text) ?? LocalDate(iso: text) }

    /// The business terms read from either syntax, checked the same way.
    struct Fields {
        var id: String?, issueDate: LocalDate?, rawIssueDate: String?, dueDate: LocalDate?, terms: [String]
        var currency: String?, amount: String?, buyerName: String?, buyerID: String?, emails: [String]
        var creditNote: Bool, refersTo: String?
        var address: PostalAddress?

        /// BG-8 cleaned for an envelope: one line each (no control characters), at most 200
        /// characters, empty parts dropped; nil when nothing usable is left.
        static func address(lines: [String?], city: String?, postalCode: String?, subdivision: String?, country: String?) -> PostalAddress? {
            let clean = { (text: String?) -> String? in
                guard let text else { return nil }
                let line = String(HeaderSafe.oneLine(text).trimmingWhitespace().prefix(200))
                return line.isEmpty ? nil : line
            }
            let code = clean(country)?.uppercased()
            let address = PostalAddress(lines: lines.compactMap(clean), postalCode: clean(postalCode), city: clean(city),
                                        subdivision: clean(subdivision),
                                        country: code.flatMap { $0.count == 2 && $0.allSatisfy { $0.isASCII && $0.isLetter } ? $0 : nil })
            return address.isUsable ? address : nil
        }

        func document(file: String) throws(InvoiceRejection) -> InvoiceReader.Document {
            var problems: [InvoiceRejection.Problem] = []
            func problem(_ field: String, _ message: String) { problems.append(.init(field: field, message: message)) }
            let clean = { (text: String?) in text?.trimmingWhitespace() }
            let id = clean(id)
            if id?.isEmpty ?? true { problem("BT-1 invoice number", "missing") }
            if let id, id.unicodeScalars.contains(where: { $0.value < 0x20 }) { problem("BT-1 invoice number", "contains a line break or control character") }
            if issueDate == nil { problem("BT-2 issue date", rawIssueDate.map { "\"\($0)\" is not a date" } ?? "missing") }
            let currency = clean(currency).flatMap { Currency(code: $0) }
            if currency == nil { problem("BT-5 currency", clean(self.currency).map { "\"\($0)\" is not an ISO 4217 code" } ?? "missing") }
            var money: Money?
            if let currency, let amount = clean(amount) {
                do { money = try Money(parsing: amount, currency: currency) } catch { problem("BT-115 amount due", error.description) }
            } else if currency != nil {
                problem("BT-115 amount due", "missing")
            }
            guard problems.isEmpty, let id, let issueDate, let money else { throw InvoiceRejection(file: file, problems: problems) }

            if creditNote || money.isNegative {
                guard let refersTo = clean(refersTo), !refersTo.isEmpty else {
                    throw InvoiceRejection(file: file, field: "BT-25 preceding invoice", "a credit note that names no invoice cannot be applied")
                }
                let amount = money.isNegative ? -money : money
                guard amount.isPositive else { throw InvoiceRejection(file: file, field: "BT-115 amount due", "a credit note for nothing") }
                return .creditNote(CreditNote(id: id, refersTo: refersTo, issueDate: issueDate, amount: amount))
            }
            let termsText = terms.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }.joined(separator: "\n")
            let parsedTerms = termsText.isEmpty ? nil : PaymentTermsParser.parse(termsText)
            let addresses = emails.compactMap { try? EmailAddress($0.trimmingWhitespace()) }
            var seen = Set<String>()
            let unique = addresses.filter { seen.insert($0.value.lowercased()).inserted }
            let name = clean(buyerName).flatMap { $0.isEmpty ? nil : $0 } ?? "(buyer without a name)"
            let invoice = Invoice(id: id, issueDate: issueDate, statedDueDate: dueDate, terms: parsedTerms, total: money,
                                  customer: Customer(id: clean(buyerID), name: HeaderSafe.oneLine(name), emails: unique, address: address))
            return .invoice(invoice)
        }
    }
}

/// Text that will reach a header: line breaks and control characters become spaces.
enum HeaderSafe {
    static func oneLine(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }
}
