import RelanceReport
import Foundation
import RelanceConfig
import RelanceCore
import RelanceFormats

/// Turns previews into the JSON of the command-line contract or a readable table.
struct PreviewRenderer {
    let configuration: RelanceConfiguration

    private var zone: TimeZone { configuration.company.timeZone }

    func json(_ previews: [InvoicePreview], _ rejections: [InvoiceRejection]) -> JSONValue {
        .object([
            ("invoices", .array(previews.map(invoiceJSON))),
            ("rejected", .array(rejections.map { rejection in
                .object([("file", .string(rejection.file)), ("errors", .array(rejection.problems.map { .string($0.description) }))])
            })),
        ])
    }

    private func invoiceJSON(_ preview: InvoicePreview) -> JSONValue {
        let invoice = preview.invoice
        var fields: [(String, JSONValue)] = [
            ("id", .string(invoice.id)),
            ("issueDate", .string(invoice.issueDate.iso)),
        ]
        if let due = invoice.dueDate { fields.append(("dueDate", .string(due.iso))) }
        fields += [
            ("currency", .string(invoice.currency.code)),
            ("total", .string(invoice.total.decimalString)),
            ("amountPaid", .string(invoice.amountPaid.decimalString)),
            ("amountDue", .string(preview.amountDue.decimalString)),
        ]
        var customer: [(String, JSONValue)] = []
        if let id = invoice.customer.id { customer.append(("id", .string(id))) }
        customer.append(("name", .string(invoice.customer.name)))
        customer.append(("email", .array(invoice.customer.emails.map { .string($0.value) })))
        if !invoice.customer.cc.isEmpty { customer.append(("cc", .array(invoice.customer.cc.map { .string($0.value) }))) }
        customer.append(("language", .string(configuration.language(for: invoice.customer).rawValue)))
        fields.append(("customer", .object(customer)))
        if let terms = invoice.terms {
            var termFields: [(String, JSONValue)] = [("text", .string(terms.text))]
            termFields.append(("netDays", terms.netDays.map { .number(String($0)) } ?? .null))
            if let eom = terms.endOfMonth { termFields.append(("endOfMonth", .string(eom.rawValue))) }
            termFields.append(("discounts", .array(invoice.discountOffers.map { offer in
                .object([
                    ("percent", .string(offer.percent.description)), ("days", .number(String(offer.days))),
                    ("deadline", .string(offer.deadline.iso)), ("amount", .string(offer.discount.decimalString)),
                    ("payable", .string(offer.payable.decimalString)),
                ])
            })))
            fields.append(("terms", .object(termFields)))
        }
        if let attachment = invoice.attachment { fields.append(("attachment", .string(attachment))) }
        if let charges = preview.lateCharges, let asOf = preview.asOf {
            var late: [(String, JSONValue)] = [
                ("asOf", .string(asOf.iso)), ("interest", charges.interest.map { .string($0.decimalString) } ?? .null),
                ("compensation", charges.compensation.map { .string($0.decimalString) } ?? .null),
                ("rate", charges.rate.map { .string($0.description) } ?? .null), ("daysLate", .number(String(charges.daysLate))),
            ]
            late.append(("law", .string(charges.law.rawValue)))
            if let missing = charges.missingRate { late.append(("error", .string(missing.description))) }
            fields.append(("lateCharges", .object(late)))
        }
        return .object([
            ("file", .string(preview.read.file)),
            ("format", .string(preview.read.format.rawValue)),
            ("policy", .string(configuration.policy(for: invoice.customer).name)),
            ("invoice", .object(fields)),
            ("plan", .array(preview.plan.map(stepJSON))),
        ])
    }

    private func stepJSON(_ step: PlannedStep) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("step", .string(step.name)), ("kind", .string(step.kind.rawValue)),
            ("date", .string(step.date.iso)), ("sendAt", .string(ZonedDateTime.iso8601(step.sendAt, in: zone))),
            ("amount", .string(step.amountDue.decimalString)),
        ]
        if step.nominalDate != step.date { fields.append(("nominalDate", .string(step.nominalDate.iso))) }
        if let offer = step.discount {
            fields.append(("discount", .object([
                ("percent", .string(offer.percent.description)), ("deadline", .string(offer.deadline.iso)),
                ("payable", .string(offer.payable.decimalString)),
            ])))
        }
        if let winner = step.supersededBy { fields.append(("supersededBy", .string(winner))) }
        return .object(fields)
    }

    func table(_ previews: [InvoicePreview], _ rejections: [InvoiceRejection]) -> String {
        var lines: [String] = []
        for preview in previews {
            let invoice = preview.invoice
            let language = configuration.language(for: invoice.customer)
            let money = { (m: Money) in MoneyFormatter.format(m, language: language) }
            lines.append("\(invoice.id)  \(invoice.customer.name) <\(invoice.customer.emails.map(\.value).joined(separator: ", "))>")
            var summary = "  issued \(invoice.issueDate), due \(invoice.dueDate.map(\.iso) ?? "?"), total \(money(invoice.total)), due now \(money(preview.amountDue))"
            if let terms = invoice.terms { summary += ", terms \"\(terms.text.replacingOccurrences(of: "\n", with: " "))\"" }
            lines.append(summary)
            if let charges = preview.lateCharges, let asOf = preview.asOf {
                let compensation = charges.compensation.map { " + \(money($0)) compensation" } ?? ""
                if let interest = charges.interest, let rate = charges.rate {
                    lines.append("  late charges at \(asOf): \(money(interest)) interest at \(rate) %\(compensation)")
                } else {
                    lines.append("  late charges at \(asOf): interest at the statutory rate\(compensation)")
                    if let missing = charges.missingRate { lines.append("  late charges: \(missing)") }
                }
            }
            for offer in invoice.discountOffers {
                lines.append("  discount \(offer.percent) % until \(offer.deadline): pay \(money(offer.payable)) (saves \(money(offer.discount)))")
            }
            if preview.plan.isEmpty {
                lines.append("  nothing to send")
            } else {
                var rows = [["STEP", "KIND", "DATE", "SEND AT", "AMOUNT", "NOTE"]]
                for step in preview.plan {
                    var note = step.discount.map { "discount \($0.percent) % until \($0.deadline)" } ?? ""
                    if step.nominalDate != step.date { note += (note.isEmpty ? "" : "; ") + "moved from \(step.nominalDate)" }
                    if let winner = step.supersededBy { note = "superseded by \(winner)" }
                    rows.append([step.name, step.kind.rawValue, step.date.iso, ZonedDateTime.iso8601(step.sendAt, in: zone),
                                 money(step.amountDue), note])
                }
                lines += TextTable.align(rows).map { "  " + $0 }
            }
            lines.append("")
        }
        for rejection in rejections {
            lines.append("REJECTED \(rejection.file)")
            lines += rejection.problems.map { "  \($0)" }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }
}
