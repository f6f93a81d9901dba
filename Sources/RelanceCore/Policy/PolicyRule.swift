/// A rule that picks a customer's policy from how they pay (`[[policy_rules]]`): treat risky
/// customers more firmly, reliable ones more gently. Rules are tried in order, the first whose
/// every condition holds wins; a customer's explicit `[customers.ID] policy` wins over all rules.
public struct PolicyRule: Hashable, Sendable {
    /// What the customer's record must show; an absent condition always holds.
    public struct Condition: Hashable, Sendable {
        /// The payment score is one of these (a customer with no score yet matches none).
        public var score: Set<PaymentScore>?
        public var brokenPromisesMin: Int?
        /// Average days late, at most / at least (whole days; a customer with no judged invoice matches neither).
        public var averageDaysLateMax: Int?
        public var averageDaysLateMin: Int?

        public init(score: Set<PaymentScore>? = nil, brokenPromisesMin: Int? = nil, averageDaysLateMax: Int? = nil, averageDaysLateMin: Int? = nil) {
            self.score = score
            self.brokenPromisesMin = brokenPromisesMin
            self.averageDaysLateMax = averageDaysLateMax
            self.averageDaysLateMin = averageDaysLateMin
        }

        /// The condition in words, for `status` ("score D or E", "2 broken promises or more").
        public var description: String {
            var parts: [String] = []
            if let score { parts.append("score " + score.sorted().map(\.rawValue).joined(separator: " or ")) }
            if let brokenPromisesMin { parts.append("\(brokenPromisesMin) broken promise(s) or more") }
            if let averageDaysLateMax { parts.append("\(averageDaysLateMax) days late on average or less") }
            if let averageDaysLateMin { parts.append("\(averageDaysLateMin) days late on average or more") }
            return parts.joined(separator: ", ")
        }
    }

    public var condition: Condition
    public var policy: String

    public init(when condition: Condition, policy: String) {
        self.condition = condition
        self.policy = policy
    }

    /// Whether the rule applies to a customer with this record (nil: no invoice judged yet).
    public func matches(_ standing: CustomerStanding?) -> Bool {
        if let scores = condition.score {
            guard let score = standing?.score, scores.contains(score) else { return false }
        }
        if let minimum = condition.brokenPromisesMin, (standing?.promisesBroken ?? 0) < minimum { return false }
        if condition.averageDaysLateMax != nil || condition.averageDaysLateMin != nil {
            guard let standing, standing.judged > 0 else { return false }
            // Exact: total / judged ≤ max ⇔ total ≤ max · judged.
            if let maximum = condition.averageDaysLateMax, standing.totalDaysLate > maximum * standing.judged { return false }
            if let minimum = condition.averageDaysLateMin, standing.totalDaysLate < minimum * standing.judged { return false }
        }
        return true
    }
}

/// The policy chosen for a customer, and why (what `status` shows).
public struct PolicyChoice: Hashable, Sendable {
    public let policy: String
    public let reason: String

    public init(policy: String, reason: String) {
        self.policy = policy
        self.reason = reason
    }

    /// The explicit policy, else the first matching rule, else the default.
    public static func choose(explicit: String?, rules: [PolicyRule], standing: CustomerStanding?, defaultPolicy: String) -> PolicyChoice {
        if let explicit { return PolicyChoice(policy: explicit, reason: "set for the customer") }
        for (index, rule) in rules.enumerated() where rule.matches(standing) {
            return PolicyChoice(policy: rule.policy, reason: "policy rule \(index + 1): \(rule.condition.description)")
        }
        return PolicyChoice(policy: defaultPolicy, reason: "default")
    }
}
