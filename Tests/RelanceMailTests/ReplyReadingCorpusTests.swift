import Foundation
import RelanceCore
import RelanceMail
import Testing

/// The project's own corpus of customer replies (Tests/RelanceMailTests/Fixtures/replies.txt):
/// varied phrasings in English, French and German, with our reminder quoted below, HTML-only and
/// Latin-1 messages, signatures and disclaimers with misleading words. Each is turned into a real
/// message, read by `ReplyClassifier`, and scored: precision and recall per intent, and the dates.
enum ReplyReadingCorpus {
    struct Case {
        let id: String
        let expected: String
        let date: LocalDate?
        let contact: String?
        let shapes: Set<String>
        let subject: String
        let dateHeader: String
        let body: String
    }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// - Parameter file: `replies.txt` (the tables were tuned on it) or `replies-holdout.txt` (written after).
    static func cases(_ file: String = "replies.txt") throws -> [Case] {
        let text = try String(contentsOfFile: folder.appendingPathComponent(file).path, encoding: .utf8)
        var cases: [Case] = []
        for block in text.components(separatedBy: "\n### ").dropFirst() {
            var lines = block.components(separatedBy: "\n")
            let head = lines.removeFirst().components(separatedBy: " | ")
            guard head.count >= 4 else { continue }
            let expectation = head[1].split(separator: " ").map(String.init)
            let date = expectation.dropFirst().compactMap { LocalDate(iso: $0) }.first
            let contact = expectation.dropFirst().first { $0.contains("@") }
            let body = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            cases.append(Case(id: head[0], expected: expectation[0], date: date, contact: contact, shapes: Set(head[2].split(separator: "+").map(String.init)),
                              subject: head[3], dateHeader: head.count > 4 ? head[4] : "Mon, 23 Nov 2026 10:00:00 +0100", body: body))
        }
        return cases
    }

    static let quotedReminder: [String: String] = [
        "en": "On Fri, 20 Nov 2026 at 09:30, Atelier Dupont <relances@atelier.example> wrote:\n> Hello,\n> Invoice F-2026-0042 of 2 October 2026 for 1,250.00 EUR was due on 2 November 2026.\n> If you have already paid, please disregard this message.\n> A question or a disagreement about this invoice? Just reply to this message.\n> We will pay attention to any dispute.",
        "fr": "Le ven. 20 nov. 2026 à 09:30, Atelier Dupont <relances@atelier.example> a écrit :\n> Bonjour,\n> Sauf erreur de notre part, la facture F-2026-0042 reste impayée.\n> Si vous avez déjà réglé cette facture, merci de ne pas tenir compte de ce message.\n> Une question ou un désaccord sur cette facture ? Répondez simplement à ce message.",
        "de": "Am 20.11.2026 um 09:30 schrieb Atelier Dupont <relances@atelier.example>:\n> Guten Tag,\n> die Rechnung F-2026-0042 ist seit dem 2. November 2026 fällig.\n> Sollten Sie bereits bezahlt haben, betrachten Sie diese Nachricht bitte als gegenstandslos.\n> Fragen oder Einwände? Antworten Sie einfach auf diese Nachricht.",
    ]

