import Foundation
import RelanceCore
import Testing

@Suite("Send rules: the pure decision the cycle applies")
struct SendRulesTests {
    static let calendar = BusinessCalendar(timeZone: TimeZone(identifier: "Europe/Paris")!, sendTime: WallClockTime(hour: 9, minute: 30)!,
                                           sendDays: [.monday, .tuesday, .wednesday, .thursday, .friday], holidayCountries: ["FR"])
    static let due = LocalDate(iso: "2026-11-02")!  // a Monday
    static let ap = try! EmailAddress("ap@acme.example")

    func reminder(_ id: Int64, _ step: String, _ kind: StepKind, rank: Int, offset: Int) -> WaitingReminder {
        WaitingReminder(id: id, step: step, kind: kind, rank: rank, localDate: Self.due.adding(days: offset), sendAt: Date(timeIntervalSince1970: 0))
    }

    func situation(_ due: [WaitingReminder], today offset: Int = 7, balance: Int64 = 100_000, floor: Int64? = nil, paused: LocalDate?? = nil,
                   inFlight: [Int] = [], lastSent: LocalDate? = nil, gap: Int = 0, to: [EmailAddress] = [ap], cc: [EmailAddress] = [],
                   undeliverable: Set<String> = []) -> SendSituation {
        SendSituation(due: due, today: Self.due.adding(days: offset), dueDate: Self.due, discountDeadline: nil,
                      balance: Money(minorUnits: balance, currency: .eur), minimumBalance: floor.map { Money(minorUnits: $0, currency: .eur) },
                      pausedUntil: paused, inFlightRanks: inFlight, lastSentToCustomer: lastSent, minGapDays: gap,
                      recipients: Recipients(to: to, cc: cc, undeliverable: undeliverable))
    }

    var first: WaitingReminder { reminder(1, "first", .postDue, rank: 3, offset: 7) }
    var second: WaitingReminder { reminder(2, "second", .postDue, rank: 4, offset: 15) }

    @Test("a due level goes; with nothing in the way that is all")
    func send() {
        #expect(SendRules.decide(situation([first]), calendar: Self.calendar) == [.send(first)])
    }

    @Test("no contact and a small balance cancel; a pause postpones to its end or holds until resumed")
    func cancelAndPause() {
        #expect(SendRules.decide(situation([first], to: []), calendar: Self.calendar) == [.cancel(first, .noContact)])
        #expect(SendRules.decide(situation([first], balance: 3_000, floor: 5_000), calendar: Self.calendar)
            == [.cancel(first, .belowMinimumBalance(Money(minorUnits: 3_000, currency: .eur)))])
        let saturday = LocalDate(iso: "2026-11-14")!
        #expect(SendRules.decide(situation([first], paused: .some(saturday)), calendar: Self.calendar)
            == [.postpone(first, until: LocalDate(iso: "2026-11-16")!, .paused)])
        #expect(SendRules.decide(situation([first], paused: .some(nil)), calendar: Self.calendar).isEmpty)
    }

    @Test("the minimum gap postpones to the first sending day after it; a lower level in flight holds a higher one")
    func gapAndOrder() {
        // Last reminder Friday 6 November; today Monday 9th.
        let lastSent = LocalDate(iso: "2026-11-06")!
        #expect(SendRules.decide(situation([first], lastSent: lastSent, gap: 4), calendar: Self.calendar)
            == [.postpone(first, until: LocalDate(iso: "2026-11-10")!, .minimumGap(lastSent: lastSent, days: 4))])
        // Five days land on Wednesday 11th, Armistice Day: Thursday 12th.
        #expect(SendRules.decide(situation([first], lastSent: lastSent, gap: 5), calendar: Self.calendar)
            == [.postpone(first, until: LocalDate(iso: "2026-11-12")!, .minimumGap(lastSent: lastSent, days: 5))])
        #expect(SendRules.decide(situation([first], lastSent: lastSent, gap: 3), calendar: Self.calendar) == [.send(first)])
        #expect(SendRules.decide(situation([second], today: 16, inFlight: [3]), calendar: Self.calendar)
            == [.postpone(second, until: LocalDate(iso: "2026-11-19")!, .lowerLevelInFlight)])
    }

    @Test("addresses that bounced or need SMTPUTF8 are left out; none left fails the reminder with the reason")
    func addresses() throws {
        let jorg = try EmailAddress("jörg@acme.example")
        #expect(SendRules.decide(situation([first], undeliverable: ["ap@acme.example"]), calendar: Self.calendar)
            == [.fail(first, .undeliverable(["ap@acme.example"]))])
        #expect(SendRules.decide(situation([first], to: [jorg]), calendar: Self.calendar) == [.fail(first, .needsSMTPUTF8(["jörg@acme.example"]))])
        let mixed = Recipients(to: [Self.ap, jorg], cc: [try EmailAddress("cfo@müller.example")], undeliverable: [])
        #expect(mixed.to == [Self.ap] && mixed.needSMTPUTF8 == ["jörg@acme.example"] && mixed.cc.count == 1)
    }

    @Test("what a person agreed with the customer goes while the chase is paused, and without waiting for the minimum gap")
    func arrangedMessages() {
        let confirmation = reminder(7, "call-3-confirmation", .confirmation, rank: Int.max, offset: 7)
        let installment = reminder(8, "plan-1-2-due", .installment, rank: Int.max, offset: 7)
        let saturday = LocalDate(iso: "2026-11-14")!
        #expect(SendRules.decide(situation([first, confirmation], paused: .some(saturday)), calendar: Self.calendar)
            == [.postpone(first, until: LocalDate(iso: "2026-11-16")!, .paused), .send(confirmation)])
        #expect(SendRules.decide(situation([first, confirmation], paused: .some(nil)), calendar: Self.calendar) == [.send(confirmation)])
        #expect(SendRules.decide(situation([confirmation], paused: .some(nil), to: [], undeliverable: []), calendar: Self.calendar)
            == [.cancel(confirmation, .noContact)])
        // Not paused: the confirmation goes first, alone; the level is decided at the next pass.
        #expect(SendRules.decide(situation([first, confirmation]), calendar: Self.calendar) == [.send(confirmation)])
        // An instalment reminder keeps its date: no minimum gap; it still waits for a pause.
        let yesterday = Self.due.adding(days: 6)
        #expect(SendRules.decide(situation([installment], lastSent: yesterday, gap: 3), calendar: Self.calendar) == [.send(installment)])
        #expect(SendRules.decide(situation([first], lastSent: yesterday, gap: 3), calendar: Self.calendar).first.map {
            if case .postpone = $0 { return true } else { return false } } == true)
        #expect(SendRules.decide(situation([installment], paused: .some(nil)), calendar: Self.calendar) == [])
    }
}
