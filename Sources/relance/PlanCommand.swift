import RelanceReport
import ArgumentParser
import Foundation
import RelanceCore
import RelanceDaemon
import RelanceFormats
import RelanceStore

/// `relance plan [--from D] [--to D] [--json]`: every reminder that would go out in a window.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "List the reminders planned between two dates (default: the next 30 days).")

    @Option(help: "First day, YYYY-MM-DD (default: today).") var from: String?
    @Option(help: "Last day included, YYYY-MM-DD (default: 30 days after --from).") var to: String?
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func run() throws {
        let configuration = try options.load()
        let calendar = configuration.calendar
        let zone = configuration.company.timeZone
        let first = try DateArgument.parse(from, option: "from") ?? calendar.localDate(of: ClockOption.clock(clock.now, zone: zone).now())
        let last = try DateArgument.parse(to, option: "to") ?? first.adding(days: 30)
        guard first <= last else { throw ValidationError("--from is after --to") }
        let start = ZonedDateTime.instant(of: first, at: WallClockTime(hour: 0, minute: 0)!, in: zone)
        let end = ZonedDateTime.instant(of: last.adding(days: 1), at: WallClockTime(hour: 0, minute: 0)!, in: zone)
        // On a shared store: the invoices with a reminder in the window, copied locally (SharedLocalCopy).
        let (rows, currencies) = try clock.reading(configuration, purpose: "plan", selection: .waitingBetween(from: start, to: end)) { context in
            try context.store.read { tx in
                let rows = try tx.upcomingReminders(from: start, to: end)
                let currencies = Dictionary(uniqueKeysWithValues: try rows.map(\.invoiceID).uniqued().compactMap { id in
                    try tx.invoice(id: id).map { (id, $0.invoice.currency) }
                })
                return (rows, currencies)
            }
        }
        func amount(_ row: ReminderRecordView) -> String {
            currencies[row.invoiceID].map { Money(minorUnits: row.amount, currency: $0).description } ?? String(row.amount)
        }
        let views = rows.map(ReminderRecordView.init)
        if json {
            Console.out(JSONWriter.serialize(.object([
                ("from", .string(first.iso)), ("to", .string(last.iso)),
                ("reminders", .array(views.map { row in
                    .object([
                        ("invoice", .string(row.invoiceID)), ("step", .string(row.step)), ("kind", .string(row.kind)),
                        ("date", .string(row.date)), ("sendAt", .string(ZonedDateTime.iso8601(row.sendAt, in: zone))),
                        ("state", .string(row.state)),
                        ("amount", .string(amount(row).split(separator: " ").first.map(String.init) ?? "")),
                    ])
                })),
            ]), pretty: true))
            return
        }
        var table = [["SEND AT", "INVOICE", "STEP", "KIND", "AMOUNT", "STATE"]]
        for row in views {
            table.append([ZonedDateTime.iso8601(row.sendAt, in: zone), row.invoiceID, row.step, row.kind, amount(row), row.state])
        }
        Console.out(TextTable.align(table).joined(separator: "\n"))
        Console.out("\(views.count) reminder\(views.count == 1 ? "" : "s") from \(first) to \(last)")
    }
}

/// The fields of a stored reminder that `plan` prints.
struct ReminderRecordView {
    let invoiceID: String, step: String, kind: String, date: String, sendAt: Date, state: String, amount: Int64

    init(_ row: ReminderRecord) {
        invoiceID = row.invoiceID
        step = row.step
        kind = row.kind.rawValue
        date = row.localDate.iso
        sendAt = row.sendAt
        state = row.state.rawValue
        amount = row.amount
    }
}

extension Sequence where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
