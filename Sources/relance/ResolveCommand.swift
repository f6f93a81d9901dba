import ArgumentParser
import RelanceDaemon
import RelanceStore

/// `relance resolve INVOICE [STEP] --sent | --resend | --cancel [--note TEXT]`: settles a reminder
/// left `uncertain` (a crash or a lost connection after the data) or `failed`.
struct ResolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve", abstract: "Settle an uncertain or failed reminder: it was sent, send it again, or cancel it.")

    @Argument(help: "Invoice number.") var invoice: String
    @Argument(help: "The reminder's step, when the invoice has more than one in doubt.") var step: String?
    @Flag(help: "It did go (the server's log shows it): record it as sent.") var sent = false
    @Flag(help: "It did not: send it again at the next slot, with the same Message-ID.") var resend = false
    @Flag(help: "Do not send it.") var cancel = false
    @Option(help: "Why, for the send log.") var note: String?
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func validate() throws {
        guard [sent, resend, cancel].filter({ $0 }).count == 1 else { throw ValidationError("say exactly one of --sent, --resend, --cancel") }
        if let note, note.unicodeScalars.contains(where: { $0.value < 0x20 }) { throw ValidationError("--note must be one line") }
    }

    func run() throws {
        let configuration = try options.load()
        let resolution: Resolution = sent ? .sent : (resend ? .resend : .cancel)
        let (invoice, step, note) = (invoice, step, note)
        try ActionRunner.perform(on: invoice, configuration: configuration, clock: clock) {
            try $0.resolve(invoiceID: invoice, step: step, as: resolution, note: note)
        }
    }
}