    /// The case as a mail program would send it.
    static func message(_ item: Case) -> [UInt8] {
        let language = String(item.id.prefix(2))
        var headers = "From: Client <client@customer.example>\r\nTo: relances@atelier.example\r\nSubject: \(item.subject)\r\nDate: \(item.dateHeader)\r\nMIME-Version: 1.0\r\n"
        if !item.shapes.contains("nothread") { headers += "In-Reply-To: <relance.first.F-2026-0042.0123456789abcdef@atelier.example>\r\n" }
        let quote = item.shapes.contains("quoted") ? "\n\n" + (quotedReminder[language] ?? "") : ""
        if item.shapes.contains("html") {
            let paragraphs = item.body.components(separatedBy: "\n").map { "<p>" + $0.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;") + "</p>" }
            let cited = (quotedReminder[language] ?? "").components(separatedBy: "\n").map { $0.replacingOccurrences(of: "<", with: "&lt;") }.joined(separator: "<br>")
            let html = "<html><head><style>p{margin:0}</style></head><body><div dir=\"ltr\">" + paragraphs.joined() + "</div><div class=\"gmail_quote\">"
                + cited + "</div></body></html>"
            return Array((headers + "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + html + "\r\n").utf8)
        }
        let text = (item.body + quote).replacingOccurrences(of: "\n", with: "\r\n")
        if item.shapes.contains("latin1") {
            var encoded = ""
            for scalar in text.unicodeScalars {
                if scalar.value < 128, scalar != "=" { encoded.unicodeScalars.append(scalar) } else if scalar.value < 256 {
                    encoded += String(format: "=%02X", scalar.value)
                } else { encoded += "?" }
            }
            return Array((headers + "Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + encoded + "\r\n").utf8)
        }
        return Array((headers + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text + "\r\n").utf8)
    }

    /// What the reader made of a case, in the corpus's terms.
    static func read(_ item: Case) -> (label: String, date: LocalDate?, contact: String?, evidence: String?) {
        let analysis = ReplyClassifier.analyze(message(item), reference: LocalDate(iso: "2026-11-23")!,
                                               settings: ReplyClassifier.Settings(timeZone: TimeZone(identifier: "Europe/Paris")!, dayFirst: true,
                                                                                  ownAddresses: ["relances@atelier.example"]))
        if analysis.kind == .autoReply { return ("absence", analysis.returnDate, nil, analysis.evidence) }
        let label = analysis.intent?.rawValue ?? analysis.kind.rawValue
        return (label, analysis.promiseDate ?? analysis.paidDate, analysis.newContact, analysis.evidence)
    }

    /// Precision and recall per label, date accuracy, and the cases read wrong.
    struct Score {
        var perLabel: [String: (precision: Double, recall: Double, support: Int)] = [:]
        var datesRight = 0
        var datesStated = 0
        var contactsRight = 0
        var contactsStated = 0
        var wrong: [String] = []

        var report: String {
            var lines = ["label             precision  recall  cases"]
            for (label, figures) in perLabel.sorted(by: { $0.key < $1.key }) {
                lines.append(label.padding(toLength: 18, withPad: " ", startingAt: 0)
                             + String(format: "%8.1f %%  %5.1f %%  %5d", figures.precision * 100, figures.recall * 100, figures.support))
            }
            lines.append(String(format: "dates right: %d of %d (%.1f %%); new contacts right: %d of %d", datesRight, datesStated,
                                Double(datesRight) * 100 / Double(max(1, datesStated)), contactsRight, contactsStated))
            return (lines + wrong.map { "  wrong: " + $0 }).joined(separator: "\n")
        }
    }

    static func score(_ cases: [Case]) -> Score {
        var score = Score()
        var truePositive: [String: Int] = [:], predicted: [String: Int] = [:], actual: [String: Int] = [:]
        for item in cases {
            let result = read(item)
            actual[item.expected, default: 0] += 1
            predicted[result.label, default: 0] += 1
            if result.label == item.expected { truePositive[item.expected, default: 0] += 1 } else {
                score.wrong.append("\(item.id): read \(result.label) (\(result.evidence ?? "no evidence"))")
            }
            if let date = item.date {
                score.datesStated += 1
                if result.date == date { score.datesRight += 1 } else if result.label == item.expected {
                    score.wrong.append("\(item.id): date \(result.date?.iso ?? "none") instead of \(date.iso)")
                }
            }
            if let contact = item.contact {
                score.contactsStated += 1
                if result.contact == contact { score.contactsRight += 1 } else { score.wrong.append("\(item.id): contact \(result.contact ?? "none")") }
            }
        }
        for label in Set(actual.keys).union(predicted.keys) {
            let tp = Double(truePositive[label] ?? 0)
            score.perLabel[label] = (precision: tp / Double(max(1, predicted[label] ?? 0)), recall: tp / Double(max(1, actual[label] ?? 0)),
                                     support: actual[label] ?? 0)
        }
        return score
    }
}

@Suite("Reading replies: the project's corpus of 165 replies in three languages")
struct ReplyReadingCorpusTests {
    @Test("every intent ≥ 95 % precision and ≥ 90 % recall; dates right in ≥ 95 % of the replies that state one")
    func figures() throws {
        let cases = try ReplyReadingCorpus.cases()
        #expect(cases.count >= 150)
        #expect(Set(cases.map { $0.id.prefix(2) }) == ["en", "fr", "de"])
        let score = ReplyReadingCorpus.score(cases)
        print(score.report)
        for label in ["paid", "promise", "dispute", "invoice-request", "installments", "wrong-contact", "other", "absence"] {
            let figures = try #require(score.perLabel[label], "no case of \(label)")
            #expect(figures.precision >= 0.95, "\(label) precision \(figures.precision)\n\(score.report)")
            #expect(figures.recall >= 0.90, "\(label) recall \(figures.recall)\n\(score.report)")
        }
        #expect(Double(score.datesRight) >= 0.95 * Double(score.datesStated), "\(score.report)")
        #expect(score.contactsRight == score.contactsStated, "\(score.report)")
    }

    @Test("each decision carries the words that made it")
    func evidence() throws {
        for item in try ReplyReadingCorpus.cases() where item.expected != "other" {
            let result = ReplyReadingCorpus.read(item)
            if result.label == item.expected { #expect(result.evidence?.isEmpty == false, "\(item.id)") }
        }
    }

    @Test("the replies written after the tables were tuned are read as well")
    func heldOut() throws {
        let cases = try ReplyReadingCorpus.cases("replies-holdout.txt")
        #expect(cases.count >= 45)
        let score = ReplyReadingCorpus.score(cases)
        print(score.report)
        for (label, figures) in score.perLabel {
            #expect(figures.precision >= 0.95 && figures.recall >= 0.90, "\(label)\n\(score.report)")
        }
        #expect(Double(score.datesRight) >= 0.95 * Double(score.datesStated), "\(score.report)")
    }
}
