public import Foundation
public import RelanceCore
public import RelanceStore

/// What relance exposes to Prometheus: open receivables and invoices per
/// currency, reminders by state, when a cycle last ran and when a reminder was
/// last accepted by the mail server. Read from the store in one snapshot.
public struct MetricsSnapshot: Sendable {
    public var open: [(currency: String, invoices: Int, owedMinor: Int64)] = []
    public var reminders: [ReminderState: Int] = [:]
    public var lastCycle: Date?
    public var lastSend: Date?
    public var invoices = 0
    /// Invoices by state (open, paid, cancelled, collection).
    public var invoicesByState: [String: Int] = [:]
    /// Customers whose open balance is over their credit limit (nil: no limit configured).
    public var customersOverCreditLimit: Int?
    /// Reference-rate half-years the configured laws need and the table lacks.
    public var missingRates: [(series: String, halfYear: LocalDate)] = []

    /// The store's key under which the last cycle's instant is kept (seconds since 1970).
    static let lastCycleKey = "last_cycle_at"

    public static func collect(_ store: Store, missingRates: [(series: String, halfYear: LocalDate)] = []) throws -> MetricsSnapshot {
        try store.read { tx in
            MetricsSnapshot(
                open: try tx.openTotals(), reminders: try tx.reminderCounts(),
                lastCycle: try tx.daemonValue(lastCycleKey).flatMap(TimeInterval.init).map(Date.init(timeIntervalSince1970:)),
                lastSend: try tx.lastSuccessfulSend(), invoices: try tx.invoiceCount(), invoicesByState: try tx.invoiceStateCounts(),
                missingRates: missingRates)
        }
    }

    /// The snapshot for a context: the store's figures and the rate table's gaps on the clock's day.
    public static func collect(_ context: DaemonContext) throws -> MetricsSnapshot {
        let configuration = context.configuration
        let today = configuration.calendar.localDate(of: context.clock.now())
        var snapshot = try collect(context.store, missingRates: configuration.referenceRates.missing(series: configuration.rateSeriesInUse, on: today))
        if configuration.hasCreditLimits { snapshot.customersOverCreditLimit = try context.store.read { tx in try CreditLimits.overLimit(tx: tx, configuration: configuration).count } }
        return snapshot
    }

    /// The Prometheus text exposition format (version 0.0.4).
    public var prometheusText: String {
        var out = ""
        func family(_ name: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for sample in samples { out += "\(name)\(sample.labels) \(sample.value)\n" }
        }
        family("relance_open_receivables", "Amount still owed on open invoices, in the currency's major unit.",
               open.map { ("{currency=\"\(Self.label($0.currency))\"}", Money(minorUnits: $0.owedMinor, currency: Currency(code: $0.currency) ?? .eur).decimalString) })
        family("relance_open_invoices", "Invoices still being chased.", open.map { ("{currency=\"\(Self.label($0.currency))\"}", String($0.invoices)) })
        family("relance_invoices", "Invoices in the store, whatever their state.", [("", String(invoices))])
        family("relance_invoices_by_state", "Invoices by state: open, paid, cancelled, collection (formal notice unpaid).",
               ["open", "paid", "cancelled", "collection"].map { ("{state=\"\($0)\"}", String(invoicesByState[$0] ?? 0)) })
        if let over = customersOverCreditLimit {
            family("relance_customers_over_credit_limit", "Customers whose open balance is over their credit limit.", [("", String(over))])
        }
        family("relance_reminders", "Reminders by state.", ReminderState.allCases.map { ("{state=\"\($0.rawValue)\"}", String(reminders[$0] ?? 0)) })
        if let lastCycle {
            family("relance_last_cycle_timestamp_seconds", "When the scheduler last ran a cycle (Unix time).",
                   [("", String(Int64(lastCycle.timeIntervalSince1970)))])
        }
        if let lastSend {
            family("relance_last_successful_send_timestamp_seconds", "When a reminder was last accepted by the mail server (Unix time).",
                   [("", String(Int64(lastSend.timeIntervalSince1970)))])
        }
        family("relance_reference_rate_missing",
               "1 for each half-year whose reference rate the configured laws need and the table lacks (run relance rates update).",
               missingRates.map { ("{series=\"\(Self.label($0.series))\",half_year=\"\($0.halfYear.iso)\"}", "1") })
        return out
    }

    /// A label value with `\`, `"` and newlines escaped as the format requires.
    static func label(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

/// Writes `relance.prom` for node_exporter's textfile collector: to a
/// temporary file in the same folder, then renamed over the old one, so the
/// collector never reads half a file.
public enum MetricsTextfile {
    public static let fileName = "relance.prom"

    public static func write(_ snapshot: MetricsSnapshot, directory: String) throws {
        try write(text: snapshot.prometheusText, directory: directory)
    }

    /// Replaces `DIR/relance.prom` with `text` atomically (written beside it, then renamed).
    public static func write(text: String, directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let target = (directory as NSString).appendingPathComponent(fileName)
        let temporary = (directory as NSString).appendingPathComponent(".\(fileName).\(getpid()).tmp")
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw RuntimeFailure("cannot write \(target): \(reason)")
        }
    }
}
