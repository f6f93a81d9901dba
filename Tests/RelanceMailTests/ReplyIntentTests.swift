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

    @Test("relative dates count from the day the message was written, forward for a promise, back for a payment", arguments: [
        ("We paid yesterday.", "paid", "2026-11-22"),
        ("Nous avons réglé vendredi dernier.", "paid", "2026-11-20"),
        ("Wir haben am Donnerstag überwiesen.", "paid", "2026-11-19"),
        ("Le virement a été effectué le 16 novembre.", "paid", "2026-11-16"),
        ("We will pay next Friday.", "promise", "2026-11-27"),
        ("Nous réglerons d'ici la fin du mois.", "promise", "2026-11-30"),
        ("Die Zahlung erfolgt Ende nächster Woche.", "promise", "2026-12-04"),
        ("Wir zahlen am 18.12.", "promise", "2026-12-18"),
        ("Je réglerai le 15 janvier.", "promise", "2027-01-15"),
        ("I'll pay in 10 days.", "promise", "2026-12-03"),
        ("Nous paierons demain.", "promise", "2026-11-24"),
    ] as [(String, String, String)])
    func relativeDates(body: String, intent: String, date: String) {
        // Monday 23 November 2026, in Paris.
        let message = Self.message(body, headers: "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n")
        let analysis = ReplyClassifier.analyze(message, reference: LocalDate(iso: "2026-01-01")!,
                                               settings: ReplyClassifier.Settings(timeZone: TimeZone(identifier: "Europe/Paris")!))
        #expect(analysis.intent?.rawValue == intent, "\(body)")
        #expect((analysis.promiseDate ?? analysis.paidDate)?.iso == date, "\(body)")
        #expect(analysis.writtenOn?.iso == "2026-11-23")
    }

    @Test("an ambiguous 03/04 follows the configured order; 12/15 can only be December 15")
    func dateOrder() {
        let message = Self.message("We will pay on 03/04.", headers: "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n")
        #expect(ReplyClassifier.analyze(message, reference: Self.reference, settings: .init(dayFirst: true)).promiseDate?.iso == "2027-04-03")
        #expect(ReplyClassifier.analyze(message, reference: Self.reference, settings: .init(dayFirst: false)).promiseDate?.iso == "2027-03-04")
        let unambiguous = Self.message("We will pay by 12/15.", headers: "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n")
        #expect(ReplyClassifier.analyze(unambiguous, reference: Self.reference, settings: .init(dayFirst: true)).promiseDate?.iso == "2026-12-15")
    }

    @Test("negations and the future do not make a payment; a dispute outweighs a promise; the new contact is not the sender")
    func precedence() {
        func read(_ body: String) -> ReplyAnalysis { ReplyClassifier.analyze(Self.message(body), reference: Self.reference) }
        #expect(read("We have not paid yet, sorry.").intent == .other)
        #expect(read("Le virement n'a pas été effectué.").intent == .other)
        #expect(read("Die Zahlung wird nächste Woche überwiesen.").intent == .promise)
        #expect(read("We will pay once you fix the wrong price on the invoice.").intent == .dispute)
        #expect(read("We paid yesterday; please send a copy of the invoice for our files.").intent == .paid)
        let redirected = ReplyClassifier.analyze(Self.message("Please write to ap@acme.example, jean@client.example is not in charge."), reference: Self.reference)
        #expect(redirected.intent == .wrongContact && redirected.newContact == "ap@acme.example")
        #expect(read("Please contact me about this.").intent == .other, "a redirect needs an address")
    }

    @Test("invoice numbers named in subject and body, by the words that introduce them")
    func invoiceNumbers() {
        #expect(InvoiceMentions.find(in: "Re: Relance facture H-06") == ["H-06"])
        #expect(InvoiceMentions.find(in: "Invoice #F-2026-0042 and invoice no. 118") == ["F-2026-0042", "118"])
        #expect(InvoiceMentions.find(in: "Rechnung Nr. 2026/118 vom 02.11.2026") == ["2026/118"])
        #expect(InvoiceMentions.find(in: "la facture du 02/11/2026, Re: votre relance") == [])
        #expect(InvoiceMentions.find(in: "") == [])
    }

    @Test("an absence written without headers: its first day back, inclusive last days giving the next", arguments: [
        ("Ich bin bis einschließlich 08.01. nicht im Büro.", "2027-01-09"),
        ("I am out of the office until and including 8 January.", "2027-01-09"),
        ("Je suis absente jusqu'au 8 janvier inclus.", "2027-01-09"),
        ("I am on leave, back on 11 January.", "2027-01-11"),
        ("Je suis en congés, de retour le 11 janvier.", "2027-01-11"),
        ("Ich bin im Urlaub und ab dem 11.01. wieder erreichbar.", "2027-01-11"),
    ] as [(String, String)])
    func absences(body: String, back: String) {
        let analysis = ReplyClassifier.analyze(Self.message(body, subject: "Re: F-2026-0042", headers: "Date: Mon, 28 Dec 2026 09:00:00 +0100\r\n"),
                                               reference: Self.reference)
        #expect(analysis.kind == .autoReply, "\(body)")
        #expect(analysis.returnDate?.iso == back, "\(body)")
    }

    @Test("what is not the author's: a signature's and a disclaimer's words, an HTML quote block")
    func notTheirWords() {
        let signed = "Thanks, I will look into it.\r\nBest regards,\r\nAnn\r\nHead of Disputes | we refuse to pay late fees\r\n"
        #expect(ReplyClassifier.analyze(Self.message(signed), reference: Self.reference).intent == .other)
        let html = "From: a@b.example\r\nSubject: Re: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<div>Merci, je regarde.</div>"
            + "<blockquote>Si vous avez d&eacute;j&agrave; r&eacute;gl&eacute; cette facture&#8230;</blockquote><div class=\"gmail_quote\">nous contestons</div>\r\n"
        #expect(ReplyClassifier.analyze(Array(html.utf8), reference: Self.reference).intent == .other)
    }
}
