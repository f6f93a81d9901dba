import Foundation
import RelanceTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 13's promise through the binary and a real SMTP server: a crash leaves at most the
/// message in flight in doubt, a second daemon is refused, the doubt can be resolved.
@Suite("hand-off one message at a time", .ownThread, .serialized, .enabled(if: TestServer.pythonAvailable))
struct HandOffTests {
    func smtpSandbox(port: Int, connections: Int = 1, extra: String = "") throws -> Sandbox {
        try Sandbox(minGapDays: 0, extra: """
            [transport]
            url = "smtp://127.0.0.1:\(port)"
            tls = "none"
            timeout_seconds = 10
            connections = \(connections)
            \(extra)
            """)
    }

    /// The Message-IDs the server accepted, one per message received, in order.
    func received(_ log: String) -> [String] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["message_id"] as? String
        }
    }

    @Test("kill -9 at random moments over 20 rounds while 1,000 reminders go over SMTP: none twice, none lost, at most one in doubt per crash and connection",
          arguments: [1, 2])
    func killNineOverSMTP(connections: Int) throws {
        let scratch = ScratchFolder()
        let log = scratch.path + "/accepted.jsonl"
        let smtp = try TestServer(script: "misbehaving_smtp.py", arguments: ["--mode", "ok", "--log", log], folder: scratch.path)
        let box = try smtpSandbox(port: smtp.port, connections: connections)
        for n in 0..<1000 {
            try box.drop(String(format: "h-%04d.json", n), Sandbox.invoice(id: "H-\(n)", issued: "2026-10-02", due: "2026-11-02",
                                                                          customer: "C-\(n)", email: "c\(n)@h.example"))
        }
        // Taken in on the due day, before the send window opens: nothing goes yet.
        #expect(try box.run(["run", "--once", "--now", "2026-11-02T08:00:00+01:00"]).status == 0)
        #expect(received(log).isEmpty)
        var generator = SystemRandomNumberGenerator()
        let rounds = 20
        for _ in 0..<rounds {
            let daemon = try DaemonProcess(sandbox: box, arguments: ["--now", "2026-11-02T10:00:00+01:00"])
            usleep(UInt32.random(in: 150_000...600_000, using: &generator))
            daemon.killHard()
        }
        #expect(try box.run(["run", "--once", "--now", "2026-11-02T10:30:00+01:00"]).status == 0)
        let ids = received(log)
        #expect(Set(ids).count == ids.count, "\(ids.count - Set(ids).count) reminders were delivered twice")
        let status = try (try box.run(["status", "--all", "--json", "--now", "2026-11-02T11:00:00+01:00"])).json()
        var states: [String: Int] = [:]
        var sent = Set<String>(), uncertain = Set<String>()
        for invoice in try #require(status["invoices"] as? [[String: Any]]) {
            for reminder in invoice["reminders"] as? [[String: Any]] ?? [] where reminder["step"] as? String == "due" {
                let state = reminder["state"] as? String ?? "?"
                states[state, default: 0] += 1
                if state == "sent", let id = reminder["messageId"] as? String { sent.insert(id) }
                if state == "uncertain", let id = reminder["messageId"] as? String { uncertain.insert(id) }
            }
        }
        // Nothing lost: every due-day reminder was received or is reported uncertain.
        #expect((states["sent"] ?? 0) + (states["uncertain"] ?? 0) == 1000, "\(states)")
        #expect(sent.isSubset(of: Set(ids)))
        #expect(Set(ids).isSubset(of: sent.union(uncertain)))
        // At most one message in doubt per crash and SMTP connection.
        #expect(uncertain.count <= rounds * connections, "\(uncertain.count) uncertain after \(rounds) crashes")
        let integrity = try RelanceBinary.runTool("/usr/bin/sqlite3", [box.state + "/relance.sqlite", "PRAGMA integrity_check;"])
        #expect(integrity.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
        print("kill -9 over SMTP, \(connections) connection(s): \(ids.count) received, \(uncertain.count) uncertain after \(rounds) crashes")
    }

    @Test("a second daemon on one state directory is refused, naming the first; other commands keep working")
    func oneDaemon() throws {
        let scratch = ScratchFolder()
        let log = scratch.path + "/accepted.jsonl"
        let smtp = try TestServer(script: "misbehaving_smtp.py", arguments: ["--mode", "ok", "--log", log], folder: scratch.path)
        let box = try smtpSandbox(port: smtp.port)
        for n in 0..<300 {
            try box.drop(String(format: "d-%04d.json", n), Sandbox.invoice(id: "D-\(n)", issued: "2026-10-02", due: "2026-11-02",
                                                                          customer: "C-\(n)", email: "c\(n)@d.example"))
        }
        let first = try DaemonProcess(sandbox: box, arguments: ["--now", "2026-11-02T10:00:00+01:00"])
        defer { if first.isRunning { first.stop() } }
        #expect(DaemonProcess.wait(seconds: 10) { FileManager.default.fileExists(atPath: box.state + "/relance.lock") })
        let second = try box.run(["run", "--now", "2026-11-02T10:00:00+01:00"])
        #expect(second.status == 1)
        #expect(second.stderr.contains("another relance is already running on"), "\(second.stderr)")
        #expect(second.stderr.contains("pid \(first.process.processIdentifier)"))
        let once = try box.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"])
        #expect(once.status == 1)
        #expect(try box.run(["status", "--now", "2026-11-02T10:00:00+01:00"]).status == 0)
        #expect(DaemonProcess.wait(seconds: 60) { received(log).count == 300 })
        #expect(first.stop() == 0)
        let ids = received(log)
        #expect(Set(ids).count == 300 && ids.count == 300)
    }

    @Test("an uncertain reminder is shown with its evidence and settled with relance resolve; the send log says so")
    func resolve() throws {
        let scratch = ScratchFolder()
        let smtp = try TestServer(script: "misbehaving_smtp.py", arguments: ["--mode", "drop-after-data", "--log", scratch.path + "/a.jsonl"],
                                  folder: scratch.path)
        let box = try smtpSandbox(port: smtp.port)
        try box.drop("u.json", Sandbox.invoice(id: "U-1", issued: "2026-10-02", due: "2026-11-02", customer: "C-U", email: "ap@u.example"))
        try box.drop("v.json", Sandbox.invoice(id: "V-1", issued: "2026-10-02", due: "2026-11-02", customer: "C-V", email: "ap@v.example"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"]).status == 0)
        let status = try box.run(["status", "--state", "uncertain", "--now", "2026-11-02T11:00:00+01:00"])
        #expect(status.stdout.contains("U-1") && status.stdout.contains("V-1"), "\(status.stdout)")
        let json = try (try box.run(["status", "U-1", "--json", "--now", "2026-11-02T11:00:00+01:00"])).json()
        let due = try #require(((json["invoices"] as? [[String: Any]])?.first?["reminders"] as? [[String: Any]])?.first { $0["step"] as? String == "due" })
        #expect(due["state"] as? String == "uncertain")
        #expect(due["handedOffAt"] as? String == "2026-11-02T10:00:00+01:00")
        #expect((due["detail"] as? String)?.contains("connection lost after the message was sent") == true)
        // It did go (the server's log says so): recorded as sent.
        let sent = try box.run(["resolve", "U-1", "due", "--sent", "--note", "queued as 4CAC2FA625 on the relay", "--now", "2026-11-02T11:00:00+01:00"])
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(box.sendLogLines().contains { $0.contains("event=sent invoice=U-1 step=due") && $0.contains("resolved=sent")
            && $0.contains("queued as 4CAC2FA625 on the relay") })
        // It did not: sent again at the next slot, with the same Message-ID, through a server that works.
        let working = try TestServer(script: "misbehaving_smtp.py", arguments: ["--mode", "ok", "--log", scratch.path + "/b.jsonl"], folder: scratch.path)
        try box.configuration(minGapDays: 0, maxFileBytes: 10_485_760, extra: """
            [transport]
            url = "smtp://127.0.0.1:\(working.port)"
            tls = "none"
            """).write(toFile: box.config, atomically: true, encoding: .utf8)
        #expect(try box.run(["resolve", "V-1", "--resend", "--now", "2026-11-02T11:00:00+01:00"]).status == 0)
        #expect(box.sendLogLines().contains { $0.contains("event=planned invoice=V-1 step=due") && $0.contains("resolved=resend") })
        #expect(try box.run(["run", "--once", "--now", "2026-11-02T11:05:00+01:00"]).status == 0)
        #expect(received(scratch.path + "/b.jsonl").count == 1)
        // Nothing left to resolve; a wrong invoice or a reminder that is not in doubt is refused.
        #expect(try box.run(["resolve", "V-1", "--cancel", "--now", "2026-11-02T11:10:00+01:00"]).status == 1)
        #expect(try box.run(["resolve", "NOPE", "--sent", "--now", "2026-11-02T11:10:00+01:00"]).status == 1)
        #expect(try box.run(["resolve", "U-1", "--sent", "--cancel"]).status != 0)
    }
}

@Suite("read-only commands are read-only", .ownThread)
struct ReadOnlyCommandsTests {
    @Test("status, plan, report and metrics open the store read-only and never the transport, secrets, outbox or send log")
    func readOnly() throws {
        let box = try Sandbox(minGapDays: 0)
        try box.drop("r.json", Sandbox.invoice(id: "R-1", issued: "2026-10-02", due: "2026-11-02", customer: "C-R", email: "ap@r.example"))
        #expect(try box.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"]).status == 0)
        // From now on the SMTP password file is missing: a command that read secrets would fail.
        try box.configuration(minGapDays: 0, maxFileBytes: 10_485_760, extra: """
            [transport]
            url = "smtp://127.0.0.1:9"
            tls = "none"
            username = "relance"
            password_file = "missing-secret"
            """).write(toFile: box.config, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: box.sendLog)
        func snapshot() throws -> [String: Data] {
            var files: [String: Data] = [:]
            // SQLite's own WAL index files (-wal, -shm) come and go with any reader; everything else must stay as it was.
            for name in box.files(in: box.state) where !name.hasSuffix("-wal") && !name.hasSuffix("-shm") {
                files[name] = try Data(contentsOf: URL(fileURLWithPath: box.state + "/" + name))
            }
            return files
        }
        let before = try snapshot()
        for command in [["status"], ["status", "R-1", "--json"], ["plan", "--json"], ["report"], ["metrics"]] {
            let result = try box.run(command + ["--now", "2026-11-03T10:00:00+01:00"])
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: box.sendLog))
        #expect(try snapshot().keys.sorted() == before.keys.sorted())
        #expect(try snapshot()["relance.sqlite"] == before["relance.sqlite"])
        // Before anything was taken in, they say so instead of creating a store.
        let fresh = try Sandbox()
        let status = try fresh.run(["status"])
        #expect(status.status == 1)
        #expect(status.stderr.contains("no store yet"))
        #expect(!FileManager.default.fileExists(atPath: fresh.state + "/relance.sqlite"))
    }
}

