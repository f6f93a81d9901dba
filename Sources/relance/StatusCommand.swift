import ArgumentParser
import Foundation
import RelanceConfig
import RelanceCore
import RelanceDaemon
import RelanceFormats
import RelanceReport
import RelanceStore

/// `relance status [INVOICE] [--json]`: where each open invoice stands.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show each open invoice's state, balance, days late, next reminder and last event.",
        discussion: "States: \(Standing.allCases.map(\.rawValue).joined(separator: ", ")).")

    @Argument(help: "One invoice number (default: every open invoice).") var invoice: String?
    @Option(help: "Only invoices of this customer (part of the name, the customer id or an address).") var customer: String?
    @Option(help: "Only invoices in these states (repeat or separate with commas).") var state: [String] = []
    @Flag(help: "Include paid and cancelled invoices.") var all = false
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func validate() throws {
        for name in wantedStates where Standing(rawValue: name) == nil {
            throw ValidationError("--state \(name): not one of \(Standing.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    private var wantedStates: [String] {
        state.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    }

    func run() throws {
        let configuration = try options.load()
        if let shared = configuration.store {
            guard invoice != nil || customer != nil || !wantedStates.isEmpty || all else {
                try showInstances(shared, configuration: configuration)
                return
            }
        }
        // On a shared store: the invoices asked for, copied locally, shown by the same code (SharedLocalCopy).
        let selection: SharedSnapshot.Selection = invoice.map { .invoice($0) } ?? .invoices(includeClosed: all || !wantedStates.isEmpty)
        try clock.reading(configuration, purpose: "status", selection: selection) { try show($0, configuration: configuration) }
    }

    private func show(_ context: DaemonContext, configuration: RelanceConfiguration) throws {
        let zone = configuration.company.timeZone
        let query = StatusQuery(context: context)
        let rows: [InvoiceStatus]
        if let invoice {
            rows = try query.one(invoice).map { [$0] } ?? []
        } else {
            rows = try query.many(includeClosed: all || !wantedStates.isEmpty, keep: matchesCustomer)
        }
        if let invoice, rows.isEmpty {
            Console.error("relance: no invoice \(invoice)")
            throw ExitCode(1)
        }
        let wanted = Set(wantedStates.compactMap(Standing.init(rawValue:)))
        let shown = wanted.isEmpty ? rows : rows.filter { wanted.contains($0.standing.state) }
        if json {
            Console.out(JSONWriter.serialize(.object([("invoices", .array(shown.map { $0.json(zone: zone) }))]), pretty: true))
            return
        }
        var table = [["INVOICE", "CUSTOMER", "DUE", "AMOUNT DUE", "DAYS LATE", "STATE", "NEXT REMINDER", "LAST EVENT", "ATTENTION"]]
        for row in shown {
            let next = row.next.map { "\($0.step) \(ZonedDateTime.iso8601($0.sendAt, in: zone))" } ?? "-"
            table.append([row.stored.invoice.id, row.stored.invoice.customer.name, row.stored.invoice.dueDate?.iso ?? "-",
                          MoneyFormatter.format(row.balance, language: configuration.company.language), String(row.daysLate), row.standing.text, next, row.lastEventSummary ?? "-",
                          row.attention.joined(separator: "; ")])
        }
        Console.out(TextTable.align(table).joined(separator: "\n"))
        if invoice != nil, let row = shown.first {
            for (plan, parts) in row.plans {
                Console.out("\npayment plan \(plan.id), agreed \(plan.agreedOn.iso), \(plan.state.rawValue)"
                            + (plan.brokenPart.map { " (instalment \($0) missed)" } ?? "") + ": \(plan.total)")
                for standing in parts {
                    let state = standing.isPaid ? "paid" : (standing.paid.isPositive ? "\(standing.paid) received" : (standing.installment.due < row.today ? "late" : "open"))
                    Console.out("  \(standing.installment.number). \(standing.installment.due.iso)  \(standing.installment.amount)  \(state)")
                }
            }
        }
        if let invoice, let row = shown.first, let last = row.lastEvent {
            Console.out("\nlast event of \(invoice):\n  \(last)")
        }
    }

    /// With `[store]` and no invoice asked for: the instances sharing the PostgreSQL store.
    private func showInstances(_ shared: StoreSettings, configuration: RelanceConfiguration) throws {
        let zone = configuration.company.timeZone
        let now = try ClockOption.clock(clock.now, zone: zone).now()
        let instances = try SharedStoreAccess.instances(of: try SharedStoreAccess.open(shared))
        Console.out(json ? InstancesView.json(instances, now: now, zone: zone) : InstancesView.table(instances, now: now, zone: zone))
    }

    private func matchesCustomer(_ stored: StoredInvoice) -> Bool {
        guard let customer, !customer.isEmpty else { return true }
        let needle = customer.lowercased()
        let who = stored.invoice.customer
        return who.name.lowercased().contains(needle) || who.id?.lowercased() == needle
            || who.emails.contains { $0.value.lowercased() == needle }
    }
}
