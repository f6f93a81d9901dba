import Foundation
import RelanceCore

/// Risk: `[[policy_rules]]` (the policy chosen from how a customer pays) and credit limits
/// (`[credit] default_limit`, `[customers.ID] credit_limit`), per currency.
extension ConfigurationReader {
    /// `[[policy_rules]] when = { score = ["D", "E"], broken_promises_min = 2, average_days_late_max = 5, average_days_late_min = 30 }, policy = "strict"`.
    mutating func policyRules(policies: [Policy]?) -> [PolicyRule] {
        guard let list = array(root, "policy_rules") else { return [] }
        var rules: [PolicyRule] = []
        for (index, value) in list.enumerated() {
            let path = "policy_rules[\(index)]"
            guard case .table = value else { problem(path, "expected a table"); continue }
            allowOnly(value, path, ["when", "policy"])
            guard let name = string(value, "\(path).policy", required: true) else { continue }
            if let policies, !policies.contains(where: { $0.name == name }) { problem("\(path).policy", "no policy is named \"\(name)\"") }
            var condition = PolicyRule.Condition()
            if let when = table(value, "\(path).when", required: true) {
                allowOnly(when, "\(path).when", ["score", "broken_promises_min", "average_days_late_max", "average_days_late_min"])
                if let scores = strings(when, "\(path).when.score") {
                    var set = Set<PaymentScore>()
                    for (n, text) in scores.enumerated() {
                        if let score = PaymentScore(rawValue: text.uppercased()) { set.insert(score) } else { problem("\(path).when.score[\(n)]", "\"\(text)\" is not a score A to E") }
                    }
                    condition.score = set
                }
                func count(_ key: String, in reader: inout ConfigurationReader) -> Int? {
                    guard let number = reader.integer(when, "\(path).when.\(key)") else { return nil }
                    if number < 0 || number > 3_650 { reader.problem("\(path).when.\(key)", "must be between 0 and 3650"); return nil }
                    return number
                }
                condition.brokenPromisesMin = count("broken_promises_min", in: &self)
                condition.averageDaysLateMax = count("average_days_late_max", in: &self)
                condition.averageDaysLateMin = count("average_days_late_min", in: &self)
                if condition == PolicyRule.Condition() { problem("\(path).when", "needs at least one condition") }
            }
            rules.append(PolicyRule(when: condition, policy: name))
        }
        return rules
    }

    /// A per-currency amount table such as `{ EUR = "5000.00" }` (minor units by currency code).
    mutating func amounts(_ parent: ConfigValue, _ path: String) -> [String: Int64] {
        guard let value = table(parent, path, required: false), case .table(let members) = value else { return [:] }
        var result: [String: Int64] = [:]
        for (code, amount) in members {
            let entry = "\(path).\(code)"
            guard let currency = Currency(code: code.uppercased()) else { problem(entry, "\"\(code)\" is not an ISO 4217 currency"); continue }
            guard case .string(let text) = amount, let money = try? Money(parsing: text, currency: currency), money.minorUnits >= 0 else {
                problem(entry, "expected an amount as a string, e.g. \"5000.00\""); continue
            }
            result[currency.code] = money.minorUnits
        }
        return result
    }

    /// `[credit] default_limit = { EUR = "20000.00" }`: the open balance over which a customer is flagged.
    mutating func credit() -> [String: Int64] {
        let section = table(root, "credit", required: false) ?? .table([])
        allowOnly(section, "credit", ["default_limit"])
        return amounts(section, "credit.default_limit")
    }
}
