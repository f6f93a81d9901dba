import ArgumentParser
import Foundation
import RelanceCore
import RelanceDaemon

/// `relance installments INVOICE --parts N --first D [--every DAYS | --dates D1,D2…] [--amounts A1,A2…]`:
/// a payment plan agreed with a customer in difficulty; `--cancel` ends the running one.
struct InstallmentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "installments",
        abstract: "Agree a payment plan: the customer gets the schedule, each instalment its reminders; a missed one resumes the chase.",
        discussion: """
            Equal parts by default (the cent that does not divide goes to the last), 30 days apart unless --every or --dates says \
            otherwise. --dates lists every part's date; --amounts every part's amount, adding up to the balance.
            """)

    @Argument(help: "Invoice number.") var invoice: String
    @Option(help: "Number of instalments (2 to 60).") var parts: Int?
    @Option(help: "The first instalment's date, YYYY-MM-DD.") var first: String?
    @Option(help: "Days between two instalments (default 30).") var every: Int?
    @Option(help: "Every instalment's date, comma-separated YYYY-MM-DD.") var dates: String?
    @Option(help: "Every instalment's amount, comma-separated (default: equal parts).") var amounts: String?
    @Option(help: "What was agreed, for the send log.") var note: String?
    @Flag(help: "End the running plan: the chase goes on from the next level not yet sent.") var cancel = false
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func validate() throws {
        if cancel {
            guard parts == nil, first == nil, every == nil, dates == nil, amounts == nil else {
                throw ValidationError("--cancel takes no schedule options")
            }
            return
        }
        guard parts != nil || dates != nil else { throw ValidationError("--parts N (or --dates) is required") }
        guard first != nil || dates != nil else { throw ValidationError("--first D (or --dates) is required") }
        if every != nil, dates != nil { throw ValidationError("--every and --dates exclude each other") }
        if let note, note.unicodeScalars.contains(where: { $0.value < 0x20 }) { throw ValidationError("--note must be one line") }
    }

    func run() throws {
        let configuration = try options.load()
        let invoice = invoice
        // On a shared store: the invoice's customer copied, the same action on the copy, written back (SharedInvoiceAction).
        if cancel {
            try ActionRunner.perform(copying: .customerOf(invoiceID: invoice), configuration: configuration, clock: clock) {
                try InstallmentActions(context: $0).cancel(invoiceID: invoice)
            }
            return
        }
        let listed = try dates.map { text in
            try text.split(separator: ",").map { item -> LocalDate in
                let trimmed = item.trimmingCharacters(in: .whitespaces)
                guard let day = LocalDate(iso: trimmed) else { throw ValidationError("--dates: \"\(trimmed)\" is not YYYY-MM-DD") }
                return day
            }
        }
        let request = InstallmentActions.Request(
            parts: parts ?? listed?.count ?? 0, first: try DateArgument.parse(first, option: "first"), everyDays: every, dates: listed,
            amounts: amounts.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }, note: note)
        try ActionRunner.perform(copying: .customerOf(invoiceID: invoice), configuration: configuration, clock: clock) {
            let plan = try InstallmentActions(context: $0).agree(invoiceID: invoice, request)
            return (["\(invoice): payment plan \(plan.id) agreed, \(plan.parts.count) instalments of \(plan.total); the schedule goes at the next send slot"]
                + plan.parts.map { "  \($0.number). \($0.due.iso)  \($0.amount)" }).joined(separator: "\n")
        }
    }
}
