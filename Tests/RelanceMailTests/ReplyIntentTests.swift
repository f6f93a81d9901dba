import Foundation
import RelanceCore
import RelanceMail
import Testing

@Suite("Reading replies in English, French and German")
struct ReplyIntentTests {
    static let reference = LocalDate(iso: "2026-11-23")!

    static func message(_ body: String, subject: String = "Re: Relance : facture F-2026-0042", headers: String = "",
                        charset: String = "utf-8") -> [UInt8] {
        let text = "From: Jean Client <jean@client.example>\r\nTo: relances@atelier.example\r\nSubject: \(subject)\r\n"
            + "In-Reply-To: <relance.first.F-2026-0042.0123456789abcdef@atelier.example>\r\n\(headers)"
            + "Content-Type: text/plain; charset=\(charset)\r\n\r\n\(body)\r\n"
        return Array(text.utf8)
    }

    @Test("intents and promised dates", arguments: [
        // English
        ("We already paid this invoice last week.", "paid", nil),
        ("The payment was made on Friday, please check.", "paid", nil),
        ("We will pay by 12/15.", "promise", "2026-12-15"),
        ("I'll pay on December 15th, sorry for the delay.", "promise", "2026-12-15"),
        ("We dispute this invoice: the goods were never received.", "dispute", nil),
        ("Could you send me a copy of the invoice?", "invoice-request", nil),
        // French
        ("Bonjour, nous avons déjà réglé cette facture par virement.", "paid", nil),
        ("Je réglerai le 15 décembre.", "promise", "2026-12-15"),
        ("Nous procéderons au règlement le 15/12.", "promise", "2026-12-15"),
        ("Nous contestons cette facture : le montant est faux.", "dispute", nil),
        ("Pouvez-vous m'envoyer le RIB ?", "other", nil),
        // German
        ("Die Rechnung wurde bereits überwiesen.", "paid", nil),
        ("Wir zahlen bis zum 15.12.", "promise", "2026-12-15"),
        ("Wir werden am 5. Januar überweisen.", "promise", "2027-01-05"),
        ("Wir widersprechen dieser Rechnung, die Ware ist fehlerhaft.", "dispute", nil),
        ("Bitte schicken Sie uns die Rechnung erneut.", "invoice-request", nil),
    ] as [(String, String, String?)])
    func intents(body: String, intent: String, date: String?) {
        let analysis = ReplyClassifier.analyze(Self.message(body), reference: Self.reference)
        #expect(analysis.kind == .reply)
        #expect(analysis.intent?.rawValue == intent, "\(body)")
        #expect(analysis.promiseDate?.iso == date, "\(body)")
        #expect(analysis.references == ["<relance.first.F-2026-0042.0123456789abcdef@atelier.example>"])
    }

    @Test("quoted text (our own reminder) does not count as the customer's words")
    func quotedTextIgnored() {
        let body = "Merci, je regarde.\r\n\r\nLe 20 nov. 2026 à 09:30, Atelier Dupont a écrit :\r\n> Si vous avez déjà réglé cette facture, merci de ne pas tenir compte de ce message.\r\n> Nous contestons rien."
        #expect(ReplyClassifier.analyze(Self.message(body), reference: Self.reference).intent == .other)
    }

    @Test("out-of-office replies with their return date", arguments: [
        ("Out of Office: back on Monday December 7", "I am out of the office until December 7.", "2026-12-07"),
                // The last day away said, the first day back is the next.
        ("Réponse automatique : absent", "Je suis absent jusqu'au 7 décembre inclus.", "2026-12-08"),
        ("Abwesenheitsnotiz", "Ich bin bis zum 07.12.2026 nicht im Büro.", "2026-12-08"),
        ("Automatic reply: Relance", "I am on leave and will reply when I return.", nil),
    ] as [(String, String, String?)])
    func autoReplies(subject: String, body: String, date: String?) {
        let analysis = ReplyClassifier.analyze(Self.message(body, subject: subject, headers: "Auto-Submitted: auto-replied\r\n"), reference: Self.reference)
        #expect(analysis.kind == .autoReply)
        #expect(analysis.returnDate?.iso == date, "\(subject)")
    }

