import Foundation
import RelanceCore
import Testing

/// The receivables report on a generated history whose answers the test works
/// out on its own from what it generated (who paid what when), in Foundation's
/// `Decimal` rather than the report's integer ratios.
@Suite("Receivables report")
struct ReceivablesReportTests {
    // MARK: - A generated history with its ground truth

    /// What the generator decided for one invoice.
    struct Truth {
        let id: String
        let customer: Int
        let currency: Currency
        let total: Int64
        let issue: LocalDate
        let due: LocalDate
        /// The day the last payment settles it, nil when never.
        let settle: LocalDate?
        /// An instalment before `settle`.
        let partial: (date: LocalDate, amount: Int64)?
        /// "2/10 n/30": the deadline and the 2 % discount, and whether the customer took it.
        let discount: (deadline: LocalDate, amount: Int64)?
        let tookDiscount: Bool
        let reminders: [(step: String, date: LocalDate)]
        let promise: (made: LocalDate, promisedFor: LocalDate)?

        /// What is owed at the end of `date`, worked out from the decisions above.
        func open(on date: LocalDate) -> Int64 {
            guard issue <= date else { return 0 }
            if let settle, settle <= date { return 0 }
            if let partial, partial.date <= date { return total - partial.amount }
            return total
        }
    }

    /// Delay after the due date by customer (nil: never pays); customer 7 invoices in USD.
    static let delays: [Int?] = [-8, 0, 4, 14, 28, 50, 95, nil]
    static let names = ["Atelier Dupont", "Brasserie Nord", "Cargo & Fils", "Delta Logistique",
                        "Éditions Lune", "Ferme Haute", "Garage Ouest", "Hudson Supply"]
    static let asOf = LocalDate(iso: "2026-06-30")!

    static func generate(count: Int = 600, seed: UInt64 = 42) -> (truths: [Truth], histories: [ReceivableHistory]) {
        var state = seed
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let start = LocalDate(iso: "2025-10-01")!
        var truths: [Truth] = [], histories: [ReceivableHistory] = []
        for index in 0..<count {
            let customer = next(8)
            let currency: Currency = customer == 7 ? Currency(code: "USD")! : .eur
            let total = Int64(5_000 + next(500_000))
            let issue = start.adding(days: next(273))
            let due = issue.adding(days: 30)
            let withDiscount = customer <= 1 && next(2) == 0
            let discountAmount = Rounding.halfEven(Int128(total) * 2, 100)
            let tookDiscount = withDiscount && customer == 0
            var settle: LocalDate?
            var partial: (date: LocalDate, amount: Int64)?
            if tookDiscount {
                settle = issue.adding(days: 8)
            } else if let delay = delays[customer] {
                settle = due.adding(days: delay + next(5))
                if !withDiscount, next(5) == 0, let day = settle, issue.adding(days: 15) < day { partial = (issue.adding(days: 15), total * 2 / 5) }
            }
            var reminders: [(String, LocalDate)] = []
            for (step, day) in [("due", due), ("first", due.adding(days: 7)), ("final", due.adding(days: 30))]
            where day <= asOf && (settle.map { $0 > day } ?? true) {
                reminders.append((step, day))
            }
            var promise: (LocalDate, LocalDate)?
            if customer == 5 || customer == 6 { promise = (due.adding(days: 10), due.adding(days: 40)) }
            let truth = Truth(id: String(format: "G-%04d", index), customer: customer, currency: currency, total: total, issue: issue,
                              due: due, settle: settle, partial: partial,
                              discount: withDiscount ? (issue.adding(days: 10), Int64(discountAmount)) : nil,
                              tookDiscount: tookDiscount, reminders: reminders, promise: promise)
            truths.append(truth)

            let terms = PaymentTermsParser.parse(withDiscount ? "2/10 n/30" : "net 30")
            let invoice = Invoice(id: truth.id, issueDate: issue, terms: terms, total: Money(minorUnits: total, currency: currency),
                                  customer: Customer(id: "C\(customer)", name: names[customer], emails: [try! EmailAddress("ap@c\(customer).example")]))
            #expect(invoice.dueDate == due)
            var payments: [Payment] = []
            if let partial { payments.append(Payment(amount: Money(minorUnits: partial.amount, currency: currency), date: partial.date)) }
            if let settle {
                let rest = tookDiscount ? total - Int64(discountAmount) : total - (partial?.amount ?? 0)
                payments.append(Payment(amount: Money(minorUnits: rest, currency: currency), date: settle))
            }
            histories.append(ReceivableHistory(
                invoice: invoice, customerKey: "id:C\(customer)", payments: payments,
                reminders: reminders.map { SentReminder(step: $0.0, sentOn: $0.1) },
                promises: promise.map { [PaymentPromise(madeOn: $0.0, promisedFor: $0.1)] } ?? []))
        }
        return (truths, histories)
    }

