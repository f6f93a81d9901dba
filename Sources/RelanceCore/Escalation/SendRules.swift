/// What happens to one due reminder at a send time.
public enum SendDecision: Hashable, Sendable {
    case send(WaitingReminder)
    /// No longer true (a lapsed discount, a check-in after the due date, overtaken by a level).
    case skip(WaitingReminder, SkipReason)
    /// Not now: goes on `until`'s sending day, or is looked at again then.
    case postpone(WaitingReminder, until: LocalDate, PostponeReason)
    /// Must not go at all.
    case cancel(WaitingReminder, CancelReason)
    /// Cannot go: no address it could be sent to.
    case fail(WaitingReminder, FailReason)
}

/// Why a reminder waits.
public enum PostponeReason: Hashable, Sendable, CustomStringConvertible {
    case paused
    case minimumGap(lastSent: LocalDate, days: Int)
    case lowerLevelInFlight

    public var description: String {
        switch self {
        case .paused: return "paused"
        case .minimumGap(let last, let days): return "\(days) days after the last reminder to this customer (\(last.iso))"
        case .lowerLevelInFlight: return "waits for an earlier level still being delivered"
        }
    }
}

/// Why a reminder is cancelled.
public enum CancelReason: Hashable, Sendable, CustomStringConvertible {
    case noContact
    case belowMinimumBalance(Money)

    public var description: String {
        switch self {
        case .noContact: return "no contact e-mail on the invoice"
        case .belowMinimumBalance(let balance): return "the balance \(balance) is below min_balance; not chased"
        }
    }
}

/// Why a reminder fails before any SMTP transaction.
public enum FailReason: Hashable, Sendable, CustomStringConvertible {
    /// Every address bounced hard or complained.
    case undeliverable([String])
    /// Every address has a non-ASCII local part, which needs SMTPUTF8 (relance does not use it).
    case needsSMTPUTF8([String])

    public var description: String {
        switch self {
        case .undeliverable: return "every address is undeliverable (bounced or complained)"
        case .needsSMTPUTF8(let addresses): return "every address needs SMTPUTF8 (a non-ASCII local part): \(addresses.joined(separator: ", "))"
        }
    }
}

/// Who a message can go to: the addresses left once those that bounced hard or complained, and
/// those that need SMTPUTF8, are taken out.
public struct Recipients: Hashable, Sendable {
    public let to: [EmailAddress]
    public let cc: [EmailAddress]
    public let blocked: [String]
    public let needSMTPUTF8: [String]

    public init(to: [EmailAddress], cc: [EmailAddress], undeliverable: Set<String>) {
        var blocked: [String] = [], needSMTPUTF8: [String] = []
        func kept(_ addresses: [EmailAddress]) -> [EmailAddress] {
            addresses.filter { address in
                if !undeliverable.isEmpty, undeliverable.contains(address.value.lowercased()) {
                    blocked.append(address.value)
                    return false
                }
                if address.asciiForm == nil {
                    needSMTPUTF8.append(address.value)
                    return false
                }
                return true
            }
        }
        self.to = kept(to)
        self.cc = kept(cc)
        self.blocked = blocked
        self.needSMTPUTF8 = needSMTPUTF8
    }
}

/// Everything the send-time decision looks at, gathered by the cycle from the store.
public struct SendSituation: Sendable {
    public var due: [WaitingReminder]
    public var today: LocalDate
    public var dueDate: LocalDate
    /// The last day a discount still holds, nil when none does.
    public var discountDeadline: LocalDate?
    public var balance: Money
    public var minimumBalance: Money?
    /// nil: not paused; `.some(nil)`: paused until resumed; `.some(day)`: paused until that day.
    public var pausedUntil: LocalDate??
    /// Ranks of escalation levels not yet settled (sending, or deferred for a retry) and not due now.
    public var inFlightRanks: [Int]
    public var lastSentToCustomer: LocalDate?
    public var minGapDays: Int
    public var recipients: Recipients

