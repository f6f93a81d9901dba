import Foundation
import RelanceCore
import RelanceMail
import Testing

@Suite("Message composition")
struct MessageComposerTests {
    static let bundled = MessageTemplates(overrideDirectory: nil)

    static func facts(language: Language = .fr, kind: StepKind = .postDue, name: String = "Müller & Söhne GmbH", id: String = "F-2026-0042",
                      attachment: MailAttachment? = nil, discount: Bool = false) -> ReminderFacts {
        let invoice = Invoice(id: id, issueDate: LocalDate(iso: "2026-11-02")!, terms: PaymentTermsParser.parse("2/10 n/30"),
                              total: Money(minorUnits: 125_000, currency: .eur),
                              customer: Customer(id: "C-1", name: name, emails: [try! EmailAddress("ap@acme.example")]))
        let zone = TimeZone(identifier: "Europe/Paris")!
        return ReminderFacts(
            invoice: invoice, step: "first", kind: kind, language: language, amountDue: invoice.total,
            discount: discount ? invoice.discountOffers.first : nil,
            sendDate: LocalDate(iso: "2026-12-09")!, companyName: "Atelier Dupont — Société", from: try! EmailAddress("compta@atelier.example"),
            replyTo: try! EmailAddress("relances@atelier.example"), to: invoice.customer.emails, cc: [try! EmailAddress("cfo@acme.example")],
            messageID: MessageID.make(invoiceID: invoice.id, step: "first", domain: "atelier.example"),
            references: ["<relance.courtesy.x@atelier.example>", "<relance.due.x@atelier.example>"],
            date: ZonedDateTime.instant(of: LocalDate(iso: "2026-12-09")!, at: WallClockTime(hour: 9, minute: 30)!, in: zone),
            timeZone: zone,
            payment: PaymentInstructions(iban: "FR7630006000011234567890189", bic: "AGRIFRPP", paymentLink: "https://pay.example/F-2026-0042?a=1&b=<2>",
                                         signature: "Jeanne Dupont\nService comptable"),
            lateCharges: kind == .final ? LateChargesOwed(law: .fr, daysLate: 37, interest: Money(minorUnits: 1234, currency: .eur), rate: Percent(whole: 12),
                                                          compensation: Money(minorUnits: 4000, currency: .eur), missingRate: nil) : nil,
            attachment: attachment)
    }

