import Foundation
import RelanceCore
import Testing

@Suite("Escalation: wording from the send day's facts, levels in order")
struct EscalationTests {
    static let due = LocalDate(iso: "2026-11-14")!  // a Saturday

    func day(_ offset: Int) -> LocalDate { Self.due.adding(days: offset) }

    @Test("the wording follows the send day, never the step's name or kind alone")
    func wording() {
        #expect(Wording.choose(kind: .preDue, sendDate: day(-7), dueDate: Self.due, discountHolds: false, levelsSent: 0) == .checkIn(daysLeft: 7))
        #expect(Wording.choose(kind: .discount, sendDate: day(-20), dueDate: Self.due, discountHolds: true, levelsSent: 0) == .discount)
        #expect(Wording.choose(kind: .discount, sendDate: day(-20), dueDate: Self.due, discountHolds: false, levelsSent: 0) == .checkIn(daysLeft: 20))
        #expect(Wording.choose(kind: .due, sendDate: day(0), dueDate: Self.due, discountHolds: false, levelsSent: 0) == .dueToday)
        // A due date on a Saturday, reminded on Monday: "was due on Saturday 14 November", not "due today".
        #expect(Wording.choose(kind: .due, sendDate: day(2), dueDate: Self.due, discountHolds: false, levelsSent: 0) == .wasDue(daysLate: 2))
        // The gentle policy's step *named* due at due+3 is a post-due level: it reads as the first reminder.
        #expect(Wording.choose(kind: .postDue, sendDate: day(3), dueDate: Self.due, discountHolds: false, levelsSent: 0)
            == .overdue(level: 1, daysLate: 3))
        // The level number counts the levels actually sent, not the policy's index.
        #expect(Wording.choose(kind: .postDue, sendDate: day(20), dueDate: Self.due, discountHolds: false, levelsSent: 1)
            == .overdue(level: 2, daysLate: 20))
        #expect(Wording.choose(kind: .final, sendDate: day(40), dueDate: Self.due, discountHolds: false, levelsSent: 2)
            == .final(level: 3, daysLate: 40))
    }

    @Test("each level has its own template; levels past the third reuse the third's with their number")
    func templateNames() {
        #expect(Wording.overdue(level: 1, daysLate: 7).templateName == "post-due-1")
        #expect(Wording.overdue(level: 2, daysLate: 15).templateName == "post-due-2")
        #expect(Wording.overdue(level: 5, daysLate: 40).templateName == "post-due-3")
        #expect(Wording.overdue(level: 2, daysLate: 15).legacyTemplateName == "post-due")
        #expect(Wording.wasDue(daysLate: 2).templateName == "due")
        #expect(Wording.final(level: 4, daysLate: 30).templateName == "final")
    }

    func waiting(_ id: Int64, _ step: String, _ kind: StepKind, rank: Int, offset: Int) -> WaitingReminder {
        WaitingReminder(id: id, step: step, kind: kind, rank: rank, localDate: day(offset), sendAt: Date(timeIntervalSince1970: Double(id)))
    }

    var standard: [WaitingReminder] {
        [waiting(1, "courtesy", .preDue, rank: 0, offset: -7), waiting(2, "discount-ending", .discount, rank: 1, offset: -22),
         waiting(3, "due", .due, rank: 2, offset: 2), waiting(4, "first", .postDue, rank: 3, offset: 9),
         waiting(5, "second", .postDue, rank: 4, offset: 16), waiting(6, "final", .final, rank: 5, offset: 30)]
    }

    @Test("an invoice arriving 40 days overdue gets the first post-due level, never the final notice")
    func arrivesOverdue() {
        let choice = ReminderChoice.choose(due: standard, lowerLevelInFlight: { _ in false }, today: day(40), dueDate: Self.due,
                                           discountDeadline: nil)
        #expect(choice.send?.step == "first")
        #expect(choice.heldBack.map(\.step) == ["second", "final"])
        #expect(Set(choice.skipped.map(\.reminder.step)) == ["courtesy", "discount-ending", "due"])
        #expect(choice.skipped.first { $0.reminder.step == "courtesy" }?.reason == .dueDatePassed(dueDate: Self.due))
        #expect(choice.skipped.first { $0.reminder.step == "due" }?.reason == .overtakenByLevel(step: "first"))
        #expect(choice.skipped.first { $0.reminder.step == "discount-ending" }?.reason == .discountLapsed(deadline: nil))
    }

    @Test("a later level waits while a lower one is still being delivered")
    func levelInFlight() {
        let due = [waiting(5, "second", .postDue, rank: 4, offset: 16)]
        let choice = ReminderChoice.choose(due: due, lowerLevelInFlight: { $0 > 3 }, today: day(17), dueDate: Self.due, discountDeadline: nil)
        #expect(choice.send == nil)
        #expect(choice.heldBack.map(\.step) == ["second"])
        #expect(choice.skipped.isEmpty)
    }

    @Test("two gentle reminders due at once: the later goes; a check-in still before the due date goes")
    func gentle() {
        let due = [waiting(1, "early", .preDue, rank: 0, offset: -10), waiting(2, "courtesy", .preDue, rank: 1, offset: -7)]
        let choice = ReminderChoice.choose(due: due, lowerLevelInFlight: { _ in false }, today: day(-5), dueDate: Self.due,
                                           discountDeadline: nil)
        #expect(choice.send?.step == "courtesy")
        #expect(choice.skipped.map(\.reason) == [.superseded(by: "courtesy")])
        // A discount reminder goes while the discount holds, and is dropped the day after its deadline.
        let discount = [waiting(2, "discount-ending", .discount, rank: 1, offset: -22)]
        #expect(ReminderChoice.choose(due: discount, lowerLevelInFlight: { _ in false }, today: day(-22), dueDate: Self.due,
                                      discountDeadline: day(-20)).send?.step == "discount-ending")
        #expect(ReminderChoice.choose(due: discount, lowerLevelInFlight: { _ in false }, today: day(-19), dueDate: Self.due,
                                      discountDeadline: day(-20)).skipped.first?.reason == .discountLapsed(deadline: day(-20)))
    }

    @Test("a delay is explained by the arrival, by relance's own downtime, or by a pause; otherwise not at all")
    func delayCause() {
        let zone = TimeZone(identifier: "Europe/Paris")!
        let planned = Date(timeIntervalSince1970: 1_000_000)
        let now = planned.addingTimeInterval(10 * 86_400)
        func explain(ingested: Date, resumed: Date? = nil, previousEnd: Date?, started: Date) -> DelayCause? {
            DelayCause.explain(plannedAt: planned, now: now, ingestedAt: ingested, dueDate: Self.due, today: day(40), resumedAt: resumed,
                               previousRunEnded: previousEnd, runStarted: started, timeZone: zone)
        }
        #expect(explain(ingested: now, previousEnd: nil, started: now) == .arrivedOverdue(daysLate: 40))
        let down = explain(ingested: planned.addingTimeInterval(-86_400), previousEnd: planned.addingTimeInterval(-3600), started: now)
        #expect(down == .relanceDown(from: planned.addingTimeInterval(-3600), until: now, timeZone: zone))
        #expect(down?.description.hasPrefix("missed while down: relance was not running from ") == true)
        // relance was running when it fell due: a pause explains it, else nothing is claimed.
        let running = planned.addingTimeInterval(-7200)
        #expect(explain(ingested: running, resumed: now, previousEnd: nil, started: running) == .resumedAfterPause)
        #expect(explain(ingested: running, previousEnd: nil, started: running) == nil)
        #expect(DelayCause.arrivedOverdue(daysLate: 31).description == "arrived 31 days overdue")
    }

    @Test("the send window: from send_time to send_until on sending days; outside it, the next opening")
    func sendWindow() {
        let zone = TimeZone(identifier: "Europe/Paris")!
        let calendar = BusinessCalendar(timeZone: zone, sendTime: WallClockTime(hour: 9, minute: 30)!, sendUntil: WallClockTime(hour: 17, minute: 0)!,
                                        sendDays: [.monday, .tuesday, .wednesday, .thursday, .friday], holidayCountries: ["FR"])
        func at(_ text: String) -> Date { ZonedDateTime.parse(text, defaultZone: zone)! }
        #expect(!calendar.isInSendWindow(at("2026-11-15T03:00:00+01:00")))  // Sunday night
        #expect(calendar.windowOpen(atOrAfter: at("2026-11-15T03:00:00+01:00")) == at("2026-11-16T09:30:00+01:00"))
        #expect(calendar.isInSendWindow(at("2026-11-16T09:30:00+01:00")))
        #expect(calendar.isInSendWindow(at("2026-11-16T16:59:00+01:00")))
        #expect(!calendar.isInSendWindow(at("2026-11-16T17:00:00+01:00")))
        #expect(calendar.windowOpen(atOrAfter: at("2026-11-16T18:00:00+01:00")) == at("2026-11-17T09:30:00+01:00"))
        #expect(!calendar.isInSendWindow(at("2026-11-11T10:00:00+01:00")))  // Armistice
    }

    @Test("the fixed compensation is owed without a rate; the missing half-year is named, interest never guessed")
    func compensationWithoutRate() {
        let invoice = Invoice(id: "F-1", issueDate: LocalDate(iso: "2026-01-05")!, terms: PaymentTermsParser.parse("net 30"),
                              total: Money(minorUnits: 480_000, currency: .eur),
                              customer: Customer(name: "Acme", emails: [try! EmailAddress("ap@acme.example")]))
        let empty = ReferenceRates(table: [:])
        let owed = LateChargesOwed.on(LocalDate(iso: "2026-03-01")!, invoice: invoice, payments: [], law: .fr, rates: empty)
        #expect(owed?.compensation == Money(minorUnits: 4000, currency: .eur))
        #expect(owed?.interest == nil)
        #expect(owed?.missingRate == .missingRate(series: "ECB", halfYear: LocalDate(iso: "2026-01-01")!))
        let rates = ReferenceRates(table: ["ECB": [LocalDate(iso: "2026-01-01")!: Percent("2.15")!]])
        let known = LateChargesOwed.on(LocalDate(iso: "2026-03-01")!, invoice: invoice, payments: [], law: .fr, rates: rates)
        // 4 800.00 € × 12.15 % × 25 / 365 = 39.945… → 39.95 (half-even at the last step).
        #expect(known?.interest == Money(minorUnits: 3995, currency: .eur))
        #expect(known?.rate == Percent("12.15"))
        #expect(LateChargesOwed.on(LocalDate(iso: "2026-02-04")!, invoice: invoice, payments: [], law: .fr, rates: empty) == nil)
    }

    @Test("default terms: an invoice stating no due date is payable at the statutory 30 days, and says so")
    func statutoryTerms() {
        let invoice = Invoice(id: "F-2", issueDate: LocalDate(iso: "2026-01-05")!, total: Money(minorUnits: 100, currency: .eur),
                              customer: Customer(name: "Acme", emails: []))
        #expect(invoice.dueDate == nil)
        let applied = invoice.applyingDefaultTerms(PaymentTerms(text: "net 30", netDays: 30))
        #expect(applied.dueDate?.iso == "2026-02-04")
        #expect(applied.usesStatutoryTerms)
        let stated = Invoice(id: "F-3", issueDate: LocalDate(iso: "2026-01-05")!, statedDueDate: LocalDate(iso: "2026-01-20")!,
                             total: Money(minorUnits: 100, currency: .eur), customer: Customer(name: "Acme", emails: []))
        #expect(stated.applyingDefaultTerms(PaymentTerms(text: "net 30", netDays: 30)) == stated)
        // XRechnung: a SKONTO line at 0 % states the net term.
        let skonto = PaymentTermsParser.parse("#SKONTO#TAGE=30#PROZENT=0.00#")
        #expect(skonto.netDays == 30 && skonto.discounts.isEmpty)
        let both = PaymentTermsParser.parse("#SKONTO#TAGE=10#PROZENT=2.00#\n#SKONTO#TAGE=30#PROZENT=0.00#")
        #expect(both.netDays == 30 && both.discounts.count == 1)
    }
}
