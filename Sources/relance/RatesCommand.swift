import ArgumentParser
import Foundation
import RelanceConfig
import RelanceCore
import RelanceDaemon
import Logging

/// `relance rates`: the reference rates statutory interest is computed with.
struct RatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rates", abstract: "Show or update the reference rates for late-payment interest.",
        subcommands: [RatesShowCommand.self, RatesUpdateCommand.self], defaultSubcommand: RatesShowCommand.self)
}

/// `relance rates update`: fetches the official series over HTTPS (ECB, Bundesbank, Bank of England).
struct RatesUpdateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Fetch the official reference-rate series over HTTPS and keep them in the state directory.")

    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    @Option(help: "Only these series (ECB, DE-BASIS, BOE), comma-separated; default: the ones the configured laws use.")
    var series: String?

    func run() throws {
        let configuration = try options.load()
        let only = series.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() } }
        if (only ?? configuration.rateSeriesInUse).isEmpty {
            Console.out("no reference rate is needed: the configured law charges no interest")
            return
        }
        // Each outcome is printed below; the log would only say it twice.
        LoggingBootstrap.once()
        var quiet = Logger(label: "relance")
        quiet.logLevel = .critical
        let updater: RatesUpdater
        if configuration.store != nil {
            // On a shared store each instance keeps its own table and its refresh record in its state directory;
            // a running daemon takes the table in on SIGHUP (`systemctl reload relance`).
            updater = RatesUpdater(configuration: configuration, record: .beside(configuration.fetchedRatesFile),
                                   clock: try ClockOption.clock(clock.now, zone: configuration.company.timeZone), logger: quiet)
        } else {
            let context = try clock.context(for: configuration)
            updater = RatesUpdater(configuration: configuration, record: .store(context.store), clock: context.clock, logger: quiet)
        }
        let outcomes = updater.update(only: only)
        for outcome in outcomes { Console.out(outcome.line) }
        guard outcomes.allSatisfy(\.succeeded) else { throw ExitCode(1) }
        Console.out("written to \((configuration.fetchedRatesFile as NSString).standardizingPath)")
    }
}

/// `relance rates show`: the table in force and any half-year it lacks.
struct RatesShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the reference rates in force and what is missing.")

    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func run() throws {
        let configuration = try options.load()
        let now = try ClockOption.clock(clock.now, zone: configuration.company.timeZone).now()
        let today = configuration.calendar.localDate(of: now)
        for series in configuration.rateSeriesInUse {
            let entries = (configuration.referenceRates.table[series] ?? [:]).sorted { $0.key < $1.key }
            Console.out("\(series): " + entries.suffix(6).map { "\($0.key.iso) \($0.value) %" }.joined(separator: ", "))
        }
        for gap in configuration.referenceRates.missing(series: configuration.rateSeriesInUse, on: today) {
            Console.out("missing: no \(gap.series) reference rate for the half-year starting \(gap.halfYear.iso); run relance rates update")
        }
    }
}