    public init(due: [WaitingReminder], today: LocalDate, dueDate: LocalDate, discountDeadline: LocalDate?, balance: Money,
                minimumBalance: Money?, pausedUntil: LocalDate??, inFlightRanks: [Int], lastSentToCustomer: LocalDate?, minGapDays: Int,
                recipients: Recipients) {
        self.due = due
        self.today = today
        self.dueDate = dueDate
        self.discountDeadline = discountDeadline
        self.balance = balance
        self.minimumBalance = minimumBalance
        self.pausedUntil = pausedUntil
        self.inFlightRanks = inFlightRanks
        self.lastSentToCustomer = lastSentToCustomer
        self.minGapDays = minGapDays
        self.recipients = recipients
    }
}

/// The send-time rules, pure: contact, pause, minimum balance, escalation order (`ReminderChoice`),
/// the minimum gap between two reminders to one customer, and deliverable addresses, in that
/// order. The cycle gathers a `SendSituation` and applies what this returns, nothing more.
public enum SendRules {
    public static func decide(_ situation: SendSituation, calendar: BusinessCalendar) -> [SendDecision] {
        let due = situation.due.sorted { ($0.rank, $0.id) < ($1.rank, $1.id) }
        guard !due.isEmpty else { return [] }
        if situation.recipients.to.isEmpty, situation.recipients.blocked.isEmpty, situation.recipients.needSMTPUTF8.isEmpty {
            return due.map { .cancel($0, .noContact) }
        }
        if let pause = situation.pausedUntil {
            // What a person just agreed with the customer (a plan, a call's confirmation) goes; the rest
            // waits: until the pause's day, or, open-ended, untouched until `relance resume`.
            let waiting = due.filter { !$0.kind.goesWhilePaused }
            let decisions: [SendDecision] = pause.map { until in
                let day = calendar.sendingDay(onOrAfter: until)
                return waiting.map { .postpone($0, until: day, .paused) }
            } ?? []
            guard let agreed = due.first(where: \.kind.goesWhilePaused) else { return decisions }
            return decisions + [deliverable(agreed, situation.recipients)]
        }
        if let floor = situation.minimumBalance, Money.comparable(floor, situation.balance), situation.balance < floor {
            return due.map { .cancel($0, .belowMinimumBalance(situation.balance)) }
        }
        let choice = ReminderChoice.choose(due: due, lowerLevelInFlight: { level in situation.inFlightRanks.contains { $0 < level } },
                                           today: situation.today, dueDate: situation.dueDate, discountDeadline: situation.discountDeadline)
        var decisions: [SendDecision] = choice.skipped.map { .skip($0.reminder, $0.reason) }
        guard let chosen = choice.send else {
            let next = calendar.sendingDay(onOrAfter: situation.today.adding(days: 1))
            return decisions + choice.heldBack.map { .postpone($0, until: next, .lowerLevelInFlight) }
        }
        // Levels held back behind the one that goes are re-spaced by the planner after it goes.
        // What was arranged with the customer keeps its own dates: no minimum gap.
        if situation.minGapDays > 0, !chosen.kind.isArranged, let last = situation.lastSentToCustomer {
            let earliest = last.adding(days: situation.minGapDays)
            if situation.today < earliest {
                return decisions + [.postpone(chosen, until: calendar.sendingDay(onOrAfter: earliest),
                                              .minimumGap(lastSent: last, days: situation.minGapDays))]
            }
        }
        decisions.append(deliverable(chosen, situation.recipients))
        return decisions
    }

    /// Sent, or failed when no address is left to send it to.
    private static func deliverable(_ chosen: WaitingReminder, _ recipients: Recipients) -> SendDecision {
        guard recipients.to.isEmpty else { return .send(chosen) }
        let reason: FailReason = recipients.blocked.isEmpty ? .needsSMTPUTF8(recipients.needSMTPUTF8) : .undeliverable(recipients.blocked)
        return .fail(chosen, reason)
    }
}
