import Foundation
@testable import RelanceDaemon
import RelanceStore
import RelanceTestSupport
import Testing

@Suite("Daemon pieces", .ownThread)
struct DaemonPiecesTests {
    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha256() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(Array(repeating: UInt8(ascii: "a"), count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("logfmt quotes what needs quoting and never lets a line break through")
    func logfmt() {
        var line = LogfmtLine(timestamp: "2026-12-02T09:30:01+01:00", event: "sent")
        line.add("invoice", "F-2026-0042")
        line.add("amount", "1250.00 EUR")
        line.add("smtp", "250 2.0.0 Ok: queued as \"4CAC\"")
        line.add("reason", "line\r\nbreak=here")
        line.add("empty", "")
        line.add("absent", nil)
        #expect(line.text == #"2026-12-02T09:30:01+01:00 event=sent invoice=F-2026-0042 amount="1250.00 EUR" smtp="250 2.0.0 Ok: queued as \"4CAC\"" reason="line\r\nbreak=here" empty="""#)
        #expect(!line.text.contains("\n"))
    }

    @Test("inbox names still being written are left alone")
    func readyNames() {
        for ready in ["F-1.json", "facture 12.xml", "a.pdf"] { #expect(InboxScanner.isReadyName(ready)) }
        for waiting in [".F-1.json", "F-1.json.tmp", "F-1.part", "F-1.json~", "x.swp", "F-1.json.reason", ""] {
            #expect(!InboxScanner.isReadyName(waiting))
        }
    }

    @Test("retries back off from 5 minutes, doubling, to at most 4 hours")
    func retrySchedule() {
        let policy = RetryPolicy()
        let start = Date(timeIntervalSince1970: 0)
        let delays = (1...8).map { policy.nextAttempt(after: $0, now: start).timeIntervalSince1970 / 60 }
        #expect(delays == [5, 10, 20, 40, 80, 160, 240, 240])
    }

    @Test("the give-up period runs from the first attempt, or from now on a first try, or from the planned slot for an old row")
    func giveUpPeriod() {
        let policy = RetryPolicy()
        let slot = Date(timeIntervalSince1970: 1_000_000), now = slot.addingTimeInterval(7 * 86_400)
        func row(attempts: Int, first: Date?) -> ReminderRecord {
            ReminderRecord(id: 1, invoiceID: "F-1", step: "due", kind: .due, localDate: LocalDate(year: 2026, month: 11, day: 2)!, sendAt: slot,
                           state: .deferred, amount: 100, messageID: nil, recipients: nil, attempts: attempts, detail: nil, sentAt: nil,
                           handedOffAt: nil, batchID: nil, firstAttemptAt: first)
        }
        // A week late, first try: the period starts now, so this 4xx is retried.
        let fresh = RetryPolicy.firstAttempt(of: row(attempts: 0, first: nil), plannedSlot: slot, now: now)
        #expect(fresh == now)
        #expect(!policy.givesUp(firstAttempt: fresh, now: now))
        // Tried first two days ago: still retried; four days ago: given up.
        #expect(!policy.givesUp(firstAttempt: RetryPolicy.firstAttempt(of: row(attempts: 3, first: now.addingTimeInterval(-2 * 86_400)),
                                                                        plannedSlot: slot, now: now), now: now))
        #expect(policy.givesUp(firstAttempt: RetryPolicy.firstAttempt(of: row(attempts: 9, first: now.addingTimeInterval(-4 * 86_400)),
                                                                       plannedSlot: slot, now: now), now: now))
        // Deferred before the store kept the first attempt: counted from the planned slot, as before.
        #expect(RetryPolicy.firstAttempt(of: row(attempts: 2, first: nil), plannedSlot: slot, now: now) == slot)
        // Exactly the period is not more than it.
        #expect(!policy.givesUp(firstAttempt: now.addingTimeInterval(-3 * 86_400), now: now))
    }

    @Test("the customer key groups by id, else by address")
    func customerKey() throws {
        let withID = RelanceCoreFixtures.customer(id: "C-1", email: "A@x.example")
        let withoutID = RelanceCoreFixtures.customer(id: nil, email: "A@x.example")
        #expect(ReminderPlanning.customerKey(withID) == "id:C-1")
        #expect(ReminderPlanning.customerKey(withoutID) == "email:a@x.example")
    }
}

import RelanceCore

enum RelanceCoreFixtures {
    static func customer(id: String?, email: String) -> Customer {
        Customer(id: id, name: "X", emails: [try! EmailAddress(email)])
    }
}

@Suite("The shared sender's reading of an SMTP outcome", .ownThread)
struct SharedSenderOutcomeTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    @Test("A 250 is sent, a 5xx failed, a loss after the data uncertain, a 4xx deferred by the retry delay of its attempt")
    func outcomes() {
        let retry = RetryPolicy()
        #expect(SharedSender.outcome(of: .delivered(reply: "250 ok"), attempts: 1, retry: retry, at: now) == .sent(reply: "250 ok"))
        #expect(SharedSender.outcome(of: .failed(reason: "550"), attempts: 1, retry: retry, at: now) == .failed(reason: "550"))
        #expect(SharedSender.outcome(of: .uncertain(reason: "lost"), attempts: 1, retry: retry, at: now) == .uncertain(reason: "lost"))
        #expect(SharedSender.outcome(of: .deferred(reason: "451"), attempts: 1, retry: retry, at: now)
                == .deferred(reason: "451", retryAt: now.addingTimeInterval(300)))
        #expect(SharedSender.outcome(of: .deferred(reason: "451"), attempts: 3, retry: retry, at: now)
                == .deferred(reason: "451", retryAt: now.addingTimeInterval(1_200)))
    }
}