    static func decimal(_ text: String?) -> Decimal? { text.flatMap { Decimal(string: $0) } }

    static func rounded(_ value: Decimal, places: Int) -> Decimal {
        var input = value, output = Decimal()
        NSDecimalRound(&output, &input, places, .bankers)
        return output
    }

    static func minor(_ value: Int64) -> Decimal { Decimal(value) / 100 }

    // MARK: - Aging

    @Test("aging buckets equal the generator's open amounts by days past due, per currency")
    func aging() {
        let (truths, histories) = Self.generate()
        let report = ReceivablesReport(histories, asOf: Self.asOf)
        for currency in [Currency.eur, Currency(code: "USD")!] {
            var expected = [Int64](repeating: 0, count: 5)
            var count = 0
            for truth in truths where truth.currency == currency {
                let open = truth.open(on: Self.asOf)
                guard open > 0 else { continue }
                count += 1
                let late = truth.due.days(until: Self.asOf)
                let bucket = late <= 0 ? 0 : late <= 30 ? 1 : late <= 60 ? 2 : late <= 90 ? 3 : 4
                expected[bucket] += open
            }
            let row = try! #require(report.aging.first { $0.currency == currency })
            #expect(row.labelled.map(\.amount.minorUnits) == expected, "\(currency)")
            #expect(row.invoices == count)
            #expect(expected[0] > 0 && expected[1] > 0 && expected[4] + expected[3] > 0, "\(currency) \(expected)")  // the history reaches both ends
        }
    }

    @Test("a past report date ignores the payments dated after it")
    func pastDate() {
        let (truths, histories) = Self.generate()
        let day = LocalDate(iso: "2026-03-15")!
        let report = ReceivablesReport(histories, asOf: day)
        let expected = truths.filter { $0.currency == .eur }.reduce(Int64(0)) { $0 + $1.open(on: day) }
        #expect(report.aging.first { $0.currency == .eur }?.total.minorUnits == expected)
        #expect(report.aging.first { $0.currency == .eur }?.total != ReceivablesReport(histories, asOf: Self.asOf).aging.first?.total)
    }

    // MARK: - DSO

    @Test("DSO by month, simple and countback, equal a Decimal computation from the generated sales and balances")
    func dso() throws {
        let (truths, histories) = Self.generate()
        let report = ReceivablesReport(histories, asOf: Self.asOf, months: 12)
        let eur = truths.filter { $0.currency == .eur }
        func firstOfMonth(_ d: LocalDate) -> LocalDate { LocalDate(year: d.year, month: d.month, day: 1)! }
        func previousMonth(_ d: LocalDate) -> LocalDate { d.adding(days: -1).adding(days: 1 - d.adding(days: -1).day) }
        let months = report.dso.filter { $0.currency == .eur }
        #expect(months.map(\.monthLabel) == ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"])
        let firstMonth = LocalDate(iso: "2025-10-01")!
        for month in months {
            let end = month.month.endOfMonth < Self.asOf ? month.month.endOfMonth : Self.asOf
            let receivables = eur.reduce(Int64(0)) { $0 + $1.open(on: end) }
            func sales(_ first: LocalDate) -> Int64 {
                eur.filter { firstOfMonth($0.issue) == first && $0.issue <= end }.reduce(0) { $0 + $1.total }
            }
            let invoiced = sales(month.month)
            #expect(month.receivables.minorUnits == receivables && month.invoiced.minorUnits == invoiced)
            let simple = Self.rounded(Decimal(receivables) * Decimal(end.day) / Decimal(invoiced), places: 1)
            #expect(Self.decimal(month.simple?.decimal(places: 1)) == simple, "\(month.monthLabel)")

            var remaining = Decimal(receivables), days = Decimal(0)
            var cursor = month.month, length = end.day
            while remaining > 0, cursor >= firstMonth {
                let sold = Decimal(sales(cursor))
                if sold > 0, sold >= remaining {
                    days += remaining / sold * Decimal(length)
                    remaining = 0
                } else {
                    remaining -= sold
                    days += Decimal(length)
                }
                cursor = previousMonth(cursor)
                length = cursor.endOfMonth.day
            }
            #expect(Self.decimal(month.countback?.decimal(places: 1)) == Self.rounded(days, places: 1), "\(month.monthLabel)")
        }
    }

