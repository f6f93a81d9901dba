import ArgumentParser
import Foundation
import RelanceCore
import RelanceFormats
import RelanceMail

/// `relance inspect MESSAGE.eml [--json]`: how relance classifies a message, without touching the store.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Show how a reply, bounce or auto-reply is classified (changes nothing).")

    @Argument(help: "A message file (RFC 5322, as saved from a mailbox).") var file: String
    @Flag(help: "Print JSON.") var json = false
    @Option(help: "Resolve dates without a year from this day (YYYY-MM-DD; default: the message's Date, else today).") var reference: String?

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            Console.error("relance: cannot read \(file)")
            throw ExitCode(1)
        }
        let bytes = Array(data)
        let day = try DateArgument.parse(reference, option: "reference")
            ?? (try? MIMEParser.parse(bytes)).flatMap { $0.header("Date") }.flatMap(Self.date(fromHeader:))
            ?? ZonedDateTime.localDate(of: SystemClock().now(), in: TimeZone(identifier: "UTC")!)
        let analysis = ReplyClassifier.analyze(bytes, reference: day)
        if json {
            Console.out(JSONWriter.serialize(Self.json(analysis)))
        } else {
            Console.out(JSONWriter.serialize(Self.json(analysis), pretty: true))
        }
    }

    /// The calendar date of an RFC 5322 Date header (`Thu, 29 Apr 2013 23:45:32 +0900`).
    static func date(fromHeader value: String) -> LocalDate? {
        let words = value.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        for (index, word) in words.enumerated() where index + 2 < words.count {
            if let day = Int(word), let month = months.firstIndex(of: words[index + 1].lowercased().prefix(3).description), let year = Int(words[index + 2]) {
                return LocalDate(year: year, month: month + 1, day: day)
            }
        }
        return nil
    }

    static func json(_ analysis: ReplyAnalysis) -> JSONValue {
        var fields: [(String, JSONValue)] = [("kind", .string(analysis.kind.rawValue))]
        if let bounce = analysis.bounce {
            var b: [(String, JSONValue)] = []
            if let recipient = bounce.recipient { b.append(("recipient", .string(recipient))) }
            if let status = bounce.status { b.append(("status", .string(status))) }
            b.append(("hard", .bool(bounce.hard)))
            fields.append(("bounce", .object(b)))
        }
        if analysis.kind == .autoReply {
            fields.append(("autoReply", .object(analysis.returnDate.map { [("returnDate", .string($0.iso))] } ?? [])))
        }
        if let intent = analysis.intent { fields.append(("intent", .string(intent.rawValue))) }
        if let date = analysis.promiseDate { fields.append(("promiseDate", .string(date.iso))) }
        fields.append(("references", .array(analysis.references.map { .string($0) })))
        if let invoice = analysis.invoice { fields.append(("invoice", .string(invoice))) }
        if let tag = analysis.envelopeTag { fields.append(("envelopeTag", .string(tag))) }
        if let from = analysis.from { fields.append(("from", .string(from))) }
        if let subject = analysis.subject { fields.append(("subject", .string(subject))) }
        if let problem = analysis.problem { fields.append(("problem", .string(problem))) }
        return .object(fields)
    }
}
