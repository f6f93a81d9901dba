import Foundation
import RelanceTestSupport
import Testing

@Suite("relance inspect", .ownThread)
struct InspectEndToEndTests {
    static let corpus = Corpus.path("mail/bounces")

    @Test("a Postfix bounce: kind, failed recipient, status, hard; the returned message's id as a reference",
          .enabled(if: FileManager.default.fileExists(atPath: corpus)))
    func bounce() throws {
        let result = try RelanceBinary.run(["inspect", Self.corpus + "/lhost-postfix-01.eml", "--json"])
        #expect(result.status == 0)
        let json = try result.json()
        #expect(json["kind"] as? String == "bounce")
        let bounce = try #require(json["bounce"] as? [String: Any])
        #expect((bounce["recipient"] as? String)?.contains("@") == true)
        #expect((bounce["status"] as? String)?.hasPrefix("5.") == true)
        #expect(bounce["hard"] as? Bool == true)
        #expect(json["references"] is [Any])
    }

    @Test("without a store: the invoice the subject names, a payment dated from the message's own day, and the words that decided")
    func invoiceNumberAndEvidence() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let message = "From: Hans <hans@kunde.example>\r\nDate: Thu, 03 Dec 2026 08:40:00 +0100\r\nSubject: AW: Relance facture H-06\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n\r\nGuten Tag,\r\nwir haben die Rechnung gestern überwiesen.\r\nMit freundlichen Grüßen\r\nHans\r\nReklamationen: reklamation@kunde.example\r\n"
        try message.write(toFile: folder + "/reply.eml", atomically: true, encoding: .utf8)
        let json = try RelanceBinary.run(["inspect", folder + "/reply.eml", "--json", "--timezone", "Europe/Paris"]).json()
        #expect(json["intent"] as? String == "paid")
        #expect(json["paidDate"] as? String == "2026-12-02", "yesterday, counted from the message's Date")
        #expect(json["invoiceNumbers"] as? [String] == ["H-06"])
        #expect(json["evidence"] as? String == "wir haben die Rechnung gestern überwiesen.")
        #expect(json["writtenOn"] as? String == "2026-12-03")
        // --reference wins over the message's Date: "gestern" is then the day before it.
        let told = try RelanceBinary.run(["inspect", folder + "/reply.eml", "--json", "--reference", "2026-12-10"]).json()
        #expect(told["paidDate"] as? String == "2026-12-09" && told["writtenOn"] == nil, "\(told)")
    }

    @Test("a promise to pay in French, its date, the reminder it answers; nothing written anywhere")
    func promise() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let message = "From: Jean <jean@client.example>\r\nDate: Mon, 23 Nov 2026 10:12:00 +0100\r\nSubject: Re: Relance F-2026-0042\r\n"
            + "In-Reply-To: <relance.first.F-2026-0042.0123456789abcdef@atelier.example>\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour, je réglerai le 15 décembre.\r\n"
        try message.write(toFile: folder + "/reply.eml", atomically: true, encoding: .utf8)
        let result = try RelanceBinary.run(["inspect", folder + "/reply.eml", "--json"])
        let json = try result.json()
        #expect(json["kind"] as? String == "reply")
        #expect(json["intent"] as? String == "promise")
        #expect(json["promiseDate"] as? String == "2026-12-15")
        #expect(json["references"] as? [String] == ["<relance.first.F-2026-0042.0123456789abcdef@atelier.example>"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["reply.eml"])
    }

    @Test("an empty file is unreadable, not a crash")
    func unreadable() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID().uuidString).eml").path
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: path) }
        let json = try (try RelanceBinary.run(["inspect", path, "--json"])).json()
        #expect(json["kind"] as? String == "unreadable")
    }
}

@Suite("e-invoices in the inbox", .ownThread)
struct EInvoiceInboxTests {
    static let corpus = Corpus.path("einvoices/xrechnung")

    @Test("a UBL file is recognised by content, ingested and reminded; one without a buyer e-mail is kept as no contact",
          .enabled(if: FileManager.default.fileExists(atPath: corpus)))
    func ubl() throws {
        let box = try Sandbox(minGapDays: 0)
        let ubl = try String(contentsOfFile: Self.corpus + "/01.05a-INVOICE_ubl.xml", encoding: .utf8)
        try box.drop("scan-0001.dat", ubl)  // the name says nothing; the content does
        let noContact = ubl.replacingOccurrences(of: "PRG1502112", with: "PRG-NOMAIL")
            .replacingOccurrences(of: "<cbc:EndpointID schemeID=\"EM\">buyer@info.de</cbc:EndpointID>", with: "")
            .replacingOccurrences(of: "<cbc:ElectronicMail>buyer@info.de</cbc:ElectronicMail>", with: "")
        try box.drop("scan-0002.dat", noContact)
        #expect(try box.run(["run", "--once", "--now", "2015-05-11T10:00:00+02:00"]).status == 0)
        let log = box.sendLogLines()
        #expect(log.contains { $0.contains("event=ingested invoice=PRG1502112") && $0.contains("format=ubl") })
        #expect(log.contains { $0.contains("event=sent invoice=PRG1502112") && $0.contains("to=buyer@info.de") })
        #expect(log.contains { $0.contains("event=cancelled invoice=PRG-NOMAIL") && $0.contains("no contact") })
        let status = try (try box.run(["status", "PRG-NOMAIL", "--json", "--now", "2015-05-11T10:00:00+02:00"])).json()
        #expect(((status["invoices"] as? [[String: Any]])?.first?["attention"] as? [String])?.contains { $0.hasPrefix("no contact") } == true)
    }

    @Test("a Factur-X PDF is ingested from its embedded XML and kept as the reminders' attachment",
          .enabled(if: FileManager.default.fileExists(atPath: corpus)))
    func facturX() throws {
        let box = try Sandbox(minGapDays: 0)
        let pdf = try Data(contentsOf: URL(fileURLWithPath: Self.corpus + "/../facturx-pdf/MustangBeispiel20221026.pdf"))
        try pdf.write(to: URL(fileURLWithPath: box.inbox + "/.incoming.pdf"))
        try FileManager.default.moveItem(atPath: box.inbox + "/.incoming.pdf", toPath: box.inbox + "/RE1001.pdf")
        #expect(try box.run(["run", "--once", "--now", "2022-11-01T10:00:00+01:00"]).status == 0)
        #expect(box.sendLogLines().contains { $0.contains("event=ingested invoice=RE1001") && $0.contains("format=facturx-pdf") })
        let stored = box.files(in: box.state + "/attachments")
        #expect(stored.count == 1 && stored[0].hasSuffix("RE1001.pdf"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: box.state + "/attachments/" + stored[0])) == pdf)
    }
}
