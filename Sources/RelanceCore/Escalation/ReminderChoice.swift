public import Foundation

/// A reminder row waiting to go, as the send-time decision sees it.
public struct WaitingReminder: Hashable, Sendable {
    public let id: Int64
    public let step: String
    public let kind: StepKind
    /// The step's place in its policy (0 first): escalation levels go in this order.
    public let rank: Int
    /// The sending day it was planned on.
    public let localDate: LocalDate
    public let sendAt: Date

    public init(id: Int64, step: String, kind: StepKind, rank: Int, localDate: LocalDate, sendAt: Date) {
        self.id = id
        self.step = step
        self.kind = kind
        self.rank = rank
        self.localDate = localDate
        self.sendAt = sendAt
    }
}

/// Why a waiting reminder is dropped rather than sent: it would no longer be true.
public enum SkipReason: Hashable, Sendable, CustomStringConvertible {
    /// A discount reminder after the discount deadline.
    case discountLapsed(deadline: LocalDate?)
    /// A check-in "before the due date" on or after it.
    case dueDatePassed(dueDate: LocalDate)
    /// A gentle reminder when an escalation level is due: the level goes instead.
    case overtakenByLevel(step: String)
    /// Two gentle reminders due at once: the later one goes.
    case superseded(by: String)

    public var description: String {
        switch self {
        case .discountLapsed(let deadline): return "the discount lapsed" + (deadline.map { " on \($0.iso)" } ?? "")
        case .dueDatePassed(let due): return "a check-in before the due date (\(due.iso)) can no longer be sent"
        case .overtakenByLevel(let step): return "overtaken by the reminder \(step)"
        case .superseded(let step): return "superseded by \(step)"
        }
    }
}

/// What an invoice's due reminders become at one send time: at most one is sent,
/// the ones no longer true are skipped, and escalation levels that must wait for a
/// lower one are held back (re-planned with their spacing). Escalation never skips
/// a level: the lowest level not yet sent always goes first.
public struct ReminderChoice: Hashable, Sendable {
    public var send: WaitingReminder?
    public var skipped: [Skip]
    /// Levels due now that wait for a lower level (sent now, or still in flight).
    public var heldBack: [WaitingReminder]

    /// A waiting reminder that would no longer be true, and why (the send log says it).
    public struct Skip: Hashable, Sendable {
        public let reminder: WaitingReminder
        public let reason: SkipReason
    }

    /// - Parameters:
    ///   - due: the invoice's reminders whose time has come (planned, or deferred and due for a retry).
    ///   - lowerLevelInFlight: an escalation level of lower rank is still sending, deferred or
    ///     uncertain: no higher level may go before it is settled.
    ///   - discountDeadline: the last day a discount still holds, nil when none does.
    public static func choose(due: [WaitingReminder], lowerLevelInFlight: (Int) -> Bool, today: LocalDate, dueDate: LocalDate,
                              discountDeadline: LocalDate?) -> ReminderChoice {
        var choice = ReminderChoice(send: nil, skipped: [], heldBack: [])
        // What a person just agreed with the customer goes first, alone; the rest is decided at the next pass.
        if let agreed = due.filter(\.kind.goesWhilePaused).min(by: { $0.id < $1.id }) {
            choice.send = agreed
            return choice
        }
        var gentle: [WaitingReminder] = []
        var levels: [WaitingReminder] = []
        for reminder in due.sorted(by: { ($0.rank, $0.id) < ($1.rank, $1.id) }) {
            switch reminder.kind {
            case .discount where discountDeadline.map({ today > $0 }) ?? true:
                choice.skipped.append(Skip(reminder: reminder, reason: .discountLapsed(deadline: discountDeadline)))
            case .preDue where today >= dueDate, .checkIn where today >= dueDate:
                choice.skipped.append(Skip(reminder: reminder, reason: .dueDatePassed(dueDate: dueDate)))
            case .postDue, .final, .formalNotice:
                levels.append(reminder)
            default:
                gentle.append(reminder)
            }
        }
        if let lowest = levels.first {
            for reminder in gentle { choice.skipped.append(Skip(reminder: reminder, reason: .overtakenByLevel(step: lowest.step))) }
            if lowerLevelInFlight(lowest.rank) {
                choice.heldBack = levels
            } else {
                choice.send = lowest
                choice.heldBack = Array(levels.dropFirst())
            }
            return choice
        }
        guard let latest = gentle.last else { return choice }
        for reminder in gentle.dropLast() { choice.skipped.append(Skip(reminder: reminder, reason: .superseded(by: latest.step))) }
        choice.send = latest
        return choice
    }
}
