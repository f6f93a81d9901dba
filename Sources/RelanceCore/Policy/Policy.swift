/// A named sequence of reminder steps ("courtesy at due-7, due at due,
/// first at due+7 … final at due+30"). Customers follow the default policy
/// unless their settings name another.
public struct Policy: Hashable, Sendable {
    public var name: String
    public var isDefault: Bool
    public var steps: [PolicyStep]
    /// Fewest days between two escalation levels (post-due and final) actually sent,
    /// on top of the spacing the steps' offsets give.
    public var minSpacingDays: Int

    public init(name: String, isDefault: Bool = false, steps: [PolicyStep], minSpacingDays: Int = 0) {
        self.name = name
        self.isDefault = isDefault
        self.steps = steps
        self.minSpacingDays = minSpacingDays
    }
}

/// One reminder of a policy: when it goes, relative to which date, and what kind it is.
public struct PolicyStep: Hashable, Sendable {
    public var name: String
    public var offset: StepOffset
    public var kind: StepKind
    /// What a `task` step asks the person to do.
    public var text: String?

    /// `kind` defaults from the offset: before due → pre-due, `discount±N` → discount,
    /// exactly due → due, after due → post-due. Only `final` needs saying.
    public init(name: String, offset: StepOffset, kind: StepKind? = nil, text: String? = nil) {
        self.name = name
        self.offset = offset
        self.kind = kind ?? offset.defaultKind
        self.text = text
    }
}

/// What a reminder is, which decides its tone and template.
public enum StepKind: String, Hashable, Sendable, CaseIterable {
    case preDue = "pre-due"
    case discount
    case due
    case postDue = "post-due"
    case final
    /// The formal notice (*mise en demeure*): a PDF letter with the statement of account, sent
    /// with its email; its deadline passed unpaid, the invoice goes to `collection`.
    case formalNotice = "formal-notice"
    /// Before the due date: is everything in order with the delivery and the invoice? A reply that
    /// reports a problem sets a task at once, long before the due date.
    case checkIn = "check-in"
    /// A call for a person to make: a task with a call script instead of an email. The steps after
    /// it wait until it is done or its grace period ends.
    case call
    /// Any other task for a person, with its own text (`text = "…"` in the step): like a call, it
    /// sends nothing and the steps after it wait for it.
    case task
    /// The schedule of a payment plan just agreed (`relance installments`), sent once.
    case plan
    /// A reminder of one instalment of an agreed plan, before and on its own due date.
    case installment
    /// What was agreed on a call, written to the customer (`relance task done … --confirm`).
    case confirmation
    /// The invoice sent again to a customer who says they never received it (a reply's `invoice-request`).
    case invoiceCopy = "invoice-copy"

    /// Post-due, final and formal-notice steps are the escalation levels: sent in order, never skipped.
    public var isEscalation: Bool { self == .postDue || self == .final || self == .formalNotice }

    /// Messages a person arranged with the customer (a plan and its instalments, a call's
    /// confirmation), not steps of a policy: a policy may not name them, and each goes as its own
    /// message, never folded into a statement, without waiting for the minimum gap.
    public var isArranged: Bool { self == .plan || self == .installment || self == .confirmation || self == .invoiceCopy }

    /// Written because the customer and a person just agreed something: it goes even while the
    /// chase is paused (a promise, a dispute), which it is about.
    public var goesWhilePaused: Bool { self == .plan || self == .confirmation || self == .invoiceCopy }

    /// A task for a person (a call, or a task with its own text), not a message.
    public var isPersonTask: Bool { self == .call || self == .task }

    /// The kinds a policy step may have.
    public static var policyKinds: [StepKind] { allCases.filter { !$0.isArranged } }
}

/// `issue+3`, `discount-2`, `due`, `due+30`: a number of calendar days from an anchor date.
public struct StepOffset: Hashable, Sendable, CustomStringConvertible {
    /// The date an offset counts from: the issue date, the end of the discount window, or the due date.
    public enum Anchor: String, Hashable, Sendable, CaseIterable {
        case issue, discount, due
    }

    public let anchor: Anchor
    public let days: Int

    public init(anchor: Anchor, days: Int) {
        self.anchor = anchor
        self.days = days
    }

    /// Parses `due`, `due+7`, `due-7`, `discount-2`, `issue+1` (spaces allowed around the sign).
    public init?(_ text: String) {
        let compact = text.filter { $0 != " " }.lowercased()
        guard let anchor = Anchor.allCases.first(where: { compact.hasPrefix($0.rawValue) }) else { return nil }
        let rest = compact.dropFirst(anchor.rawValue.count)
        if rest.isEmpty {
            self.init(anchor: anchor, days: 0)
            return
        }
        guard let sign = rest.first, sign == "+" || sign == "-", rest.count > 1, rest.count <= 5,
              rest.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(rest.dropFirst()) else { return nil }
        self.init(anchor: anchor, days: sign == "-" ? -n : n)
    }

    public var defaultKind: StepKind {
        switch anchor {
        case .discount: return .discount
        case .issue: return .preDue
        case .due: return days < 0 ? .preDue : (days == 0 ? .due : .postDue)
        }
    }

    public var description: String {
        days == 0 ? anchor.rawValue : "\(anchor.rawValue)\(days > 0 ? "+" : "-")\(abs(days))"
    }
}
