public import RelanceConfig
import RelanceCore

/// What `relance run` on a shared store cannot do yet, judged from the settings before anything
/// starts: exists so that a setting whose promise the shared daemon would break (a reminder a
/// person must approve before it goes, a call a person must make) stops it with the reason, instead
/// of being silently ignored while reminders go out.
public enum SharedRunSupport {
    /// One sentence per setting the shared daemon does not carry yet; empty when it can run.
    public static func unsupported(_ configuration: RelanceConfiguration) -> [String] {
        var reasons: [String] = []
        if configuration.review.enabled || configuration.customers.values.contains(where: { $0.review == true }) {
            reasons.append("[review]: held reminders cannot be approved on a shared store yet")
        }
        for policy in configuration.policies {
            // A `call` or `task` step is a task in the shared store (`relance tasks`, `task done`); an
            // arranged kind belongs to a payment plan, which the shared store does not carry yet.
            for step in policy.steps where step.kind.isArranged {
                reasons.append("policy \(policy.name), step \(step.name): a \(step.kind.rawValue) step (a payment plan's) is not kept on a shared store yet")
            }
        }
        if !configuration.policyRules.isEmpty {
            reasons.append("[[policy_rules]]: a customer's record is not summarised on a shared store yet")
        }
        return reasons
    }
}
