import Foundation
import RelanceCore
import RelanceDaemon
import RelanceMail
import RelanceStore
import RelanceTestSupport
import RelanceTransport
import Synchronization
import Testing

/// Four instances share one PostgreSQL store and send 2,000 reminders to an SMTP server that
/// records every Message-ID and drops 1 % of connections after DATA, before its reply. Meanwhile
/// instances vanish right after a hand-off (as a kill -9 would leave them) and come back as a new
/// incarnation, one freezes past its lease with a message handed off, and PostgreSQL restarts
/// once (immediate mode). The instances run in this process, each with its own connections, on
/// threads of their own; the server, the store and the faults are real.
@Suite("Four instances sharing one PostgreSQL store, with faults", .ownThread, .serialized, .enabled(if: PostgresFixture.available && TestServer.pythonAvailable))
struct SharedSendingChaosTests {
    /// The faults, decided up front so that a failure can be replayed.
    final class Faults: Sendable {
        struct State {
            var handOffs = 0
            var vanished = 0
            var frozen: Int64?
            var restarted = false
        }

        let state = Mutex(State())
        /// After these many hand-offs (over all instances), the instance that made it vanishes.
        let vanishAt: Set<Int> = [150, 700, 1_300]
        let freezeAt = 1_000
        let restartAt = 500
    }

    static func message(_ lease: ReminderLease) -> OutgoingMessage {
        let id = "<r\(lease.reminderID).\(lease.invoiceID)@chaos.relance.test>"
        let text = "From: compta@atelier-dupont.example\r\nTo: ap@c.example\r\nSubject: Facture \(lease.invoiceID)\r\nMessage-ID: \(id)\r\n"
            + "Date: Tue, 24 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nRappel.\r\n"
        return OutgoingMessage(messageID: id, envelopeFrom: "compta@atelier-dupont.example", recipients: ["ap@c.example"], data: Array(text.utf8))
    }

