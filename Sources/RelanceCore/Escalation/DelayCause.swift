public import Foundation

/// Why a reminder goes (or is moved or skipped) after its planned instant, in the
/// words the send log uses. "relance was not running" is said only when relance's
/// own record of its running periods shows a gap over the planned instant.
public enum DelayCause: Hashable, Sendable, CustomStringConvertible {
    /// The invoice reached relance after the reminder's planned day (`daysLate` past the due date, 0 before it).
    case arrivedOverdue(daysLate: Int)
    /// relance was not running from one instant to the other.
    case relanceDown(from: Date, until: Date, timeZone: TimeZone)
    /// The chase was paused (by hand, a reply or a promise) and has resumed.
    case resumedAfterPause

    /// The first cause that explains a reminder planned at `plannedAt` still waiting at `now`.
    /// - Parameters:
    ///   - ingestedAt: when the invoice was first taken in.
    ///   - resumedAt: the last time its chase was resumed, if ever.
    ///   - previousRunEnded: the last instant relance was seen running before this run began.
    ///   - runStarted: when this run of relance began.
    public static func explain(plannedAt: Date, now: Date, ingestedAt: Date, dueDate: LocalDate, today: LocalDate,
                               resumedAt: Date?, previousRunEnded: Date?, runStarted: Date, timeZone: TimeZone) -> DelayCause? {
        guard plannedAt < now else { return nil }
        if ingestedAt > plannedAt { return .arrivedOverdue(daysLate: max(0, dueDate.days(until: today))) }
        if let previousRunEnded, previousRunEnded < plannedAt, runStarted > plannedAt {
            return .relanceDown(from: previousRunEnded, until: runStarted, timeZone: timeZone)
        }
        if let resumedAt, resumedAt > plannedAt { return .resumedAfterPause }
        return nil
    }

    public var description: String {
        switch self {
        case .arrivedOverdue(let days):
            return days > 0 ? "arrived \(days) day\(days == 1 ? "" : "s") overdue" : "the invoice arrived after this reminder's day"
        case .relanceDown(let from, let until, let zone):
            return "missed while down: relance was not running from \(ZonedDateTime.iso8601(from, in: zone)) to \(ZonedDateTime.iso8601(until, in: zone))"
        case .resumedAfterPause: return "resumed after pause"
        }
    }
}
