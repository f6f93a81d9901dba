import Foundation
import Mustache
import Synchronization
public import RelanceCore

/// The subject, text and HTML of each reminder, from Mustache templates:
/// the user's templates folder first, then the ones compiled into relance.
/// A template named after the step (`first.text`) wins over its kind's
/// (`post-due.text`).
public struct MessageTemplates: Sendable {
    public static let parts = ["subject", "text", "html"]
    /// Every variable a template may use (dotted names for the sections' fields).
    public static let variables: Set<String> = [
        "customerName", "companyName", "invoiceId", "invoiceDate", "dueDate", "dueDateLong", "amountDue", "total", "daysLate",
        "daysLeft", "dueToday", "wasDue", "level", "levelTitle", "hasEarlierReminders", "earlierReminders", "step", "kind",
        "partlyPaid", "partlyPaid.total", "partlyPaid.paid", "partlyPaid.balance", "partlyPaid.prepaid", "payments", "date", "amount",
        "statutoryTerms", "statutoryTerms.days", "statutoryTerms.basis",
        "discount", "discount.percent", "discount.deadline", "discount.payable", "discount.amount",
        "lateCharges", "lateCharges.interest", "lateCharges.rate", "lateCharges.basis", "lateCharges.interestPending",
        "lateCharges.compensation", "lateCharges.compensationBasis", "lateCharges.total",
        "iban", "bic", "paymentLink", "signature", "signatureHTML",
        "creditorReference", "paymentReference", "qrCode", "moreInvoices",
        "statement", "statement.lines", "statement.totals", "issueDate", "balance", "paid", "lateBy",
        "notice", "notice.claimed", "notice.deadline",
        "brokenPromise", "brokenPromise.madeOn", "brokenPromise.date",
        "brokenPlan", "brokenPlan.agreedOn", "brokenPlan.number", "brokenPlan.amount", "brokenPlan.dueDate",
        "plan", "plan.agreedOn", "plan.total", "plan.count", "plan.parts", "number", "settled", "left",
        "installment", "installment.number", "installment.of", "installment.dueDate", "installment.dueDateLong", "installment.amount",
        "installment.before", "installment.today", "installment.late", "installment.daysLeft",
        "confirmation", "confirmation.calledOn", "confirmation.promise", "confirmation.promise.date", "confirmation.paid",
        "confirmation.dispute",
    ]

    public let overrideDirectory: String?
    /// Compiled templates by language, step, kind and part: a cycle sending thousands of
    /// reminders reads and compiles each template once. A new `MessageTemplates` sees edits.
    private let compiled = CompiledTemplates()

    public init(overrideDirectory: String?) { self.overrideDirectory = overrideDirectory }

    /// A message rendered for one reminder.
    public struct Rendered: Sendable, Equatable {
        public let subject: String
        public let text: String
        public let html: String
    }

    /// Where a template's text came from.
    public struct Source: Sendable {
        public let text: String
        public let origin: String
    }

