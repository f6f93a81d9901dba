import Foundation
import RelanceTestSupport
import Testing

@Suite("relance run --once across sixty days", .ownThread, .serialized)
struct SixtyDaySequenceTests {
    /// Days of 2026-11-02 … 2026-12-31 with their weekday.
    static func days() -> [(date: String, weekday: Int)] {
        var result: [(String, Int)] = []
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Paris")!
        var date = calendar.date(from: DateComponents(year: 2026, month: 11, day: 2, hour: 12))!
        for _ in 0..<60 {
            let c = calendar.dateComponents([.year, .month, .day, .weekday], from: date)
            result.append((String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!), c.weekday!))
            date = calendar.date(byAdding: .day, value: 1, to: date)!
        }
        return result
    }

    @Test("the right messages on the right days, none on weekends or holidays, none after paid, gaps kept")
    func sequence() throws {
        // One message per invoice: this sequence checks each invoice's own steps and the customer gap between them
        // (one message per customer is CustomerStatementTests').
        let box = try Sandbox(schedule: #"group = "invoice""#)
        try box.drop("F-A.json", Sandbox.invoice(id: "F-A", issued: "2026-11-02", terms: "2/10 n/30", total: "1250.00", customer: "C-A", email: "ap@a.example"))
        try box.drop("F-B.json", Sandbox.invoice(id: "F-B", issued: "2026-10-15", due: "2026-11-14", customer: "C-B", email: "ap@b.example", language: "de"))
        try box.drop("F-C.json", Sandbox.invoice(id: "F-C", issued: "2026-11-02", terms: "net 14", customer: "C-B", email: "ap@b.example", language: "de"))

        var sentOn: [String: [String]] = [:]  // "invoice step" → local dates
        var seen = Set<String>()
        for (date, _) in Self.days() {
            let result = try box.run(["run", "--once", "--now", "\(date)T09:45:00+01:00"])
            #expect(result.status == 0, "\(date): \(result.stderr)")
            if date == "2026-11-20" {
                let paid = try box.run(["paid", "F-B", "--date", "2026-11-20", "--now", "2026-11-20T15:00:00+01:00"])
                #expect(paid.status == 0, "\(paid.stderr)")
                #expect(paid.stdout.contains("F-B: paid in full"))
            }
            for message in try box.outboxMessages() where !seen.contains(message.path) {
                seen.insert(message.path)
                #expect(message.localDate == date, "\(message.invoice) \(message.step) dated \(message.localDate), sent on \(date)")
                sentOn["\(message.invoice) \(message.step)", default: []].append(message.localDate)
            }
        }
        let messages = try box.outboxMessages()
        // Never the same message twice.
        #expect(Set(messages.map(\.messageID)).count == messages.count)
        // Nothing on weekends, public holidays (11 Nov, 25 Dec) or company closures (24 and 31 Dec).
        let weekdays = Dictionary(uniqueKeysWithValues: Self.days().map { ($0.date, $0.weekday) })
        for message in messages {
            #expect(![1, 7].contains(weekdays[message.localDate] ?? 0), "\(message.invoice) \(message.step) on a weekend")
            #expect(!["2026-11-11", "2026-12-25", "2026-12-24", "2026-12-31"].contains(message.localDate))
        }
        // A, alone with its customer: every step on its planned day (final falls in January).
        #expect(sentOn.filter { $0.key.hasPrefix("F-A ") }.mapValues { $0 } == [
            "F-A discount-ending": ["2026-11-10"], "F-A courtesy": ["2026-11-25"], "F-A due": ["2026-12-02"],
            "F-A first": ["2026-12-09"], "F-A second": ["2026-12-17"],
        ])
        // B, paid on 20 November: nothing after.
        #expect(sentOn.filter { $0.key.hasPrefix("F-B ") } == ["F-B courtesy": ["2026-11-09"], "F-B due": ["2026-11-16"]])
        // C shares B's customer: each of its steps waits for the three-day gap.
        #expect(sentOn.filter { $0.key.hasPrefix("F-C ") } == [
            "F-C courtesy": ["2026-11-12"], "F-C due": ["2026-11-19"], "F-C first": ["2026-11-23"],
            "F-C second": ["2026-12-01"], "F-C final": ["2026-12-16"],
        ])
        // The send log tells the same story, one line per event, after each commit.
        let log = box.sendLogLines()
        #expect(log.filter { $0.contains("event=sent") }.count == messages.count)
        #expect(log.contains { $0.hasPrefix("2026-11-20T15:00:00+01:00 event=paid invoice=F-B") })
        #expect(log.contains { $0.contains("event=cancelled invoice=F-B") && $0.contains("reason=paid") })
        // status reports the paid invoice and the next reminders.
        let status = try box.run(["status", "--all", "--json", "--now", "2026-12-31T12:00:00+01:00"])
        let invoices = try #require((try status.json())["invoices"] as? [[String: Any]])
        #expect(invoices.first { $0["id"] as? String == "F-B" }?["state"] as? String == "paid")
        let a = try #require(invoices.first { $0["id"] as? String == "F-A" })
        #expect((a["nextReminder"] as? [String: Any])?["sendAt"] as? String == "2027-01-04T09:30:00+01:00")
        #expect(a["daysLate"] as? Int == 29)
    }

    @Test("an amendment re-plans and keeps the history; a credit note settles; a duplicate changes nothing")
    func amendmentAndCreditNote() throws {
        let box = try Sandbox(minGapDays: 0)
        try box.drop("F-A.json", Sandbox.invoice(id: "F-A", issued: "2026-11-02", terms: "net 30", customer: "C-A", email: "ap@a.example"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-25T10:00:00+01:00"]).status == 0)
        #expect(try box.outboxMessages().map(\.step) == ["courtesy"])
        // Amendment: same id, new total and a later due date.
        try box.drop("F-A-v2.json", Sandbox.invoice(id: "F-A", issued: "2026-11-02", due: "2026-12-16", total: "1500.00", customer: "C-A", email: "ap@a.example"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-26T10:00:00+01:00"]).status == 0)
        let status = try (try box.run(["status", "F-A", "--json", "--now", "2026-11-26T10:00:00+01:00"])).json()
        let invoice = try #require((status["invoices"] as? [[String: Any]])?.first)
        #expect(invoice["amountDue"] as? String == "1500.00")
        #expect(invoice["dueDate"] as? String == "2026-12-16")
        let reminders = try #require(invoice["reminders"] as? [[String: Any]])
        #expect(reminders.first { $0["step"] as? String == "courtesy" }?["state"] as? String == "sent")  // history kept
        #expect(reminders.first { $0["step"] as? String == "due" }?["date"] as? String == "2026-12-16")   // re-planned
        #expect(box.sendLogLines().contains { $0.contains("event=ingested invoice=F-A file=F-A-v2.json") && $0.contains("result=amended") })
        // The same file again: logged, nothing changes.
        try box.drop("F-A-v2-again.json", Sandbox.invoice(id: "F-A", issued: "2026-11-02", due: "2026-12-16", total: "1500.00", customer: "C-A", email: "ap@a.example"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-27T10:00:00+01:00"]).status == 0)
        #expect(box.sendLogLines().contains { $0.contains("file=F-A-v2-again.json") && $0.contains("result=duplicate") })
        // A credit note for 500.00 then one for the rest.
        try box.drop("AV-1.json", #"{"kind": "credit-note", "id": "AV-1", "refersTo": "F-A", "issueDate": "2026-11-27", "currency": "EUR", "total": "500.00"}"#)
        #expect(try box.run(["run", "--once", "--now", "2026-11-30T10:00:00+01:00"]).status == 0)
        let partial = try (try box.run(["status", "F-A", "--json", "--now", "2026-11-30T10:00:00+01:00"])).json()
        #expect((partial["invoices"] as? [[String: Any]])?.first?["amountDue"] as? String == "1000.00")
        try box.drop("AV-2.json", #"{"kind": "credit-note", "id": "AV-2", "refersTo": "F-A", "issueDate": "2026-12-01", "currency": "EUR", "total": "1000.00"}"#)
        for day in ["2026-12-01", "2026-12-16", "2026-12-23", "2027-01-15"] {
            #expect(try box.run(["run", "--once", "--now", "\(day)T10:00:00+01:00"]).status == 0)
        }
        #expect(try box.outboxMessages().map(\.step) == ["courtesy"])
        #expect(box.sendLogLines().contains { $0.contains("event=paid invoice=F-A") })
        // A credit note for an unknown invoice is rejected with its reason.
        try box.drop("AV-9.json", #"{"kind": "credit-note", "id": "AV-9", "refersTo": "F-404", "issueDate": "2026-12-01", "currency": "EUR", "total": "10.00"}"#)
        #expect(try box.run(["run", "--once", "--now", "2027-01-16T10:00:00+01:00"]).status == 0)
        let reason = try String(contentsOfFile: box.rejected + "/AV-9.json.reason", encoding: .utf8)
        #expect(reason.contains("no invoice F-404 is known"))
        // Every dropped file is archived or rejected; none is left, none deleted.
        #expect(box.files(in: box.archive).count == 5)
        #expect(try FileManager.default.contentsOfDirectory(atPath: box.inbox).filter { !$0.hasPrefix(".") }.isEmpty)
    }
}