    @Test("CRLF line ends only, no line over 998 octets, the headers that thread and identify the reminder")
    func shape() throws {
        let message = try MessageComposer.compose(Self.facts(), templates: Self.bundled)
        let text = String(decoding: message.data, as: UTF8.self)
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        #expect(text.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 998 })
        for header in ["Date: Wed, 09 Dec 2026 09:30:00 +0100", "Message-ID: <relance.first.F-2026-0042.", "In-Reply-To: <relance.due.x@atelier.example>",
                       "References: <relance.courtesy.x@atelier.example> <relance.due.x@atelier.example>", "Auto-Submitted: auto-generated",
                       "X-Relance-Invoice: F-2026-0042", "MIME-Version: 1.0", "Content-Type: multipart/alternative;"] {
            #expect(text.replacingOccurrences(of: "\r\n ", with: " ").contains(header), "\(header)")
        }
        #expect(message.recipients == ["ap@acme.example", "cfo@acme.example"])
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

    @Test("the bundled templates render every kind in every language, escalating, with amounts and dates in the language")
    func rendering() throws {
        let fr = try Self.bundled.render(Self.facts(language: .fr, kind: .postDue))
        #expect(fr.subject == "1re relance : facture F-2026-0042 échue")
        #expect(fr.text.contains("la facture F-2026-0042 du 2 novembre 2026, échue le mercredi 2 décembre 2026, reste impayée (7 jours de retard)"))
        #expect(fr.text.contains("régler la somme de 1\u{202F}250,00\u{00A0}€"))
        #expect(fr.text.contains("IBAN FR76 3000 6000 0112 3456 7890 189 – BIC AGRIFRPP"))
        #expect(fr.text.hasSuffix("Jeanne Dupont\nService comptable\n"))
        #expect(fr.html.contains("Jeanne Dupont<br>Service comptable"))
        #expect(fr.html.contains("https://pay.example/F-2026-0042?a=1&amp;b=&lt;2&gt;"))  // escaped in HTML only
        #expect(fr.text.contains("https://pay.example/F-2026-0042?a=1&b=<2>"))
        let en = try Self.bundled.render(Self.facts(language: .en, kind: .preDue, discount: true))
        #expect(en.text.contains("Pay €1,225.00 by 12 November 2026 to keep your 2 % discount."))
        let de = try Self.bundled.render(Self.facts(language: .de, kind: .final))
        #expect(de.subject == "Letzte Mahnung: Rechnung F-2026-0042")
        #expect(de.text.contains("Bis heute sind Verzugszinsen von 12,34\u{00A0}€ angefallen (Jahreszins 12 %, article L441-10 du Code de commerce)"))
        #expect(de.text.contains("Die Pauschale für Beitreibungskosten von 40,00\u{00A0}€ ist geschuldet"))
        // Only the last level threatens; with no earlier reminder it does not claim any.
        #expect(de.text.contains("leider ist die Rechnung F-2026-0042") && de.text.contains("Inkassounternehmen"))
        for language in Language.allCases {
            for kind in StepKind.allCases {
                let rendered = try Self.bundled.render(Self.facts(language: language, kind: kind, discount: kind == .discount))
                #expect(!rendered.subject.isEmpty && !rendered.text.contains("{{") && rendered.html.hasPrefix("<!DOCTYPE html>"))
            }
        }
    }

    @Test("the compiled-in templates are exactly the files in config/templates")
    func bundledInSync() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/templates").path
        for language in Language.allCases {
            for wording in MessageTemplates.allWordings {
                for part in MessageTemplates.parts {
                    let name = wording.templateName
                    let file = try String(contentsOfFile: "\(folder)/\(language.rawValue)/\(name).\(part).mustache", encoding: .utf8)
                    let source = Self.bundled.source(language: language, step: "none", wording: wording, part: part)
                    #expect(source?.text == file.trimmingCharacters(in: .newlines), "run scripts/generate-templates: \(language)/\(name).\(part)")
                }
            }
        }
        #expect(Self.bundled.check(steps: StepKind.allCases.map { ($0.rawValue, $0) }).isEmpty)
    }

