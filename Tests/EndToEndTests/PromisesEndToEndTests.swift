import Foundation
import RelanceTestSupport
import Testing

/// Promises to pay through the binary: recorded from the command line (and from calls and replies),
/// judged kept or broken; a broken one resumes the chase and the next message cites it.
@Suite("promises kept or broken", .ownThread, .serialized)
struct PromisesEndToEndTests {
    @Test("a broken promise resumes the chase, and the next reminder says so; a kept one is counted kept")
    func brokenAndKept() throws {
        let box = try Sandbox(minGapDays: 0, extra: "[people]\npromise_grace_days = 2")
        try box.drop("p.json", Sandbox.invoice(id: "P-1", issued: "2026-10-02", due: "2026-11-02", total: "500.00", customer: "C-P", email: "ap@p.example"))
        try box.drop("k.json", Sandbox.invoice(id: "K-1", issued: "2026-10-02", due: "2026-11-02", total: "300.00", customer: "C-K", email: "ap@k.example"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"]).status == 0)
        for id in ["P-1", "K-1"] {
            let promise = try box.run(["promise", id, "--date", "2026-11-12", "--note", "au téléphone", "--now", "2026-11-04T15:00:00+01:00"])
            #expect(promise.status == 0 && promise.stdout.contains("paused until 2026-11-13"), "\(promise.stdout)\(promise.stderr)")
        }
        let past = try box.run(["promise", "P-1", "--date", "2026-11-01", "--now", "2026-11-04T15:00:00+01:00"])
        #expect(past.status == 1 && past.stderr.contains("already past"))
        let status = try #require(((try box.run(["status", "P-1", "--json", "--now", "2026-11-05T12:00:00+01:00"]).json())["invoices"] as? [[String: Any]])?.first)
        #expect(status["state"] as? String == "promised" && status["promisedFor"] as? String == "2026-11-12")
        // "first" (due+7, 9 November) waits for the promise.
        #expect(try box.run(["run", "--once", "--now", "2026-11-09T10:00:00+01:00"]).status == 0)
        #expect(!box.sendLogLines().contains { $0.contains("event=sent") && $0.contains("step=first") })
        // K-1 is paid on the 13th (within the two days' grace); P-1 is not.
        #expect(try box.run(["paid", "K-1", "--date", "2026-11-13", "--now", "2026-11-13T16:00:00+01:00"]).status == 0)
        // The 15th is past 12 + 2: P-1's promise is broken, the chase resumes, "first" goes and cites it.
        #expect(try box.run(["run", "--once", "--now", "2026-11-16T10:00:00+01:00"]).status == 0)
        let log = box.sendLogLines()
        #expect(log.contains { $0.contains("event=promise invoice=P-1") && $0.contains("result=broken") })
        #expect(log.contains { $0.contains("event=promise invoice=K-1") && $0.contains("result=kept") })
        #expect(log.contains { $0.contains("event=resumed invoice=P-1") && $0.contains("broken") })
        let first = try #require(try box.readMessages().first { $0.invoice == "P-1" && $0.step == "first" })
        #expect(first.text.contains("Le 4 novembre 2026, vous nous aviez annoncé un règlement pour le 12 novembre 2026"), "\(first.text)")
        // Judged once: a later cycle records nothing more.
        #expect(try box.run(["run", "--once", "--now", "2026-11-17T10:00:00+01:00"]).status == 0)
        #expect(box.sendLogLines().filter { $0.contains("event=promise") }.count == 2)
        // The report counts the promise made from the command line, and that it was not kept.
        let report = try box.run(["report", "--json", "--now", "2026-11-17T12:00:00+01:00"]).json()
        let customer = try #require((report["customers"] as? [[String: Any]])?.first { $0["id"] as? String == "id:C-P" })
        #expect(customer["promisesMade"] as? Int == 1 && customer["promisesKept"] as? Int == 0, "\(customer)")
    }
}
