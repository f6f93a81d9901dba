import ArgumentParser
import RelanceConfig
import RelanceCore
import RelanceDaemon

/// `relance paid INVOICE [--amount X] [--date D]`
struct PaidCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paid",
        abstract: "Record a payment (the whole balance by default; the discounted amount when paid by a discount deadline).")

    @Argument(help: "Invoice number.") var invoice: String
    @Option(help: "Amount received, e.g. 980.00 (default: everything still due).") var amount: String?
    @Option(help: "Date received, YYYY-MM-DD (default: today).") var date: String?
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func run() throws {
        let configuration = try options.load()
        let day = try DateArgument.parse(date, option: "date")
        let (invoice, amount) = (invoice, amount)
        try ActionRunner.perform(on: invoice, configuration: configuration, clock: clock) { try $0.paid(invoiceID: invoice, amount: amount, date: day) }
    }
}

/// `relance pause INVOICE [--until D] [--reason TEXT]`
struct PauseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Stop reminding an invoice until a date or until resumed.")

    @Argument(help: "Invoice number.") var invoice: String
    @Option(help: "Resume on this date, YYYY-MM-DD (default: until `relance resume`).") var until: String?
    @Option(help: "Why, for the send log and status.") var reason: String?
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func run() throws {
        let configuration = try options.load()
        let day = try DateArgument.parse(until, option: "until")
        if let reason, reason.unicodeScalars.contains(where: { $0.value < 0x20 }) {
            throw ValidationError("--reason must be one line")
        }
        let (invoice, reason) = (invoice, reason)
        try ActionRunner.perform(on: invoice, configuration: configuration, clock: clock) { try $0.pause(invoiceID: invoice, until: day, reason: reason) }
    }
}

/// `relance resume INVOICE`
struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume reminding a paused invoice, or bring one back from collection.")

    @Argument(help: "Invoice number.") var invoice: String
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func run() throws {
        let configuration = try options.load()
        let invoice = invoice
        try ActionRunner.perform(on: invoice, configuration: configuration, clock: clock) { try $0.resume(invoiceID: invoice) }
    }
}

/// Prints an action's outcome; a refusal is a message and exit 1, not a crash.
enum ActionRunner {
    /// An action on one invoice, on the store the settings name: the SQLite file, or with `[store]`
    /// the shared PostgreSQL store (`SharedInvoiceAction`: the same action on a copy of the
    /// invoice's customer, written back under guards), never a SQLite file no instance reads.
    static func perform(on invoice: String, configuration: RelanceConfiguration, clock: HiddenClockOption,
                        _ action: @escaping @Sendable (InvoiceActions) throws -> String) throws {
        try perform(copying: .customerOf(invoiceID: invoice), configuration: configuration, clock: clock) { try action(InvoiceActions(context: $0)) }
    }

    /// Any action that changes the store, on the store the settings name: the SQLite file, or with
    /// `[store]` a copy of what `copy` names, written back under guards (`SharedInvoiceAction`):
    /// `installments`, `payments assign`, `approve`, `hold`.
    static func perform(copying copy: SharedInvoiceAction.Copy, configuration: RelanceConfiguration, clock: HiddenClockOption,
                        _ action: @escaping @Sendable (DaemonContext) throws -> String) throws {
        guard let shared = configuration.store else {
            let context = try clock.context(for: configuration)
            try perform { try action(context) }
            return
        }
        let wallClock = try ClockOption.clock(clock.now, zone: configuration.company.timeZone)
        try perform { try SharedStoreAccess.changing(shared, copy, configuration: configuration, clock: wallClock, action) }
    }

    /// Prints what the action says it did.
    static func perform(_ action: () throws -> String) throws {
        Console.out(try refusing(action))
    }

    /// Runs the action; a refusal is said on standard error and exits with 1.
    static func refusing<T>(_ action: () throws -> T) throws -> T {
        do {
            return try action()
        } catch let refusal as InvoiceActions.Refusal {
            Console.error("relance: \(refusal)")
            throw ExitCode(1)
        }
    }
}

/// A `YYYY-MM-DD` option value, or a validation error naming the option.
enum DateArgument {
    static func parse(_ text: String?, option: String) throws -> LocalDate? {
        guard let text else { return nil }
        guard let date = LocalDate(iso: text) else { throw ValidationError("--\(option) \"\(text)\" is not YYYY-MM-DD") }
        return date
    }
}

/// `relance promise INVOICE --date D [--note TEXT]`: a promise to pay made on the phone or by letter.
struct PromiseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promise", abstract: "Record a promise to pay by a date: the chase waits, and the promise is judged kept or broken.")

    @Argument(help: "Invoice number.") var invoice: String
    @Option(help: "The promised date, YYYY-MM-DD.") var date: String
    @Option(help: "What was said, for the send log.") var note: String?
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func validate() throws {
        if let note, note.unicodeScalars.contains(where: { $0.value < 0x20 }) { throw ValidationError("--note must be one line") }
    }

    func run() throws {
        let configuration = try options.load()
        guard let day = try DateArgument.parse(date, option: "date") else { throw ValidationError("--date is required") }
        let (invoice, note) = (invoice, note)
        try ActionRunner.perform(on: invoice, configuration: configuration, clock: clock) { try $0.promise(invoiceID: invoice, date: day, note: note) }
    }
}