    @Test("a user's file replaces a bundled one; a step file (steps/) wins over the wording's; unknown variables are reported")
    func overrides() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tpl-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/en/steps", withIntermediateDirectories: true)
        try "Pay up: {{invoiceId}}".write(toFile: folder + "/en/post-due.subject.mustache", atomically: true, encoding: .utf8)
        try "First nudge for {{invoiceId}}".write(toFile: folder + "/en/steps/first.subject.mustache", atomically: true, encoding: .utf8)
        try "Hello {{custmerName}} {{#discount}}{{discount.percnt}}{{/discount}}".write(toFile: folder + "/en/final.text.mustache", atomically: true, encoding: .utf8)
        let templates = MessageTemplates(overrideDirectory: folder)
        #expect(try templates.render(Self.facts(language: .en)).subject == "First nudge for F-2026-0042")
        #expect(templates.source(language: .en, step: "second", wording: .overdue(level: 2, daysLate: 15), part: "subject")?.text == "Pay up: {{invoiceId}}")
        // A bundled file is chosen by the wording, never by a step's name: a step named "due" sent late reads as overdue.
        #expect(MessageTemplates(overrideDirectory: nil).source(language: .en, step: "due", wording: .overdue(level: 1, daysLate: 3), part: "subject")?
            .origin == "built-in en/post-due-1.subject")
        let problems = templates.check(steps: [("final", .final)])
        #expect(problems.contains { $0.hasSuffix("unknown variable {{custmerName}}") })
        #expect(problems.contains { $0.hasSuffix("unknown variable {{discount.percnt}}") })
    }

    @Test("attachment names use RFC 2231 when they are not plain ASCII")
    func attachmentNames() throws {
        let facts = Self.facts(attachment: MailAttachment(fileName: "Facture été n°42 — Müller & Söhne, Société Générale d'Électricité.pdf",
                                                      contentType: "application/pdf", bytes: Array(repeating: 0x25, count: 10)))
        let text = String(decoding: try MessageComposer.compose(facts, templates: Self.bundled).data, as: UTF8.self)
        #expect(text.contains("Content-Type: multipart/mixed;"))
        #expect(text.contains("filename*0*=UTF-8''Facture%20%C3%A9t%C3%A9"))
    }

    @Test("Python's email parser reads every message without defects: subject, text, HTML and attachment bytes",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
    func externalParser() throws {
        var pdf = Array("%PDF-1.4\n".utf8)
        for i in 0..<3000 { pdf.append(UInt8(truncatingIfNeeded: i &* 7919)) }
        for language in Language.allCases {
            let facts = Self.facts(language: language, kind: .final, name: "Société Générale d'Électricité", id: "F-2026-0042",
                                   attachment: MailAttachment(fileName: "Facture été F-2026-0042.pdf", contentType: "application/pdf", bytes: pdf))
            let message = try MessageComposer.compose(facts, templates: Self.bundled)
            let rendered = try Self.bundled.render(facts)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("m-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            try Data(message.data).write(to: URL(fileURLWithPath: folder + "/m.eml"))
            let script = """
                import sys, email, email.policy
                m = email.message_from_binary_file(open(sys.argv[1] + '/m.eml', 'rb'), policy=email.policy.default)
                defects = list(m.defects) + [d for part in m.walk() for d in part.defects]
                print(len(defects)); print(m['subject']); print(m['from'])
                for part in m.iter_attachments():
                    print(part.get_filename()); open(sys.argv[1] + '/a.bin', 'wb').write(part.get_content())
                open(sys.argv[1] + '/text.txt', 'w').write(m.get_body(('plain',)).get_content())
                open(sys.argv[1] + '/html.txt', 'w').write(m.get_body(('html',)).get_content())
                """
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = ["-c", script, folder]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").map(String.init)
            process.waitUntilExit()
            #expect(output.first == "0", "defects in \(language): \(output)")
            #expect(output.dropFirst().first == rendered.subject)
            #expect(output.dropFirst(2).first?.contains("Atelier Dupont — Société") == true)
            #expect(output.dropFirst(3).first == "Facture été F-2026-0042.pdf")
            #expect(try Array(Data(contentsOf: URL(fileURLWithPath: folder + "/a.bin"))) == pdf)
            #expect(try String(contentsOfFile: folder + "/text.txt", encoding: .utf8) == rendered.text)
            #expect(try String(contentsOfFile: folder + "/html.txt", encoding: .utf8) == rendered.html)
        }
    }
}

@Suite("Quoted-printable")
struct QuotedPrintableTests {
    @Test("known encodings: '=' escaped, trailing blanks protected, UTF-8 bytes, soft breaks at 76 columns")
    func known() {
        #expect(QuotedPrintable.encode("a=b") == "a=3Db")
        #expect(QuotedPrintable.encode("end \nnext\t") == "end=20\r\nnext=09")
        #expect(QuotedPrintable.encode("café") == "caf=C3=A9")
        #expect(QuotedPrintable.encode("one\r\ntwo\n") == "one\r\ntwo\r\n")
        let long = String(repeating: "x", count: 80)
        #expect(QuotedPrintable.encode(long) == String(repeating: "x", count: 75) + "=\r\n" + String(repeating: "x", count: 5))
        // An escape is never split across a soft break.
        #expect(QuotedPrintable.encode(String(repeating: "x", count: 74) + "é") == String(repeating: "x", count: 74) + "=\r\n=C3=A9")
    }

    @Test("random text survives encode then decode, with lines of at most 76 characters")
    func roundTrip() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abc =\t\nxyzé€😀.-") + ["\r\n"]
        for _ in 0..<500 {
            let text = String((0..<Int.random(in: 0...300, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            let encoded = QuotedPrintable.encode(text)
            #expect(encoded.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 76 })
            let decoded = String(decoding: TransferDecoding.quotedPrintable(Array(encoded.utf8)), as: UTF8.self)
            let expected = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
            #expect(decoded == expected, "\(text.debugDescription)")
        }
    }
}

@Suite("Header folding")
struct HeaderFoldingTests {
    /// The first, string-based implementation, kept as the reference the byte-based one must match.
    static func reference(_ name: String, _ value: String) -> String {
        var lines: [String] = []
        var current = name + ":"
        for piece in value.components(separatedBy: "\r\n ") {
            for word in piece.split(separator: " ", omittingEmptySubsequences: false) {
                if current.utf8.count + 1 + word.utf8.count > 78, current.utf8.count > name.utf8.count + 1 {
                    lines.append(current)
                    current = " " + word
                } else {
                    current += " " + word
                }
            }
        }
        lines.append(current)
        return lines.joined(separator: "\r\n")
    }

    @Test("folding matches the reference on random headers; no line over 78 unless one word is longer")
    func random() {
        var generator = SystemRandomNumberGenerator()
        let words = ["a", "Relance", "=?UTF-8?B?w6lsw6lwaGFudA==?=", "", "très-long-mot-\(String(repeating: "x", count: 90))", "F-2026-0042", "<id@x.example>,"]
        for _ in 0..<500 {
            let value = (0..<Int.random(in: 0...30, using: &generator)).map { _ in words.randomElement(using: &generator)! }
                .joined(separator: Bool.random(using: &generator) ? " " : "\r\n ")
            let folded = HeaderEncoding.fold("Subject", value)
            #expect(folded == Self.reference("Subject", value), "\(value.debugDescription)")
        }
    }

    @Test("a plan's schedule, an instalment and a call's confirmation say their own facts, in each language")
    func arrangedMessages() throws {
        func nbsp(_ text: String) -> String { text.replacingOccurrences(of: "\u{202F}", with: " ").replacingOccurrences(of: "\u{00A0}", with: " ") }
        let agreed = LocalDate(iso: "2026-12-01")!
        let parts = (1...3).map { Installment(number: $0, due: agreed.adding(days: 14 * $0), amount: Money(minorUnits: 41_666 + ($0 == 3 ? 2 : 0), currency: .eur)) }
        let standings = InstallmentRule.standings(parts, received: parts[0].amount)
        var installment = MessageComposerTests.facts(language: .en, kind: .installment)
        installment.plan = (agreed, standings)
        installment.installment = standings[1]
        installment.amountDue = standings[1].left
        installment.wording = Wording.installment(parts[1], of: 3, sendDate: LocalDate(iso: "2026-12-26")!)
        let en = try MessageComposerTests.bundled.render(installment)
        #expect(en.subject == "Invoice F-2026-0042: instalment 2 of 3 due on 29 December 2026", "\(en.subject)")
        #expect(nbsp(en.text).contains("instalment 2 of 3, €416.66, falls due on Tuesday 29 December 2026"), "\(en.text)")
        #expect(en.text.contains("(received, thank you)") && en.html.contains("<li>"))
        installment.language = .de
        installment.wording = .installment(part: 2, of: 3, daysLeft: -2)
        let de = try MessageComposerTests.bundled.render(installment)
        #expect(de.subject.contains("Rate 2 von 3 war am") && de.text.contains("damit die Vereinbarung bestehen bleibt"), "\(de.subject)\n\(de.text)")

        var plan = MessageComposerTests.facts(language: .de, kind: .plan)
        plan.plan = (agreed, InstallmentRule.standings(parts, received: Money.zero(.eur)))
        plan.wording = .planAgreed
        let schedule = try MessageComposerTests.bundled.render(plan)
        #expect(schedule.subject == "Rechnung F-2026-0042: Ihre Ratenzahlung" && schedule.text.contains("in 3 Raten") && !schedule.text.contains("eingegangen, danke"))

        var confirmation = MessageComposerTests.facts(language: .en, kind: .confirmation)
        confirmation.confirmation = CallConfirmation(outcome: .promise, calledOn: agreed, date: LocalDate(iso: "2026-12-15")!)
        confirmation.wording = .callConfirmation
        let confirmed = try MessageComposerTests.bundled.render(confirmation)
        #expect(confirmed.subject == "Invoice F-2026-0042: following our call")
        #expect(confirmed.text.contains("As agreed, you will pay it by 15 December 2026.") && !confirmed.text.contains("We have noted"), "\(confirmed.text)")
        confirmation.confirmation = CallConfirmation(outcome: .dispute, calledOn: agreed, date: nil)
        #expect(try MessageComposerTests.bundled.render(confirmation).text.contains("We have noted what you told us"))
    }
}
