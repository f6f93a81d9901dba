import Foundation
import RelanceCore
import RelanceDocuments
import RelanceFormats
import RelanceMail
import RelanceStore

/// `relance export collection`: what a collection agency, a commissaire de justice or a court
/// needs, in one folder: the formal notice as sent, the statement of account (PDF and CSV), every
/// reminder as it was sent and every reply as it was received (`.eml`, byte for byte), the
/// payments, and a timeline (JSON, and a page to read). What relance could not keep (a copy lost
/// to a full disk, a message sent before copies were kept) is said in the timeline, never faked.
public struct CollectionExport {
    let context: DaemonContext

    public init(context: DaemonContext) { self.context = context }

    /// What was written, for the command's output.
    public struct Written: Sendable {
        public var files: [String] = []
        public var missing: [String] = []
    }

    public func write(_ subject: LetterQuery.Subject, to folder: String) throws -> Written {
        let query = LetterQuery(context: context)
        let configuration = context.configuration
        let zone = configuration.company.timeZone
        var written = Written()
        let manager = FileManager.default
        for sub in ["", "/messages", "/replies"] { try manager.createDirectory(atPath: folder + sub, withIntermediateDirectories: true) }
        func put(_ bytes: [UInt8], _ name: String) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: folder + "/" + name), options: .atomic)
            written.files.append(name)
        }
        try context.store.read { tx in
            let invoices = try query.invoices(subject, tx: tx)
            let customer = invoices[0].invoice.customer
            let language = configuration.language(for: customer)
            let statement = try query.statement(invoices, tx: tx)

            // The formal notice(s) as sent.
            var letters = Set<String>()
            for stored in invoices { if let letter = stored.noticeLetter { letters.insert(letter) } }
            for letter in letters.sorted() {
                if let data = manager.contents(atPath: letter) {
                    try put(Array(data), (letter as NSString).lastPathComponent)
                } else {
                    written.missing.append("formal notice \(letter): not found")
                }
            }
            if letters.isEmpty { written.missing.append("no formal notice was sent for these invoices") }

            // The statement of account.
            try put(try StatementDocument.render(statement, creditor: configuration.creditorParty, language: language), "statement.pdf")
            try put(Array(StatementCSV.text(statement).utf8), "statement.csv")

            // Every message as sent, every reply as received.
            var timeline: [(at: Date, invoice: String, event: String, line: String)] = []
            var copied = Set<String>()
            var number = 0
            var payments = "invoice;date;amount;currency;reference;source\n"
            for stored in invoices {
                let id = stored.invoice.id
                for copy in try tx.sentCopies(invoiceID: id) {
                    guard let file = copy.file else { written.missing.append("\(id) \(copy.step) (\(copy.messageID)): no copy kept"); continue }
                    guard !copied.contains(file) else { continue }  // one message for several invoices: once
                    guard let data = SentCopy(reference: file)?.read() ?? manager.contents(atPath: file).map(Array.init) else {
                        written.missing.append("\(id) \(copy.step): copy \(file) not found"); continue
                    }
                    copied.insert(file)
                    number += 1
                    let day = copy.sentAt.map { ZonedDateTime.localDate(of: $0, in: zone).iso } ?? "undated"
                    try put(data, String(format: "messages/%03d-", number) + "\(day)-\(FileNames.safe(id))-\(FileNames.safe(copy.step)).eml")
                }
                for reply in try tx.replies(invoiceID: id) {
                    let day = ZonedDateTime.localDate(of: reply.receivedAt, in: zone).iso
                    guard let file = reply.file, let data = manager.contents(atPath: file) else {
                        written.missing.append("\(id) reply of \(day) (\(reply.kind)): no copy kept"); continue
                    }
                    guard copied.insert(file).inserted else { continue }
                    number += 1
                    try put(Array(data), String(format: "replies/%03d-", number) + "\(day)-\(FileNames.safe(reply.kind)).eml")
                }
                for payment in try tx.paymentRecords(invoiceID: id) {
                    let amount = Money(minorUnits: payment.minorUnits, currency: stored.invoice.currency)
                    payments += [id, payment.date.iso, amount.decimalString, amount.currency.code, payment.reference ?? "", payment.source]
                        .map(StatementCSV.field).joined(separator: ";") + "\n"
                }
                for event in try tx.events(invoiceID: id) { timeline.append((event.at, id, event.event, event.line)) }
            }
            try put(Array(payments.utf8), "payments.csv")
            timeline.sort { ($0.at, $0.invoice) < ($1.at, $1.invoice) }
            let json = JSONValue.object([
                ("customer", .string(customer.name)),
                ("creditor", .string(configuration.company.name)),
                ("asOf", .string(statement.asOf.iso)),
                ("invoices", .array(invoices.map { stored in
                    .object([("id", .string(stored.invoice.id)), ("state", .string(stored.state.rawValue)),
                             ("issueDate", .string(stored.invoice.issueDate.iso)),
                             ("dueDate", stored.invoice.dueDate.map { .string($0.iso) } ?? .null),
                             ("total", .string(stored.invoice.total.decimalString)), ("currency", .string(stored.invoice.currency.code)),
                             ("creditorReference", .string(CreditorReference(invoiceNumber: stored.invoice.id).value)),
                             ("noticeDeadline", stored.noticeDeadline.map { .string($0.iso) } ?? .null)])
                })),
                ("events", .array(timeline.map { entry in
                    .object([("at", .string(ZonedDateTime.iso8601(entry.at, in: zone))), ("invoice", .string(entry.invoice)),
                             ("event", .string(entry.event)), ("line", .string(entry.line))])
                })),
                ("notKept", .array(written.missing.map { .string($0) })),
            ])
            try put(Array(JSONWriter.serialize(json, pretty: true).utf8), "timeline.json")
            try put(Array(TimelinePage.html(customer: customer.name, creditor: configuration.company.name, statement: statement,
                                            events: timeline.map { (ZonedDateTime.iso8601($0.at, in: zone), $0.invoice, $0.event, $0.line) },
                                            missing: written.missing, language: language).utf8), "timeline.html")
        }
        return written
    }
}

