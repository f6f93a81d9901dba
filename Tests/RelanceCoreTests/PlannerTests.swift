import Foundation
import RelanceCore
import Testing

@Suite("Planner")
struct PlannerTests {
    static let paris = TimeZone(identifier: "Europe/Paris")!
    static let calendar = BusinessCalendar(
        timeZone: paris, sendTime: WallClockTime(hour: 9, minute: 30)!,
        sendDays: [.monday, .tuesday, .wednesday, .thursday, .friday], holidayCountries: ["FR"])
    static let policy = Policy(name: "standard", isDefault: true, steps: [
        PolicyStep(name: "courtesy", offset: StepOffset("due-7")!),
        PolicyStep(name: "discount-ending", offset: StepOffset("discount-2")!),
        PolicyStep(name: "due", offset: StepOffset("due")!),
        PolicyStep(name: "first", offset: StepOffset("due+7")!),
        PolicyStep(name: "final", offset: StepOffset("due+30")!, kind: .final),
    ])

    static func invoice(issued: String, terms: String? = "2/10 n/30", due: String? = nil, total: Int64 = 100_000) -> Invoice {
        Invoice(id: "F-1", issueDate: LocalDate(iso: issued)!, statedDueDate: due.flatMap { LocalDate(iso: $0) },
                terms: terms.map(PaymentTermsParser.parse), total: Money(minorUnits: total, currency: .eur),
                customer: Customer(name: "Acme", emails: [try! EmailAddress("ap@acme.example")]))
    }

    func summary(_ steps: [PlannedStep]) -> [String] {
        steps.map { "\($0.name) \($0.date) \(ZonedDateTime.iso8601($0.sendAt, in: Self.paris))\($0.supersededBy.map { " superseded by \($0)" } ?? "")" }
    }