    @Test("No duplicate, none lost, doubt only where a fault was, and a frozen instance's late writes change nothing")
    func chaos() async throws {
        let total = 2_000
        let fixture = try await PostgresFixture()
        let scratch = ScratchFolder()
        let log = scratch.path + "/received.jsonl"
        let smtp = try TestServer(script: "misbehaving_smtp.py", arguments: ["--mode", "ok", "--log", log, "--drop-percent", "1"],
                                  folder: scratch.path)
        let start = Int64(SystemClock().now().timeIntervalSince1970) - 60
        try await fixture.dueReminders(total, sendAt: start)
        let faults = Faults()
        let location = fixture.location, smtpPort = smtp.port
        let finished = Mutex(false)
        let refused = Mutex(0)
        let restartNow = Gate()
        let zone = TimeZone(identifier: "Europe/Paris")!

        // One instance: incarnations one after another, each with its own owner name, until the work is done.
        @Sendable func instance(_ number: Int) {
            var incarnation = 0
            while !finished.withLock({ $0 }) {
                incarnation += 1
                guard let store = try? PostgresStore(location: location, password: PostgresFixture.password, deadline: .seconds(5)),
                      let transport = try? SMTPTransport(settings: SMTPSettings(url: "smtp://127.0.0.1:\(smtpPort)", tls: .none,
                                                                                connectTimeoutSeconds: 5, timeoutSeconds: 10), secret: nil) else { return }
                let sender = SharedSender(store: store, queue: SharedQueue(owner: "i\(number).\(incarnation)", leaseSeconds: 2), transport: transport,
                                          clock: SystemClock(), today: { ZonedDateTime.localDate(of: $0, in: zone) }, batchSize: 10, compose: Self.message)
                var vanished = false
                while !vanished, !finished.withLock({ $0 }) {
                    do {
                        try sender.maintain()
                        let summary = try sender.sendDue { _, moment in
                            guard moment == .afterHandOff else { return .none }
                            enum Fault { case none, vanish, freeze }
                            let fault = faults.state.withLock { state -> Fault in
                                state.handOffs += 1
                                if state.handOffs == faults.restartAt, !state.restarted {
                                    state.restarted = true
                                    restartNow.open()
                                }
                                if faults.vanishAt.contains(state.handOffs) {
                                    state.vanished += 1
                                    return .vanish
                                }
                                return state.handOffs == faults.freezeAt ? .freeze : .none
                            }
                            switch fault {
                            case .none: return .none
                            case .vanish: return .vanish
                            case .freeze:
                                // Frozen past its lease (2 s), the message handed off and not yet sent.
                                Thread.sleep(forTimeInterval: 3.5)
                                return .none
                            }
                        }
                        vanished = summary.vanished
                        refused.withLock { $0 += summary.refusedOutcomes }
                        if summary.claimed == 0 { Thread.sleep(forTimeInterval: 0.05) }
                    } catch {
                        // PostgreSQL restarting: try again shortly, as the daemon would.
                        Thread.sleep(forTimeInterval: 0.2)
                    }
                }
                Task { await store.close() }
            }
        }

        let group = DispatchGroup()
        for number in 1...4 {
            group.enter()
            Thread {
                instance(number)
                group.leave()
            }.start()
        }
        do {
            try await restartNow.wait(upTo: .seconds(600))
        } catch {
            finished.withLock { $0 = true }
            throw error
        }
        #expect(await fixture.restartServer())

        // Done when nothing waits, nothing is in flight and no lease is held.
        let store = fixture.store
        var remaining = -1
        for _ in 0..<1_200 {
            remaining = (try? await store.transaction("progress") { connection in
                let rows = try await connection.query("""
                    SELECT COUNT(*) FROM reminders WHERE state IN ('planned', 'deferred', 'sending') OR lease_owner IS NOT NULL
                    """, logger: PostgresFixture.logger)
                for try await count in rows.decode(Int64.self) { return Int(count) }
                return -1
            }) ?? -1
            if remaining == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        finished.withLock { $0 = true }
        // Waited for on a thread of its own: a dispatch worker blocked here would be one of the few
        // threads the instances' store calls run on.
        await withCheckedContinuation { continuation in
            Thread {
                group.wait()
                continuation.resume()
            }.start()
        }
        let unfinished = try await store.transaction("unfinished") { connection in
            var rows: [String] = []
            for try await (id, state, detail, owner, attempts) in try await connection.query("""
                SELECT id, state, detail, lease_owner, attempts FROM reminders
                WHERE state IN ('planned', 'deferred', 'sending') OR lease_owner IS NOT NULL ORDER BY id LIMIT 20
                """, logger: PostgresFixture.logger).decode((Int64, String, String?, String?, Int64).self) {
                rows.append("\(id) \(state) attempts=\(attempts) owner=\(owner ?? "-") \(detail ?? "")")
            }
            return rows
        }
        #expect(remaining == 0, "every reminder reached an end; left: \(unfinished.joined(separator: "; "))")

        let states = try await store.transaction("states") { connection in
            var states: [String: Int] = [:]
            for try await (state, count) in try await connection.query("SELECT state, COUNT(*) FROM reminders GROUP BY state",
                                                                       logger: PostgresFixture.logger).decode((String, Int64).self) {
                states[state] = Int(count)
            }
            return states
        }
        let sentIDs = try await store.transaction("sent") { connection in
            var ids: Set<String> = []
            for try await (id, invoice) in try await connection.query("SELECT id, invoice_id FROM reminders WHERE state = 'sent'",
                                                                       logger: PostgresFixture.logger).decode((Int64, String).self) {
                ids.insert("<r\(id).\(invoice)@chaos.relance.test>")
            }
            return ids
        }
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        var seen: [String: Int] = [:]
        var delivered: Set<String> = []
        var dropped = 0
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let id = try #require(object["message_id"] as? String)
            seen[id, default: 0] += 1
            if object["dropped"] as? Bool == true { dropped += 1 } else { delivered.insert(id) }
        }
        let duplicates = seen.values.filter { $0 > 1 }.count
        let sent = states["sent"] ?? 0, uncertain = states["uncertain"] ?? 0, failed = states["failed"] ?? 0, cancelled = states["cancelled"] ?? 0
        let vanished = faults.state.withLock { $0.vanished }
        print("chaos: \(total) reminders, states \(states.sorted { $0.key < $1.key }), received \(delivered.count), dropped \(dropped), "
              + "vanished \(vanished), late outcomes refused \(refused.withLock { $0 }), duplicates \(duplicates)")
        #expect(duplicates == 0, "no message reached the server twice")
        #expect(sent + uncertain + failed + cancelled == total, "none lost: \(states)")
        #expect(sentIDs.isSubset(of: delivered), "every reminder marked sent was received")
        #expect(delivered.count + dropped + vanished >= sent + uncertain, "every handed-off reminder was received, dropped or vanished with its instance")
        // Doubt only where a fault was: a dropped connection, a vanished instance, the frozen one, and
        // the PostgreSQL restart (at most one message in flight per instance whose outcome could not
        // be recorded before its lease ran out).
        #expect(uncertain <= dropped + vanished + 1 + 4, "uncertain \(uncertain), dropped \(dropped), vanished \(vanished)")
        #expect(uncertain >= dropped, "every dropped connection is in doubt")
        #expect(vanished == faults.vanishAt.count)
        #expect(refused.withLock { $0 } >= 1, "the frozen instance's late outcome was refused")
        #expect(dropped > 0, "the server did drop connections")
        await fixture.close()
    }
}