/// A 4 MB tmpfs as the state directory (the store, its WAL and the copies of sent messages), filled up while the daemon works, then freed.
@Suite("a full disk", .ownThread, .serialized, .enabled(if: TestServer.pythonAvailable && getuid() == 0))
struct FullDiskTests {
    @Test("the daemon stays up on a full state directory, sends nothing it cannot record, and catches up by itself once space returns")
    func fullDisk() throws {
        let scratch = ScratchFolder()
        let log = scratch.path + "/accepted.jsonl"
        let smtp = try TestServer(script: "misbehaving_smtp.py", arguments: ["--mode", "ok", "--log", log], folder: scratch.path)
        let box = try Sandbox(minGapDays: 0, extra: """
            [transport]
            url = "smtp://127.0.0.1:\(smtp.port)"
            tls = "none"
            """)
        try FileManager.default.createDirectory(atPath: box.state, withIntermediateDirectories: true)
        let mounted = try RelanceBinary.runTool("/bin/sh", ["-c", "mount -t tmpfs -o size=4m tmpfs '\(box.state)' && echo mounted"], includeStderr: true)
        guard mounted.contains("mounted") else {
            Issue.record("cannot mount a tmpfs here: \(mounted)")
            return
        }
        defer { _ = try? RelanceBinary.runTool("/bin/umount", ["-l", box.state]) }
        for n in 0..<40 {
            try box.drop(String(format: "a-%03d.json", n), Sandbox.invoice(id: "A-\(n)", issued: "2026-10-02", due: "2026-11-02",
                                                                          customer: "C-\(n)", email: "c\(n)@a.example"))
        }
        let daemon = try DaemonProcess(sandbox: box, arguments: ["--now", "2026-11-02T10:00:00+01:00"])
        defer { if daemon.isRunning { daemon.stop() } }
        #expect(DaemonProcess.wait(seconds: 30) { (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").count == 40 })
        // Fill the state directory to the last byte, then drop more invoices.
        _ = try? RelanceBinary.runTool("/bin/sh", ["-c", "dd if=/dev/zero of='\(box.state)/filler' bs=4k 2>/dev/null; true"])
        for n in 0..<60 {
            try box.drop(String(format: "b-%03d.json", n), Sandbox.invoice(id: "B-\(n)", issued: "2026-10-02", due: "2026-11-02",
                                                                          customer: "D-\(n)", email: "d\(n)@b.example"))
        }
        #expect(DaemonProcess.wait(seconds: 20) { daemon.stderr.contains("full") || daemon.stderr.contains("could not be committed") },
                "\(daemon.stderr.suffix(2000))")
        usleep(1_000_000)
        #expect(daemon.isRunning, "the daemon exited on a full disk: \(daemon.stderr.suffix(2000))")
        // Space returns: everything dropped meanwhile is taken and reminded, by the daemon alone.
        try FileManager.default.removeItem(atPath: box.state + "/filler")
        #expect(DaemonProcess.wait(seconds: 90) { (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").count == 100 },
                "\(daemon.stderr.suffix(2000))")
        // A file whose move to the archive failed for want of space is taken again at the next retry (every 30 s at most).
        #expect(DaemonProcess.wait(seconds: 60) {
            ((try? FileManager.default.contentsOfDirectory(atPath: box.inbox)) ?? []).filter { !$0.hasPrefix(".") }.isEmpty
        }, "\(daemon.stderr.suffix(2000))")
        #expect(daemon.isRunning)
        #expect(daemon.stop() == 0)
        let ids = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(ids.count == 100)
        #expect(try FileManager.default.contentsOfDirectory(atPath: box.inbox).filter { !$0.hasPrefix(".") }.isEmpty)
        let integrity = try RelanceBinary.runTool("/usr/bin/sqlite3", [box.state + "/relance.sqlite", "PRAGMA integrity_check;"])
        #expect(integrity.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
    }
}

