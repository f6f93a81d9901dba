import Foundation
import RelanceCore
import RelanceMail
import Testing

@Suite("Message composition")
struct MessageComposerTests {
    static func facts(language: Language = .fr, name: String = "Müller & Söhne GmbH", id: String = "F-2026-0042") -> ReminderFacts {
        let invoice = Invoice(id: id, issueDate: LocalDate(iso: "2026-11-02")!, terms: PaymentTermsParser.parse("2/10 n/30"),
                              total: Money(minorUnits: 125_000, currency: .eur),
                              customer: Customer(id: "C-1", name: name, emails: [try! EmailAddress("ap@acme.example")]))
        let zone = TimeZone(identifier: "Europe/Paris")!
        return ReminderFacts(
            invoice: invoice, step: "first", kind: .postDue, language: language, amountDue: invoice.total, discount: nil,
            sendDate: LocalDate(iso: "2026-12-09")!, companyName: "Atelier Dupont — Société", from: try! EmailAddress("compta@atelier.example"),
            replyTo: try! EmailAddress("relances@atelier.example"), to: invoice.customer.emails, cc: [],
            messageID: MessageID.make(invoiceID: invoice.id, step: "first", domain: "atelier.example"),
            references: ["<relance.due.x@atelier.example>"], date: ZonedDateTime.instant(of: LocalDate(iso: "2026-12-09")!, at: WallClockTime(hour: 9, minute: 30)!, in: zone),
            timeZone: zone)
    }

    @Test("CRLF line ends only, no line over 998 octets, required headers present")
    func shape() {
        let message = MessageComposer.compose(Self.facts())
        let text = String(decoding: message.data, as: UTF8.self)
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        #expect(text.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 998 })
        for header in ["Date: Wed, 09 Dec 2026 09:30:00 +0100", "Message-ID: <relance.first.F-2026-0042.", "In-Reply-To: <relance.due.x@atelier.example>",
                       "Auto-Submitted: auto-generated", "X-Relance-Invoice: F-2026-0042", "MIME-Version: 1.0"] {
            #expect(text.contains(header), "\(header)")
        }
        #expect(message.recipients == ["ap@acme.example"])
    }

    @Test("stable Message-IDs: same invoice and step, same id; different ones differ")
    func messageIDs() {
        let a = MessageID.make(invoiceID: "F/1", step: "due", domain: "x.example")
        #expect(a == MessageID.make(invoiceID: "F/1", step: "due", domain: "x.example"))
        #expect(a != MessageID.make(invoiceID: "F_1", step: "due", domain: "x.example"))
        #expect(a != MessageID.make(invoiceID: "F/1", step: "first", domain: "x.example"))
        #expect(a.hasPrefix("<relance.due.F_1.") && a.hasSuffix("@x.example>"))
    }

    @Test("encoded words stay within 75 characters and header values never carry a line break")
    func headerSafety() {
        let subject = HeaderEncoding.encodeUnstructured(String(repeating: "Relance é ", count: 30))
        for word in subject.components(separatedBy: "\r\n ") { #expect(word.count <= 75) }
        #expect(HeaderEncoding.encodeUnstructured("F-1\r\nBcc: victim@example.com") == "F-1  Bcc: victim@example.com")
        #expect(HeaderEncoding.mailbox(name: "A \"B\"", address: "a@x.example") == #""A \"B\"" <a@x.example>"#)
    }

    @Test("quoted-printable lines are at most 76 characters")
    func quotedPrintable() {
        let encoded = QuotedPrintable.encode(String(repeating: "Réglez vite, s'il vous plaît. ", count: 20) + "\nfin ")
        #expect(encoded.components(separatedBy: "\r\n").allSatisfy { $0.count <= 76 })
        #expect(encoded.hasSuffix("fin=20"))
    }

    @Test("Python's email parser reads every language's message without defects", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
    func externalParser() throws {
        for language in Language.allCases {
            let facts = Self.facts(language: language, name: "Société Générale d'Électricité", id: "F-2026-0042")
            let message = MessageComposer.compose(facts)
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("m-\(UUID().uuidString).eml").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            try Data(message.data).write(to: URL(fileURLWithPath: path))
            let script = """
                import sys, email, email.policy
                m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
                print(len(m.defects)); print(m['subject']); print(m['from'])
                """
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = ["-c", script, path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").map(String.init)
            process.waitUntilExit()
            #expect(output.first == "0", "defects in \(language)")
            #expect(output.dropFirst().first == ReminderText.subject(facts))
            #expect(output.dropFirst(2).first?.contains("Atelier Dupont — Société") == true)
        }
    }
}