    @Test("DSO worked by hand: 1000 invoiced in January, 2000 in February, nothing paid by 28 February")
    func dsoByHand() {
        let customer = Customer(name: "Acme", emails: [try! EmailAddress("ap@acme.example")])
        func invoice(_ id: String, _ issued: String, _ total: Int64) -> Invoice {
            Invoice(id: id, issueDate: LocalDate(iso: issued)!, terms: PaymentTermsParser.parse("net 30"),
                    total: Money(minorUnits: total, currency: .eur), customer: customer)
        }
        let a = invoice("A", "2026-01-10", 100_000), b = invoice("B", "2026-02-05", 200_000)
        let unpaid = [ReceivableHistory(invoice: a, customerKey: "acme", payments: []),
                      ReceivableHistory(invoice: b, customerKey: "acme", payments: [])]
        let feb = ReceivablesReport(unpaid, asOf: LocalDate(iso: "2026-02-28")!).dso.last!
        // simple: 3000 × 28 ÷ 2000 = 42.0; countback: February's 2000 uses all 28 days, January's 1000 of 1000 all 31 → 59.0
        #expect(feb.simple?.decimal(places: 1) == "42.0")
        #expect(feb.countback?.decimal(places: 1) == "59.0")
        let jan = ReceivablesReport(unpaid, asOf: LocalDate(iso: "2026-02-28")!).dso.first!
        #expect(jan.simple?.decimal(places: 1) == "31.0" && jan.countback?.decimal(places: 1) == "31.0")

        // A paid on 20 February: 2000 open, simple 2000 × 28 ÷ 2000 = 28.0, countback 28.0.
        let paid = [ReceivableHistory(invoice: a, customerKey: "acme", payments: [Payment(amount: a.total, date: LocalDate(iso: "2026-02-20")!)]),
                    unpaid[1]]
        let after = ReceivablesReport(paid, asOf: LocalDate(iso: "2026-02-28")!).dso.last!
        #expect(after.simple?.decimal(places: 1) == "28.0" && after.countback?.decimal(places: 1) == "28.0")
        // Mid-month (10 March, nothing invoiced in March): simple undefined; countback 10 days of March + 28 of February = 38.0.
        let march = ReceivablesReport(paid, asOf: LocalDate(iso: "2026-03-10")!).dso.last!
        #expect(march.simple == nil)
        #expect(march.countback?.decimal(places: 1) == "38.0")
        // Half of February's sales still open on 28 February with A paid: 1000 × 28 ÷ 2000 = 14.0 both ways.
        let half = [paid[0], ReceivableHistory(invoice: b, customerKey: "acme", payments: [Payment(amount: Money(minorUnits: 100_000, currency: .eur), date: LocalDate(iso: "2026-02-25")!)])]
        let halfFeb = ReceivablesReport(half, asOf: LocalDate(iso: "2026-02-28")!).dso.last!
        #expect(halfFeb.simple?.decimal(places: 1) == "14.0" && halfFeb.countback?.decimal(places: 1) == "14.0")
    }

    // MARK: - Customers