/// The statement of account as CSV (`;`-separated, amounts with a `.`, ISO dates), for a spreadsheet or an agency's import.
enum StatementCSV {
    static func text(_ statement: StatementOfAccount) -> String {
        var out = "invoice;issue_date;due_date;days_late;currency;total;paid;balance;interest;compensation;level_reached;creditor_reference\n"
        for line in statement.lines {
            let cells = [line.invoiceID, line.issueDate.iso, line.dueDate?.iso ?? "", String(line.daysLate), line.balance.currency.code,
                         line.total.decimalString, line.paid.decimalString, line.balance.decimalString,
                         line.lateCharges?.interest?.decimalString ?? "", line.lateCharges?.compensation?.decimalString ?? "",
                         String(line.levelReached), line.reference.value]
            out += cells.map(field).joined(separator: ";") + "\n"
        }
        return out
    }

    /// A field quoted when it holds `;`, a quote or a line break (RFC 4180 style), and never read as a formula.
    static func field(_ text: String) -> String {
        var value = text
        if let first = value.first, "=+-@".contains(first), Double(value) == nil { value = "'" + value }
        guard value.contains(where: { $0 == ";" || $0 == "\"" || $0.isNewline }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// The timeline as a page a person reads: the invoices, then every event, oldest first.
enum TimelinePage {
    static func html(customer: String, creditor: String, statement: StatementOfAccount, events: [(String, String, String, String)],
                     missing: [String], language: Language) -> String {
        let escape = MessageTemplates.htmlEscape
        var out = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>\(escape(customer))</title>\n"
        out += "<style>body{font-family:sans-serif;max-width:960px;margin:2em auto}td,th{padding:2px 8px;text-align:left;vertical-align:top}"
        out += "code{font-size:85%}</style></head><body>\n"
        out += "<h1>\(escape(customer))</h1>\n<p>\(escape(creditor)) · \(statement.asOf.iso)</p>\n<table>\n"
        out += "<tr><th>invoice</th><th>due</th><th>days late</th><th>balance</th><th>reference</th></tr>\n"
        for line in statement.lines {
            out += "<tr><td>\(escape(line.invoiceID))</td><td>\(line.dueDate?.iso ?? "")</td><td>\(line.daysLate)</td>"
            out += "<td>\(escape(MoneyFormatter.format(line.balance, language: language)))</td><td>\(line.reference.grouped)</td></tr>\n"
        }
        out += "</table>\n<h2>Timeline</h2>\n<table>\n<tr><th>when</th><th>invoice</th><th>event</th><th>send log</th></tr>\n"
        for (at, invoice, event, line) in events {
            out += "<tr><td>\(escape(at))</td><td>\(escape(invoice))</td><td>\(escape(event))</td><td><code>\(escape(line))</code></td></tr>\n"
        }
        out += "</table>\n"
        if !missing.isEmpty {
            out += "<h2>Not kept</h2>\n<ul>\n" + missing.map { "<li>\(escape($0))</li>\n" }.joined() + "</ul>\n"
        }
        return out + "</body></html>\n"
    }
}