@Suite("a payment racing a batch", .ownThread, .serialized, .enabled(if: TestServer.pythonAvailable))
struct PaymentRaceTests {
    @Test("an invoice paid while its batch waits never gets its reminder: the hand-off re-checks in the same transaction")
    func paymentDuringBatch() throws {
        let scratch = ScratchFolder()
        let log = scratch.path + "/accepted.jsonl"
        // 25 ms per message: the batch of 60 takes about 1.5 s, while the payments come in.
        let smtp = try TestServer(script: "misbehaving_smtp.py", arguments: ["--mode", "ok", "--log", log, "--delay-ms", "25"], folder: scratch.path)
        let box = try Sandbox(minGapDays: 0, extra: """
            [transport]
            url = "smtp://127.0.0.1:\(smtp.port)"
            tls = "none"
            """)
        for n in 0..<60 {
            try box.drop(String(format: "p-%02d.json", n), Sandbox.invoice(id: "P-\(n)", issued: "2026-10-02", due: "2026-11-02",
                                                                         customer: "C-\(n)", email: "c\(n)@p.example"))
        }
        #expect(try box.run(["run", "--once", "--now", "2026-11-02T08:00:00+01:00"]).status == 0)  // taken in before the window
        let daemon = try DaemonProcess(sandbox: box, arguments: ["--now", "2026-11-02T10:00:00+01:00"])
        defer { if daemon.isRunning { daemon.stop() } }
        #expect(DaemonProcess.wait(seconds: 20) { FileManager.default.fileExists(atPath: log) })
        // Pay the invoices from the last one down, while the daemon works from the first one up.
        var paidAt: [String: Double] = [:]
        for n in stride(from: 59, through: 0, by: -1) {
            let result = try box.run(["paid", "P-\(n)", "--date", "2026-11-02", "--now", "2026-11-02T10:00:00+01:00"])
            #expect(result.status == 0, "\(result.stderr)")
            paidAt["P-\(n)"] = Date().timeIntervalSince1970
        }
        #expect(DaemonProcess.wait(seconds: 20) { (try? box.run(["status", "--json", "--now", "2026-11-02T10:05:00+01:00"]))
            .flatMap { try? $0.json()["invoices"] as? [Any] }?.isEmpty ?? false })
        #expect(daemon.stop() == 0)
        let lines = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n")
        var late: [String] = []
        for line in lines {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let to = (object["to"] as? [String])?.first, let at = object["at"] as? Double else { continue }
            let number = to.dropFirst("<c".count).prefix { $0.isNumber }
            // A message in flight when its payment arrived may land just after it; none may be handed off later.
            if let paid = paidAt["P-\(number)"], at > paid + 0.15 { late.append("P-\(number) +\(Int((at - paid) * 1000)) ms") }
        }
        #expect(late.isEmpty, "reminders received after their invoice was paid: \(late)")
        #expect(lines.count < 60, "every reminder went: the race did not happen")
        print("payment race: \(lines.count) of 60 reminders went before their payment, \(60 - lines.count) were stopped at the hand-off")
    }
}
