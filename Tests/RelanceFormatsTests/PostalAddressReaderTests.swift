import Foundation
import RelanceCore
@testable import RelanceFormats
import Testing

/// The buyer's postal address (EN 16931 BG-8) from JSON, UBL and CII, and what a hostile one becomes.
@Suite("postal addresses in invoices")
struct PostalAddressReaderTests {
    static func read(_ text: String, name: String) throws(InvoiceRejection) -> Invoice? {
        try InvoiceReader.read(bytes: Array(text.utf8), file: name, inbox: nil).invoice
    }

    static func json(address: String) -> String {
        #"{"id": "F-1", "issueDate": "2026-10-01", "dueDate": "2026-11-01", "currency": "EUR", "total": "10.00", "#
            + #""customer": {"name": "Acme", "email": "ap@acme.example", "address": \#(address)}}"#
    }

    @Test("JSON: lines, post code, city, region and country")
    func json() throws {
        let invoice = try Self.read(Self.json(address: #"{"lines": ["12 rue X", " Bât. B "], "postalCode": "69003", "city": "Lyon", "country": "fr"}"#),
                                    name: "a.json")
        #expect(invoice?.customer.address == PostalAddress(lines: ["12 rue X", "Bât. B"], postalCode: "69003", city: "Lyon", country: "FR"))
        #expect(invoice?.customer.address?.envelopeLines(senderCountry: "FR") == ["12 rue X", "Bât. B", "69003 LYON"])
        #expect(invoice?.customer.address?.envelopeLines(senderCountry: "DE") == ["12 rue X", "Bât. B", "69003 LYON", "FRANCE"])
    }

    @Test("JSON: a hostile or broken address is refused with its field", arguments: [
        (#""12 rue X""#, "customer.address: expected an object"),
        (#"{"lines": ["a\nb"], "city": "Lyon"}"#, "customer.address.lines[0]"),
        (#"{"lines": ["1", "2", "3", "4"], "city": "Lyon"}"#, "customer.address.lines: expected an array of at most three"),
        (#"{"city": "Lyon", "country": "FRA"}"#, "customer.address.country"),
        (#"{"city": "Lyon", "planet": "Earth"}"#, "customer.address.planet: unknown field"),
        (#"{}"#, "customer.address: needs lines or a city"),
        (#"{"lines": [""#  + String(repeating: "x", count: 300) + #""], "city": "Lyon"}"#, "customer.address.lines[0]"),
    ])
    func hostileJSON(address: String, problem: String) {
        do {
            _ = try Self.read(Self.json(address: address), name: "a.json")
            Issue.record("accepted \(address)")
        } catch {
            #expect(error.problems.contains { "\($0.field): \($0.message)".contains(problem) }, "\(error.problems)")
        }
    }

    static let ubl = """
        <Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
          <cbc:ID>U-1</cbc:ID><cbc:IssueDate>2026-10-01</cbc:IssueDate><cbc:DueDate>2026-11-01</cbc:DueDate>
          <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
          <cac:AccountingCustomerParty><cac:Party>
            <cbc:EndpointID schemeID="EM">ap@buyer.example</cbc:EndpointID>
            <cac:PostalAddress>
              <cbc:StreetName>Industriestraße 7</cbc:StreetName><cbc:AdditionalStreetName>Halle 3
        </cbc:AdditionalStreetName>
              <cbc:CityName>München</cbc:CityName><cbc:PostalZone>80939</cbc:PostalZone><cbc:CountrySubentity>Bayern</cbc:CountrySubentity>
              <cac:Country><cbc:IdentificationCode>DE</cbc:IdentificationCode></cac:Country>
            </cac:PostalAddress>
            <cac:PartyLegalEntity><cbc:RegistrationName>Müller GmbH</cbc:RegistrationName></cac:PartyLegalEntity>
          </cac:Party></cac:AccountingCustomerParty>
          <cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="EUR">10.00</cbc:PayableAmount></cac:LegalMonetaryTotal>
        </Invoice>
        """

    static let cii = """
        <rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
          <rsm:ExchangedDocument><ram:ID>U-1</ram:ID><ram:TypeCode>380</ram:TypeCode>
            <ram:IssueDateTime><udt:DateTimeString format="102">20261001</udt:DateTimeString></ram:IssueDateTime></rsm:ExchangedDocument>
          <rsm:SupplyChainTradeTransaction>
            <ram:ApplicableHeaderTradeAgreement><ram:BuyerTradeParty><ram:Name>Müller GmbH</ram:Name>
              <ram:PostalTradeAddress><ram:PostcodeCode>80939</ram:PostcodeCode><ram:LineOne>Industriestraße 7</ram:LineOne>
                <ram:LineTwo>Halle 3</ram:LineTwo><ram:CityName>München</ram:CityName><ram:CountryID>DE</ram:CountryID>
                <ram:CountrySubDivisionName>Bayern</ram:CountrySubDivisionName></ram:PostalTradeAddress>
              <ram:URIUniversalCommunication><ram:URIID schemeID="EM">ap@buyer.example</ram:URIID></ram:URIUniversalCommunication>
            </ram:BuyerTradeParty></ram:ApplicableHeaderTradeAgreement>
            <ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
              <ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime><udt:DateTimeString format="102">20261101</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>
              <ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:DuePayableAmount>10.00</ram:DuePayableAmount></ram:SpecifiedTradeSettlementHeaderMonetarySummation>
            </ram:ApplicableHeaderTradeSettlement>
          </rsm:SupplyChainTradeTransaction>
        </rsm:CrossIndustryInvoice>
        """

    @Test("UBL and CII give the same BG-8 address, line breaks flattened")
    func eInvoices() throws {
        let expected = PostalAddress(lines: ["Industriestraße 7", "Halle 3"], postalCode: "80939", city: "München", subdivision: "Bayern", country: "DE")
        #expect(try Self.read(Self.ubl, name: "u.xml")?.customer.address == expected)
        #expect(try Self.read(Self.cii, name: "c.xml")?.customer.address == expected)
    }

    @Test("an e-invoice without a buyer address, or with an empty one, has none")
    func noAddress() throws {
        let bare = Self.ubl.replacingOccurrences(of: #"<cac:PostalAddress>[\s\S]*</cac:PostalAddress>"#, with: "", options: .regularExpression)
        #expect(try Self.read(bare, name: "u.xml")?.customer.address == nil)
        let empty = Self.ubl.replacingOccurrences(of: #"<cac:PostalAddress>[\s\S]*</cac:PostalAddress>"#,
                                                  with: "<cac:PostalAddress><cbc:CityName>  </cbc:CityName></cac:PostalAddress>", options: .regularExpression)
        #expect(try Self.read(empty, name: "u.xml")?.customer.address == nil)
    }

    @Test("the corpus's XRechnung 01.01a: the buyer's address, the same in both syntaxes", .enabled(if: EInvoiceCorpus.available))
    func corpus() throws {
        let ubl = try EInvoiceCorpus.read("01.01a-INVOICE_ubl.xml").get().invoice?.customer.address
        #expect(ubl == PostalAddress(lines: ["[Buyer address line 1]"], postalCode: "12345", city: "[Buyer city]", country: "DE"))
        #expect(try EInvoiceCorpus.read("01.01a-INVOICE_uncefact.xml").get().invoice?.customer.address == ubl)
    }
}
