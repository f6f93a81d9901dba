public import Foundation

/// When relance may send: which weekdays, which holidays to skip, at what
/// local time, in which zone. "Next sending slot" is the one question the
/// planner and the scheduler ask it.
public struct BusinessCalendar: Sendable {
    public let timeZone: TimeZone
    public let sendTime: WallClockTime
    /// End of a sending day's window (exclusive); nil means the end of the day.
    public let sendUntil: WallClockTime?
    public let sendDays: Set<Weekday>
    /// Countries whose public holidays are skipped (ISO 3166 alpha-2).
    public let holidayCountries: [String]
    public let extraHolidays: Set<LocalDate>
    /// `sendDays` as bits, Monday = bit 0: asked for every day the planner considers.
    private let sendDayMask: UInt8

    public init(timeZone: TimeZone, sendTime: WallClockTime, sendUntil: WallClockTime? = nil, sendDays: Set<Weekday>,
                holidayCountries: [String] = [], extraHolidays: Set<LocalDate> = []) {
        precondition(!sendDays.isEmpty, "a calendar needs at least one sending day")
        self.timeZone = timeZone
        self.sendTime = sendTime
        self.sendUntil = sendUntil
        self.sendDays = sendDays
        self.holidayCountries = holidayCountries
        self.extraHolidays = extraHolidays
        sendDayMask = sendDays.reduce(0) { $0 | (1 << UInt8($1.index)) }
    }

    public func isHoliday(_ date: LocalDate) -> Bool {
        if extraHolidays.contains(date) { return true }
        return holidayCountries.contains { PublicHolidays.dates(country: $0, year: date.year)?.contains(date) ?? false }
    }

    public func isSendingDay(_ date: LocalDate) -> Bool {
        sendDayMask & (1 << UInt8(date.weekday.index)) != 0 && !isHoliday(date)
    }

    /// The first sending day on or after `date`.
    public func sendingDay(onOrAfter date: LocalDate) -> LocalDate {
        var day = date
        // Bounded: even a calendar of one weekday and many holidays has a slot within a year.
        var tries = 0
        while tries < 400, !isSendingDay(day) {
            day = day.adding(days: 1)
            tries += 1
        }
        return day
    }

    /// The send instant of a sending day.
    public func slot(on date: LocalDate) -> Date {
        ZonedDateTime.instant(of: date, at: sendTime, in: timeZone)
    }

    /// The first sending slot at or after `instant`: today's if it is a sending
    /// day and the send time has not passed, else the next sending day's.
    public func nextSlot(atOrAfter instant: Date) -> (date: LocalDate, at: Date) {
        let today = ZonedDateTime.localDate(of: instant, in: timeZone)
        if isSendingDay(today), slot(on: today) >= instant { return (today, slot(on: today)) }
        let next = sendingDay(onOrAfter: today.adding(days: 1))
        return (next, slot(on: next))
    }

    public func localDate(of instant: Date) -> LocalDate { ZonedDateTime.localDate(of: instant, in: timeZone) }

    /// Whether a message may go at `instant`: a sending day, at or after `send_time`
    /// and before `send_until` (DESIGN.md: every send waits for the send window).
    public func isInSendWindow(_ instant: Date) -> Bool {
        let today = localDate(of: instant)
        guard isSendingDay(today), instant >= slot(on: today) else { return false }
        guard let sendUntil else { return true }
        return instant < ZonedDateTime.instant(of: today, at: sendUntil, in: timeZone)
    }

    /// The first moment a message may go at or after `instant`, with its day: now inside a send
    /// window, else the next window's opening (what a person arranged goes at once).
    public func sendSlot(atOrAfter instant: Date) -> (date: LocalDate, at: Date) {
        let at = windowOpen(atOrAfter: instant)
        return (localDate(of: at), at)
    }

    /// `instant` itself when it lies inside a send window, else the opening of the next one.
    /// Catch-up, late arrivals, retries and resumed sequences all wait for it.
    public func windowOpen(atOrAfter instant: Date) -> Date {
        isInSendWindow(instant) ? instant : nextSlot(atOrAfter: instant).at
    }
}
