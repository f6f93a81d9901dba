import ArgumentParser
import Foundation
import RelanceConfig
import RelanceCore
import RelanceFormats

/// `relance preview FILE...`: reads invoice files and shows, for each, which
/// reminders would go out and when, without touching any state.
struct PreviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Show the reminders planned for invoice files (exit 2 when a file is rejected).")

    @Argument(help: "Invoice files to read.")
    var files: [String]

    @OptionGroup var options: ConfigOptions

    @Option(help: "Plan as if the clock read this instant (ISO 8601, or a date = local midnight); earlier steps are left out.")
    var now: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let configuration = try options.load()
        let calendar = configuration.calendar
        let instant = try now.map { try ClockOption.clock($0, zone: calendar.timeZone).now() }
        var previews: [InvoicePreview] = []
        var rejections: [InvoiceRejection] = []
        for file in files {
            do throws(InvoiceRejection) {
                // The very reader and checks pickup runs: the file's own folder stands for the inbox.
                let absolute = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
                let folder = (absolute as NSString).deletingLastPathComponent
                let read = try InvoiceReader.read(file: absolute, inbox: folder,
                                                  sizeLimit: configuration.paths.maxFileBytes,
                                                  defaultTerms: configuration.schedule.defaultTerms)
                guard !read.invoices.isEmpty else {
                    throw InvoiceRejection(file: file, field: "kind", "a credit note has no reminders to preview; relance run applies it")
                }
                for invoice in read.invoices {
                let plan = Planner.plan(invoice: invoice, policy: configuration.policy(for: invoice.customer),
                                        calendar: calendar, now: instant)
                let asOf = instant.map(calendar.localDate(of:))
                let charges = asOf.flatMap {
                    LateChargesOwed.on($0, invoice: invoice, payments: [], law: configuration.lateChargeLaw(for: invoice.customer),
                                       rates: configuration.referenceRates)
                }
                previews.append(InvoicePreview(read: read, invoice: invoice, plan: plan, asOf: asOf, lateCharges: charges))
                }
            } catch {
                rejections.append(error)
            }
        }
        let renderer = PreviewRenderer(configuration: configuration)
        if json {
            Console.out(JSONWriter.serialize(renderer.json(previews, rejections), pretty: true))
        } else {
            Console.out(renderer.table(previews, rejections))
        }
        if !rejections.isEmpty { throw ExitCode(2) }
    }
}

/// One invoice read and planned, ready to print.
struct InvoicePreview {
    let read: InvoiceReader.Read
    let invoice: Invoice
    let plan: [PlannedStep]
    /// The day `--now` falls on, for the amount due; the issue date otherwise.
    let asOf: LocalDate?
    /// Late charges owed on `asOf`, or why they cannot be computed.
    let lateCharges: LateChargesOwed?

    var amountDue: Money { Balance.due(invoice, payments: [], on: asOf ?? invoice.issueDate) }
}
