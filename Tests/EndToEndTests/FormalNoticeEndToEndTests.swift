import Foundation
import Testing
import RelanceTestSupport

/// Issue 14 through the binary: one message per customer with its statement of account, the
/// formal notice as a PDF letter attached to its email (read back with poppler), the EPC QR code
/// (decoded with zbar), the move to `collection` after the deadline, and the collection file.
@Suite("statements, the formal notice and the collection file", .ownThread, .serialized,
       .enabled(if: DocumentTools.present || ProcessInfo.processInfo.environment["CI"] == "true"))
struct FormalNoticeEndToEndTests {
    static let company = """
        address = ["3 rue des Forges"]
        postal_code = "69002"
        city = "Lyon"
        siret = "123 456 789 00012"
        vat_id = "FR12 123456789"
        register = "RCS Lyon B 123 456 789"
        iban = "FR76 3000 6000 0112 3456 7890 189"
        bic = "AGRIFRPP"
        """

    static let noticePolicy = """
        [[policies]]
        name = "notice"
        steps = [
          { name = "due", at = "due" },
          { name = "formal-notice", at = "due+45", kind = "formal-notice" },
        ]

        [customers.C-N]
        policy = "notice"
        """

    static func invoice(_ id: String, total: String, customer: String = "C-N", issued: String = "2025-08-01", due: String = "2025-09-01") -> String {
        #"{"id": "\#(id)", "issueDate": "\#(issued)", "dueDate": "\#(due)", "currency": "EUR", "total": "\#(total)", "#
            + #""customer": {"id": "\#(customer)", "name": "Nordwind SAS", "email": "compta@nordwind.example", "language": "fr", "#
            + #""address": {"lines": ["8 quai Perrache"], "postalCode": "69002", "city": "Lyon", "country": "FR"}}}"#
    }

    /// The parts of an outbox message: subject, text, the PDF attachment and the inline PNG, saved beside it.
    struct Parts: Decodable {
        let subject: String
        let text: String
        let invoice: String
        let pdf: String?
        let png: String?
        let pngCID: String?
        let htmlHasQR: Bool
    }

    static func parts(_ folder: String, into scratch: String) throws -> [Parts] {
        let script = """
            import sys, json, os, email, email.policy
            folder, scratch = sys.argv[1], sys.argv[2]
            out = []
            for n, name in enumerate(sorted(os.listdir(folder))):
                m = email.message_from_binary_file(open(os.path.join(folder, name), 'rb'), policy=email.policy.default)
                item = {"subject": str(m["subject"]), "text": m.get_body(preferencelist=('plain',)).get_content(),
                        "invoice": str(m["X-Relance-Invoice"]), "pdf": None, "png": None, "pngCID": None, "htmlHasQR": False}
                html = m.get_body(preferencelist=('html',))
                for part in m.walk():
                    if part.get_content_type() == 'application/pdf':
                        item["pdf"] = os.path.join(scratch, "%d.pdf" % n)
                        open(item["pdf"], 'wb').write(part.get_content())
                    if part.get_content_type() == 'image/png':
                        item["png"] = os.path.join(scratch, "%d.png" % n)
                        open(item["png"], 'wb').write(part.get_content())
                        item["pngCID"] = part["Content-ID"].strip("<>")
                if html is not None and item["pngCID"]:
                    item["htmlHasQR"] = ("cid:" + item["pngCID"]) in html.get_content()
                out.append(item)
            print(json.dumps(out))
            """
        let output = try RelanceBinary.runTool("/usr/bin/python3", ["-c", script, folder, scratch])
        return try JSONDecoder().decode([Parts].self, from: Data(output.utf8))
    }

    /// Words as a reader sees them: lines joined, runs of white space as one space.
    /// `relance export collection --customer C-N` of the two invoices after their notice of
    /// 2025-10-16: every file of the collection file written; returns the files.
    static func exportCollection(of box: Sandbox, into folder: String) throws -> Set<String> {
        let export = try box.run(["export", "collection", "--customer", "C-N", "--out", folder, "--now", "2025-10-27T12:00:00+01:00"])
        #expect(export.status == 0, "\(export.stderr)")
        let files = Set(box.files(in: folder))
        for name in ["mise-en-demeure-N-1-2025-10-16.pdf", "statement.pdf", "statement.csv", "payments.csv", "timeline.json", "timeline.html"] {
            #expect(files.contains(name), "\(files.sorted())")
        }
        return files
    }