    @Test("customer standings: on-time share, days late, promises, share of invoiced and score, from the generator's decisions")
    func customers() throws {
        let (truths, histories) = Self.generate()
        let report = ReceivablesReport(histories, asOf: Self.asOf)
        for customer in 0..<8 {
            let mine = truths.filter { $0.customer == customer }
            let currency = mine[0].currency
            let standing = try #require(report.customers.first { $0.customerKey == "id:C\(customer)" })
            var judged = 0, onTime = 0, lateDays = 0, worst = 0, made = 0, kept = 0
            for truth in mine {
                if let settle = truth.settle, settle <= Self.asOf {
                    judged += 1
                    let late = max(0, truth.due.days(until: settle))
                    onTime += late == 0 ? 1 : 0
                    lateDays += late
                    worst = max(worst, late)
                } else if truth.due < Self.asOf {
                    judged += 1
                    lateDays += truth.due.days(until: Self.asOf)
                    worst = max(worst, truth.due.days(until: Self.asOf))
                }
                if let promise = truth.promise, promise.promisedFor < Self.asOf {
                    made += 1
                    if let settle = truth.settle, settle <= promise.promisedFor { kept += 1 }
                }
            }
            #expect(standing.invoices == mine.count)
            #expect(standing.invoiced.minorUnits == mine.reduce(0) { $0 + $1.total })
            #expect(standing.name == Self.names[customer])
            let share = Self.rounded(Decimal(onTime) / Decimal(judged), places: 3)
            #expect(Self.decimal(standing.onTimeShare?.decimal(places: 3)) == share, "customer \(customer)")
            let average = Decimal(lateDays) / Decimal(judged)
            #expect(Self.decimal(standing.averageDaysLate?.decimal(places: 1)) == Self.rounded(average, places: 1))
            #expect(standing.worstDaysLate == worst)
            #expect(standing.promisesMade == made && standing.promisesKept == kept)
            let everything = truths.filter { $0.currency == currency }.reduce(Int64(0)) { $0 + $1.total }
            #expect(Self.decimal(standing.share?.decimal(places: 3)) == Self.rounded(Decimal(mine.reduce(0) { $0 + $1.total }) / Decimal(everything), places: 3))

            // The documented grading rules, applied to the figures worked out here.
            let onTimeShare = Decimal(onTime) / Decimal(judged)
            var grade = onTimeShare >= 0.9 && average <= 2 ? 0 : onTimeShare >= 0.7 && average <= 10 ? 1 : average <= 30 ? 2 : average <= 60 ? 3 : 4
            if worst > 90 { grade = max(grade, 3) }
            grade = min(4, grade + made - kept)
            #expect(standing.score?.rawValue == ["A", "B", "C", "D", "E"][grade], "customer \(customer)")
        }
        // Early payers score A, the customer who never pays E; the USD customer is ranked in its own currency.
        #expect(report.customers.first { $0.customerKey == "id:C0" }?.score == .a)
        #expect(report.customers.first { $0.customerKey == "id:C6" }?.score == .e)
        #expect(report.customers.first { $0.customerKey == "id:C7" }?.share?.decimal(places: 3) == "1.000")
        let eurTop = report.topCustomers(.eur)
        #expect(eurTop.count == 5)
        #expect(eurTop.map(\.invoiced.minorUnits) == eurTop.map(\.invoiced.minorUnits).sorted(by: >))
    }

    @Test("payment score thresholds", arguments: [
        // judged, on time, total days late, worst, promises broken → grade
        (10, 9, 20, 5, 0, "A"), (10, 9, 21, 5, 0, "B"), (10, 7, 100, 20, 0, "B"), (10, 6, 100, 20, 0, "C"),
        (10, 0, 300, 40, 0, "C"), (10, 0, 301, 40, 0, "D"), (10, 0, 600, 80, 0, "D"), (10, 0, 601, 80, 0, "E"),
        (10, 10, 0, 91, 0, "D"), (10, 10, 0, 0, 1, "B"), (10, 10, 0, 0, 9, "E"), (1, 1, 0, 0, 0, "A"),
    ])
    func score(judged: Int, onTime: Int, days: Int, worst: Int, broken: Int, grade: String) {
        #expect(PaymentScore.grade(judged: judged, paidOnTime: onTime, totalDaysLate: days, worstDaysLate: worst, promisesBroken: broken)?.rawValue == grade)
    }

