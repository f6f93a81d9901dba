import Foundation
import RelanceTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `relance run` on a shared PostgreSQL store, through the binary, a private PostgreSQL server and
/// a local SMTP server that records every Message-ID: several instances, each with its own state
/// directory and inbox, send what is due with the one-machine rules (a check-in no longer true is
/// skipped, one statement per customer even when the customer's invoices came in through two
/// instances), and under faults (kill -9, an instance frozen past its lease, PostgreSQL restarted,
/// connections dropped after the data) no reminder goes twice and none is lost.
@Suite("relance run on a shared PostgreSQL store", .ownThread, .serialized, .enabled(if: PSQL.available && TestServer.pythonAvailable))
struct SharedRunEndToEndTests {
    /// An instance's installation: its own state, inbox and send log, the shared store and SMTP server.
    func instance(_ name: String, store: ScriptedServer, smtpPort: Int, leaseSeconds: Int = 60) throws -> Sandbox {
        try Sandbox.sharedInstance(name, storePort: store.port, smtpPort: smtpPort, leaseSeconds: leaseSeconds)
    }

    /// The server's records, one per message received: Message-ID and whether the reply was withheld.
    func received(_ log: String) -> [(id: String, dropped: Bool)] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { line in
            guard let record = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let id = record["message_id"] as? String else { return nil }
            return (id, record["dropped"] as? Bool ?? false)
        }
    }

    /// `singles` customers with one invoice, in one inbox or the other, and `pairs` more with two,
    /// one in each instance's inbox; taken in before the check-in's day, when nothing is due yet.
    func seed(_ a: Sandbox, _ b: Sandbox, singles: Int, pairs: Int) throws {
        for n in 0..<singles {
            try (n % 2 == 0 ? a : b).drop("s-\(n).json", Sandbox.invoice(id: "S-\(n)", issued: "2026-10-02", due: "2026-11-02",
                                                                       customer: "C-\(n)", email: "c\(n)@s.example"))
        }
        for n in singles..<(singles + pairs) {
            for (part, box) in [(1, a), (2, b)] {
                try box.drop("p-\(n)-\(part).json", Sandbox.invoice(id: "P-\(n)-\(part)", issued: "2026-10-02", due: "2026-11-02",
                                                                   customer: "C-\(n)", email: "c\(n)@p.example"))
            }
        }
        for box in [a, b] {
            let taken = try box.run(["run", "--once", "--now", "2026-10-20T08:00:00+02:00"])
            #expect(taken.status == 0, "\(taken.stderr)")
        }
    }

    /// Each paired customer's two invoices, taken in by two instances, went in one statement.
    func expectPairsInOneMessage(_ sent: [String], from first: Int, count: Int) {
        for n in first..<(first + count) {
            let pair = sent.filter { SendLogLine.field("invoice", $0)?.hasPrefix("P-\(n)-") == true }
            #expect(pair.count == 2 && Set(pair.compactMap { SendLogLine.field("message_id", $0) }).count == 1, "C-\(n): \(pair)")
        }
    }

    /// The `due` step's state of every invoice, read through the shared store.
    func dueStates(_ box: Sandbox, at now: String) throws -> [String: (state: String, messageID: String?)] {
        let status = try box.run(["status", "--all", "--json", "--now", now])
        #expect(status.status == 0, "\(status.stderr)")
        var states: [String: (String, String?)] = [:]
        for invoice in try #require(status.json()["invoices"] as? [[String: Any]]) {
            guard let id = invoice["id"] as? String else { continue }
            for reminder in invoice["reminders"] as? [[String: Any]] ?? [] where reminder["step"] as? String == "due" {
                states[id] = (reminder["state"] as? String ?? "?", reminder["messageId"] as? String)
            }
        }
        return states
    }

    @Test("two instances share one store: every reminder once, one statement per customer across inboxes, the check-in no longer true skipped")
    func twoInstances() throws {
        let store = try ScriptedServer(script: "postgres-instance")
        let scratch = ScratchFolder()
        let log = scratch.path + "/accepted.jsonl"
        let smtp = try TestServer(script: "misbehaving_smtp.py", arguments: ["--mode", "ok", "--log", log], folder: scratch.path)
        let a = try instance("paris", store: store, smtpPort: smtp.port), b = try instance("lyon", store: store, smtpPort: smtp.port)
        // 30 customers with one invoice, 10 with two: one in each instance's inbox.
        try seed(a, b, singles: 30, pairs: 10)
        #expect(received(log).isEmpty)
        #expect(a.files(in: a.inbox).isEmpty && b.files(in: b.inbox).isEmpty)
        // The due day: both daemons at once.
        let daemons = try [a, b].map { try DaemonProcess(sandbox: $0, arguments: ["--now", "2026-11-02T10:00:00+01:00"]) }
        #expect(DaemonProcess.wait(seconds: 90) { received(log).count >= 40 }, "\(received(log).count) received")
        usleep(1_500_000)
        for daemon in daemons { #expect(daemon.stop() == 0, "\(daemon.stderr)") }
        let ids = received(log).map(\.id)
        #expect(ids.count == 40, "one message per customer")
        #expect(Set(ids).count == ids.count, "a reminder went twice")
        let lines = a.sendLogLines() + b.sendLogLines()
        let sent = lines.filter { $0.contains(" event=sent ") }
        #expect(sent.count == 50, "one sent line per invoice")
        #expect(Set(sent.compactMap { SendLogLine.field("message_id", $0) }) == Set(ids))
        expectPairsInOneMessage(sent, from: 30, count: 10)
        // The check-in planned before the due date was not sent on it (no longer true), and said so once.
        let skipped = lines.filter { $0.contains(" event=cancelled ") && SendLogLine.field("step", $0) == "courtesy" }
        #expect(skipped.count == 50, "\(skipped.count) check-ins skipped")
        let states = try dueStates(a, at: "2026-11-02T11:00:00+01:00")
        #expect(states.count == 50 && states.values.allSatisfy { $0.state == "sent" }, "\(states.filter { $0.value.state != "sent" })")
        // The instances' own counters add up to what went.
        let instances = try a.run(["status", "--json", "--now", "2026-11-02T11:00:00+01:00"])
        let listed = try #require(instances.json()["instances"] as? [[String: Any]])
        #expect(Set(listed.compactMap { $0["name"] as? String }) == ["paris", "lyon"])
        #expect(listed.compactMap { $0["sent"] as? Int }.reduce(0, +) == 50, "\(listed)")
        // The events the send logs hold are in the shared store too.
        let events = try PSQL.run(port: store.port, "SELECT COUNT(*) FROM events WHERE event = 'sent'")
        #expect(events.trimmingCharacters(in: .whitespacesAndNewlines) == "50", "\(events)")
    }

    @Test("two instances writing to their outbox folders: each pass handed off, written, synced and recorded as a batch; every reminder once, one message per customer")
    func outboxBatches() throws {
        let store = try ScriptedServer(script: "postgres-instance")
        let a = try Sandbox.sharedInstance("paris", storePort: store.port, smtpPort: nil)
        let b = try Sandbox.sharedInstance("lyon", storePort: store.port, smtpPort: nil)
        // 300 customers with one invoice, 100 with two (one in each inbox): more than one pass each.
        try seed(a, b, singles: 300, pairs: 100)
        let daemons = try [a, b].map { try DaemonProcess(sandbox: $0, arguments: ["--now", "2026-11-02T10:00:00+01:00"]) }
        func written() -> Int { [a, b].reduce(0) { $0 + $1.files(in: $1.outbox).count } }
        #expect(DaemonProcess.wait(seconds: 90) { written() >= 400 }, "\(written()) written")
        usleep(1_500_000)
        for daemon in daemons { #expect(daemon.stop() == 0, "\(daemon.stderr)") }
        let messages = try a.outboxMessages() + b.outboxMessages()
        #expect(messages.count == 400, "one message per customer")
        #expect(Set(messages.map(\.messageID)).count == messages.count, "a message written twice")
        let sent = (a.sendLogLines() + b.sendLogLines()).filter { $0.contains(" event=sent ") }
        #expect(sent.count == 500, "one sent line per invoice")
        #expect(Set(sent.compactMap { SendLogLine.field("message_id", $0) }) == Set(messages.map(\.messageID)))
        expectPairsInOneMessage(sent, from: 300, count: 100)
        #expect(try PSQL.run(port: store.port, "SELECT state, COUNT(*) FROM reminders WHERE step = 'due' GROUP BY state") == "sent|500")
        #expect(try PSQL.run(port: store.port, "SELECT COUNT(*) FROM reminders WHERE lease_owner IS NOT NULL") == "0")
        #expect(try PSQL.run(port: store.port, "SELECT SUM(sent) FROM instances") == "500")
    }

    @Test("two instances to their outboxes, killed -9 and restarted mid-batch: no message written twice, none lost, doubt only in the passes a kill cut")
    func outboxKilled() throws {
        let store = try ScriptedServer(script: "postgres-instance")
        let lease = 5
        let boxes = try ["o1", "o2"].map { try Sandbox.sharedInstance($0, storePort: store.port, smtpPort: nil, leaseSeconds: lease) }
        let total = 3000
        for n in 0..<total {
            try boxes[n % 2].drop("o-\(n).json", Sandbox.invoice(id: "O-\(n)", issued: "2026-10-02", due: "2026-11-02",
                                                               customer: "C-\(n)", email: "c\(n)@o.example"))
        }
        for box in boxes {
            let taken = try box.run(["run", "--once", "--now", "2026-10-20T08:00:00+02:00"])
            #expect(taken.status == 0, "\(taken.stderr)")
        }
        let began = Date(timeIntervalSinceNow: 0)
        let tenOClock = try #require(ISO8601DateFormatter().date(from: "2026-11-02T09:00:00Z"))
        func start() -> [String] {
            ["--now", ISO8601DateFormatter().string(from: tenOClock.addingTimeInterval(Date(timeIntervalSinceNow: 0).timeIntervalSince(began)))]
        }
        func written() -> [OutboxMessage] { boxes.flatMap { (try? $0.outboxMessages()) ?? [] } }
        var daemons = try boxes.map { try DaemonProcess(sandbox: $0, arguments: start()) }
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        // The kills come once the messages are going, every few tens of milliseconds: mid-batch.
        #expect(DaemonProcess.wait(seconds: 30) { !written().isEmpty })
        while kills < 10, written().count < total, Date(timeIntervalSinceNow: 0).timeIntervalSince(began) < 60 {
            usleep(UInt32.random(in: 20_000...120_000, using: &generator))
            let victim = Int.random(in: 0..<2, using: &generator)
            daemons[victim].killHard()
            kills += 1
            daemons[victim] = try DaemonProcess(sandbox: boxes[victim], arguments: start())
        }
        // The dead instances' leases run out and are reaped; the rest goes.
        #expect(DaemonProcess.wait(seconds: 60) {
            (try? PSQL.run(port: store.port, """
                SELECT COUNT(*) FROM reminders WHERE step = 'due' AND (state IN ('planned', 'deferred', 'sending') OR lease_owner IS NOT NULL)
                """)) == "0"
        })
        for daemon in daemons { daemon.stop() }
        let messages = written()
        let ids = messages.map(\.messageID)
        #expect(Set(ids).count == ids.count, "\(ids.count - Set(ids).count) messages written twice")
        let states = try PSQL.run(port: store.port, "SELECT state || '|' || COALESCE(message_id, '') FROM reminders WHERE step = 'due'")
            .split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
        #expect(states.count == total)
        let sent = states.filter { $0[0] == "sent" }, uncertain = states.filter { $0[0] == "uncertain" }
        #expect(sent.count + uncertain.count == total, "none lost: \(Dictionary(grouping: states, by: { $0[0] }).mapValues(\.count))")
        let bare = Set(ids.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "<>")) })
        #expect(Set(sent.map { $0[1].trimmingCharacters(in: CharacterSet(charactersIn: "<>")) }).isSubset(of: bare),
                "a reminder recorded sent that no outbox holds")
        // A kill cuts at most the pass in flight: its handed-off messages are in doubt, never resent.
        #expect(uncertain.count <= kills * 256, "\(uncertain.count) uncertain for \(kills) kills")
        print("shared outbox chaos: \(messages.count) written, \(sent.count) sent, \(uncertain.count) uncertain, \(kills) kills")
    }

    @Test("run --dry-run on a shared store prints what one machine's dry run prints, and changes nothing anywhere")
    func dryRun() throws {
        let (store, scratch, smtp) = try SharedPaymentsEndToEndTests.servers()
        defer { withExtendedLifetime(scratch) {} }
        let a = try instance("paris", store: store, smtpPort: smtp.port), b = try instance("lyon", store: store, smtpPort: smtp.port)
        let local = try Sandbox(minGapDays: 0)
        // C-1 has two invoices (one statement), C-2 one; C-3's is not due yet.
        let files = [("D-1", "C-1", "2026-11-02"), ("D-2", "C-1", "2026-10-30"), ("D-3", "C-2", "2026-11-02"), ("D-4", "C-3", "2026-11-20")]
        for (id, customer, due) in files {
            let text = Sandbox.invoice(id: id, issued: "2026-10-02", due: due, customer: customer, email: "ap@\(customer.lowercased()).example")
            try a.drop("\(id).json", text)
            try local.drop("\(id).json", text)
        }
        for box in [a, local] {
            let taken = try box.run(["run", "--once", "--now", "2026-10-20T08:00:00+02:00"])
            #expect(taken.status == 0, "\(taken.stderr)")
        }
        // A file waiting in the other instance's inbox, and one beside the one-machine store: would be taken.
        let late = Sandbox.invoice(id: "D-5", issued: "2026-10-02", due: "2026-11-02", customer: "C-5", email: "ap@c-5.example")
        try b.drop("D-5.json", late)
        try local.drop("D-5.json", late)
        let before = try PSQL.run(port: store.port, "SELECT (SELECT COUNT(*) FROM events) || '|' || (SELECT string_agg(id || state || COALESCE(lease_owner, ''), ',' ORDER BY id) FROM reminders)")

        let now = "2026-11-02T10:00:00+01:00"
        let shared = try b.run(["run", "--dry-run", "--now", now])
        #expect(shared.status == 0, "\(shared.stderr)")
        let alone = try local.run(["run", "--dry-run", "--now", now])
        #expect(alone.status == 0, "\(alone.stderr)")
        #expect(shared.stdout == alone.stdout, "shared:\n\(shared.stdout)\none machine:\n\(alone.stdout)")
        let wouldSend = shared.stdout.split(separator: "\n").filter { $0.contains(" event=would-send ") }.compactMap { SendLogLine.field("invoice", String($0)) }
        #expect(Set(wouldSend) == ["D-1", "D-2", "D-3", "D-5"], "\(shared.stdout)")
        #expect(shared.stdout.contains("event=would-ingest") && shared.stdout.contains("D-5.json"), "\(shared.stdout)")
        // Nothing claimed, registered, sent or logged; the file stays in the inbox.
        #expect(try PSQL.run(port: store.port, "SELECT (SELECT COUNT(*) FROM events) || '|' || (SELECT string_agg(id || state || COALESCE(lease_owner, ''), ',' ORDER BY id) FROM reminders)") == before)
        #expect(try PSQL.run(port: store.port, "SELECT COUNT(*) FROM instances WHERE name = 'lyon'") == "0")
        #expect(received(scratch.path + "/accepted.jsonl").isEmpty)
        #expect(b.sendLogLines().isEmpty)
        #expect(b.files(in: b.inbox) == ["D-5.json"])
    }

    @Test("three instances, 2,000 reminders, kill -9 and restart, one frozen past its lease, PostgreSQL restarted, 1 % dropped after DATA: none twice, none lost")
    func chaos() throws {
        let store = try ScriptedServer(script: "postgres-instance")
        let scratch = ScratchFolder()
        let log = scratch.path + "/accepted.jsonl"
        let smtp = try TestServer(script: "misbehaving_smtp.py", arguments: ["--mode", "ok", "--drop-percent", "1", "--log", log],
                                  folder: scratch.path)
        let lease = 6
        let boxes = try ["i1", "i2", "i3"].map { try instance($0, store: store, smtpPort: smtp.port, leaseSeconds: lease) }
        let total = 2000
        for n in 0..<total {
            try boxes[n % 3].drop("k-\(n).json", Sandbox.invoice(id: "K-\(n)", issued: "2026-10-02", due: "2026-11-02",
                                                               customer: "C-\(n)", email: "c\(n)@k.example"))
        }
        for box in boxes { #expect(try box.run(["run", "--once", "--now", "2026-10-20T08:00:00+02:00"]).status == 0) }
        // Every instance on one time line, as on real machines: a restarted one starts its clock where
        // the others' are now (10:00 plus the time the test has run), never back at 10:00.
        let began = Date(timeIntervalSinceNow: 0)
        let tenOClock = try #require(ISO8601DateFormatter().date(from: "2026-11-02T09:00:00Z"))
        func start() -> [String] {
            ["--now", ISO8601DateFormatter().string(from: tenOClock.addingTimeInterval(Date(timeIntervalSinceNow: 0).timeIntervalSince(began)))]
        }
        var daemons = try boxes.map { try DaemonProcess(sandbox: $0, arguments: start()) }
        var generator = SystemRandomNumberGenerator()
        var kills = 0, frozen = false, restarted = false
        // Faults while the reminders go: a kill -9 and restart every half second or so, one freeze past
        // the lease, one immediate restart of PostgreSQL.
        while (received(log).count < total * 9 / 10 && kills < 40) || !frozen || !restarted,
              Date(timeIntervalSinceNow: 0).timeIntervalSince(began) < 150 {
            usleep(UInt32.random(in: 200_000...500_000, using: &generator))
            let victim = Int.random(in: 0..<3, using: &generator)
            if !frozen, received(log).count > total / 5 {
                frozen = true
                daemons[victim].signal(SIGSTOP)
                usleep(UInt32((lease + 3) * 1_000_000))
                daemons[victim].signal(SIGCONT)
                continue
            }
            if !restarted, frozen {
                restarted = true
                #expect(store.run("restart"))
                continue
            }
            guard kills < 40 else { continue }
            daemons[victim].killHard()
            kills += 1
            daemons[victim] = try DaemonProcess(sandbox: boxes[victim], arguments: start())
        }
        // Then quiet: the leases of the dead run out, the reaper settles them, the rest goes.
        #expect(DaemonProcess.wait(seconds: 60) {
            (try? PSQL.run(port: store.port, """
                SELECT COUNT(*) FROM reminders WHERE step = 'due' AND (state IN ('planned', 'deferred', 'sending') OR lease_owner IS NOT NULL)
                """).trimmingCharacters(in: .whitespacesAndNewlines)) == "0"
        })
        for daemon in daemons { daemon.stop() }
        // Two hours later: a 4xx's retry is due, every lease has run out (reaped by this round).
        let later = try boxes[0].run(["run", "--once", "--now", "2026-11-02T12:00:00+01:00"])
        #expect(later.status == 0, "\(later.stderr)")
        let left = try PSQL.run(port: store.port, """
            SELECT r.invoice_id || ' ' || r.step || ' ' || r.state || ' ' || r.send_at || ' ' || COALESCE(r.lease_owner, '-') || ' '
                   || COALESCE(r.detail, '-') FROM reminders r WHERE r.step = 'due' AND r.state NOT IN ('sent', 'uncertain', 'failed', 'cancelled')
            """)
        #expect(left.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "left: \(left)\n\(daemons.map { String($0.stderr.suffix(2000)) })")
        let records = received(log)
        let ids = records.map(\.id)
        #expect(Set(ids).count == ids.count, "\(ids.count - Set(ids).count) reminders were delivered twice")
        let states = try dueStates(boxes[0], at: "2026-11-02T12:00:00+01:00")
        var counts: [String: Int] = [:]
        for state in states.values { counts[state.state, default: 0] += 1 }
        // None lost: received, uncertain, failed or cancelled, every one.
        #expect(states.count == total)
        #expect(counts.filter { !["sent", "uncertain", "failed", "cancelled"].contains($0.key) }.isEmpty, "\(counts)")
        let sentIDs = Set(states.values.filter { $0.state == "sent" }.compactMap(\.messageID))
        #expect(sentIDs.isSubset(of: Set(ids)), "a reminder recorded sent that the server never received")
        // Doubt only where a fault was: each dropped reply, each kill, the freeze, the restart.
        let dropped = records.filter(\.dropped).count
        let uncertain = counts["uncertain"] ?? 0
        #expect(uncertain <= dropped + kills + 2, "\(uncertain) uncertain for \(dropped) dropped, \(kills) kills")
        let seconds = Int(Date(timeIntervalSinceNow: 0).timeIntervalSince(began))
        print("shared chaos: \(ids.count) received in \(seconds) s (\(dropped) replies dropped), \(kills) kills, frozen \(frozen), restarted \(restarted); states \(counts)")
    }

    @Test("SIGHUP reopens the send log and reads the settings again; a broken file, or one naming another instance, keeps the running ones")
    func reload() throws {
        let (store, scratch, smtp) = try SharedPaymentsEndToEndTests.servers()
        defer { withExtendedLifetime(scratch) {} }
        let box = try instance("solo", store: store, smtpPort: smtp.port)
        let daemon = try DaemonProcess(sandbox: box, arguments: ["--now", "2026-11-02T10:00:00+01:00"])
        defer { if daemon.isRunning { daemon.killHard() } }
        func ingested(_ id: String) -> Bool { box.sendLogLines().contains { $0.contains("event=ingested invoice=\(id)") } }
        try box.drop("one.json", Sandbox.invoice(id: "R-1", issued: "2026-11-01", terms: "net 30", customer: "C-1", email: "a@one.example"))
        #expect(DaemonProcess.wait(seconds: 30) { ingested("R-1") })
        let good = try String(contentsOfFile: box.config, encoding: .utf8)
        // logrotate moves the log away, then signals; the file is broken meanwhile.
        try (good + "\n[schedule.broken\n").write(toFile: box.config, atomically: true, encoding: .utf8)
        try FileManager.default.moveItem(atPath: box.sendLog, toPath: box.sendLog + ".1")
        daemon.signal(SIGHUP)
        #expect(DaemonProcess.wait(seconds: 10) { daemon.stderr.contains("configuration not reloaded, keeping the previous one") }, "\(daemon.stderr)")
        try box.drop("two.json", Sandbox.invoice(id: "R-2", issued: "2026-11-01", terms: "net 30", customer: "C-2", email: "a@two.example"))
        #expect(DaemonProcess.wait(seconds: 20) { ingested("R-2") }, "written to the reopened send log")
        // Another inbox: taken from once the settings are read again.
        let other = box.root + "/inbox-2"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try good.replacingOccurrences(of: "inbox = \"inbox\"", with: "inbox = \"inbox-2\"").write(toFile: box.config, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(DaemonProcess.wait(seconds: 10) { daemon.stderr.contains("configuration reloaded from") }, "\(daemon.stderr)")
        try Sandbox.invoice(id: "R-3", issued: "2026-11-01", terms: "net 30", customer: "C-3", email: "a@three.example")
            .write(toFile: other + "/three.json", atomically: true, encoding: .utf8)
        #expect(DaemonProcess.wait(seconds: 20) { ingested("R-3") })
        // Another instance name is a restart's business.
        try good.replacingOccurrences(of: "instance = \"solo\"", with: "instance = \"other\"").write(toFile: box.config, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(DaemonProcess.wait(seconds: 10) { daemon.stderr.contains("[store] changed; restart relance") }, "\(daemon.stderr)")
        #expect(daemon.isRunning)
        #expect(daemon.stop() == 0, "\(daemon.stderr)")
        #expect(try PSQL.run(port: store.port, "SELECT COUNT(*) FROM invoices") == "3")
    }
}
