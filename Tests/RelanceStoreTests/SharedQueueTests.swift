import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore
import RelanceTestSupport
import Testing

/// The shared queue's protocol against a real PostgreSQL (a private server per test), with the
/// races made deterministic: one transaction is held open at a known point (a `Gate`) while the
/// other instance acts, and "the other one is blocked" is read from `pg_stat_activity`.
@Suite("The shared queue on PostgreSQL: leases, fencing, the reaper", .ownThread, .serialized, .enabled(if: PostgresFixture.available))
struct SharedQueueTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)
    let today = LocalDate(year: 2026, month: 11, day: 18)!

    @Test("Two instances claiming at the same time get disjoint reminders, and neither waits")
    func claimAgainstClaim() async throws {
        let fixture = try await PostgresFixture()
        let other = try fixture.instance()
        let ids = try await fixture.dueReminders(100, sendAt: Int64(t0.timeIntervalSince1970) - 60)
        let a = SharedQueue(owner: "a"), b = SharedQueue(owner: "b")
        let claimed = Gate(), release = Gate()
        let now = t0
        async let heldByA: [ReminderLease] = fixture.store.transaction("claim a") { connection in
            defer { claimed.open() } // a failure opens it too: the test fails instead of waiting
            let leases = try await a.claimDue(at: now, limit: 30, on: connection)
            claimed.open()
            try await release.wait()
            return leases
        }
        try await claimed.wait()
        // A's 30 rows are locked by its open transaction: B skips them instead of waiting.
        let byB = try await other.transaction("claim b") { connection in try await b.claimDue(at: now, limit: 100, on: connection) }
        release.open()
        let byA = try await heldByA
        #expect(byA.count == 30)
        #expect(byB.count == 70)
        #expect(Set(byA.map(\.reminderID)).isDisjoint(with: byB.map(\.reminderID)))
        #expect(Set(byA.map(\.reminderID)).union(byB.map(\.reminderID)) == Set(ids))
        #expect(byA.map(\.reminderID) == byA.map(\.reminderID).sorted(), "the oldest first")
        // Nothing is left for a third claim while the leases hold.
        let third = try await fixture.store.transaction("claim c") { connection in
            try await SharedQueue(owner: "c").claimDue(at: now.addingTimeInterval(30), limit: 100, on: connection)
        }
        #expect(third.isEmpty)
        await other.close()
        await fixture.close()
    }

    @Test("An instance whose lease ran out holds a stale token: its hand-off and outcome change nothing")
    func fencingToken() async throws {
        let fixture = try await PostgresFixture()
        let id = try #require(try await fixture.dueReminders(1, sendAt: Int64(t0.timeIntervalSince1970)).first)
        let a = SharedQueue(owner: "a", leaseSeconds: 60), b = SharedQueue(owner: "b", leaseSeconds: 60)
        let store = fixture.store, t0 = t0, today = today
        let leaseA = try #require(try await store.transaction("a claims") { try await a.claimDue(at: t0, limit: 10, on: $0) }.first)
        // A freezes past its lease before handing off; B claims the row again, with a new token.
        let later = t0.addingTimeInterval(61)
        let leaseB = try #require(try await store.transaction("b claims") { try await b.claimDue(at: later, limit: 10, on: $0) }.first)
        #expect(leaseB.reminderID == id)
        #expect(leaseB.attempt == leaseA.attempt + 1)
        let staleHandOff = try await store.transaction("a hands off") { try await a.handOff(leaseA, today: today, at: later, on: $0) }
        #expect(!staleHandOff, "A's token is stale: it must not send")
        #expect(try await store.transaction("b hands off") { try await b.handOff(leaseB, today: today, at: later, on: $0) })
        let staleOutcome = try await store.transaction("a records") { try await a.record(.failed(reason: "late"), for: leaseA, at: later, on: $0) }
        #expect(!staleOutcome)
        #expect(try await store.transaction("b records") { try await b.record(.sent(reply: "250 ok"), for: leaseB, at: later, on: $0) })
        let row = try await fixture.reminder(id)
        #expect(row.state == "sent")
        #expect(row.detail == "250 ok")
        #expect(row.owner == nil)
        await fixture.close()
    }

    @Test("A hand-off needs an unexpired lease, even with the right token")
    func handOffAfterExpiry() async throws {
        let fixture = try await PostgresFixture()
        try await fixture.dueReminders(1, sendAt: Int64(t0.timeIntervalSince1970))
        let a = SharedQueue(owner: "a", leaseSeconds: 60)
        let store = fixture.store, t0 = t0, today = today
        let lease = try #require(try await store.transaction("claim") { try await a.claimDue(at: t0, limit: 1, on: $0) }.first)
        let late = try await store.transaction("hand off") { try await a.handOff(lease, today: today, at: t0.addingTimeInterval(60), on: $0) }
        #expect(!late)
        #expect(try await fixture.reminder(lease.reminderID).state == "planned")
        await fixture.close()
    }

    @Test("The outcome against the reaper: whichever commits first wins, and the loser changes nothing")
    func finishAgainstReaper() async throws {
        let fixture = try await PostgresFixture()
        let other = try fixture.instance()
        let ids = try await fixture.dueReminders(2, sendAt: Int64(t0.timeIntervalSince1970))
        let a = SharedQueue(owner: "a", leaseSeconds: 60), reaper = SharedQueue(owner: "r")
        let store = fixture.store, t0 = t0, today = today
        let leases = try await store.transaction("claim") { try await a.claimDue(at: t0, limit: 2, on: $0) }
        for lease in leases { #expect(try await store.transaction("hand off") { try await a.handOff(lease, today: today, at: t0, on: $0) }) }
        let expired = t0.addingTimeInterval(61)

        // 1. The reaper holds its transaction open; A's outcome for the first row waits for it, then finds the row reaped.
        let reaped = Gate(), commit = Gate()
        async let reaping: ReapedLeases = store.transaction("reap") { connection in
            defer { reaped.open() } // a failure opens it too: the test fails instead of waiting
            let result = try await reaper.reap(at: expired, on: connection)
            reaped.open()
            try await commit.wait()
            return result
        }
        try await reaped.wait()
        async let lateOutcome: Bool = other.transaction("a records late") { try await a.record(.sent(reply: "250 late"), for: leases[0], at: expired, on: $0) }
        try await fixture.waitUntilBlocked()
        commit.open()
        let result = try await reaping
        #expect(result.uncertain == ids)
        #expect(result.waitingAgain.isEmpty)
        #expect(try await lateOutcome == false, "the frozen instance's late outcome changes nothing")
        let first = try await fixture.reminder(ids[0])
        #expect(first.state == "uncertain")
        #expect(first.detail?.contains("lost its lease") == true)

        // 2. The other order: an outcome recorded before the reaper runs stands, and the reaper finds nothing.
        let fresh = try await fixture.dueReminders(1, sendAt: Int64(t0.timeIntervalSince1970), prefix: "G")
        let lease = try #require(try await store.transaction("claim") { try await a.claimDue(at: t0, limit: 1, on: $0) }.first)
        #expect(try await store.transaction("hand off") { try await a.handOff(lease, today: today, at: t0, on: $0) })
        #expect(try await store.transaction("record") { try await a.record(.sent(reply: "250 ok"), for: lease, at: t0, on: $0) })
        #expect(try await store.transaction("reap") { try await reaper.reap(at: expired, on: $0) } == ReapedLeases())
        #expect(try await fixture.reminder(fresh[0]).state == "sent")
        await other.close()
        await fixture.close()
    }

    @Test("The reaper lets a claimed reminder that was never handed off wait again, for anyone")
    func reaperReplans() async throws {
        let fixture = try await PostgresFixture()
        let ids = try await fixture.dueReminders(3, sendAt: Int64(t0.timeIntervalSince1970))
        let a = SharedQueue(owner: "a", leaseSeconds: 60), b = SharedQueue(owner: "b", leaseSeconds: 60)
        let store = fixture.store, t0 = t0
        _ = try await store.transaction("claim") { try await a.claimDue(at: t0, limit: 3, on: $0) }
        let reaped = try await store.transaction("reap") { try await b.reap(at: t0.addingTimeInterval(60), on: $0) }
        #expect(reaped.waitingAgain == ids)
        #expect(reaped.uncertain.isEmpty)
        for id in ids {
            let row = try await fixture.reminder(id)
            #expect(row.state == "planned")
            #expect(row.owner == nil)
        }
        #expect(try await store.transaction("claim again") { try await b.claimDue(at: t0.addingTimeInterval(61), limit: 3, on: $0) }.count == 3)
        await fixture.close()
    }

    @Test("A hand-off against a payment committed at the same time: the reminder goes only if it was handed off first")
    func handOffAgainstPayment() async throws {
        let fixture = try await PostgresFixture()
        let other = try fixture.instance()
        try await fixture.dueReminders(2, sendAt: Int64(t0.timeIntervalSince1970))
        let a = SharedQueue(owner: "a")
        let store = fixture.store, t0 = t0, today = today
        let leases = try await store.transaction("claim") { try await a.claimDue(at: t0, limit: 2, on: $0) }
        let first = try #require(leases.first { $0.invoiceID == "F-0" }), second = try #require(leases.first { $0.invoiceID == "F-1" })

        // 1. The payment's transaction has marked the invoice paid and is still open: the hand-off waits, then refuses.
        let paid = Gate(), commit = Gate()
        async let payment: Int? = store.transaction("payment") { connection in
            defer { paid.open() } // a failure opens it too: the test fails instead of waiting
            let cancelled = try await SharedInvoices.settlePaid("F-0", at: t0, on: connection)
            paid.open()
            try await commit.wait()
            return cancelled
        }
        try await paid.wait()
        async let handOff: Bool = other.transaction("hand off") { try await a.handOff(first, today: today, at: t0, on: $0) }
        try await fixture.waitUntilBlocked()
        commit.open()
        #expect(try await payment == 1)
        #expect(try await handOff == false, "paid before the hand-off committed: it must not go")
        #expect(try await fixture.reminder(first.reminderID).state == "cancelled")

        // 2. The hand-off's transaction is open (the invoice row is locked FOR SHARE): the payment waits, then leaves the
        //    handed-off reminder alone: it was handed off before the payment was known.
        let handedOff = Gate(), finish = Gate()
        async let going: Bool = store.transaction("hand off") { connection in
            defer { handedOff.open() } // a failure opens it too: the test fails instead of waiting
            let going = try await a.handOff(second, today: today, at: t0, on: connection)
            handedOff.open()
            try await finish.wait()
            return going
        }
        try await handedOff.wait()
        async let laterPayment: Int? = other.transaction("payment") { try await SharedInvoices.settlePaid("F-1", at: t0, on: $0) }
        try await fixture.waitUntilBlocked()
        finish.open()
        #expect(try await going)
        #expect(try await laterPayment == 0)
        #expect(try await fixture.reminder(second.reminderID).state == "sending")
        await other.close()
        await fixture.close()
    }

    @Test("A change of the invoice alone (a pause, a dispute) committed while a hand-off waits is seen by it")
    func handOffAgainstPause() async throws {
        let fixture = try await PostgresFixture()
        let other = try fixture.instance()
        try await fixture.dueReminders(1, sendAt: Int64(t0.timeIntervalSince1970))
        let a = SharedQueue(owner: "a")
        let store = fixture.store, t0 = t0, today = today
        let lease = try #require(try await store.transaction("claim") { try await a.claimDue(at: t0, limit: 1, on: $0) }.first)
        // What `relance pause` writes: the invoice row only, none of its reminders.
        let paused = Gate(), commit = Gate()
        async let pause: Void = store.transaction("pause") { connection in
            defer { paused.open() } // a failure opens it too: the test fails instead of waiting
            try await connection.query("UPDATE invoices SET pause_reason = 'dispute' WHERE id = 'F-0'", logger: PostgresFixture.logger)
            paused.open()
            try await commit.wait()
        }
        try await paused.wait()
        // The hand-off locks the invoice row FOR SHARE: it waits for the pause, then reads it.
        async let handOff: Bool = other.transaction("hand off") { try await a.handOff(lease, today: today, at: t0, on: $0) }
        try await fixture.waitUntilBlocked()
        commit.open()
        try await pause
        #expect(try await handOff == false)
        #expect(try await fixture.reminder(lease.reminderID).state == "planned")
        await other.close()
        await fixture.close()
    }

    @Test("Renewing keeps the leases of the batch an instance works through; the instances are listed with what they hold")
    func renewAndInstances() async throws {
        let fixture = try await PostgresFixture()
        try await fixture.dueReminders(4, sendAt: Int64(t0.timeIntervalSince1970))
        let a = SharedQueue(owner: "a", leaseSeconds: 60), b = SharedQueue(owner: "b", leaseSeconds: 60)
        let store = fixture.store, t0 = t0
        try await store.transaction("register") { connection in
            try await a.register(host: "alpha", pid: 11, at: t0, on: connection)
            try await b.register(host: "beta", pid: 22, at: t0, on: connection)
        }
        let held = try await store.transaction("a claims") { try await a.claimDue(at: t0, limit: 3, on: $0) }
        let renewed = try await store.transaction("renew") { connection in
            try await a.heartbeat(at: t0.addingTimeInterval(50), on: connection)
            return try await a.renew(held, at: t0.addingTimeInterval(50), on: connection)
        }
        #expect(renewed.map(\.reminderID) == held.map(\.reminderID))
        #expect(renewed.allSatisfy { $0.expiresAt == Int64(t0.timeIntervalSince1970) + 110 })
        // Past the first expiry but within the renewed one: nothing to reap, nothing for B but the fourth row.
        let past = t0.addingTimeInterval(70)
        #expect(try await store.transaction("reap") { try await b.reap(at: past, on: $0) } == ReapedLeases())
        #expect(try await store.transaction("b claims") { try await b.claimDue(at: past, limit: 10, on: $0) }.count == 1)
        let instances = try await store.transaction("instances") { try await SharedQueue.instances(on: $0) }
        #expect(instances.map(\.name) == ["a", "b"])
        #expect(instances.map(\.leasesHeld) == [3, 1])
        #expect(instances[0].heartbeatAt == t0.addingTimeInterval(50))
        #expect(instances[1].host == "beta")
        #expect(renewed.map(\.attempt) == held.map(\.attempt), "renewing keeps the claim's token")
        // An expired lease is not renewed: it is the reaper's.
        #expect(try await store.transaction("renew late") { try await a.renew(renewed, at: t0.addingTimeInterval(200), on: $0) }.isEmpty)
        await fixture.close()
    }

    @Test("A heartbeat renews no lease: a batch abandoned mid-pass runs out and is reaped")
    func heartbeatRenewsNothing() async throws {
        let fixture = try await PostgresFixture()
        let ids = try await fixture.dueReminders(2, sendAt: Int64(t0.timeIntervalSince1970))
        let a = SharedQueue(owner: "a.1", leaseSeconds: 60), b = SharedQueue(owner: "b.1", leaseSeconds: 60)
        let store = fixture.store, t0 = t0
        try await store.transaction("register") { try await a.register(host: "alpha", pid: 1, at: t0, on: $0) }
        _ = try await store.transaction("claim") { try await a.claimDue(at: t0, limit: 2, on: $0) }
        // A lost the store mid-pass and gave up on its batch, but lives on and beats its heart.
        for beat in [20.0, 40.0, 59.0] {
            try await store.transaction("heartbeat") { try await a.heartbeat(at: t0.addingTimeInterval(beat), on: $0) }
        }
        let reaped = try await store.transaction("reap") { try await b.reap(at: t0.addingTimeInterval(60), on: $0) }
        #expect(reaped.waitingAgain == ids)
        #expect(try await store.transaction("claim again") { try await b.claimDue(at: t0.addingTimeInterval(61), limit: 2, on: $0) }.count == 2)
        await fixture.close()
    }

    @Test("The schema is applied once however many instances start together on an empty database")
    func migrationsOnce() async throws {
        let fixture = try await PostgresFixture()
        try await fixture.store.connection("create a database") { connection in
            try await connection.query("CREATE DATABASE fresh", logger: PostgresFixture.logger)
        }
        let fresh = try PostgresLocation(url: "postgresql://relance@127.0.0.1:\(fixture.server.port)/fresh", tls: "none")
        let instances = try (0..<4).map { _ in try PostgresStore(location: fresh, password: PostgresFixture.password) }
        let t0 = t0
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for store in instances { group.addTask { try await store.migrate(at: t0) } }
            var all: [[Int]] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(applied.filter { !$0.isEmpty } == [PostgresStore.schemaVersions], "exactly one instance applied the schema")
        #expect(try await instances[0].schemaVersions() == PostgresStore.schemaVersions)
        for store in instances { await store.close() }
        await fixture.close()
    }

    @Test("Each instance counts its own outcomes and reapings in the statement that records them; a refused record counts nothing")
    func instanceCounters() async throws {
        let fixture = try await PostgresFixture()
        _ = try await fixture.dueReminders(4, sendAt: Int64(t0.timeIntervalSince1970))
        let a = SharedQueue(owner: "a.1", leaseSeconds: 60), b = SharedQueue(owner: "b.1", leaseSeconds: 60)
        let store = fixture.store, t0 = t0, today = today
        try await store.transaction("register") { connection in
            try await a.register(host: "alpha", pid: 1, at: t0, on: connection)
            try await b.register(host: "beta", pid: 2, at: t0, on: connection)
        }
        let leases = try await store.transaction("claim") { try await a.claimDue(at: t0, limit: 4, on: $0) }
        #expect(leases.count == 4)
        for lease in leases { #expect(try await store.transaction("hand off") { try await a.handOff(lease, today: today, at: t0, on: $0) }) }
        let outcomes: [LeasedOutcome] = [.sent(reply: "250 ok"), .deferred(reason: "451 later", retryAt: t0.addingTimeInterval(300)),
                                         .uncertain(reason: "lost after the dot")]
        for (lease, outcome) in zip(leases, outcomes) {
            #expect(try await store.transaction("record") { try await a.record(outcome, for: lease, at: t0, on: $0) })
        }
        // Recorded twice: the guard refuses it and the counter does not move.
        #expect(try await !store.transaction("again") { try await a.record(.sent(reply: "250 ok"), for: leases[0], at: t0, on: $0) })
        // The fourth lease runs out while sending: B reaps it.
        let reaped = try await store.transaction("reap") { try await b.reap(at: t0.addingTimeInterval(61), on: $0) }
        #expect(reaped.uncertain == [leases[3].reminderID])
        var instances = try await store.transaction("instances") { try await SharedQueue.instances(on: $0) }
        #expect(instances.map(\.name) == ["a.1", "b.1"])
        #expect(instances[0].counts == InstanceRecord.Counts(sent: 1, deferred: 1, failed: 0, uncertain: 1, reaped: 0))
        #expect(instances[1].counts == InstanceRecord.Counts(sent: 0, deferred: 0, failed: 0, uncertain: 0, reaped: 1))
        // An instance registering again under its name starts from zero.
        try await store.transaction("register again") { try await a.register(host: "alpha", pid: 3, at: t0.addingTimeInterval(90), on: $0) }
        instances = try await store.transaction("instances") { try await SharedQueue.instances(on: $0) }
        #expect(instances[0].counts == InstanceRecord.Counts(sent: 0, deferred: 0, failed: 0, uncertain: 0, reaped: 0))
        #expect(instances[0].pid == 3)
        await fixture.close()
    }
}
