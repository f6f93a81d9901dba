/// What a reminder says, chosen from what is true on the day it goes (before,
/// on, or N days after the due date, and how many escalation levels the
/// customer has actually received), never from a step's name. A policy step
/// named `due` that lands three days late therefore reads as overdue, and a
/// due date moved off a Saturday reads "was due on Saturday 14 November".
public enum Wording: Hashable, Sendable {
    /// Before the due date: a check-in ("comes due in N days").
    case checkIn(daysLeft: Int)
    /// Before the due date, the satisfaction check-in ("is everything in order with the delivery and the invoice?").
    case satisfactionCheck(daysLeft: Int)
    /// Before the discount deadline, while the discount still holds.
    case discount
    /// On the due date itself.
    case dueToday
    /// A gentle reminder after the due date, before any escalation level was sent
    /// (a due date that fell on a non-sending day).
    case wasDue(daysLate: Int)
    /// Post-due level `level` (1 for the first reminder actually sent after the due date).
    case overdue(level: Int, daysLate: Int)
    /// The last email level: the only one that announces further steps.
    case final(level: Int, daysLate: Int)
    /// The email that carries the formal notice letter.
    case formalNotice(level: Int, daysLate: Int)
    /// The schedule of a payment plan just agreed.
    case planAgreed
    /// One instalment of a plan: `daysLeft` until its own due date (0 on the day, negative once late).
    case installment(part: Int, of: Int, daysLeft: Int)
    /// What was agreed on a call.
    case callConfirmation
    /// The invoice again, for a customer who says they never received it.
    case invoiceCopy

    /// The highest level number with its own bundled text; later levels reuse it with their number.
    public static let levelsWithOwnText = 3

    /// - Parameters:
    ///   - kind: the policy step's kind (what the policy intends).
    ///   - levelsSent: escalation levels (post-due, final) already sent for this invoice.
    public static func choose(kind: StepKind, sendDate: LocalDate, dueDate: LocalDate, discountHolds: Bool,
                              levelsSent: Int) -> Wording {
        let daysLate = dueDate.days(until: sendDate)
        if kind == .plan { return .planAgreed }
        if kind == .confirmation { return .callConfirmation }
        if kind == .invoiceCopy { return .invoiceCopy }
        if kind == .discount, discountHolds, daysLate < 0 { return .discount }
        if kind == .checkIn, daysLate < 0 { return .satisfactionCheck(daysLeft: -daysLate) }
        if daysLate < 0 { return .checkIn(daysLeft: -daysLate) }
        if daysLate == 0, !kind.isEscalation { return .dueToday }
        switch kind {
        case .final: return .final(level: levelsSent + 1, daysLate: daysLate)
        case .formalNotice: return .formalNotice(level: levelsSent + 1, daysLate: daysLate)
        case .postDue: return daysLate == 0 ? .dueToday : .overdue(level: levelsSent + 1, daysLate: daysLate)
        case .preDue, .discount, .due, .call, .task, .checkIn, .installment, .plan, .confirmation, .invoiceCopy:
            return daysLate == 0 ? .dueToday : .wasDue(daysLate: daysLate)
        }
    }

    /// An instalment's wording, from its own due date (never the invoice's).
    public static func installment(_ part: Installment, of parts: Int, sendDate: LocalDate) -> Wording {
        .installment(part: part.number, of: parts, daysLeft: sendDate.days(until: part.due))
    }

    /// The template file's base name (`LANGUAGE/NAME.PART.mustache`).
    public var templateName: String {
        switch self {
        case .checkIn: return "pre-due"
        case .satisfactionCheck: return "check-in"
        case .discount: return "discount"
        case .dueToday, .wasDue: return "due"
        case .overdue(let level, _): return "post-due-\(min(max(level, 1), Self.levelsWithOwnText))"
        case .final: return "final"
        case .formalNotice: return "formal-notice"
        case .planAgreed: return "plan"
        case .installment: return "installment"
        case .callConfirmation: return "confirmation"
        case .invoiceCopy: return "invoice-copy"
        }
    }

    /// The older, level-less name a user's override may still use (`post-due`).
    public var legacyTemplateName: String? {
        if case .overdue = self { return "post-due" }
        return nil
    }

    /// The last level, the only one that announces further steps.
    public var isFinal: Bool {
        switch self {
        case .final, .formalNotice: return true
        default: return false
        }
    }

    /// How firm the wording is, for choosing the words of a message that covers several invoices:
    /// it is written at the firmest level among them.
    public var firmness: Int {
        switch self {
        case .checkIn, .satisfactionCheck, .planAgreed, .installment, .callConfirmation, .invoiceCopy: return 0
        case .discount: return 1
        case .dueToday: return 2
        case .wasDue: return 3
        case .overdue(let level, _): return 10 + level
        case .final(let level, _): return 1_000 + level
        case .formalNotice(let level, _): return 2_000 + level
        }
    }

    /// The escalation level (1, 2, …), nil for the gentle wordings.
    public var level: Int? {
        switch self {
        case .overdue(let level, _), .final(let level, _), .formalNotice(let level, _): return level
        default: return nil
        }
    }
}
