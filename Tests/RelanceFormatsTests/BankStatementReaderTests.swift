import Foundation
import RelanceCore
import RelanceFormats
import Testing

@Suite("Bank statements: hostile, broken and odd input")
struct BankStatementReaderTests {
    static let entry = """
        <Ntry><Amt Ccy="EUR">12.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-11-16</Dt></BookgDt>\
        <NtryDtls><TxDtls><RmtInf><Ustrd>Facture F-1</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
        """

    static func camt(_ entries: String, prolog: String = "") -> [UInt8] {
        Array(("<?xml version=\"1.0\"?>\(prolog)<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.04\"><BkToCstmrStmt><Stmt>"
               + "<Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>\(entries)</Stmt></BkToCstmrStmt></Document>").utf8)
    }

    func problems(_ bytes: [UInt8]) -> String {
        do { _ = try BankStatementReader.read(bytes, file: "s"); return "" } catch { return error.description }
    }

    @Test("a well-formed entry reads; a DTD, an external entity, truncation, a bad amount, currency or sign are refused with the field")
    func camtRefusals() throws {
        let good = try CamtReader.read(Self.camt(Self.entry), file: "s")
        #expect(good.count == 1 && good[0].amount == Money(minorUnits: 1250, currency: .eur) && good[0].remittance == "Facture F-1")
        #expect(good[0].account == "FR7630006000011234567890189")
        #expect(problems(Self.camt(Self.entry, prolog: "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>")).contains("DTD"))
        let truncated = Array(Self.camt(Self.entry).prefix(180))
        #expect(problems(truncated).contains("not well-formed"))
        #expect(problems(Self.camt(Self.entry.replacingOccurrences(of: "12.50", with: "12.505"))).contains("Ntry/Amt"))
        #expect(problems(Self.camt(Self.entry.replacingOccurrences(of: "EUR", with: "EUX"))).contains("currency"))
        #expect(problems(Self.camt(Self.entry.replacingOccurrences(of: "CRDT", with: "CREDIT"))).contains("CdtDbtInd"))
        #expect(problems(Self.camt(Self.entry.replacingOccurrences(of: "2026-11-16", with: "16/11/2026"))).contains("BookgDt"))
        #expect(problems([]).contains("neither"))
        #expect(problems(Array("hello".utf8)).contains("neither"))
        // Deep nesting is bounded.
        let deep = String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100)
        #expect(problems(Self.camt(deep)).contains("deeper"))
    }

    @Test("wrongly encoded: Latin-1 bytes in a file that says UTF-8 are refused, as is a file with nothing in it")
    func encodings() throws {
        var bytes = Self.camt(Self.entry.replacingOccurrences(of: "Facture F-1", with: "Facture F-1 r\u{E9}gl\u{E9}e"))
        // é as a lone Latin-1 byte: not UTF-8.
        if let index = bytes.firstIndex(of: 0xC3) { bytes.replaceSubrange(index...(index + 1), with: [0xE9]) }
        #expect(problems(bytes).contains("not well-formed"))
        #expect(problems(Array("<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"/>".utf8)).contains("not a camt"))
        // Read as MT940, an empty file has no entry (it is not recognised as a statement at all: see camtRefusals).
        #expect(try MT940Reader.read([], file: "s").isEmpty)
        #expect(problems(Array(":20:X\n:25:Y\n:60F:C261113EUR0,00\n:61:".utf8)).contains(":61:"), "truncated in a transaction")
    }

    @Test("a batch booking (several transactions, each with its amount) is one payment per transaction")
    func batchBooking() throws {
        func transaction(_ amount: String, _ reference: String, _ text: String, v8: Bool) -> String {
            let money = v8 ? "<Amt Ccy=\"EUR\">\(amount)</Amt>" : "<AmtDtls><TxAmt><Amt Ccy=\"EUR\">\(amount)</Amt></TxAmt></AmtDtls>"
            return "<TxDtls><Refs><EndToEndId>\(reference)</EndToEndId></Refs>\(money)<RltdPties><Dbtr><Nm>Debtor \(reference)</Nm></Dbtr></RltdPties>"
                + "<RmtInf><Ustrd>\(text)</Ustrd></RmtInf></TxDtls>"
        }
        for v8 in [false, true] {
            let entry = "<Ntry><Amt Ccy=\"EUR\">60.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-11-16</Dt></BookgDt><AcctSvcrRef>BATCH-1</AcctSvcrRef><NtryDtls>"
                + transaction("10.00", "E1", "Facture F-1", v8: v8) + transaction("20.00", "E2", "Facture F-2", v8: v8)
                + transaction("30.00", "E3", "Facture F-3", v8: v8) + "</NtryDtls></Ntry>"
            let entries = try CamtReader.read(Self.camt(entry), file: "s")
            #expect(entries.map(\.amount.minorUnits) == [1000, 2000, 3000], "v8: \(v8)")
            #expect(entries.map(\.endToEndID) == ["E1", "E2", "E3"] && entries.map(\.remittance) == ["Facture F-1", "Facture F-2", "Facture F-3"])
            #expect(entries.map(\.entryReference) == ["BATCH-1#1", "BATCH-1#2", "BATCH-1#3"] && entries.map(\.debtorName) == ["Debtor E1", "Debtor E2", "Debtor E3"])
            #expect(Set(entries.map(\.key)).count == 3)
        }
        // Without their own amounts, the transactions are one payment of the entry's, with every text.
        let plain = "<Ntry><Amt Ccy=\"EUR\">60.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><NtryDtls><TxDtls><RmtInf><Ustrd>A</Ustrd></RmtInf></TxDtls>"
            + "<TxDtls><RmtInf><Ustrd>B</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        let one = try CamtReader.read(Self.camt(plain), file: "s")
        #expect(one.count == 1 && one[0].remittance == "A B")
    }

    @Test("a large statement is read in one pass")
    func large() throws {
        let many = String(repeating: Self.entry, count: 20_000)
        let entries = try CamtReader.read(Self.camt(many), file: "s")
        #expect(entries.count == 20_000 && entries.last?.index == 20_000)
        let lines = (1...20_000).map { ":61:2611161116CR\($0),00NTRFNONREF//B\($0)\n:86:Rechnung F-\($0)\n" }.joined()
        let mt940 = try MT940Reader.read(Array((":20:X\n:25:DE89370400440532013000\n:60F:C261113EUR0,00\n" + lines + ":62F:C261116EUR0,00\n").utf8), file: "s")
        #expect(mt940.count == 20_000 && mt940.last?.amount == Money(minorUnits: 2_000_000, currency: .eur) && mt940.last?.remittance == "Rechnung F-20000")
    }

    @Test("MT940: wrapped SWIFT blocks, Latin-1 bytes, returns, impossible days; a broken :61: names its line")
    func mt940() throws {
        let text = "{1:F01BANKDEFFAXXX0000000000}{2:O9401200}{4:\r\n:20:REF\r\n:25:DE89370400440532013000\r\n:28C:1/1\r\n:60F:C261113EUR0,00\r\n"
            + ":61:2611161116CR10,00NTRFNONREF//B1\r\n:86:166?20SVWZ+Rechnung F-1?32M\u{FC}ller\r\n"
            + ":61:261116RD5,00NRTINONREF\r\n:86:Ruecklastschrift\r\n:62F:C261116EUR5,00\r\n-}"
        var bytes = Array(text.utf8)
        // The ü as a Latin-1 byte, as some banks send it.
        if let index = bytes.firstIndex(of: 0xC3) { bytes.replaceSubrange(index...(index + 1), with: [0xFC]) }
        let entries = try MT940Reader.read(bytes, file: "s")
        #expect(entries.count == 2)
        #expect(entries[0].credit && entries[0].amount == Money(minorUnits: 1000, currency: .eur) && entries[0].remittance == "Rechnung F-1")
        #expect(entries[0].debtorName == "Müller" && entries[0].entryReference == "B1" && entries[0].account == "DE89370400440532013000")
        #expect(entries[1].reversal && !entries[1].isIncomingPayment)
        #expect(problems(Array(":20:X\n:25:Y\n:60F:C261113EUR0,00\n:61:26111X\n".utf8)).contains(":61:"))
        #expect(problems(Array(":20:X\n:25:Y\n:60F:C261113ZZZ0,00\n".utf8)).contains("not a currency"))
        #expect(try MT940Reader.read(Array(":20:X\n:25:Y\n:60F:C160229EUR0,00\n:61:1602300301DR6,00N024NONREF\n".utf8), file: "s").first?.valueDate?.iso == "2016-02-29")
    }
}
