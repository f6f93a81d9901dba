import ArgumentParser
import Foundation
import RelanceCore
import RelanceDaemon
import RelanceFormats
import RelanceReport
import RelanceStore

/// `relance payments read FILE | unmatched | assign ENTRY INVOICE`: bank statements and the
/// entries waiting for a person.
struct PaymentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payments", abstract: "Bank statements: what a file contains, the entries nothing matched, and assigning one.",
        subcommands: [PaymentsReadCommand.self, PaymentsUnmatchedCommand.self, PaymentsAssignCommand.self])
}

/// The JSON of one entry, absent fields left out (docs/payments.md).
enum BankEntryJSON {
    static func object(_ entry: BankEntry, extra: [(String, JSONValue)] = []) -> JSONValue {
        var fields: [(String, JSONValue)] = extra + [
            ("amount", .string(entry.amount.decimalString)), ("currency", .string(entry.amount.currency.code)), ("credit", .bool(entry.credit)),
        ]
        if entry.reversal { fields.append(("reversal", .bool(true))) }
        let optional: [(String, String?)] = [
            ("bookingDate", entry.bookingDate?.iso), ("valueDate", entry.valueDate?.iso), ("entryReference", entry.entryReference),
            ("endToEndId", entry.endToEndID), ("creditorReference", entry.creditorReference), ("remittance", entry.remittance),
            ("debtorName", entry.debtorName), ("debtorIban", entry.debtorIBAN), ("account", entry.account),
        ]
        for (key, value) in optional { if let value { fields.append((key, .string(value))) } }
        return .object(fields)
    }
}

struct PaymentsReadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "read", abstract: "Show what a bank statement contains (changes nothing).")

    @Argument(help: "A camt.052/053/054 or MT940 file.") var file: String
    @Flag(help: "JSON output.") var json = false
    /// Accepted like every command's (DESIGN.md); reading a file needs no configuration.
    @OptionGroup var options: ConfigOptions

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            Console.error("relance: cannot read \(file)")
            throw ExitCode(1)
        }
        let statement: (format: BankStatementReader.Format, entries: [BankEntry])
        do { statement = try BankStatementReader.read(Array(data), file: file) } catch {
            Console.error("relance: \(error)")
            throw ExitCode(1)
        }
        if json {
            Console.out(JSONWriter.serialize(.object([("format", .string(statement.format.rawValue)),
                                                      ("entries", .array(statement.entries.map { BankEntryJSON.object($0) }))]), pretty: true))
            return
        }
        var table = [["#", "BOOKED", "AMOUNT", "", "REFERENCE", "DEBTOR", "REMITTANCE"]]
        for entry in statement.entries {
            table.append([String(entry.index), entry.bookingDate?.iso ?? "-", entry.amount.description,
                          entry.reversal ? "return" : (entry.credit ? "credit" : "debit"), entry.creditorReference ?? entry.endToEndID ?? "-",
                          entry.debtorName ?? "-", String((entry.remittance ?? "").prefix(60))])
        }
        Console.out("\(statement.format.rawValue): \(statement.entries.count) entries")
        Console.out(TextTable.align(table).joined(separator: "\n"))
    }
}

struct PaymentsUnmatchedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unmatched", abstract: "List the bank entries no rule could match.")

    @Flag(help: "JSON output.") var json = false
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func run() throws {
        let configuration = try options.load()
        // On a shared store: the waiting entries, copied locally, listed by the same code (SharedLocalCopy).
        let waiting = try clock.reading(configuration, purpose: "unmatched",
                                        copy: { _ = try SharedStoreAccess.waitingBankEntries(of: $0, into: $1) }) { try PaymentActions(context: $0).waiting() }
        if json {
            Console.out(JSONWriter.serialize(.object([("entries", .array(waiting.map { record in
                BankEntryJSON.object(record.entry, extra: [("id", .number(String(record.id))), ("state", .string(record.state.rawValue)),
                                                           ("reason", .string(record.reason ?? "")), ("file", .string(record.file)),
                                                           ("left", .string(record.left.decimalString))])
            }))]), pretty: true))
            return
        }
        if waiting.isEmpty { Console.out("no bank entry waiting"); return }
        for record in waiting {
            Console.out("entry \(record.id)  \(record.entry.date?.iso ?? "-")  \(record.left)  \(record.entry.debtorName ?? "-")  "
                        + "\"\(record.entry.remittance ?? "")\"  (\(record.state.rawValue): \(record.reason ?? ""))")
            Console.out("  relance payments assign \(record.id) INVOICE [--amount X]")
        }
    }
}

struct PaymentsAssignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "assign", abstract: "Apply a waiting bank entry to an invoice.")

    @Argument(help: "The entry's number (relance payments unmatched).") var entry: Int64
    @Argument(help: "Invoice number.") var invoice: String
    @Option(help: "Only part of the entry (the rest stays to assign).") var amount: String?
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func run() throws {
        let configuration = try options.load()
        let (entry, invoice, amount) = (entry, invoice, amount)
        // On a shared store: the entry and the invoice's customer copied under their locks (SharedInvoiceAction).
        try ActionRunner.perform(copying: .bankEntry(id: entry, invoiceID: invoice), configuration: configuration, clock: clock) {
            try PaymentActions(context: $0).assign(entryID: entry, invoiceID: invoice, amount: amount)
        }
    }
}
