import Foundation
import Testing
import RelanceCore
import RelanceTestSupport
@testable import RelanceDocuments

/// The letter as poppler and zbar read it: extractable text with every fact, A4, fonts embedded,
/// and a QR code that decodes to exactly the EPC payload.
@Suite(.ownThread) struct FormalNoticeLetterTests {
    static let toolsPresent = ["pdftotext", "pdfinfo", "pdffonts", "pdftoppm", "zbarimg"].allSatisfy(ExternalTool.available)

    static func notice(language: Language = .fr, law: LateChargeLaw = .fr, invoices: Int = 2) -> FormalNotice {
        let customer = Customer(id: "C-ACME", name: "ACME Industrie SAS", emails: [try! EmailAddress("ap@acme.example")], language: language,
                                address: PostalAddress(lines: ["12 avenue des Tilleuls", "Bâtiment B"], postalCode: "69003", city: "Lyon", country: "FR"))
        let rates = ReferenceRates.builtIn
        let entries = (1...invoices).map { n in
            (invoice: Invoice(id: "F-2025-00\(40 + n)", issueDate: LocalDate(year: 2025, month: 9, day: 1)!.adding(days: n - 1), statedDueDate: LocalDate(year: 2025, month: 10, day: 1)!.adding(days: n - 1),
                              total: Money(minorUnits: Int64(100_000 + n * 25_000), currency: .eur), customer: customer),
             payments: [Payment](), levelReached: 3)
        }
        let statement = StatementOfAccount.of(entries, customer: customer, asOf: LocalDate(year: 2025, month: 12, day: 2)!, law: law, rates: rates)
        return FormalNotice(
            creditor: LetterParty(name: "Atelier Dupont SARL",
                                  address: PostalAddress(lines: ["3 rue des Forges"], postalCode: "69002", city: "Lyon", country: "FR"),
                                  identifiers: ["SIRET 123 456 789 00012", "TVA FR12 123456789", "RCS Lyon 123 456 789"],
                                  email: "compta@atelier-dupont.example"),
            debtor: LetterParty(name: customer.name, address: customer.address), place: "Lyon", date: LocalDate(year: 2025, month: 12, day: 2)!,
            deadline: LocalDate(year: 2025, month: 12, day: 10)!, language: language, law: law, statement: statement,
            earlierReminders: [LocalDate(year: 2025, month: 10, day: 8)!, LocalDate(year: 2025, month: 10, day: 16)!], iban: "FR7630006000011234567890189", bic: "AGRIFRPP",
            paymentLink: nil, signature: "Jeanne Dupont\nService comptable")
    }

    @Test(.enabled(if: toolsPresent || ProcessInfo.processInfo.environment["CI"] == "true"))
    func letterReadsBackWithEveryFact() throws {
        let notice = Self.notice()
        let pdf = try FormalNoticeLetter.render(notice)
        let folder = ScratchFolder()
        let path = folder.path + "/notice.pdf"
        try Data(pdf).write(to: URL(fileURLWithPath: path))

        let info = try ExternalTool.run("pdfinfo", [path])
        #expect(info.contains("595.276 x 841.89 pts (A4)"), "\(info)")
        #expect(Self.field("Pages", in: info) == "1")
        #expect(Self.field("CreationDate", in: info)?.contains("2025") == true, "the letter's date, not the wall clock's")
        let fonts = try ExternalTool.run("pdffonts", [path])
        let fontRows = fonts.split(separator: "\n").dropFirst(2)
        #expect(!fontRows.isEmpty)
        // pdffonts columns: name type encoding emb sub uni object ID; "emb" must say yes on every row.
        for row in fontRows { #expect(row.split(separator: " ", omittingEmptySubsequences: true).reversed().dropFirst(4).first == "yes", "\(row)") }

        // Words as a reader sees them: lines joined, runs of spaces (and no-break spaces) as one.
        let text = try ExternalTool.run("pdftotext", [path, "-"]).split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        if let keep = ProcessInfo.processInfo.environment["RELANCE_KEEP_LETTER"] { try? Data(pdf).write(to: URL(fileURLWithPath: keep)) }
        for expected in ["Mise en demeure de payer", "Lettre recommandée avec demande d'avis de réception", "F-2025-0041", "F-2025-0042",
                         "ACME Industrie SAS", "12 avenue des Tilleuls", "69003 LYON", "article L441-10 du Code de commerce",
                         "article D441-5 du Code de commerce", "10 décembre 2025", "article 1344 du Code civil", "Lyon, le 2 décembre 2025",
                         "injonction de payer", "SIRET 123 456 789 00012", "RF"] {
            #expect(text.contains(expected), "missing \(expected)")
        }
        // 2 × 40 € compensation (D441-5), and the interest at ECB 2 % + 10 points.
        #expect(text.contains("80,00"))
        #expect(text.contains("12,15 %"), "ECB 2.15 % + 10 points")

        _ = try ExternalTool.run("pdftoppm", ["-r", "200", "-png", "-singlefile", path, folder.path + "/page"])
        let decoded = try ExternalTool.run("zbarimg", ["--raw", "-q", "-Sbinary", folder.path + "/page.png"])
        let payload = try #require(notice.paymentCode?.payload)
        #expect(decoded == payload || decoded == payload + "\n")
    }

    @Test(.enabled(if: toolsPresent || ProcessInfo.processInfo.environment["CI"] == "true"))
    func longStatementRunsOntoMorePages() throws {
        let pdf = try FormalNoticeLetter.render(Self.notice(language: .de, law: .de, invoices: 60))
        let folder = ScratchFolder()
        let path = folder.path + "/long.pdf"
        try Data(pdf).write(to: URL(fileURLWithPath: path))
        #expect((Self.field("Pages", in: try ExternalTool.run("pdfinfo", [path])).flatMap { Int($0) } ?? 0) >= 2)
        let text = try ExternalTool.run("pdftotext", [path, "-"])
        #expect(text.contains("F-2025-00100") && text.contains("Letzte Mahnung") && text.contains("§ 288 Abs. 5 BGB"))
    }

    /// A `pdfinfo` field's value.
    static func field(_ name: String, in info: String) -> String? {
        info.split(separator: "\n").first { $0.hasPrefix(name + ":") }.map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
    }

    @Test func hostileTextStaysText() throws {
        var notice = Self.notice(language: .en, law: .gb)
        notice.debtor.name = "<b>Evil</b> & \u{202E}Co\n\n\n" + String(repeating: "W", count: 5_000)
        let pdf = try FormalNoticeLetter.render(notice)
        #expect(pdf.starts(with: Array("%PDF-".utf8)))
    }
}
