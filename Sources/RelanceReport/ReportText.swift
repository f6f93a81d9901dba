public import RelanceCore

/// The report as the terminal shows it: one aligned table per section, amounts written as
/// the company's language writes them (`1 250,00 €`, `1.250,00 €`, `€1,250.00`), like the messages.
public enum ReportText {
    public static func render(_ report: ReceivablesReport, language: Language = .en) -> String {
        func money(_ value: Money) -> String { MoneyFormatter.format(value, language: language) }
        var lines = ["Receivables as of \(report.asOf.iso)", ""]
        lines.append("AGING (open receivables by days past due)")
        if report.aging.isEmpty { lines.append("  nothing is owed") }
        var aging = [["CURRENCY", "NOT DUE", "1-30", "31-60", "61-90", "OVER 90", "TOTAL", "INVOICES"]]
        for row in report.aging {
            aging.append([row.currency.code] + row.labelled.map { money($0.amount) } + [money(row.total), String(row.invoices)])
        }
        if !report.aging.isEmpty { lines += TextTable.align(aging).map { "  " + $0 } }

        lines += ["", "DSO (days sales outstanding, simple and countback)"]
        var dso = [["MONTH", "CURRENCY", "SIMPLE", "COUNTBACK", "RECEIVABLES", "INVOICED"]]
        for month in report.dso {
            dso.append([month.monthLabel, month.currency.code, month.simple?.decimal(places: 1) ?? "-",
                        month.countback?.decimal(places: 1) ?? "-", money(month.receivables), money(month.invoiced)])
        }
        lines += TextTable.align(dso).map { "  " + $0 }

        lines += ["", "CUSTOMERS (score A-E; on time = paid in full by the due date)"]
        var customers = [["CUSTOMER", "SCORE", "INVOICES", "INVOICED", "SHARE", "ON TIME", "AVG LATE", "WORST", "PROMISES KEPT"]]
        for customer in report.customers {
            customers.append([
                customer.name, customer.score?.rawValue ?? "-", String(customer.invoices), "\(customer.invoiced)",
                percent(customer.share), percent(customer.onTimeShare), customer.averageDaysLate.map { $0.decimal(places: 1) + " d" } ?? "-",
                "\(customer.worstDaysLate) d", "\(customer.promisesKept)/\(customer.promisesMade)",
            ])
        }
        lines += TextTable.align(customers).map { "  " + $0 }
        for currency in report.currencies {
            let top = report.topCustomers(currency)
            guard !top.isEmpty else { continue }
            lines.append("  top \(top.count) in \(currency.code) (\(percent(report.concentration(currency))) of invoiced): "
                         + top.map(\.name).joined(separator: ", "))
        }

        lines += ["", "REMINDERS (invoices paid in full within 7 days of each step)"]
        var steps = [["STEP", "SENT", "PAID WITHIN 7 DAYS", "SHARE"]]
        for step in report.reminders { steps.append([step.step, String(step.sent), String(step.paidWithinWeek), percent(step.share)]) }
        lines += TextTable.align(steps).map { "  " + $0 }

        lines += ["", "DISCOUNTS (early-payment discounts offered and taken)"]
        var discounts = [["CURRENCY", "OFFERED", "TAKEN", "LAPSED", "PENDING", "COST", "UPTAKE"]]
        for row in report.discounts {
            discounts.append([row.currency.code, String(row.offered), String(row.taken), String(row.lapsed), String(row.pending),
                              money(row.cost), percent(row.uptake)])
        }
        lines += TextTable.align(discounts).map { "  " + $0 }
        return lines.joined(separator: "\n")
    }

    /// "75.0 %", or "-" when undefined.
    static func percent(_ ratio: Ratio?) -> String {
        ratio.map { Ratio($0.numerator * 100, $0.denominator).decimal(places: 1) + " %" } ?? "-"
    }
}
