import Foundation
import RelanceTestSupport
import Testing

/// Risk-adaptive plans and credit limits through the binary (issue 15).
@Suite("policy rules and credit limits", .ownThread, .serialized)
struct RiskEndToEndTests {
    /// A "strict" policy for customers scored D or E (on a shared store too: SharedPolicyRulesEndToEndTests).
    static let strictRule = """
        [[policies]]
        name = "strict"
        steps = [
          { name = "due", at = "due" },
          { name = "sharp", at = "due+3" },
          { name = "final", at = "due+10", kind = "final" },
        ]

        [[policy_rules]]
        when = { score = ["D", "E"] }
        policy = "strict"
        """

    static let extra = strictRule + """


        [credit]
        default_limit = { EUR = "1500.00" }

        [customers.C-OK]
        credit_limit = { EUR = "5000.00" }
        """

    @Test("a D-scored customer falls under the strict policy, and status says why; a credit limit alert appears")
    func strictAndCredit() throws {
        let box = try Sandbox(minGapDays: 0, extra: Self.extra)
        // An old invoice paid 50 days late makes C-R a D: on average 31 to 60 days late.
        try box.drop("old.json", Sandbox.invoice(id: "R-OLD", issued: "2026-07-01", due: "2026-08-03", total: "400.00", customer: "C-R", email: "ap@r.example"))
        #expect(try box.run(["run", "--once", "--now", "2026-08-03T10:00:00+02:00"]).status == 0)
        #expect(try box.run(["paid", "R-OLD", "--date", "2026-09-22", "--now", "2026-09-22T12:00:00+02:00"]).status == 0)
        // A new invoice of C-R is planned under "strict"; one of a customer with no record under the default.
        try box.drop("new.json", Sandbox.invoice(id: "R-NEW", issued: "2026-10-02", due: "2026-11-02", total: "1800.00", customer: "C-R", email: "ap@r.example"))
        try box.drop("fresh.json", Sandbox.invoice(id: "F-NEW", issued: "2026-10-02", due: "2026-11-02", total: "1800.00", customer: "C-OK", email: "ap@ok.example"))
        #expect(try box.run(["run", "--once", "--now", "2026-10-05T10:00:00+02:00"]).status == 0)
        let status = try box.run(["status", "--json", "--now", "2026-10-05T12:00:00+02:00"]).json()
        let invoices = try #require(status["invoices"] as? [[String: Any]])
        let strict = try #require(invoices.first { $0["id"] as? String == "R-NEW" })
        #expect(strict["policy"] as? String == "strict", "\(strict)")
        #expect((strict["policyReason"] as? String)?.contains("policy rule 1: score D or E") == true)
        let fresh = try #require(invoices.first { $0["id"] as? String == "F-NEW" })
        #expect(fresh["policy"] as? String == "standard" && fresh["policyReason"] as? String == "default")
        // The strict plan: "sharp" three days after the due date.
        #expect(try box.run(["run", "--once", "--now", "2026-11-05T10:00:00+01:00"]).status == 0)
        #expect(box.sendLogLines().contains { $0.contains("event=sent invoice=R-NEW step=sharp") })
        // 1,800 € owed over the 1,500 € default: flagged; C-OK's own limit is 5,000 €.
        #expect((strict["creditAlert"] as? String)?.contains("over its credit limit") == true, "\(strict)")
        #expect(fresh["creditAlert"] == nil)
        let metrics = try box.run(["metrics", "--now", "2026-11-05T12:00:00+01:00"])
        #expect(metrics.stdout.contains("relance_customers_over_credit_limit 1"), "\(metrics.stdout)")
    }

    @Test("a policy rule naming no policy, or with no condition, is refused by check")
    func badRules() throws {
        let box = try Sandbox(extra: "[[policy_rules]]\nwhen = { score = [\"Z\"] }\npolicy = \"nope\"\n\n[[policy_rules]]\nwhen = {}\npolicy = \"standard\"")
        let check = try box.run(["check"])
        #expect(check.status == 1)
        #expect(check.stderr.contains("policy_rules[0].policy") && check.stderr.contains("policy_rules[0].when.score[0]")
                && check.stderr.contains("policy_rules[1].when: needs at least one condition"), "\(check.stderr)")
    }
}
