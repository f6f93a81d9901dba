import Foundation
import PostgresNIO
import RelanceStore
import RelanceTestSupport
import Testing

/// What several instances take in from a shared folder, a shared mailbox or the same statement,
/// against a real PostgreSQL: once, whoever is first; and the wake-ups between them.
@Suite("The shared store's intake: files and entries once, one mailbox poller, wake-ups", .ownThread, .serialized,
       .enabled(if: PostgresFixture.available))
struct SharedIntakeTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    @Test("Two instances taking the same file at the same time: the second waits for the first and is told it was not first")
    func sourceOnce() async throws {
        let fixture = try await PostgresFixture()
        let other = try fixture.instance()
        let store = fixture.store, t0 = t0
        let taken = Gate(), commit = Gate()
        async let first: Bool = store.transaction("a takes") { connection in
            defer { taken.open() } // a failure opens it too: the test fails instead of waiting
            let first = try await SharedIntake.recordSource(hash: "h1", name: "F-1.json", documentID: "F-1", kind: "invoice", at: t0, on: connection)
            taken.open()
            try await commit.wait()
            return first
        }
        try await taken.wait()
        async let second: Bool = other.transaction("b takes") { connection in
            try await SharedIntake.recordSource(hash: "h1", name: "F-1 copy.json", documentID: "F-1", kind: "invoice", at: t0, on: connection)
        }
        try await fixture.waitUntilBlocked()
        commit.open()
        #expect(try await first)
        #expect(try await second == false)
        let names = try await store.transaction("read") { connection in
            var names: [String] = []
            for try await name in try await connection.query("SELECT name FROM source_files", logger: PostgresFixture.logger).decode(String.self) {
                names.append(name)
            }
            return names
        }
        #expect(names == ["F-1.json"])
        await other.close()
        await fixture.close()
    }

    @Test("The same statement recorded by four instances at once: each entry once")
    func entriesOnce() async throws {
        let fixture = try await PostgresFixture()
        let instances = try (0..<4).map { _ in try fixture.instance() }
        let t0 = t0
        let recorded = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for store in instances {
                group.addTask {
                    try await store.transaction("record the statement") { connection in
                        var ids: [Int64] = []
                        for n in 0..<50 {
                            if let id = try await SharedIntake.recordBankEntry(key: "FR76…|B\(n)", account: "FR76…", amountMinor: 1000 + Int64(n),
                                                                              currency: "EUR", credit: true, file: "camt053.xml", state: "applied",
                                                                              at: t0, on: connection) {
                                ids.append(id)
                            }
                        }
                        return ids
                    }
                }
            }
            var all: [Int64] = []
            for try await ids in group { all += ids }
            return all
        }
        #expect(recorded.count == 50, "every entry recorded by exactly one instance")
        #expect(Set(recorded).count == 50)
        for store in instances { await store.close() }
        await fixture.close()
    }

    @Test("One poller per mailbox: the lease is refused to another until it runs out; then the old holder's writes are refused")
    func mailboxLease() async throws {
        let fixture = try await PostgresFixture()
        let store = fixture.store, t0 = t0
        let a = try #require(try await store.transaction("a") { try await MailboxLease.take("INBOX", owner: "a", seconds: 60, at: t0, on: $0) })
        #expect(try await store.transaction("b") { try await MailboxLease.take("INBOX", owner: "b", seconds: 60, at: t0.addingTimeInterval(30), on: $0) } == nil)
        // A renews while it polls: same token.
        let renewed = try #require(try await store.transaction("a renews") {
            try await MailboxLease.take("INBOX", owner: "a", seconds: 60, at: t0.addingTimeInterval(50), on: $0)
        })
        #expect(renewed.token == a.token)
        #expect(try await store.transaction("a reads") { try await renewed.recordPosition(uidValidity: 7, lastUID: 10, at: t0.addingTimeInterval(55), on: $0) })
        // A freezes; its lease runs out; B takes over with a new token.
        let late = t0.addingTimeInterval(111)
        let b = try #require(try await store.transaction("b") { try await MailboxLease.take("INBOX", owner: "b", seconds: 60, at: late, on: $0) })
        #expect(b.token == a.token + 1)
        #expect(try await store.transaction("b reads") { try await b.recordPosition(uidValidity: 7, lastUID: 12, at: late, on: $0) })
        // A wakes and writes what it read before: refused, B's position stands.
        #expect(try await store.transaction("a late") { try await renewed.recordPosition(uidValidity: 7, lastUID: 11, at: late, on: $0) } == false)
        let position = try await store.transaction("position") { connection in
            for try await uid in try await connection.query("SELECT last_uid FROM mailbox_state WHERE folder = 'INBOX'",
                                                            logger: PostgresFixture.logger).decode(Int64.self) { return uid }
            return -1
        }
        #expect(position == 12)
        // Another mailbox is another lease; a stopping instance gives its lease up at once.
        #expect(try await store.transaction("a other") { try await MailboxLease.take("Replies", owner: "a", seconds: 60, at: late, on: $0) } != nil)
        try await store.transaction("b stops") { try await b.release(on: $0) }
        let again = try #require(try await store.transaction("a again") { try await MailboxLease.take("INBOX", owner: "a", seconds: 60, at: late, on: $0) })
        // Fencing holds across a release: the next holder's token is higher than every earlier one.
        #expect(again.token == b.token + 1)
        #expect(try await store.transaction("b after stopping") { try await b.recordPosition(uidValidity: 7, lastUID: 13, at: late, on: $0) } == false)
        await fixture.close()
    }

    @Test("LISTEN/NOTIFY: a committed announcement wakes the other instance, a rolled-back one does not, and the wait times out")
    func wakeUps() async throws {
        let fixture = try await PostgresFixture()
        let other = try fixture.instance()
        let listener = try await WorkListener(store: other)
        #expect(await listener.wait(timeout: .milliseconds(200)) == false, "nothing announced: the timeout, as polling would")

        struct RolledBack: Error {}
        await #expect(throws: StoreError.self) {
            try await fixture.store.transaction("plan, then fail") { connection in
                try await WorkListener.announce(on: connection)
                throw RolledBack()
            }
        }
        #expect(await listener.wait(timeout: .milliseconds(300)) == false, "a rolled-back transaction wakes nobody")

        async let woken = listener.wait(timeout: .seconds(10))
        try await fixture.store.transaction("plan") { connection in try await WorkListener.announce(on: connection) }
        #expect(await woken)
        // Announced while nobody waited: the next wait returns at once.
        try await fixture.store.transaction("plan again") { connection in try await WorkListener.announce(on: connection) }
        try await Task.sleep(for: .milliseconds(200))
        #expect(await listener.wait(timeout: .milliseconds(1)))

        // The server restarts: the listener says it was lost, and a new one works.
        #expect(await fixture.restartServer())
        var lost = false
        for _ in 0..<100 where !lost {
            lost = listener.isLost
            if !lost { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(lost)
        #expect(await listener.wait(timeout: .seconds(5)) == false)
        await listener.close()
        let again = try await WorkListener(store: other)
        async let wokenAgain = again.wait(timeout: .seconds(10))
        try await fixture.store.transaction("plan after the restart") { connection in try await WorkListener.announce(on: connection) }
        #expect(await wokenAgain)
        await again.close()
        await other.close()
        await fixture.close()
    }
}
