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
    @Option(name: .customLong("date-order"), help: "How to read 03/04: dmy (3 April, the default) or mdy (March 4).") var dateOrder = "dmy"
    @Option(help: "The zone the message's Date is read in (default UTC).") var timezone = "UTC"

    func validate() throws {
        guard ["dmy", "mdy"].contains(dateOrder) else { throw ValidationError("--date-order must be dmy or mdy") }
        guard TimeZone(identifier: timezone) != nil else { throw ValidationError("--timezone \"\(timezone)\" is not a time zone name") }
    }

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            Console.error("relance: cannot read \(file)")
            throw ExitCode(1)
        }
        let bytes = Array(data)
        let zone = TimeZone(identifier: timezone) ?? .gmt
        let given = try DateArgument.parse(reference, option: "reference")
        let day = given ?? ZonedDateTime.localDate(of: SystemClock().now(), in: zone)
        // A day given on the command line wins over the message's own Date.
        let analysis = ReplyClassifier.analyze(bytes, reference: day, settings: ReplyClassifier.Settings(
            timeZone: zone, dayFirst: dateOrder == "dmy", readsDateHeader: given == nil))
        if json {
            Console.out(JSONWriter.serialize(Self.json(analysis)))
        } else {
            Console.out(JSONWriter.serialize(Self.json(analysis), pretty: true))
        }
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
        if let date = analysis.paidDate { fields.append(("paidDate", .string(date.iso))) }
        if let contact = analysis.newContact { fields.append(("newContact", .string(contact))) }
        if let evidence = analysis.evidence { fields.append(("evidence", .string(evidence))) }
        if let phrase = analysis.phrase { fields.append(("phrase", .string(phrase))) }
        if !analysis.invoiceNumbers.isEmpty { fields.append(("invoiceNumbers", .array(analysis.invoiceNumbers.map { .string($0) }))) }
        if let written = analysis.writtenOn { fields.append(("writtenOn", .string(written.iso))) }
        fields.append(("references", .array(analysis.references.map { .string($0) })))
        if let invoice = analysis.invoice { fields.append(("invoice", .string(invoice))) }
        if let tag = analysis.envelopeTag { fields.append(("envelopeTag", .string(tag))) }
        if let from = analysis.from { fields.append(("from", .string(from))) }
        if let subject = analysis.subject { fields.append(("subject", .string(subject))) }
        if let problem = analysis.problem { fields.append(("problem", .string(problem))) }
        return .object(fields)
    }
}