    @Test("no grade before anything is judged")
    func noGrade() {
        #expect(PaymentScore.grade(judged: 0, paidOnTime: 0, totalDaysLate: 0, worstDaysLate: 0, promisesBroken: 0) == nil)
    }

    // MARK: - Reminders and discounts

    @Test("reminder effectiveness: invoices paid within 7 days of each step, counted once the week is over")
    func effectiveness() {
        let (truths, histories) = Self.generate()
        let report = ReceivablesReport(histories, asOf: Self.asOf)
        #expect(report.reminders.map(\.step) == ["due", "first", "final"])
        for step in report.reminders {
            var sent = 0, paid = 0
            for truth in truths {
                for reminder in truth.reminders where reminder.step == step.step {
                    let paidInWeek = truth.settle.map { $0 >= reminder.date && $0 <= reminder.date.adding(days: 7) && $0 <= Self.asOf } ?? false
                    if paidInWeek || reminder.date.adding(days: 7) <= Self.asOf {
                        sent += 1
                        paid += paidInWeek ? 1 : 0
                    }
                }
            }
            #expect(step.sent == sent && step.paidWithinWeek == paid, "\(step.step)")
            #expect(sent > 0)
        }
    }

    @Test("discount uptake: offered, taken, lapsed, pending, and what the taken ones cost")
    func discounts() throws {
        let (truths, histories) = Self.generate()
        let report = ReceivablesReport(histories, asOf: Self.asOf)
        let row = try #require(report.discounts.first { $0.currency == .eur })
        let offered = truths.filter { $0.discount != nil && $0.issue <= Self.asOf }
        let taken = offered.filter { $0.tookDiscount && $0.settle! <= Self.asOf }
        let pending = offered.filter { !($0.tookDiscount && $0.settle! <= Self.asOf) && $0.discount!.deadline >= Self.asOf }
        #expect(row.offered == offered.count)
        #expect(row.taken == taken.count)
        #expect(row.pending == pending.count)
        #expect(row.lapsed == offered.count - taken.count - pending.count)
        #expect(row.cost.minorUnits == taken.reduce(0) { $0 + $1.discount!.amount })
        #expect(row.taken > 0 && row.lapsed > 0)
    }

    @Test("cancelled invoices and invoices issued after the report date count nowhere")
    func excluded() {
        let customer = Customer(name: "Acme", emails: [try! EmailAddress("ap@acme.example")])
        let invoice = Invoice(id: "X", issueDate: LocalDate(iso: "2026-01-10")!, terms: PaymentTermsParser.parse("net 30"),
                              total: Money(minorUnits: 100_000, currency: .eur), customer: customer)
        var later = invoice
        later.id = "Y"
        later.issueDate = LocalDate(iso: "2026-07-10")!
        let report = ReceivablesReport([ReceivableHistory(invoice: invoice, customerKey: "a", cancelled: true, payments: []),
                                        ReceivableHistory(invoice: later, customerKey: "a", payments: [])],
                                       asOf: LocalDate(iso: "2026-06-30")!)
        #expect(report.aging.isEmpty && report.dso.isEmpty && report.customers.isEmpty && report.discounts.isEmpty)
    }

    @Test("ratios round half-even at the last digit", arguments: [
        (1, 8, 1, "0.1"), (3, 8, 2, "0.38"), (5, 8, 2, "0.62"), (1, 3, 3, "0.333"), (2, 3, 1, "0.7"), (413, 10, 1, "41.3"),
        (-1, 4, 1, "-0.2"), (0, 5, 1, "0.0"), (7, 1, 0, "7"),
    ])
    func ratio(numerator: Int, denominator: Int, places: Int, text: String) {
        #expect(Ratio(Int128(numerator), Int128(denominator)).decimal(places: places) == text)
    }
}