    /// The template text for a message: the user's file for the step (`LANG/steps/STEP.PART`),
    /// the user's file for the wording (`LANG/post-due-2.PART`, then the older `LANG/post-due.PART`),
    /// then the bundled one for the wording. A step's name never selects a bundled text: the
    /// wording follows the facts of the send day.
    public func source(language: Language, step: String, wording: Wording, part: String) -> Source? {
        let lang = language.rawValue
        var userNames = ["\(lang)/steps/\(step).\(part)", "\(lang)/\(wording.templateName).\(part)"]
        if let legacy = wording.legacyTemplateName { userNames.append("\(lang)/\(legacy).\(part)") }
        if let overrideDirectory {
            for key in userNames {
                let path = "\(overrideDirectory)/\(key).mustache"
                if let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) {
                    return Source(text: text, origin: path)
                }
            }
        }
        let key = "\(lang)/\(wording.templateName).\(part)"
        return BundledTemplates.all[key].map { Source(text: $0, origin: "built-in \(key)") }
    }

    public func render(_ facts: ReminderFacts) throws(TemplateError) -> Rendered {
        let context = Self.context(facts)
        var out: [String] = []
        for part in Self.parts {
            let key = "\(facts.language.rawValue)/\(facts.step)/\(facts.wording.templateName).\(part)"
            let template = try compiled.template(key) { () throws(TemplateError) -> MustacheTemplate in
                guard let source = source(language: facts.language, step: facts.step, wording: facts.wording, part: part) else {
                    throw TemplateError(problem: "no \(part) template for \(facts.language.rawValue)/\(facts.wording.templateName)")
                }
                do {
                    return try MustacheTemplate(string: (part == "html" ? "" : "{{% CONTENT_TYPE: TEXT}}") + source.text)
                } catch {
                    throw TemplateError(problem: "\(source.origin): \(error)")
                }
            }
            out.append(template.render(context))
        }
        let subject = out[0].split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        return Rendered(subject: subject, text: Self.tidy(out[1]), html: out[2])
    }

    /// Every wording a message can take, in the order a chase meets them (for `check`).
    public static let allWordings: [Wording] = [
        .checkIn(daysLeft: 7), .satisfactionCheck(daysLeft: 10), .discount, .dueToday, .wasDue(daysLate: 2),
        .overdue(level: 1, daysLate: 7), .overdue(level: 2, daysLate: 15), .overdue(level: 3, daysLate: 22), .final(level: 4, daysLate: 30),
        .formalNotice(level: 5, daysLate: 45), .planAgreed, .installment(part: 2, of: 3, daysLeft: 3), .installment(part: 2, of: 3, daysLeft: 0),
        .installment(part: 2, of: 3, daysLeft: -2), .callConfirmation, .invoiceCopy,
    ]

    /// Every template relance can need, in every language, for every wording and for each policy
    /// step (a step may have its own file), checked for a missing file, a syntax error or an
    /// unknown variable; each problem in words.
    public func check(steps: [(name: String, kind: StepKind)]) -> [String] {
        var problems: [String] = []
        for language in Language.allCases {
            for step in steps {
                for wording in Self.allWordings {
                    for part in Self.parts {
                        guard let source = source(language: language, step: step.name, wording: wording, part: part) else {
                            problems.append("\(language.rawValue)/\(wording.templateName): no \(part) template")
                            continue
                        }
                        do { _ = try MustacheTemplate(string: source.text) } catch {
                            problems.append("\(source.origin): \(error)")
                        }
                        for name in Self.tags(in: source.text) where !Self.variables.contains(name) {
                            problems.append("\(source.origin): unknown variable {{\(name)}}")
                        }
                    }
                    // And render the whole message for a sample invoice, discount and late charges included.
                    do {
                        guard let sample = Self.sample(language: language, step: step.name, kind: step.kind, wording: wording) else { continue }
                        let rendered = try render(sample)
                        if rendered.subject.isEmpty { problems.append("\(language.rawValue)/\(wording.templateName): the subject renders empty") }
                    } catch {
                        problems.append("\(language.rawValue)/\(step.name): \(error.problem)")
                    }
                }
            }
        }
        return Array(Set(problems)).sorted()
    }

    /// A made-up reminder with every optional part present, for `check`.
    static func sample(language: Language, step: String, kind: StepKind, wording: Wording) -> ReminderFacts? {
        let eur = Currency.eur
        guard let issued = LocalDate(year: 2026, month: 11, day: 2), let customer = try? EmailAddress("ap@acme.example"),
              let from = try? EmailAddress("billing@sample.example"), let zone = TimeZone(identifier: "UTC") else { return nil }
        let invoice = Invoice(id: "F-2026-0042", issueDate: issued, terms: PaymentTermsParser.parse("2/10 n/30"),
                              total: Money(minorUnits: 125_000, currency: eur),
                              customer: Customer(id: "C-1", name: "Acme SARL", emails: [customer]))
        let charges = LateChargesOwed(law: .fr, daysLate: 7, interest: Money(minorUnits: 1234, currency: eur), rate: Percent(whole: 12),
                                      compensation: Money(minorUnits: 4000, currency: eur), missingRate: nil)
        return ReminderFacts(
            invoice: invoice, step: step, kind: kind, language: language, amountDue: Money(minorUnits: 100_000, currency: eur),
            discount: invoice.discountOffers.first, sendDate: issued.adding(days: 37), companyName: "Sample Company",
            from: from, replyTo: nil, to: invoice.customer.emails, cc: [],
            messageID: "<sample@sample.example>", references: [], date: Date(timeIntervalSince1970: 1_796_000_000),
            timeZone: zone,
            payment: PaymentInstructions(iban: "FR7630006000011234567890189", bic: "AGRIFRPP", paymentLink: "https://pay.example/x",
                                         signature: "Sample Company\nAccounts"),
            lateCharges: charges, wording: wording,
            payments: [Payment(amount: Money(minorUnits: 25_000, currency: eur), date: issued.adding(days: 20))],
            earlierReminders: [issued.adding(days: 30)])
            .withArrangement(wording, agreedOn: issued.adding(days: 35))
    }

    /// Names used in `{{…}}` tags (variables and sections), without sigils, comments or pragmas.
    static func tags(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            var tag = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            rest = rest[close.upperBound...]
            if rest.hasPrefix("}") { rest = rest.dropFirst() }
            guard let sigil = tag.first else { continue }
            if sigil == "!" || sigil == "%" || sigil == ">" || sigil == "/" || sigil == "=" { continue }
            if "#^{&".contains(sigil) { tag = String(tag.dropFirst()).trimmingCharacters(in: .whitespaces) }
            if tag.hasSuffix("}") { tag = String(tag.dropLast()) }
            if !tag.isEmpty, tag != "." { names.append(tag) }
        }
        return names
    }

    /// The values templates see. Amounts and dates are already formatted for the language.
    static func context(_ facts: ReminderFacts) -> [String: Any] {
        let language = facts.language
        func money(_ value: Money) -> String { MoneyFormatter.format(value, language: language) }
        var context: [String: Any] = [
            "customerName": facts.invoice.customer.name,
            "companyName": facts.companyName,
            "invoiceId": facts.invoice.id,
            "invoiceDate": PeopleDates.format(facts.invoice.issueDate, language),
            "dueDate": facts.invoice.dueDate.map { PeopleDates.format($0, language) } ?? "",
            "dueDateLong": facts.invoice.dueDate.map { PeopleDates.formatWithWeekday($0, language) } ?? "",
            "amountDue": money(facts.amountDue),
            "total": money(facts.invoice.total),
            "daysLate": String(facts.daysLate),
            "step": facts.step,
            "kind": facts.kind.rawValue,
            "signature": facts.payment.signature,
            "signatureHTML": facts.payment.signature.split(separator: "\n", omittingEmptySubsequences: false)
                .map { htmlEscape(String($0)) }.joined(separator: "<br>"),
        ]
        switch facts.wording {
        case .checkIn(let days), .satisfactionCheck(let days): context["daysLeft"] = String(days)
        case .dueToday: context["dueToday"] = true
        case .wasDue: context["wasDue"] = true
        case .discount, .overdue, .final, .formalNotice, .planAgreed, .installment, .callConfirmation, .invoiceCopy: break
        }
        if let level = facts.wording.level {
            context["level"] = String(level)
            context["levelTitle"] = LevelTitles.title(level, final: facts.wording.isFinal, language)
        }
        if !facts.earlierReminders.isEmpty {
            context["hasEarlierReminders"] = true
            context["earlierReminders"] = PeopleDates.list(facts.earlierReminders, language)
        }
        let paidSoFar = facts.invoice.total - facts.amountDue
        if paidSoFar.minorUnits != 0 {
            var summary = ["total": money(facts.invoice.total), "paid": money(paidSoFar), "balance": money(facts.amountDue)]
            // Paid before the invoice file was written (BT-113): its date is not known.
            if facts.invoice.amountPaid.isPositive { summary["prepaid"] = money(facts.invoice.amountPaid) }
            context["partlyPaid"] = summary
            let listed = facts.payments.map { ["date": PeopleDates.format($0.date, language), "amount": money($0.amount)] }
            if !listed.isEmpty { context["payments"] = listed }
        }
        if facts.invoice.usesStatutoryTerms, let days = facts.invoice.terms?.netDays {
            context["statutoryTerms"] = ["days": String(days), "basis": StatutoryTerm.basis(country: facts.law)]
        }
        if let offer = facts.discount {
            context["discount"] = [
                "percent": offer.percent.description, "deadline": PeopleDates.format(offer.deadline, language),
                "payable": money(offer.payable), "amount": money(offer.discount),
            ]
        }
        if let charges = facts.lateCharges {
            var late: [String: Any] = ["basis": charges.law.legalBasis]
            if let interest = charges.interest, interest.isPositive {
                late["interest"] = money(interest)
                if let rate = charges.rate { late["rate"] = rate.formatted(language) }
            } else if charges.missingRate != nil {
                late["interestPending"] = true
            }
            if let compensation = charges.compensation {
                late["compensation"] = money(compensation)
                late["compensationBasis"] = charges.law.compensationBasis
            }
            if let interest = charges.interest, let compensation = charges.compensation { late["total"] = money(interest + compensation) }
            if late.count > 1 { context["lateCharges"] = late }
        }
        let references = facts.creditorReferences
        context["creditorReference"] = references[0].reference.grouped
        context["paymentReference"] = references.count == 1
            ? references[0].reference.grouped
            : references.map { "\($0.reference.grouped) (\($0.invoiceID))" }.joined(separator: ", ")
        if facts.paymentQR != nil { context["qrCode"] = "cid:" + MessageComposer.qrContentID(facts.messageID) }
        let lines = facts.statementLines
        if lines.count > 1 {
            context["moreInvoices"] = MoreInvoices.text(lines.count - 1, language)
            let rows: [[String: Any]] = lines.map { line in
                var row: [String: Any] = [
                    "invoiceId": line.invoiceID, "issueDate": PeopleDates.format(line.issueDate, language),
                    "dueDate": line.dueDate.map { PeopleDates.format($0, language) } ?? "", "total": money(line.total),
                    "balance": money(line.balance),
                ]
                // Its own names: inside a section Mustache falls back to the outer context's `daysLate`.
                row["lateBy"] = line.daysLate > 0 ? String(line.daysLate) : false
                row["paid"] = line.paid.isPositive ? money(line.paid) : false
                return row
            }
            var currencies: [Currency] = []
            for line in lines where !currencies.contains(line.balance.currency) { currencies.append(line.balance.currency) }
            let totals: [[String: Any]] = currencies.map { currency in
                let sum = lines.filter { $0.balance.currency == currency }.reduce(Money.zero(currency)) { $0.addingSaturating($1.balance) }
                return ["balance": money(sum)]
            }
            context["statement"] = ["lines": rows, "totals": totals]
        }
        if let notice = facts.formalNotice, let currency = notice.statement.currencies.first {
            context["notice"] = ["claimed": money(notice.statement.totals(currency).claimed), "deadline": PeopleDates.format(notice.deadline, language)]
        }
        if let broken = facts.brokenPromise {
            context["brokenPromise"] = ["madeOn": PeopleDates.format(broken.madeOn, language), "date": PeopleDates.format(broken.promisedFor, language)]
        }
        if let broken = facts.brokenPlan {
            context["brokenPlan"] = [
                "agreedOn": PeopleDates.format(broken.agreedOn, language), "number": String(broken.missed.number),
                "amount": money(broken.missed.amount), "dueDate": PeopleDates.format(broken.missed.due, language),
            ]
        }
        if let plan = facts.plan {
            let total = plan.parts.reduce(Money.zero(facts.amountDue.currency)) { $0.addingSaturating($1.installment.amount) }
            context["plan"] = [
                "agreedOn": PeopleDates.format(plan.agreedOn, language), "total": money(total), "count": String(plan.parts.count),
                "parts": plan.parts.map { standing -> [String: Any] in
                    ["number": String(standing.installment.number), "dueDate": PeopleDates.format(standing.installment.due, language),
                     "amount": money(standing.installment.amount), "left": money(standing.left), "settled": standing.isPaid]
                },
            ]
        }
        if let standing = facts.installment, case .installment(let number, let of, let daysLeft) = facts.wording {
            context["installment"] = [
                "number": String(number), "of": String(of), "amount": money(standing.left), "daysLeft": String(daysLeft),
                "dueDate": PeopleDates.format(standing.installment.due, language),
                "dueDateLong": PeopleDates.formatWithWeekday(standing.installment.due, language),
                "before": daysLeft > 0, "today": daysLeft == 0, "late": daysLeft < 0,
            ]
        }
        if let confirmation = facts.confirmation {
            var said: [String: Any] = ["calledOn": PeopleDates.format(confirmation.calledOn, language),
                                       "paid": confirmation.outcome == .paid, "dispute": confirmation.outcome == .dispute]
            said["promise"] = confirmation.outcome == .promise ? confirmation.date.map { ["date": PeopleDates.format($0, language)] } ?? false : false
            context["confirmation"] = said
        }
        if let iban = facts.payment.iban { context["iban"] = IBANText.grouped(iban) }
        if let bic = facts.payment.bic { context["bic"] = bic }
        if let link = facts.payment.paymentLink { context["paymentLink"] = link }
        return context
    }

    /// At most one blank line in a row; no blank lines at the start or the end. On bytes: every
    /// message's text goes through it.
    static func tidy(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 1)
        var blankPending = false
        for line in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            if isBlank(line) {
                blankPending = !out.isEmpty
                continue
            }
            if blankPending { out.append(0x0A) }
            blankPending = false
            out.append(contentsOf: line)
            out.append(0x0A)
        }
        return out.isEmpty ? "\n" : String(decoding: out, as: UTF8.self)
    }

    /// A line of nothing but white space (Unicode's, for a line that is not all ASCII).
    private static func isBlank(_ line: Substring.UTF8View) -> Bool {
        var ascii = true
        for byte in line {
            switch byte {
            case 0x09, 0x0B, 0x0C, 0x0D, 0x20: continue
            case 0x80...: ascii = false
            default: return false
            }
        }
        return ascii || String(decoding: line, as: UTF8.self).allSatisfy(\.isWhitespace)
    }

    /// `&`, `<`, `>` and `"` as HTML entities.
    public static func htmlEscape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }
}

