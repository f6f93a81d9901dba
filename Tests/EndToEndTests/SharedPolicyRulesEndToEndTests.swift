import Foundation
import RelanceTestSupport
import Testing

/// `[[policy_rules]]` on a shared PostgreSQL store, through the binary, a private PostgreSQL server
/// and a local SMTP server: the customer's record is read from the shared store (every invoice of
/// theirs, whichever instance took it in), the policy is chosen by the one-machine rule at intake
/// and again when a payment changes the record, kept in `customer_policies`, and the reminders go
/// by it, as on one machine (RiskEndToEndTests).
@Suite("policy rules on a shared PostgreSQL store", .ownThread, .serialized, .enabled(if: PSQL.available && TestServer.pythonAvailable))
struct SharedPolicyRulesEndToEndTests {
    @Test("a late payer's record, taken in by one instance and paid from another, puts their next invoice, taken in by the other, under the strict policy")
    func strictFromTheSharedRecord() throws {
        let (store, scratch, smtp) = try SharedPaymentsEndToEndTests.servers()
        defer { withExtendedLifetime(scratch) {} }
        let rules = RiskEndToEndTests.strictRule
        let a = try Sandbox.sharedInstance("paris", storePort: store.port, smtpPort: smtp.port, extra: rules)
        let b = try Sandbox.sharedInstance("lyon", storePort: store.port, smtpPort: smtp.port, extra: rules)
        // An old invoice, taken in by one instance, paid 50 days late from the other: C-R is a D.
        try a.drop("old.json", Sandbox.invoice(id: "R-OLD", issued: "2026-07-01", due: "2026-08-03", total: "400.00", customer: "C-R", email: "ap@r.example"))
        let first = try a.run(["run", "--once", "--now", "2026-08-03T10:00:00+02:00"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try PSQL.run(port: store.port, "SELECT policy, reason FROM customer_policies WHERE customer_key = 'id:C-R'") == "standard|default")
        let paid = try b.run(["paid", "R-OLD", "--date", "2026-09-22", "--now", "2026-09-22T12:00:00+02:00"])
        #expect(paid.status == 0, "\(paid.stderr)")
        // The other instance takes the new invoices in: C-R's under "strict", a customer with no record under the default.
        try b.drop("new.json", Sandbox.invoice(id: "R-NEW", issued: "2026-10-02", due: "2026-11-02", total: "1800.00", customer: "C-R", email: "ap@r.example"))
        try b.drop("fresh.json", Sandbox.invoice(id: "F-NEW", issued: "2026-10-02", due: "2026-11-02", total: "1800.00", customer: "C-OK", email: "ap@ok.example"))
        let intake = try b.run(["run", "--once", "--now", "2026-10-05T10:00:00+02:00"])
        #expect(intake.status == 0, "\(intake.stderr)")
        let status = try a.run(["status", "--all", "--json", "--now", "2026-10-05T12:00:00+02:00"])
        let invoices = try #require(try status.json()["invoices"] as? [[String: Any]], "\(status.stderr)")
        let strict = try #require(invoices.first { $0["id"] as? String == "R-NEW" })
        #expect(strict["policy"] as? String == "strict", "\(strict)")
        #expect((strict["policyReason"] as? String)?.contains("policy rule 1: score D or E") == true, "\(strict)")
        let fresh = try #require(invoices.first { $0["id"] as? String == "F-NEW" })
        #expect(fresh["policy"] as? String == "standard" && fresh["policyReason"] as? String == "default", "\(fresh)")
        #expect(try PSQL.run(port: store.port, "SELECT customer_key, policy FROM customer_policies ORDER BY customer_key") == "id:C-OK|standard\nid:C-R|strict")
        #expect(try PSQL.run(port: store.port, "SELECT step FROM reminders WHERE invoice_id = 'R-NEW' ORDER BY send_at") == "due\nsharp\nfinal")
        // The strict plan: "sharp" three days after the due date, sent by the first instance.
        let sharp = try a.run(["run", "--once", "--now", "2026-11-05T10:00:00+01:00"])
        #expect(sharp.status == 0, "\(sharp.stderr)")
        #expect(a.sendLogLines().contains { $0.contains("event=sent invoice=R-NEW step=sharp") }, "\(a.sendLogLines())")
    }
}
