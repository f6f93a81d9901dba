import Foundation
import RelanceTestSupport
import Testing

/// Bank statements through the binary: a generated camt.053 whose entries are matched by RF
/// reference, by invoice number in the text, by amount and debtor, one left unmatched and
/// assigned by hand, one debit reported; the same file twice and an overlapping camt.054 change
/// nothing; an MT940 statement pays an invoice.
@Suite("bank statements in the payments folder", .ownThread, .serialized)
struct BankStatementsEndToEndTests {
    struct Line {
        var amount: String
        var credit = true
        var reference: String?
        var endToEnd: String?
        var creditorReference: String?
        var text: String?
        var debtor: String?
        var iban: String?
        var booked = "2026-11-16"
    }

    /// A camt.053.001.02 statement (or a camt.054.001.02 notification) as a bank writes one.
    static func camt(_ lines: [Line], notification: Bool = false) -> String {
        let message = notification ? "camt.054.001.02" : "camt.053.001.02"
        let (outer, inner) = notification ? ("BkToCstmrDbtCdtNtfctn", "Ntfctn") : ("BkToCstmrStmt", "Stmt")
        let entries = lines.map { line in
            """
                  <Ntry>
                    <Amt Ccy="EUR">\(line.amount)</Amt>
                    <CdtDbtInd>\(line.credit ? "CRDT" : "DBIT")</CdtDbtInd>
                    <Sts>BOOK</Sts>
                    <BookgDt><Dt>\(line.booked)</Dt></BookgDt>
                    <ValDt><Dt>\(line.booked)</Dt></ValDt>
                    \(line.reference.map { "<AcctSvcrRef>\($0)</AcctSvcrRef>" } ?? "")
                    <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
                    <NtryDtls><TxDtls>
                      <Refs><EndToEndId>\(line.endToEnd ?? "NOTPROVIDED")</EndToEndId></Refs>
                      <RltdPties>
                        \(line.debtor.map { "<Dbtr><Nm>\($0)</Nm></Dbtr>" } ?? "")
                        \(line.iban.map { "<DbtrAcct><Id><IBAN>\($0)</IBAN></Id></DbtrAcct>" } ?? "")
                      </RltdPties>
                      <RmtInf>
                        \(line.text.map { "<Ustrd>\($0)</Ustrd>" } ?? "")
                        \(line.creditorReference.map { "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp><Ref>\($0)</Ref></CdtrRefInf></Strd>" } ?? "")
                      </RmtInf>
                    </TxDtls></NtryDtls>
                  </Ntry>
            """
        }.joined(separator: "\n")
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:\(message)">
              <\(outer)>
                <GrpHdr><MsgId>STMT-2026-11-16</MsgId><CreDtTm>2026-11-16T18:00:00+01:00</CreDtTm></GrpHdr>
                <\(inner)>
                  <Id>2026-11-16</Id>
                  <CreDtTm>2026-11-16T18:00:00+01:00</CreDtTm>
                  <Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>
            \(entries)
                </\(inner)>
              </\(outer)>
            </Document>
            """
    }

    @Test("RF reference, invoice number in the text, amount and debtor; one unmatched then assigned; one debit; nothing twice")
    func camt053() throws {
        let box = try Sandbox(minGapDays: 0)
        try FileManager.default.createDirectory(atPath: box.root + "/payments", withIntermediateDirectories: true)
        try box.drop("b1.json", Sandbox.invoice(id: "B-2026-0001", issued: "2026-10-01", terms: "net 30", total: "1200.00", customer: "CB1", email: "a@b1.example"))
        try box.drop("b2.json", Sandbox.invoice(id: "B-2026-0002", issued: "2026-10-01", terms: "net 30", total: "300.00", customer: "CB2", email: "a@b2.example"))
        try box.drop("b3.json", Sandbox.invoice(id: "B-2026-0003", issued: "2026-10-05", terms: "net 30", total: "450.00", customer: "CB3", email: "a@b3.example"))
        try box.drop("b4.json", Sandbox.invoice(id: "B-2026-0004", issued: "2026-10-05", terms: "net 30", total: "99.00", customer: "CB4", email: "a@b4.example"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-03T10:00:00+01:00"]).status == 0)
        let rf = try #require(((try box.run(["status", "B-2026-0001", "--json", "--now", "2026-11-03T10:00:00+01:00"]).json())["invoices"] as? [[String: Any]])?
            .first?["creditorReference"] as? String)
        let statement = Self.camt([
            Line(amount: "1200.00", reference: "BANK-0001", endToEnd: "E2E-1", creditorReference: rf, debtor: "CLIENT CB1 SARL", iban: "FR7612345000010000000000185"),
            Line(amount: "300.00", reference: "BANK-0002", text: "Paiement facture B 2026 0002, merci", debtor: "Someone Else"),
            Line(amount: "450.00", reference: "BANK-0003", text: "virement octobre", debtor: "Client CB3"),
            Line(amount: "77.70", reference: "BANK-0004", text: "divers", debtor: "Inconnu SA"),
            Line(amount: "25.00", credit: false, reference: "BANK-0005", text: "frais bancaires"),
        ])
        try statement.write(toFile: box.root + "/statement.xml", atomically: true, encoding: .utf8)

        // Read it first: what it contains, nothing changed.
        let reading = try box.run(["payments", "read", box.root + "/statement.xml", "--json"])
        #expect(reading.status == 0, "\(reading.stderr)")
        let read = try reading.json()
        let entries = try #require(read["entries"] as? [[String: Any]])
        #expect(entries.count == 5 && entries[0]["creditorReference"] as? String == rf && entries[4]["credit"] as? Bool == false)
        #expect(entries[0]["amount"] as? String == "1200.00" && entries[0]["bookingDate"] as? String == "2026-11-16" && entries[0]["endToEndId"] as? String == "E2E-1")
        #expect(entries[1]["endToEndId"] == nil || entries[1]["endToEndId"] as? String == "NOTPROVIDED")

        try statement.write(toFile: box.root + "/payments/camt053-2026-11-16.xml", atomically: true, encoding: .utf8)
        #expect(try box.run(["run", "--once", "--now", "2026-11-17T10:00:00+01:00"]).status == 0)
        let log = box.sendLogLines()
        #expect(log.contains { $0.contains("event=paid invoice=B-2026-0001") && $0.contains("source=bank") && $0.contains("reason=\"RF reference") }, "\(log.suffix(12))")
        #expect(log.contains { $0.contains("event=paid invoice=B-2026-0002") && $0.contains("invoice number B-2026-0002 in the remittance text") })
        #expect(log.contains { $0.contains("event=paid invoice=B-2026-0003") && $0.contains("the amount (the balance) from Client CB3") })
        #expect(log.contains { $0.contains("event=unmatched") && $0.contains(#"amount="77.70 EUR""#) })
        #expect(log.contains { $0.contains("event=debit") && $0.contains(#"amount="25.00 EUR""#) })
        #expect(log.contains { $0.contains("event=statement") && $0.contains("applied=3") && $0.contains("unmatched=1") && $0.contains("debits=1") })
        let status = try (try box.run(["status", "--all", "--json", "--now", "2026-11-17T10:00:00+01:00"])).json()
        let invoices = try #require(status["invoices"] as? [[String: Any]])
        for id in ["B-2026-0001", "B-2026-0002", "B-2026-0003"] {
            #expect(invoices.first { $0["id"] as? String == id }?["state"] as? String == "paid", "\(id)")
        }
        #expect(invoices.first { $0["id"] as? String == "B-2026-0004" }?["state"] as? String != "paid")
        #expect(box.files(in: box.archive + "/payments").count == 1)

        // The unmatched entry is listed and assigned by a person.
        let waiting = try #require(try box.run(["payments", "unmatched", "--json", "--now", "2026-11-17T11:00:00+01:00"]).json()["entries"] as? [[String: Any]])
        #expect(waiting.count == 1 && waiting[0]["amount"] as? String == "77.70" && waiting[0]["debtorName"] as? String == "Inconnu SA")
        let id = try #require(waiting[0]["id"] as? Int)
        let partial = try box.run(["payments", "assign", String(id), "B-2026-0004", "--amount", "99.01", "--now", "2026-11-17T11:00:00+01:00"])
        #expect(partial.status == 1 && partial.stderr.contains("at most"), "\(partial.stderr)")
        let assigned = try box.run(["payments", "assign", String(id), "B-2026-0004", "--now", "2026-11-17T11:00:00+01:00"])
        #expect(assigned.status == 0 && assigned.stdout.contains("77.70 EUR applied to B-2026-0004"), "\(assigned.stdout)\(assigned.stderr)")
        let after = try (try box.run(["status", "B-2026-0004", "--json", "--now", "2026-11-17T11:00:00+01:00"])).json()
        #expect((after["invoices"] as? [[String: Any]])?.first?["amountDue"] as? String == "21.30")
        #expect(try box.run(["payments", "unmatched", "--now", "2026-11-17T11:00:00+01:00"]).stdout.contains("no bank entry waiting"))

        // The same file again, and an overlapping camt.054 notification of the first entry: nothing twice.
        let paidLines = box.sendLogLines().filter { $0.contains("event=paid") && $0.contains("source=bank") }.count
        try statement.write(toFile: box.root + "/payments/camt053-again.xml", atomically: true, encoding: .utf8)
        let notification = Self.camt([Line(amount: "1200.00", reference: "BANK-0001-N", endToEnd: "E2E-1", creditorReference: rf, debtor: "CLIENT CB1 SARL")],
                                     notification: true)
        try notification.write(toFile: box.root + "/payments/camt054-2026-11-16.xml", atomically: true, encoding: .utf8)
        #expect(try box.run(["run", "--once", "--now", "2026-11-18T10:00:00+01:00"]).status == 0)
        let final = box.sendLogLines()
        #expect(final.filter { $0.contains("event=paid") && $0.contains("source=bank") }.count == paidLines)
        #expect(final.contains { $0.contains("file=camt053-again.xml") && $0.contains("result=duplicate") })
        #expect(final.contains { $0.contains("file=camt054-2026-11-16.xml") && $0.contains("event=statement") && $0.contains("already_recorded=1") && $0.contains("applied=0") })

        // A broken statement goes to rejected/ with its reason, and applies nothing.
        let broken = Self.camt([Line(amount: "12.505", reference: "BANK-9", text: "F-2026-0004")])
        try broken.write(toFile: box.root + "/payments/broken.xml", atomically: true, encoding: .utf8)
        #expect(try box.run(["run", "--once", "--now", "2026-11-18T11:00:00+01:00"]).status == 0)
        let reason = try String(contentsOfFile: box.rejected + "/broken.xml.reason", encoding: .utf8)
        #expect(reason.contains("entry 1 Ntry/Amt"), "\(reason)")
        #expect(box.sendLogLines().contains { $0.contains("event=rejected") && $0.contains("file=broken.xml") })
    }

    @Test("an MT940 statement pays an invoice: the invoice number in the :86: purpose, the debtor's name and IBAN")
    func mt940() throws {
        let box = try Sandbox(minGapDays: 0)
        try FileManager.default.createDirectory(atPath: box.root + "/payments", withIntermediateDirectories: true)
        try box.drop("m.json", Sandbox.invoice(id: "M-2026-0042", issued: "2026-10-01", terms: "net 30", total: "1250.00", customer: "CM", email: "a@m.example", language: "de"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-03T10:00:00+01:00"]).status == 0)
        let statement = """
            :20:STARTUMSE
            :25:10020030/1234567890
            :28C:00112/001
            :60F:C261113EUR10000,00
            :61:2611161116CR1250,00NTRFNONREF//BANKREF-7
            :86:166?00GUTSCHRIFT?109310?20EREF+E2E-M-1?21SVWZ+Rechnung M-2026-0042 ?22vom 01.10.2026?30COBADEFFXXX?31DE89370400440532013000?32Kunde CM GmbH
            :62F:C261116EUR11250,00
            -
            """
        try statement.replacingOccurrences(of: "\n", with: "\r\n").write(toFile: box.root + "/payments/umsatz.sta", atomically: true, encoding: .utf8)
        #expect(try box.run(["run", "--once", "--now", "2026-11-17T10:00:00+01:00"]).status == 0)
        let log = box.sendLogLines()
        #expect(log.contains { $0.contains("event=paid invoice=M-2026-0042") && $0.contains("source=bank") && $0.contains("invoice number M-2026-0042") }, "\(log.suffix(6))")
        let status = try (try box.run(["status", "M-2026-0042", "--json", "--now", "2026-11-17T10:00:00+01:00"])).json()
        #expect((status["invoices"] as? [[String: Any]])?.first?["state"] as? String == "paid")
    }
}