/// A template that cannot be used, and why.
public struct TemplateError: Error, CustomStringConvertible, Sendable {
    public let problem: String
    public var description: String { "template: \(problem)" }
}

/// The compiled-template cache behind `MessageTemplates` (shared by its copies, safe across threads).
final class CompiledTemplates: Sendable {
    private let templates = Mutex<[String: MustacheTemplate]>([:])

    func template(_ key: String, compile: () throws(TemplateError) -> MustacheTemplate) throws(TemplateError) -> MustacheTemplate {
        if let known = templates.withLock({ $0[key] }) { return known }
        let fresh = try compile()
        templates.withLock { $0[key] = fresh }
        return fresh
    }
}

extension ReminderFacts {
    /// The sample with the plan, the instalment or the confirmation its wording is about (for `check`).
    func withArrangement(_ wording: Wording, agreedOn: LocalDate) -> ReminderFacts {
        var facts = self
        let parts = (1...3).map { Installment(number: $0, due: agreedOn.adding(days: 30 * $0), amount: Money(minorUnits: 33_300, currency: amountDue.currency)) }
        let standings = InstallmentRule.standings(parts, received: parts[0].amount)
        switch wording {
        case .planAgreed: facts.plan = (agreedOn, standings)
        case .installment(let part, _, _):
            facts.plan = (agreedOn, standings)
            facts.installment = standings[min(max(part, 1), 3) - 1]
        case .callConfirmation: facts.confirmation = CallConfirmation(outcome: .promise, calledOn: agreedOn, date: agreedOn.adding(days: 10))
        case .overdue, .final, .formalNotice: facts.brokenPlan = BrokenPlan(agreedOn: agreedOn, missed: parts[1])
        default: break
        }
        return facts
    }
}