    static func words(_ text: String) -> String { text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ") }

    @Test("three invoices of one customer due the same day go as one message listing all three")
    func oneMessagePerCustomer() throws {
        let box = try Sandbox(minGapDays: 3, company: Self.company)
        for (n, total) in ["1000.00", "250.00", "80.50"].enumerated() {
            try box.drop("g\(n).json", Sandbox.invoice(id: "G-\(n + 1)", issued: "2026-10-02", due: "2026-11-02", total: total,
                                                      customer: "C-G", email: "ap@g.example"))
        }
        try box.drop("solo.json", Sandbox.invoice(id: "S-1", issued: "2026-10-02", due: "2026-11-02", customer: "C-S", email: "ap@s.example"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"]).status == 0)
        let messages = try box.readMessages()
        #expect(messages.count == 2, "one for C-G, one for C-S: \(messages.map(\.subject))")
        let grouped = try #require(messages.first { $0.text.contains("G-2") })
        for id in ["G-1", "G-2", "G-3"] { #expect(grouped.text.contains(id)) }
        #expect(Self.words(grouped.text.replacingOccurrences(of: "\u{202F}", with: " ").replacingOccurrences(of: "\u{00A0}", with: " "))
            .contains("Total dû : 1 330,50 €"), "the total of the three balances")
        #expect(!grouped.text.contains("0 jours de retard"))
        #expect(grouped.subject.contains("et 2 autres factures"))
        let solo = try #require(messages.first { $0.invoice == "S-1" })
        #expect(!solo.text.contains("Relevé de votre compte"), "one invoice: the message it always was")
        // The send log: one line per invoice, the three sharing one Message-ID.
        let sent = box.sendLogLines().filter { $0.contains("event=sent") && $0.contains("invoice=G-") }
        #expect(sent.count == 3)
        let ids = Set(sent.compactMap { $0.split(separator: " ").first { $0.hasPrefix("message_id=") } })
        #expect(ids.count == 1)
        // The references are RF creditor references, one per invoice.
        #expect(grouped.text.contains("RF"))
        // The next day nothing more goes (the customer's gap holds for the whole statement).
        #expect(try box.run(["run", "--once", "--now", "2026-11-03T10:00:00+01:00"]).status == 0)
        #expect(try box.readMessages().count == 2)
    }

    @Test("a formal-notice step sends the letter as a PDF; A4, fonts embedded, every fact in it; the QR decodes to the EPC payload")
    func formalNotice() throws {
        let box = try Sandbox(minGapDays: 0, company: Self.company, extra: Self.noticePolicy)
        try box.drop("n1.json", Self.invoice("N-1", total: "1200.00"))
        try box.drop("n2.json", Self.invoice("N-2", total: "300.00"))
        #expect(try box.run(["run", "--once", "--now", "2025-09-01T10:00:00+02:00"]).status == 0)
        // due+45 = 16 October 2025, a Thursday.
        let run = try box.run(["run", "--once", "--now", "2025-10-16T10:00:00+02:00"])
        #expect(run.status == 0, "\(run.stderr)")
        let scratch = ScratchFolder()
        let all = try Self.parts(box.outbox, into: scratch.path)
        let notice = try #require(all.first { $0.pdf != nil }, "\(all.map(\.subject))")
        #expect(notice.subject.contains("Mise en demeure de payer"))
        #expect(notice.text.contains("N-1") && notice.text.contains("N-2"))
        let pdf = try #require(notice.pdf)

        let info = try ExternalTool.run("pdfinfo", [pdf])
        #expect(info.contains("595.276 x 841.89 pts (A4)"))
        let fonts = try ExternalTool.run("pdffonts", [pdf]).split(separator: "\n").dropFirst(2)
        #expect(!fonts.isEmpty && fonts.allSatisfy { $0.split(separator: " ").reversed().dropFirst(4).first == "yes" }, "\(fonts)")
        let text = Self.words(try ExternalTool.run("pdftotext", [pdf, "-"]))
        for expected in ["Mise en demeure de payer", "article 1344 du Code civil", "N-1", "N-2", "Nordwind SAS", "8 quai Perrache",
                         "69002 LYON", "article L441-10 du Code de commerce", "article D441-5 du Code de commerce", "80,00 €",
                         "12,15 %", "24 octobre 2025", "Lettre recommandée avec demande d'avis de réception", "SIRET 123 456 789 00012"] {
            #expect(text.contains(expected), "the letter lacks \(expected)")
        }
        // Interest: 1,500.00 € at 12.15 % from 2 September to 16 October (45 days, actual/365) = 22.47 €.
        #expect(text.contains("22,47 €"), "\(text)")

        // The QR code in the email and in the letter: exactly the EPC payload for the whole claim.
        let expected = "BCD\n002\n1\nSCT\nAGRIFRPP\nAtelier Dupont SARL\nFR7630006000011234567890189\nEUR1602.47\n\n\nN-1 N-2"
        let png = try #require(notice.png)
        #expect(notice.htmlHasQR, "the HTML part shows the inline image by its Content-ID")
        let fromMail = try ExternalTool.run("zbarimg", ["--raw", "-q", "-Sbinary", png])
        #expect(fromMail.trimmingSuffix("\n") == expected)
        _ = try ExternalTool.run("pdftoppm", ["-r", "200", "-png", "-singlefile", pdf, scratch.path + "/letter"])
        #expect(try ExternalTool.run("zbarimg", ["--raw", "-q", "-Sbinary", scratch.path + "/letter.png"]).trimmingSuffix("\n") == expected)

        // Kept for printing, and named in the send log.
        let letters = box.files(in: box.state + "/letters")
        #expect(letters == ["2025/10/mise-en-demeure-N-1-2025-10-16.pdf"], "\(letters)")
        #expect(box.sendLogLines().contains { $0.contains("step=formal-notice") && $0.contains("deadline=2025-10-24") })

        // Before the deadline the invoice waits; after it, it is in collection and the chase stops.
        let before = try #require(((try box.run(["status", "N-1", "--json", "--now", "2025-10-24T12:00:00+02:00"]).json())["invoices"] as? [[String: Any]])?.first)
        #expect(before["state"] as? String == "notice-sent")
        #expect((before["creditorReference"] as? String)?.hasPrefix("RF") == true && (before["creditorReference"] as? String)?.hasSuffix("N1") == true)
        #expect(try box.run(["run", "--once", "--now", "2025-10-27T10:00:00+01:00"]).status == 0)
        let after = try box.run(["status", "--json", "--now", "2025-10-27T12:00:00+01:00"]).json()
        let states = ((after["invoices"] as? [[String: Any]]) ?? []).map { "\($0["id"] ?? "") \($0["state"] ?? "")" }.sorted()
        #expect(states == ["N-1 collection", "N-2 collection"])
        #expect(box.sendLogLines().filter { $0.contains("event=collection") }.count == 2)
        let metrics = try box.run(["metrics", "--now", "2025-10-27T12:00:00+01:00"])
        #expect(metrics.stdout.contains("relance_invoices_by_state{state=\"collection\"} 2"), "\(metrics.stdout)")

        // The collection file: the letter, the statement, every message as sent, a timeline.
        let folder = scratch.path + "/collection"
        let files = try Self.exportCollection(of: box, into: folder)
        let emls = files.filter { $0.hasPrefix("messages/") && $0.hasSuffix(".eml") }
        #expect(emls.count == 2, "the due-day message and the formal notice, each once: \(emls.sorted())")
        // Byte for byte what was sent.
        let outboxBytes = Set(try FileManager.default.contentsOfDirectory(atPath: box.outbox).map {
            try Data(contentsOf: URL(fileURLWithPath: box.outbox + "/" + $0))
        })
        for eml in emls { #expect(outboxBytes.contains(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + eml)))) }
        let csv = try String(contentsOfFile: folder + "/statement.csv", encoding: .utf8)
        #expect(csv.contains("N-1;2025-08-01;2025-09-01;") && csv.contains("N-2;"))
        #expect(Self.words(try ExternalTool.run("pdftotext", [folder + "/statement.pdf", "-"])).contains("Relevé de compte"))

        // resume brings an invoice back from collection.
        let resumed = try box.run(["resume", "N-2", "--now", "2025-10-28T12:00:00+01:00"])
        #expect(resumed.status == 0 && resumed.stdout.contains("back from collection"))
        let n2 = try #require(((try box.run(["status", "N-2", "--json", "--now", "2025-10-28T12:00:00+01:00"]).json())["invoices"] as? [[String: Any]])?.first)
        #expect(n2["state"] as? String != "collection")
    }

    @Test("relance letter renders the notice on demand, for an invoice or a customer; unknown ones are refused")
    func letterOnDemand() throws {
        let box = try Sandbox(company: Self.company, extra: Self.noticePolicy)
        try box.drop("n1.json", Self.invoice("N-1", total: "1200.00"))
        try box.drop("n2.json", Self.invoice("N-2", total: "300.00"))
        #expect(try box.run(["run", "--once", "--now", "2025-09-01T10:00:00+02:00"]).status == 0)
        let scratch = ScratchFolder()
        let one = try box.run(["letter", "N-2", "--out", scratch.path + "/n2.pdf", "--now", "2025-10-01T10:00:00+02:00"])
        #expect(one.status == 0, "\(one.stderr)")
        let text = Self.words(try ExternalTool.run("pdftotext", [scratch.path + "/n2.pdf", "-"]))
        #expect(text.contains("N-2") && !text.contains("N-1 "), "\(text)")
        let all = try box.run(["letter", "--customer", "C-N", "--now", "2025-10-01T10:00:00+02:00"])
        #expect(all.status == 0)
        let path = all.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(path.hasPrefix(box.state + "/letters/2025/10/"))
        let both = Self.words(try ExternalTool.run("pdftotext", [path, "-"]))
        #expect(both.contains("N-1") && both.contains("N-2"))
        let missing = try box.run(["letter", "NOPE", "--now", "2025-10-01T10:00:00+02:00"])
        #expect(missing.status == 1 && missing.stderr.contains("no invoice NOPE"))
    }
}

/// poppler's and zbar's tools, which read the letters back (scripts/setup installs them; under CI a missing one fails).
enum DocumentTools {
    static let present = ["pdftotext", "pdfinfo", "pdffonts", "pdftoppm", "zbarimg"].allSatisfy(ExternalTool.available)
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
