import Foundation
import RelanceCore
import Testing

@Suite("Payment plans: schedule, allocation, kept or broken, reminders")
struct InstallmentTests {
    static let today = LocalDate(iso: "2026-11-04")!
    static func eur(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .eur) }
    static let invoice = Invoice(id: "PL-1", issueDate: LocalDate(iso: "2026-10-02")!, statedDueDate: LocalDate(iso: "2026-11-02")!,
                                 total: eur(90_000), customer: Customer(id: "C", name: "C", emails: []))

    static func parts(_ n: Int = 3, every: Int = 14) throws -> [Installment] {
        try InstallmentSchedule.make(balance: eur(90_000), parts: n, first: LocalDate(iso: "2026-11-16"), everyDays: every, dates: nil,
                                     amounts: nil, today: today)
    }

    @Test("equal parts, the cent that does not divide on the last; spaced by --every, 30 days by default")
    func equalParts() throws {
        let parts = try Self.parts()
        #expect(parts.map(\.amount) == [Self.eur(30_000), Self.eur(30_000), Self.eur(30_000)])
        #expect(parts.map(\.due.iso) == ["2026-11-16", "2026-11-30", "2026-12-14"])
        let odd = try InstallmentSchedule.make(balance: Self.eur(10_001), parts: 3, first: Self.today, everyDays: nil, dates: nil, amounts: nil,
                                               today: Self.today)
        #expect(odd.map(\.amount.minorUnits) == [3_333, 3_333, 3_335])
        #expect(odd.map(\.due.iso) == ["2026-11-04", "2026-12-04", "2027-01-03"])
        #expect(odd.reduce(0) { $0 + $1.amount.minorUnits } == 10_001)
    }

    @Test("given dates and amounts are kept as given")
    func givenDatesAndAmounts() throws {
        let dates = ["2026-11-20", "2026-12-05", "2027-01-15"].map { LocalDate(iso: $0)! }
        let parts = try InstallmentSchedule.make(balance: Self.eur(90_000), parts: 3, first: nil, everyDays: nil, dates: dates,
                                                 amounts: [Self.eur(50_000), Self.eur(20_000), Self.eur(20_000)], today: Self.today)
        #expect(parts.map(\.due) == dates && parts.map(\.amount.minorUnits) == [50_000, 20_000, 20_000] && parts.map(\.number) == [1, 2, 3])
    }

    @Test("what cannot be agreed is refused with its reason")
    func refusals() {
        func refusal(parts: Int = 3, first: String? = "2026-11-16", every: Int? = nil, dates: [String]? = nil, amounts: [Int64]? = nil,
                     balance: Int64 = 90_000) -> InstallmentSchedule.Refusal? {
            do {
                _ = try InstallmentSchedule.make(balance: Self.eur(balance), parts: parts, first: first.flatMap(LocalDate.init(iso:)), everyDays: every,
                                                 dates: dates?.compactMap(LocalDate.init(iso:)), amounts: amounts?.map(Self.eur), today: Self.today)
                return nil
            } catch { return error }
        }
        #expect(refusal(parts: 1) == .partsOutOfRange(1))
        #expect(refusal(parts: 61) == .partsOutOfRange(61))
        #expect(refusal(balance: 0) == .nothingOwed)
        #expect(refusal(first: "2026-11-03") == .firstInThePast(LocalDate(iso: "2026-11-03")!))
        #expect(refusal(every: 0) == .spacing(0))
        #expect(refusal(dates: ["2026-11-20", "2026-12-20"]) == .datesCount(given: 2, parts: 3))
        #expect(refusal(first: nil, dates: ["2026-11-20", "2026-11-20", "2026-12-20"]) == .datesNotIncreasing(LocalDate(iso: "2026-11-20")!))
        #expect(refusal(dates: ["2026-11-20", "2026-11-30", "2026-12-20"]) == .firstDoesNotMatch(first: LocalDate(iso: "2026-11-16")!, dates: LocalDate(iso: "2026-11-20")!))
        #expect(refusal(amounts: [30_000, 30_000]) == .amountsCount(given: 2, parts: 3))
        #expect(refusal(amounts: [90_000, 0, 0]) == .amountNotPositive(Self.eur(0)))
        #expect(refusal(amounts: [30_000, 30_000, 20_000]) == .amountsDoNotAddUp(sum: Self.eur(80_000), balance: Self.eur(90_000)))
        #expect(refusal(parts: 3, balance: 2) == .amountNotPositive(Self.eur(0)), "two cents do not split in three parts")
    }

    @Test("payments go to the oldest open instalment first")
    func allocation() throws {
        let parts = try Self.parts()
        let standings = InstallmentRule.standings(parts, received: Self.eur(45_000))
        #expect(standings.map(\.paid.minorUnits) == [30_000, 15_000, 0])
        #expect(standings.map(\.isPaid) == [true, false, false])
        #expect(standings[1].left == Self.eur(15_000))
        // What the plan received: the balance it was agreed on less what is still owed (payments of every source count).
        let payment = Payment(amount: Self.eur(30_000), date: LocalDate(iso: "2026-11-16")!)
        #expect(InstallmentRule.received(total: Self.eur(90_000), invoice: Self.invoice, payments: [payment], on: LocalDate(iso: "2026-11-15")!) == Self.eur(0))
        #expect(InstallmentRule.received(total: Self.eur(90_000), invoice: Self.invoice, payments: [payment], on: LocalDate(iso: "2026-11-16")!) == Self.eur(30_000))
        // An over-payment never allocates more than the plan.
        #expect(InstallmentRule.standings(parts, received: Self.eur(99_999)).allSatisfy { $0.isPaid })
    }

    @Test("kept while each part is covered by its date plus the grace; broken the day after; completed once paid")
    func verdicts() throws {
        let parts = try Self.parts()
        let first = Payment(amount: Self.eur(30_000), date: LocalDate(iso: "2026-11-16")!)
        func verdict(_ payments: [Payment], on day: String) -> PlanVerdict? {
            InstallmentRule.verdict(parts, total: Self.eur(90_000), invoice: Self.invoice, payments: payments, graceDays: 3, today: LocalDate(iso: day)!)
        }
        #expect(verdict([], on: "2026-11-19") == nil, "16 + 3: still within the grace")
        #expect(verdict([], on: "2026-11-20") == .broken(parts[0]))
        #expect(verdict([first], on: "2026-11-20") == nil)
        #expect(verdict([first], on: "2026-12-04") == .broken(parts[1]))
        // Paid late, after its grace: broken still, judged on what had arrived by then.
        let late = Payment(amount: Self.eur(30_000), date: LocalDate(iso: "2026-12-05")!)
        #expect(verdict([first, late], on: "2026-12-06") == .broken(parts[1]))
        // Two parts at once ahead of time cover both.
        let double = Payment(amount: Self.eur(60_000), date: LocalDate(iso: "2026-11-10")!)
        #expect(verdict([double], on: "2026-12-04") == nil)
        let rest = Payment(amount: Self.eur(30_000), date: LocalDate(iso: "2026-12-01")!)
        #expect(verdict([double, rest], on: "2026-12-02") == .completed)
    }

    @Test("each unpaid part gets a reminder before and on its date; none on or before the day the plan was agreed")
    func reminders() throws {
        let parts = try Self.parts()
        let standings = InstallmentRule.standings(parts, received: Self.eur(30_000))
        let reminders = InstallmentRule.reminders(standings, daysBefore: 3, agreedOn: Self.today)
        #expect(reminders.map { "\($0.part)-\($0.moment.rawValue)@\($0.date.iso)" }
            == ["2-before@2026-11-27", "2-due@2026-11-30", "3-before@2026-12-11", "3-due@2026-12-14"])
        let soon = InstallmentRule.reminders(InstallmentRule.standings(parts, received: Self.eur(0)), daysBefore: 3,
                                             agreedOn: LocalDate(iso: "2026-11-14")!)
        #expect(soon.first.map { "\($0.part)-\($0.moment.rawValue)" } == "1-due", "the schedule sent on the 14th already says the 16th")
        #expect(InstallmentRule.reminders(standings, daysBefore: 0, agreedOn: Self.today).allSatisfy { $0.moment == .due })
    }

    @Test("an instalment is worded from its own date")
    func wording() throws {
        let part = try Self.parts()[1]
        #expect(Wording.installment(part, of: 3, sendDate: LocalDate(iso: "2026-11-27")!) == .installment(part: 2, of: 3, daysLeft: 3))
        #expect(Wording.installment(part, of: 3, sendDate: LocalDate(iso: "2026-12-02")!) == .installment(part: 2, of: 3, daysLeft: -2))
        #expect(Wording.installment(part, of: 3, sendDate: part.due).templateName == "installment")
        #expect(Wording.choose(kind: .plan, sendDate: Self.today, dueDate: Self.today, discountHolds: false, levelsSent: 0) == .planAgreed)
        #expect(Wording.choose(kind: .confirmation, sendDate: Self.today, dueDate: Self.today, discountHolds: false, levelsSent: 2) == .callConfirmation)
    }
}
