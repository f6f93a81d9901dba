import ArgumentParser
import Foundation
import RelanceCore
import RelanceDaemon
import RelanceFormats
import RelanceReport
import RelanceStore

/// `relance report [--as-of D] [--json] [--html FILE]`: aging, DSO, customer
/// scores, reminder effectiveness and discount uptake from relance's records.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Aging, DSO, customer scores, reminder effectiveness and discount uptake.",
        discussion: "The figures are defined in docs/report.md. --as-of answers for a past day: payments dated later are ignored.")

    @Option(name: .customLong("as-of"), help: "Report as of the end of this day, YYYY-MM-DD (default: today).") var asOf: String?
    @Option(help: "How many months of DSO to show, ending with the report's month.") var months = 12
    @Flag(help: "Print JSON.") var json = false
    @Option(help: "Also write a self-contained HTML page with charts to this file.") var html: String?
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func validate() throws {
        guard (1...120).contains(months) else { throw ValidationError("--months must be between 1 and 120") }
    }

    func run() throws {
        let configuration = try options.load()
        let calendar = configuration.calendar
        let day = try DateArgument.parse(asOf, option: "as-of")
            ?? calendar.localDate(of: ClockOption.clock(clock.now, zone: configuration.company.timeZone).now())
        // On a shared store: every invoice and its rows, copied locally (SharedLocalCopy) in one consistent moment.
        let histories = try clock.reading(configuration, purpose: "report", selection: .invoices(includeClosed: true)) { context in
            try context.store.read { tx in try tx.receivableHistories(day: calendar.localDate(of:)) }
        }
        let report = ReceivablesReport(histories, asOf: day, months: months)
        if let html {
            do {
                try Data(ReportHTML.render(report, company: configuration.company.name).utf8).write(to: URL(fileURLWithPath: html), options: .atomic)
            } catch {
                Console.error("relance: cannot write \(html): \(error.localizedDescription)")
                throw ExitCode(1)
            }
        }
        if json {
            Console.out(JSONWriter.serialize(ReportJSON.value(report), pretty: true))
        } else if html == nil {
            Console.out(ReportText.render(report, language: configuration.company.language))
        } else {
            Console.error("report as of \(day.iso) written to \(html ?? "")")
        }
    }
}