    @Test("a 2/10 n/30 invoice issued Monday 5 January 2026")
    func example() {
        let steps = Planner.plan(invoice: Self.invoice(issued: "2026-01-05"), policy: Self.policy, calendar: Self.calendar)
        #expect(summary(steps) == [
            "discount-ending 2026-01-13 2026-01-13T09:30:00+01:00",
            "courtesy 2026-01-28 2026-01-28T09:30:00+01:00",
            "due 2026-02-04 2026-02-04T09:30:00+01:00",
            "first 2026-02-11 2026-02-11T09:30:00+01:00",
            "final 2026-03-06 2026-03-06T09:30:00+01:00",
        ])
        let discount = steps[0].discount
        #expect(discount?.deadline.iso == "2026-01-15")
        #expect(discount?.payable.decimalString == "980.00")
        #expect(discount?.discount.decimalString == "20.00")
        #expect(steps[1].discount == nil)  // courtesy on the 28th: the discount has lapsed
        #expect(steps.allSatisfy { $0.amountDue.decimalString == "1000.00" })
    }

    @Test("a step on a weekend or holiday moves to the next sending day")
    func movesToSendingDay() {
        // Due Saturday 2026-05-09 → Monday 11; due+7 = Saturday 16 → Monday 18 … and 2026-05-14 (Ascension) is skipped.
        let steps = Planner.plan(invoice: Self.invoice(issued: "2026-04-09", terms: "n/30"), policy: Self.policy, calendar: Self.calendar)
        let due = steps.first { $0.name == "due" }
        #expect(due?.date.iso == "2026-05-11")
        #expect(due?.nominalDate.iso == "2026-05-09")
        #expect(steps.first { $0.name == "courtesy" }?.date.iso == "2026-05-04")  // 2 May is a Saturday
    }

    @Test("two escalation levels never share a day: the later one moves to the next sending day")
    func levelsNeverSuperseded() {
        let tight = Policy(name: "tight", steps: [
            PolicyStep(name: "due", offset: StepOffset("due")!),
            PolicyStep(name: "nudge", offset: StepOffset("due+1")!),
            PolicyStep(name: "first", offset: StepOffset("due+2")!),
        ])
        // Due Friday 2026-11-13: due → Fri 13; due+1 Sat → Mon 16; due+2 Sun → Mon 16, then a day after nudge: Tue 17.
        let steps = Planner.plan(invoice: Self.invoice(issued: "2026-10-14", terms: "n/30"), policy: tight, calendar: Self.calendar)
        #expect(summary(steps) == [
            "due 2026-11-13 2026-11-13T09:30:00+01:00",
            "nudge 2026-11-16 2026-11-16T09:30:00+01:00",
            "first 2026-11-17 2026-11-17T09:30:00+01:00",
        ])
    }

    @Test("a gentle step landing on a level's day is superseded by the level; two gentle steps: the later nominal date wins")
    func superseded() {
        let tight = Policy(name: "tight", steps: [
            PolicyStep(name: "early", offset: StepOffset("due-2")!),
            PolicyStep(name: "late", offset: StepOffset("due-1")!),
            PolicyStep(name: "due", offset: StepOffset("due")!),
            PolicyStep(name: "first", offset: StepOffset("due+2")!),
        ])
        // Due Saturday 2026-11-14: due-2 Thu 12; due-1 Fri 13; due Sat → Mon 16; due+2 Mon 16.
        let steps = Planner.plan(invoice: Self.invoice(issued: "2026-10-15", terms: "n/30"), policy: tight, calendar: Self.calendar)
        #expect(summary(steps) == [
            "early 2026-11-12 2026-11-12T09:30:00+01:00",
            "late 2026-11-13 2026-11-13T09:30:00+01:00",
            "due 2026-11-16 2026-11-16T09:30:00+01:00 superseded by first",
            "first 2026-11-16 2026-11-16T09:30:00+01:00",
        ])
    }

    @Test("levels after one sent late keep the policy's spacing from the actual send; min_spacing_days adds a floor")
    func spacingFromHistory() {
        let policy = Policy(name: "p", steps: [
            PolicyStep(name: "first", offset: StepOffset("due+7")!),
            PolicyStep(name: "second", offset: StepOffset("due+15")!),
            PolicyStep(name: "final", offset: StepOffset("due+30")!, kind: .final),
        ], minSpacingDays: 10)
        // Due Monday 2026-11-16. `first` went on Thu 2026-12-10 instead of Mon 23 Nov (17 days late).
        let invoice = Self.invoice(issued: "2026-10-17", terms: "n/30")
        let steps = Planner.plan(invoice: invoice, policy: policy, calendar: Self.calendar, history: ["first": LocalDate(iso: "2026-12-10")!])
        // second: 10 Dec + 8 (policy gap) = Fri 18 Dec → but the 10-day floor: Sun 20 → Mon 21; final: + 15 → Tue 5 Jan 2027.
        #expect(summary(steps) == [
            "second 2026-12-21 2026-12-21T09:30:00+01:00",
            "final 2027-01-05 2027-01-05T09:30:00+01:00",
        ])
        // Sent on its own day, nothing shifts (only the floor applies).
        let onTime = Planner.plan(invoice: invoice, policy: Policy(name: "q", steps: policy.steps), calendar: Self.calendar,
                                  history: ["first": LocalDate(iso: "2026-11-23")!])
        #expect(summary(onTime) == ["second 2026-12-01 2026-12-01T09:30:00+01:00", "final 2026-12-16 2026-12-16T09:30:00+01:00"])
    }

    @Test("a discount step is not planned once the discount cannot be taken")
    func lapsedDiscount() {
        // Deadline Saturday 2026-01-17 (issued 7th + 10): discount-2 = Thursday 15th is fine.
        let ok = Planner.plan(invoice: Self.invoice(issued: "2026-01-07"), policy: Self.policy, calendar: Self.calendar)
        #expect(ok.contains { $0.name == "discount-ending" })
        // Deadline Sunday 2026-01-18 with discount+0 landing on Monday 19th: past the deadline.
        let late = Policy(name: "late", steps: [PolicyStep(name: "d", offset: StepOffset("discount")!)])
        #expect(Planner.plan(invoice: Self.invoice(issued: "2026-01-08"), policy: late, calendar: Self.calendar).isEmpty)
        // No discount at all: discount steps are skipped.
        #expect(!Planner.plan(invoice: Self.invoice(issued: "2026-01-07", terms: "n/30"), policy: Self.policy, calendar: Self.calendar)
            .contains { $0.kind == .discount })
    }

    @Test("the stated due date wins over the terms")
    func statedDueDate() {
        let steps = Planner.plan(invoice: Self.invoice(issued: "2026-01-05", terms: "n/30", due: "2026-03-02"), policy: Self.policy, calendar: Self.calendar)
        #expect(steps.first { $0.name == "due" }?.date.iso == "2026-03-02")
    }

    @Test("nothing is planned on or after the day of full payment")
    func afterPayment() throws {
        let invoice = Self.invoice(issued: "2026-01-05")
        let payment = Payment(amount: Money(minorUnits: 100_000, currency: .eur), date: try #require(LocalDate(iso: "2026-02-04")))
        let steps = Planner.plan(invoice: invoice, payments: [payment], policy: Self.policy, calendar: Self.calendar)
        #expect(steps.map(\.name) == ["discount-ending", "courtesy"])
    }

    @Test("paying the discounted amount by the deadline settles in full; a partial payment lowers the balance")
    func discountSettlesAndPartial() throws {
        let invoice = Self.invoice(issued: "2026-01-05")
        let discounted = Payment(amount: Money(minorUnits: 98_000, currency: .eur), date: try #require(LocalDate(iso: "2026-01-15")))
        #expect(Planner.plan(invoice: invoice, payments: [discounted], policy: Self.policy, calendar: Self.calendar).map(\.name) == ["discount-ending"])
        #expect(Balance.due(invoice, payments: [discounted], on: try #require(LocalDate(iso: "2026-02-01"))).isZero)
        // One day late, the discounted amount leaves 20.00 to pay.
        let late = Payment(amount: Money(minorUnits: 98_000, currency: .eur), date: try #require(LocalDate(iso: "2026-01-16")))
        let steps = Planner.plan(invoice: invoice, payments: [late], policy: Self.policy, calendar: Self.calendar)
        #expect(steps.first { $0.name == "due" }?.amountDue.decimalString == "20.00")
    }

    @Test("--now leaves out steps already in the past")
    func now() throws {
        let now = try #require(ZonedDateTime.parse("2026-02-04T09:30:00+01:00", defaultZone: Self.paris))
        let steps = Planner.plan(invoice: Self.invoice(issued: "2026-01-05"), policy: Self.policy, calendar: Self.calendar, now: now)
        #expect(steps.map(\.name) == ["due", "first", "final"])
    }

    @Test("no step before the issue date, even for due-on-receipt invoices")
    func notBeforeIssue() {
        let steps = Planner.plan(invoice: Self.invoice(issued: "2026-01-06", terms: "due on receipt"), policy: Self.policy, calendar: Self.calendar)
        #expect(steps.allSatisfy { $0.date >= LocalDate(iso: "2026-01-06")! })
        // courtesy (due-7) is clamped to the issue date and shares the day with due, which wins.
        #expect(steps.filter(\.isActive).map(\.name) == ["due", "first", "final"])
    }

    /// A small deterministic generator so failures reproduce.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("properties over 3,000 generated invoices, policies and calendars")
    func properties() throws {
        var rng = SplitMix64(state: 20_261_123)
        let termsPool = ["n/30", "2/10 n/30", "1.5/15 n/45", "due on receipt", "2/10 EOM", "net 14",
                         "#SKONTO#TAGE=7#PROZENT=2.00#\n#SKONTO#TAGE=14#PROZENT=1.00#\nnet 30", "30 jours fin de mois"]
        let zones = ["Europe/Paris", "America/New_York", "Europe/Berlin", "Europe/London", "Asia/Tokyo"]
        for _ in 0..<3000 {
            let issued = LocalDate(iso: "2025-01-01")!.adding(days: Int.random(in: 0..<900, using: &rng))
            let invoice = Self.invoice(issued: issued.iso, terms: termsPool.randomElement(using: &rng)!,
                                       total: Int64.random(in: 1...10_000_000, using: &rng))
            var days = Set(Weekday.allCases.filter { _ in Bool.random(using: &rng) })
            if days.isEmpty { days = [.wednesday] }
            let calendar = BusinessCalendar(
                timeZone: TimeZone(identifier: zones.randomElement(using: &rng)!)!,
                sendTime: WallClockTime(hour: Int.random(in: 0...23, using: &rng), minute: Int.random(in: 0...59, using: &rng))!,
                sendDays: days, holidayCountries: [["FR", "DE", "GB", "US"].randomElement(using: &rng)!])
            let steps = (0..<Int.random(in: 1...7, using: &rng)).map { i in
                let anchor = StepOffset.Anchor.allCases.randomElement(using: &rng)!
                return PolicyStep(name: "s\(i)", offset: StepOffset(anchor: anchor, days: Int.random(in: -20...60, using: &rng)))
            }
            var payments: [Payment] = []
            if Bool.random(using: &rng) {
                payments.append(Payment(amount: invoice.total, date: issued.adding(days: Int.random(in: 0...90, using: &rng))))
            }
            let plan = Planner.plan(invoice: invoice, payments: payments, policy: Policy(name: "p", steps: steps), calendar: calendar)
            let paidOn = Balance.paidInFullOn(invoice, payments: payments)
            for step in plan {
                #expect(step.date >= invoice.issueDate)
                #expect(calendar.isSendingDay(step.date))
                #expect(calendar.localDate(of: step.sendAt) == step.date)
                if let paidOn { #expect(step.date < paidOn) }
                if step.kind == .discount { #expect(step.discount != nil) }
                if let offer = step.discount { #expect(step.date <= offer.deadline) }
            }
            #expect(plan.map(\.sendAt) == plan.map(\.sendAt).sorted())
            let active = plan.filter(\.isActive).map(\.date)
            #expect(Set(active).count == active.count)
        }
    }
}