    @Test("an auto-reply is recognised by its subject alone when the headers say nothing")
    func autoReplyBySubject() {
        let analysis = ReplyClassifier.analyze(Self.message("Je serai de retour le 30/11.", subject: "Réponse automatique : Relance"), reference: Self.reference)
        #expect(analysis.kind == .autoReply)
        #expect(analysis.returnDate?.iso == "2026-11-30")
    }

    @Test("Latin-1, Latin-9 and Windows-1252 bodies are read in their charset")
    func charsets() {
        let latin1: [UInt8] = Array("From: a@b.example\r\nSubject: x\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nd".utf8) + [0xE9, 0x6A, 0xE0, 0x20] + Array("r".utf8) + [0xE9] + Array("gl".utf8) + [0xE9]
        #expect(ReplyClassifier.analyze(latin1, reference: Self.reference).intent == .paid)  // "déjà réglé"
        let cp1252 = Array("From: a@b.example\r\nContent-Type: text/plain; charset=windows-1252\r\n\r\n".utf8) + [0x93, 0x80, 0x94]
        #expect((try? MIMEParser.parse(cp1252))?.bodyText == "“€”")
        let latin9 = Array("From: a@b.example\r\nContent-Type: text/plain; charset=ISO-8859-15\r\n\r\n".utf8) + [0xA4, 0xBD]
        #expect((try? MIMEParser.parse(latin9))?.bodyText == "€œ")
    }

    @Test("LF-only and CR-only line ends, folded encoded-word headers, nested multiparts, quoted-printable")
    func structure() throws {
        let crOnly = "From: a@b.example\rSubject: =?ISO-8859-1?Q?R=E9ponse?=\r =?UTF-8?B?IMOgIHZvdXM=?=\rContent-Type: multipart/mixed; boundary=\"X\"\r\r--X\rContent-Type: multipart/alternative; boundary=Y\r\r--Y\rContent-Type: text/plain; charset=utf-8\rContent-Transfer-Encoding: quoted-printable\r\rD=C3=A9j=C3=A0 r=C3=A9gl=C3=A9 hier=\r soir.\r--Y--\r--X--\r"
        let message = try MIMEParser.parse(Array(crOnly.utf8))
        #expect(message.header("Subject") == "Réponse à vous")
        #expect(message.bodyText == "Déjà réglé hier soir.")
        let lfOnly = crOnly.replacingOccurrences(of: "\r", with: "\n")
        #expect(try MIMEParser.parse(Array(lfOnly.utf8)).bodyText == "Déjà réglé hier soir.")
    }

    @Test("broken input never crashes: empty and header-less messages are unreadable; 3,000 mutations are survived")
    func robustness() throws {
        #expect(ReplyClassifier.analyze([], reference: Self.reference).kind == .unreadable)
        #expect(ReplyClassifier.analyze(Array("just some words\nno headers".utf8), reference: Self.reference).kind == .unreadable)
        let deep = "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=A\r\n\r\n" + String(repeating: "--A\r\nContent-Type: multipart/mixed; boundary=A\r\n\r\n", count: 5000)
        _ = ReplyClassifier.analyze(Array(deep.utf8), reference: Self.reference)
        let corpus = MailCorpus.available ? MailCorpus.files.prefix(30).compactMap { try? Array(Data(contentsOf: URL(fileURLWithPath: MailCorpus.folder + "/" + $0))) } : []
        let seeds = corpus.isEmpty ? [Self.message("We will pay by 12/15.")] : corpus
        var state: UInt64 = 7
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var kinds: [ReplyAnalysis.Kind: Int] = [:]
        for round in 0..<3000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<(1 + next() % 8) where !bytes.isEmpty {
                let position = next() % bytes.count
                switch next() % 4 {
                case 0: bytes[position] = UInt8(truncatingIfNeeded: next())
                case 1: bytes.remove(at: position)
                case 2: bytes.insert(UInt8(truncatingIfNeeded: next()), at: position)
                default: bytes = Array(bytes.prefix(position))  // truncated
                }
            }
            kinds[ReplyClassifier.analyze(bytes, reference: Self.reference).kind, default: 0] += 1
        }
        #expect(kinds.values.reduce(0, +) == 3000)
    }
}
