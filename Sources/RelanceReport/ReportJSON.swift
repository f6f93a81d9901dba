public import RelanceCore
public import RelanceFormats

/// The report as JSON (`relance report --json`): camelCase keys, dates as
/// `YYYY-MM-DD`, amounts as decimal strings, days with one decimal, shares as
/// fractions with three; `null` where a figure is undefined (no sales, nothing judged).
public enum ReportJSON {
    public static func value(_ report: ReceivablesReport) -> JSONValue {
        .object([
            ("asOf", .string(report.asOf.iso)),
            ("aging", .array(report.aging.map { row in
                .object([
                    ("currency", .string(row.currency.code)), ("notDue", .string(row.notDue.decimalString)),
                    ("late1to30", .string(row.late1to30.decimalString)), ("late31to60", .string(row.late31to60.decimalString)),
                    ("late61to90", .string(row.late61to90.decimalString)), ("lateOver90", .string(row.lateOver90.decimalString)),
                    ("total", .string(row.total.decimalString)), ("invoices", .number(String(row.invoices))),
                ])
            })),
            ("dso", .array(report.dso.map { month in
                .object([
                    ("month", .string(month.monthLabel)), ("currency", .string(month.currency.code)),
                    ("simple", days(month.simple)), ("countback", days(month.countback)),
                    ("receivables", .string(month.receivables.decimalString)), ("invoiced", .string(month.invoiced.decimalString)),
                    ("measuredOn", .string(month.measuredOn.iso)),
                ])
            })),
            ("customers", .array(report.customers.map { customer in
                .object([
                    ("id", .string(customer.customerKey)), ("name", .string(customer.name)), ("currency", .string(customer.currency.code)),
                    ("invoices", .number(String(customer.invoices))), ("invoiced", .string(customer.invoiced.decimalString)),
                    ("onTimeShare", share(customer.onTimeShare)), ("avgDaysLate", days(customer.averageDaysLate)),
                    ("worstDaysLate", .number(String(customer.worstDaysLate))),
                    ("promisesMade", .number(String(customer.promisesMade))), ("promisesKept", .number(String(customer.promisesKept))),
                    ("score", customer.score.map { .string($0.rawValue) } ?? .null), ("share", share(customer.share)),
                ])
            })),
            ("concentration", .array(report.currencies.map { currency in
                .object([
                    ("currency", .string(currency.code)),
                    ("topFive", .array(report.topCustomers(currency).map { .string($0.name) })),
                    ("topFiveShare", share(report.concentration(currency))),
                ])
            })),
            ("reminders", .array(report.reminders.map { step in
                .object([
                    ("step", .string(step.step)), ("sent", .number(String(step.sent))),
                    ("paidWithin7Days", .number(String(step.paidWithinWeek))), ("share", share(step.share)),
                ])
            })),
            ("discounts", .array(report.discounts.map { row in
                .object([
                    ("currency", .string(row.currency.code)), ("offered", .number(String(row.offered))),
                    ("taken", .number(String(row.taken))), ("lapsed", .number(String(row.lapsed))),
                    ("pending", .number(String(row.pending))), ("cost", .string(row.cost.decimalString)),
                    ("uptake", share(row.uptake)),
                ])
            })),
        ])
    }

    static func days(_ ratio: Ratio?) -> JSONValue { ratio.map { .string($0.decimal(places: 1)) } ?? .null }
    static func share(_ ratio: Ratio?) -> JSONValue { ratio.map { .string($0.decimal(places: 3)) } ?? .null }
}
