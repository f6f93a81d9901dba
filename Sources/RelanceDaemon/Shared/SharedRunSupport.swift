public import RelanceConfig

/// What `relance run` on a shared store cannot do yet, judged from the settings before anything
/// starts: exists so that a setting whose promise the shared daemon would break (a policy chosen
/// from a customer's record) stops it with the reason, instead
/// of being silently ignored while reminders go out.
public enum SharedRunSupport {
    /// One sentence per setting the shared daemon does not carry yet; empty when it can run.
    public static func unsupported(_ configuration: RelanceConfiguration) -> [String] {
        var reasons: [String] = []
        // A policy's steps all run there: a `call` or `task` step is a task in the shared store
        // (`relance tasks`, `task done`), and a policy cannot name an arranged kind (a payment plan's,
        // made only by `relance installments`, which is refused on a shared store).
        if !configuration.policyRules.isEmpty {
            reasons.append("[[policy_rules]]: a customer's record is not summarised on a shared store yet")
        }
        return reasons
    }
}
