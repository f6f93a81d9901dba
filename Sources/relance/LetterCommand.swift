import ArgumentParser
import Foundation
import RelanceDaemon
import RelanceDocuments
import RelanceStore

/// `relance letter INVOICE | --customer C [--out FILE]`: the formal notice as it would be written
/// today, as a PDF (for a letter to post by hand, or to look at before the step goes).
struct LetterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "letter", abstract: "Write the formal notice (mise en demeure) of an invoice or a customer as a PDF.")

    @OptionGroup var subject: InvoiceOrCustomer
    @Option(help: "Where to write the PDF (default: the state directory's letters/YYYY/MM/).") var out: String?
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func run() throws {
        let configuration = try options.load()
        do {
            // On a shared store: the invoices concerned, copied locally (SharedLocalCopy).
            let notice = try clock.reading(configuration, purpose: "letter", selection: subject.selection) {
                try LetterQuery(context: $0).formalNotice(subject.value)
            }
            let pdf = try FormalNoticeLetter.render(notice)
            let path = out ?? LetterQuery.draftPath(notice, stateDirectory: configuration.paths.stateDirectory)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(pdf).write(to: URL(fileURLWithPath: path), options: .atomic)
            Console.out(path)
        } catch let refusal as LetterQuery.Refusal {
            Console.error("relance: \(refusal)")
            throw ExitCode(1)
        }
    }
}

/// `relance export collection INVOICE | --customer C --out DIR`: the collection file.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export what an agency or a court needs.", subcommands: [ExportCollectionCommand.self])
}

struct ExportCollectionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collection",
        abstract: "Write the collection file: formal notice, statement (PDF, CSV), every message sent and reply received, payments, timeline.")

    @OptionGroup var subject: InvoiceOrCustomer
    @Option(help: "The folder to write (created if missing).") var out: String
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func run() throws {
        let configuration = try options.load()
        do {
            // On a shared store: the invoices concerned, copied locally (SharedLocalCopy). The
            // copies of letters, messages and replies are files on the instance that kept them.
            let written = try clock.reading(configuration, purpose: "collection", selection: subject.selection) {
                try CollectionExport(context: $0).write(subject.value, to: out)
            }
            for file in written.files { Console.out("\(out)/\(file)") }
            for gap in written.missing { Console.error("relance: not in the file: \(gap)") }
        } catch let refusal as LetterQuery.Refusal {
            Console.error("relance: \(refusal)")
            throw ExitCode(1)
        }
    }
}

/// `INVOICE | --customer C`: what a letter or a collection file is about, one or the other.
struct InvoiceOrCustomer: ParsableArguments {
    @Argument(help: "Invoice number.") var invoice: String?
    @Option(help: "A customer (its id, or its e-mail address): every invoice it still owes.") var customer: String?

    func validate() throws {
        guard (invoice == nil) != (customer == nil) else { throw ValidationError("name an invoice or --customer, one of them") }
    }

    var value: LetterQuery.Subject { invoice.map { .invoice($0) } ?? .customer(customer ?? "") }

    /// What a shared store's local copy must hold for it.
    var selection: SharedSnapshot.Selection {
        invoice.map { .invoice($0) } ?? .customers(keys: LetterQuery.customerKeys(customer ?? ""))
    }
}
