import Foundation
import PostgresNIO
import RelanceCore
@testable import RelanceStore
import RelanceTestSupport
import Testing

/// A send pass's working set against a real PostgreSQL: customers claimed whole, their rows copied
/// into SQLite, what the one-machine code changed there written back under guards, and a guard that
/// misses (someone changed the row since) or a table a pass does not write refusing the whole of it.
@Suite("A shared send pass's working set on PostgreSQL", .ownThread, .serialized, .enabled(if: PostgresFixture.available))
struct SharedWorkingSetTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    /// Three invoices of one customer (C-0), each with its due reminder, and a fourth of another.
    func fixture() async throws -> PostgresFixture {
        let fixture = try await PostgresFixture()
        try await fixture.dueReminders(4, sendAt: Int64(t0.timeIntervalSince1970) - 60)
        try await fixture.store.transaction("one customer") { connection in
            try await connection.query("UPDATE invoices SET customer_key = 'id:C0' WHERE id IN ('F-1', 'F-2')", logger: PostgresFixture.logger)
        }
        return fixture
    }


    /// Every due reminder claimed by instance "a", and both customers (C0, C3) copied into a new
    /// working set in `scratch`.
    func claimedAndCopied(_ fixture: PostgresFixture, scratch: ScratchFolder) async throws
        -> (claimed: ClaimedCustomers, leases: [Int64: ReminderLease], set: SharedWorkingSet) {
        let queue = SharedQueue(owner: "a"), t0 = t0, store = fixture.store
        let claimed = try await store.transaction("claim") { try await queue.claimDueCustomers(at: t0, limit: 10, groupByCustomer: true, on: $0) }
        let leases = Dictionary(uniqueKeysWithValues: claimed.leases.map { ($0.reminderID, $0) })
        let set = try SharedWorkingSet(path: scratch.path + "/pass.sqlite")
        try await set.load(customerKeys: ["id:C0", "id:C3"], mine: Set(leases.keys), from: store)
        return (claimed, leases, set)
    }

    @Test("a customer's due reminders are claimed whole; the changes are written back, a kept lease kept, the rest given back")
    func writeBack() async throws {
        let fixture = try await fixture()
        let queue = SharedQueue(owner: "a"), t0 = t0, store = fixture.store
        // Two picked at most: F-0 (C0) and F-1 (C0) come first, and C0's third invoice is claimed with them.
        let claimed = try await store.transaction("claim") { try await queue.claimDueCustomers(at: t0, limit: 2, groupByCustomer: true, on: $0) }
        #expect(Set(claimed.leases.map(\.invoiceID)) == ["F-0", "F-1", "F-2"])
        #expect(Set(claimed.customerKeys.values) == ["id:C0"])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("working-set-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let set = try SharedWorkingSet(path: folder + "/pass.sqlite")
        let leases = Dictionary(uniqueKeysWithValues: claimed.leases.map { ($0.reminderID, $0) })
        #expect(try await set.load(customerKeys: ["id:C0"], mine: Set(leases.keys), from: store) == 3)
        let byInvoice = Dictionary(uniqueKeysWithValues: claimed.leases.map { ($0.invoiceID, $0.reminderID) })
        let cancelled = try #require(byInvoice["F-0"]), going = try #require(byInvoice["F-1"]), untouched = try #require(byInvoice["F-2"])
        try set.store.write { tx in
            try tx.cancelReminder(cancelled, reason: "no longer true", at: t0)
            try tx.setAttention("F-0", "looked at")
            try tx.addEvent(at: t0, event: "cancelled", invoiceID: "F-0", line: "a line")
        }
        let changes = try set.changes(leases: leases, keepLeases: [going])
        #expect(changes.lines == ["a line"])
        try await store.transaction("write back") { connection in try await changes.apply(at: t0, on: connection) }
        #expect(try await fixture.reminder(cancelled).state == "cancelled")
        #expect(try await fixture.reminder(cancelled).owner == nil)
        #expect(try await fixture.reminder(going).owner == "a", "about to be handed off: still held")
        #expect(try await fixture.reminder(untouched).owner == nil, "left as it was: given back")
        #expect(try await fixture.scalar("SELECT attention FROM invoices WHERE id = 'F-0'") == "looked at")
        #expect(try await fixture.scalar("SELECT line FROM events") == "a line")
        await fixture.close()
    }

    @Test("a customer one of whose due reminders another claim holds at that moment is not claimed in part: left whole for a later claim, and said")
    func customerClaimedWholeOrNot() async throws {
        let fixture = try await fixture()
        let other = try fixture.instance()
        let a = SharedQueue(owner: "a"), t0 = t0, store = fixture.store
        let f2 = try await fixture.scalar("SELECT id::text FROM reminders WHERE invoice_id = 'F-2'")
        // Another instance's claim picked (row-locked) C0's F-2 and is still running.
        let locked = Gate(), release = Gate()
        async let held: Void = other.transaction("b's claim holds F-2") { connection in
            defer { locked.open() } // a failure opens it too: the test fails instead of waiting
            try await connection.query(PostgresQuery(unsafeSQL: "SELECT id FROM reminders WHERE id = \(f2) FOR UPDATE"), logger: PostgresFixture.logger)
            locked.open()
            try await release.wait()
        }
        try await locked.wait()
        let meanwhile = try await store.transaction("claim") { try await a.claimDueCustomers(at: t0, limit: 10, groupByCustomer: true, on: $0) }
        release.open()
        try await held
        // C0's F-0 and F-1 alone would have gone in a statement without F-2: C0 is not claimed, C3 is.
        #expect(meanwhile.leases.map(\.invoiceID) == ["F-3"])
        #expect(meanwhile.contended == 1)
        #expect(try await fixture.scalar("SELECT COUNT(*)::text FROM reminders WHERE lease_owner IS NOT NULL") == "1")
        // Once the other claim is over, C0 is claimed whole.
        let later = try await store.transaction("claim") { try await a.claimDueCustomers(at: t0, limit: 10, groupByCustomer: true, on: $0) }
        #expect(Set(later.leases.map(\.invoiceID)) == ["F-0", "F-1", "F-2"])
        #expect(later.contended == 0)
        // Nothing due left: nothing claimed, nothing contended.
        let none = try await store.transaction("claim") { try await a.claimDueCustomers(at: t0, limit: 10, groupByCustomer: true, on: $0) }
        #expect(none.leases.isEmpty && none.contended == 0)
        await other.close()
        await fixture.close()
    }

    @Test("an outbox pass hands its messages off together, each all its reminders or none: a paid invoice keeps its whole statement back, a lost lease its message")
    func messagesHandedOffTogether() async throws {
        let fixture = try await fixture()
        let a = SharedQueue(owner: "a"), t0 = t0, store = fixture.store
        let claimed = try await store.transaction("claim") { try await a.claimDueCustomers(at: t0, limit: 10, groupByCustomer: true, on: $0) }
        let byInvoice = Dictionary(uniqueKeysWithValues: claimed.leases.map { ($0.invoiceID, $0) })
        let f0 = try #require(byInvoice["F-0"]), f1 = try #require(byInvoice["F-1"]), f2 = try #require(byInvoice["F-2"]), f3 = try #require(byInvoice["F-3"])
        // F-1 was paid since the decision: C0's statement (F-0 with F-1) does not go; F-2 alone, and F-3, do.
        try await store.transaction("paid meanwhile") { connection in
            try await connection.query("UPDATE invoices SET state = 'paid' WHERE id = 'F-1'", logger: PostgresFixture.logger)
        }
        // A message whose lease is not this token's (reaped and claimed again) is not handed off either.
        let stale = ReminderLease(reminderID: f3.reminderID, invoiceID: f3.invoiceID, step: f3.step, owner: f3.owner, attempt: f3.attempt + 1,
                                  expiresAt: f3.expiresAt, sendAttempts: f3.sendAttempts)
        let today = LocalDate(year: 2026, month: 11, day: 18)!
        let handed = try await store.transaction("hand off") { try await a.handOff(messages: [[f0, f1], [f2], [stale]], today: today, at: t0, on: $0) }
        #expect(handed == [f2.reminderID])
        #expect(try await fixture.reminder(f2.reminderID).state == "sending")
        for lease in [f0, f1, f3] { #expect(try await fixture.reminder(lease.reminderID).state == "planned", "\(lease.invoiceID)") }
        // Handed off once: offered again, it is not handed off twice.
        let again = try await store.transaction("hand off again") { try await a.handOff(messages: [[f2]], today: today, at: t0, on: $0) }
        #expect(again.isEmpty)
        await fixture.close()
    }

    @Test("rows of one shape are written back by one statement each, NULLs among their values; one row whose guard misses refuses them all, named")
    func rowsWrittenTogether() async throws {
        let fixture = try await fixture()
        let t0 = t0, store = fixture.store, scratch = ScratchFolder()
        defer { withExtendedLifetime(scratch) {} }
        let (claimed, leases, set) = try await claimedAndCopied(fixture, scratch: scratch)
        let ids = claimed.leases.sorted { $0.reminderID < $1.reminderID }.map(\.reminderID)
        #expect(ids.count == 4)
        // Four reminders cancelled the same way, four events, two of them with no invoice (NULL).
        func cancelAll() throws {
            try set.store.write { tx in
                for (n, id) in ids.enumerated() {
                    try tx.cancelReminder(id, reason: "no longer true", at: t0)
                    try tx.addEvent(at: t0, event: "cancelled", invoiceID: n % 2 == 0 ? nil : "F-\(n)", line: "line \(n)")
                }
            }
        }
        try cancelAll()
        let changes = try set.changes(leases: leases, keepLeases: [])
        #expect(changes.statements.count == 8)
        #expect(Set(changes.statements.map(\.shape)).count == 2, "one shape for the updates, one for the inserts")
        // A reminder given to another instance meanwhile (its token moved on): the whole write-back is refused, naming it.
        let stolen = ids[2]
        try await store.transaction("reaped and claimed again") { connection in
            try await connection.query("UPDATE reminders SET lease_attempt = lease_attempt + 1 WHERE id = \(stolen)", logger: PostgresFixture.logger)
        }
        await #expect(throws: SharedWriteBackError.conflict(table: "reminders", id: String(stolen))) {
            try await store.transaction("write back") { connection in try await changes.apply(at: t0, on: connection) }
        }
        for id in ids { #expect(try await fixture.reminder(id).state == "planned", "rolled back: \(id)") }
        #expect(try await fixture.scalar("SELECT COUNT(*)::text FROM events") == "0")
        // Without the stolen one, the rest is written in two statements, the events in their order, NULLs kept.
        try await store.transaction("given back") { connection in
            try await connection.query("UPDATE reminders SET lease_attempt = lease_attempt - 1 WHERE id = \(stolen)", logger: PostgresFixture.logger)
        }
        try await store.transaction("write back") { connection in try await changes.apply(at: t0, on: connection) }
        for id in ids {
            #expect(try await fixture.reminder(id).state == "cancelled")
            #expect(try await fixture.reminder(id).owner == nil)
        }
        #expect(try await fixture.scalar("SELECT string_agg(line || ':' || COALESCE(invoice_id, '-'), ',' ORDER BY id) FROM events")
            == "line 0:-,line 1:F-1,line 2:-,line 3:F-3")
        await fixture.close()
    }

    @Test("a row changed in PostgreSQL since it was copied, or a change to a table a pass does not write, refuses the whole write-back")
    func refusals() async throws {
        let fixture = try await fixture()
        let t0 = t0, store = fixture.store, scratch = ScratchFolder()
        defer { withExtendedLifetime(scratch) {} }
        let (claimed, leases, set) = try await claimedAndCopied(fixture, scratch: scratch)
        let f0 = try #require(claimed.leases.first { $0.invoiceID == "F-0" }?.reminderID)
        // Meanwhile an amendment of F-0 committed elsewhere.
        try await store.transaction("amend") { connection in
            try await connection.query("UPDATE invoices SET updated_at = 99 WHERE id = 'F-0'", logger: PostgresFixture.logger)
        }
        try set.store.write { tx in
            try tx.cancelReminder(f0, reason: "no longer true", at: t0)
            try tx.setAttention("F-0", "stale view")
        }
        let changes = try set.changes(leases: leases, keepLeases: [])
        await #expect(throws: SharedWriteBackError.conflict(table: "invoices", id: "F-0")) {
            try await store.transaction("write back") { connection in try await changes.apply(at: t0, on: connection) }
        }
        #expect(try await fixture.reminder(f0).state == "planned", "rolled back with the rest")
        #expect(try await fixture.scalar("SELECT COALESCE(attention, '-') FROM invoices WHERE id = 'F-0'") == "-")
        // A customer's name recorded on the copy: only the intake records names in the shared store, so nothing is written.
        try set.rebase()
        try set.store.write { tx in try tx.rememberCustomerName("Another Name SA", customerKey: "id:C3") }
        #expect(throws: SharedWriteBackError.unsupported(table: "customer_names")) { try set.changes(leases: leases, keepLeases: []) }
        await fixture.close()
    }
    @Test("a claimed reminder the one-machine code replaced (an invoice planned again) is deleted under its lease; one another instance holds is a conflict")
    func replacedUnderLease() async throws {
        let fixture = try await fixture()
        let a = SharedQueue(owner: "a"), b = SharedQueue(owner: "b"), t0 = t0, store = fixture.store
        let claimed = try await store.transaction("claim") { try await a.claimDueCustomers(at: t0, limit: 1, groupByCustomer: false, on: $0) }
        let lease = try #require(claimed.leases.first)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("working-set-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let set = try SharedWorkingSet(path: folder + "/pass.sqlite")
        try await set.load(customerKeys: [claimed.customerKeys[lease.invoiceID] ?? ""], mine: [lease.reminderID], from: store)
        try set.store.write { tx in try tx.replacePlanned(invoiceID: lease.invoiceID, with: [], at: t0) }
        let changes = try set.changes(leases: [lease.reminderID: lease], keepLeases: [])
        try await store.transaction("write back") { connection in try await changes.apply(at: t0, on: connection) }
        #expect(try await fixture.scalar("SELECT COUNT(*)::text FROM reminders WHERE id = \(lease.reminderID)") == "0")

        // Another invoice's reminder, copied while nobody held it, then claimed by b before the write-back.
        try await set.load(customerKeys: ["id:C3"], mine: [], from: store)
        let other = try await fixture.scalar("SELECT id::text FROM reminders WHERE invoice_id = 'F-3'")
        try set.store.write { tx in try tx.replacePlanned(invoiceID: "F-3", with: [], at: t0) }
        let stale = try set.changes(leases: [:], keepLeases: [])
        let taken = try await store.transaction("b claims") { try await b.claimDueCustomers(at: t0, limit: 10, groupByCustomer: false, on: $0) }
        #expect(taken.leases.contains { String($0.reminderID) == other })
        await #expect(throws: SharedWriteBackError.conflict(table: "reminders", id: other)) {
            try await store.transaction("write back") { connection in try await stale.apply(at: t0, on: connection) }
        }
        #expect(try await fixture.scalar("SELECT lease_owner FROM reminders WHERE id = \(other)") == "b", "b's claim stands")
        await fixture.close()
    }

    @Test("what a reply changes is written back: the reply once by its fingerprint, a task under the id after the store's last, a promise, an address, a contact; a second copy of the same reply is a conflict")
    func replyWriteBack() async throws {
        let fixture = try await fixture()
        let t0 = t0, store = fixture.store
        // A task another instance created earlier: the next one's id comes after it.
        try await store.transaction("an earlier task") { connection in
            try await connection.query("""
                INSERT INTO tasks (id, invoice_id, customer_key, step, kind, due_date, grace_until, state, created_at)
                VALUES (41, 'F-3', 'id:C3', 'call', 'call', '2026-11-18', '2026-11-20', 'open', 0)
                """, logger: PostgresFixture.logger)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("working-set-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try SharedWorkingSet(path: folder + "/first.sqlite"), second = try SharedWorkingSet(path: folder + "/second.sqlite")
        var named = SharedWorkingSet.ReplyCandidates(fingerprint: "<reply-1@customer.example>")
        named.invoiceIDs = ["F-1"]
        let candidates = named
        // Both copies read before either writes: the same reply read twice (two pollers, a lease taken over).
        #expect(try await store.transaction("load") { try await first.loadForReply(candidates, on: $0) } == 3, "C0's three invoices")
        #expect(try await store.transaction("load") { try await second.loadForReply(candidates, on: $0) } == 3)
        let day = LocalDate(year: 2026, month: 11, day: 18)!
        for set in [first, second] {
            try set.store.write { tx in
                #expect(try tx.recordReply(fingerprint: "<reply-1@customer.example>", messageID: "<reply-1@customer.example>", invoiceID: "F-1",
                                           kind: "reply", intent: "dispute", sender: "ap@c0.example", detail: "Re: F-1", at: t0))
                let task = try tx.createTask(invoiceID: "F-1", customerKey: "id:C0", step: "dispute-2026-11-18", kind: .call, owner: nil, due: day,
                                             graceUntil: day.adding(days: 2), purpose: .dispute, detail: "not ordered", at: t0)
                #expect(task == 42, "the id after the shared store's last")
                _ = try tx.recordPromise(invoiceID: "F-1", madeOn: day, promisedFor: day.adding(days: 7), source: "reply", note: nil, at: t0)
                try tx.markUndeliverable("Old@C0.example", reason: "hard bounce 5.1.1", at: t0)
                try tx.setContactOverride(customerKey: "id:C0", address: "new@c0.example", source: "reply", at: t0)
                try tx.setPause("F-1", until: nil, reason: "disputed", at: t0)
            }
        }
        let changes = try first.changes(leases: [:], keepLeases: [])
        try await store.transaction("write back") { connection in try await changes.apply(at: t0, on: connection) }
        #expect(try await fixture.scalar("SELECT invoice_id || ' ' || intent FROM replies") == "F-1 dispute")
        #expect(try await fixture.scalar("SELECT string_agg(id::text || ' ' || step, ', ' ORDER BY id) FROM tasks") == "41 call, 42 dispute-2026-11-18")
        #expect(try await fixture.scalar("SELECT invoice_id || ' ' || promised_for || ' ' || state FROM promises") == "F-1 2026-11-25 pending")
        #expect(try await fixture.scalar("SELECT address FROM undeliverable") == "old@c0.example")
        #expect(try await fixture.scalar("SELECT address FROM contact_overrides WHERE customer_key = 'id:C0'") == "new@c0.example")
        #expect(try await fixture.scalar("SELECT pause_reason FROM invoices WHERE id = 'F-1'") == "disputed")
        // The sentinel that reserved the id stays in the copy: it is never written.
        #expect(try await fixture.scalar("SELECT COUNT(*)::text FROM tasks WHERE step LIKE ' relance%'") == "0")
        // The second copy's reply (and task) came first from elsewhere: refused whole.
        let late = try second.changes(leases: [:], keepLeases: [])
        await #expect(throws: SharedWriteBackError.self) {
            try await store.transaction("write back late") { connection in try await late.apply(at: t0, on: connection) }
        }
        #expect(try await fixture.scalar("SELECT COUNT(*)::text FROM replies") == "1")
        #expect(try await fixture.scalar("SELECT COUNT(*)::text FROM promises") == "1")
        // Read again, the reply is known: recorded nothing, wrote nothing.
        try await store.transaction("load again") { try await second.loadForReply(candidates, on: $0) }
        try second.store.write { tx in
            let recorded = try tx.recordReply(fingerprint: "<reply-1@customer.example>", messageID: "<reply-1@customer.example>", invoiceID: "F-1",
                                              kind: "reply", intent: "dispute", sender: "ap@c0.example", detail: "Re: F-1", at: t0)
            #expect(!recorded)
        }
        #expect(try second.changes(leases: [:], keepLeases: []).isEmpty)
        await fixture.close()
    }
}
