import Foundation
import RelanceTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A datagram socket standing in for systemd's notification socket.
final class NotifySocket {
    let path: String
    let fd: Int32

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8)).sock").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw CocoaError(.fileWriteUnknown) }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Datagrams received within `seconds`, until `until` is among them.
    func receive(seconds: Double, until wanted: String) -> [String] {
        var messages: [String] = []
        let deadline = Date(timeIntervalSinceNow: seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date(timeIntervalSinceNow: 0) < deadline {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                let text = String(decoding: buffer[0..<n], as: UTF8.self)
                messages.append(text)
                if text.contains(wanted) { break }
            }
        }
        return messages
    }
}

@Suite("sd_notify", .ownThread, .serialized)
struct SystemdNotifyTests {
    @Test("READY=1 after the start-up scan, WATCHDOG=1 while idle, STOPPING=1 on SIGTERM")
    func notifications() throws {
        let box = try Sandbox()
        try box.drop("a.json", Sandbox.invoice(id: "N-1", issued: "2026-11-01", terms: "net 30", customer: "C", email: "a@c.example"))
        let socket = try NotifySocket()
        let daemon = try DaemonProcess(sandbox: box, environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "1000000"])
        defer { if daemon.isRunning { daemon.killHard() } }
        let startup = socket.receive(seconds: 10, until: "READY=1")
        #expect(startup.contains { $0.hasPrefix("READY=1") })
        // READY comes after the start-up scan: the dropped file is already archived.
        #expect(box.files(in: box.archive).count == 1)
        let idle = socket.receive(seconds: 5, until: "WATCHDOG=1")
        #expect(idle.contains("WATCHDOG=1"))
        daemon.signal(SIGTERM)
        let stopping = socket.receive(seconds: 5, until: "STOPPING=1")
        #expect(stopping.contains("STOPPING=1"))
        daemon.process.waitUntilExit()
        #expect(daemon.process.terminationStatus == 0)
    }

    @Test("the watchdog keeps being fed while the SMTP server stalls, and SIGTERM during a stall exits at once",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
    func stall() throws {
        let folder = ScratchFolder()
        let scratch = folder.path
        let smtp = try TestServer(script: "misbehaving_smtp.py", arguments: ["--mode", "stall-after-data", "--log", scratch + "/a.jsonl"],
                                  folder: scratch)
        let box = try Sandbox(minGapDays: 0, extra: """
            [transport]
            url = "smtp://127.0.0.1:\(smtp.port)"
            tls = "none"
            timeout_seconds = 120
            """)
        for n in 0..<6 {
            try box.drop("s\(n).json", Sandbox.invoice(id: "S-\(n)", issued: "2026-10-02", due: "2026-11-02", customer: "C-\(n)", email: "c\(n)@s.example"))
        }
        let socket = try NotifySocket()
        // A 9 s watchdog: every network wait is capped at 3 s, far below the 120 s configured.
        let daemon = try DaemonProcess(sandbox: box, arguments: ["--now", "2026-11-02T10:00:00+01:00"],
                                       environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "9000000"])
        defer { if daemon.isRunning { daemon.killHard() } }
        #expect(socket.receive(seconds: 10, until: "READY=1").contains { $0.hasPrefix("READY=1") })
        var pings: [Date] = []
        let deadline = Date(timeIntervalSinceNow: 12)
        while Date(timeIntervalSinceNow: 0) < deadline {
            if socket.receive(seconds: 0.5, until: "WATCHDOG=1").contains("WATCHDOG=1") { pings.append(Date()) }
        }
        #expect(pings.count >= 3, "\(pings.count) pings in 12 s")
        let gaps = zip(pings.dropFirst(), pings).map { $0.timeIntervalSince($1) }
        #expect((gaps.max() ?? 99) < 9, "the longest gap between two pings was \(gaps.max() ?? 99) s")
        #expect(daemon.isRunning)
        // SIGTERM while a message is stalled after its data: out promptly, that message uncertain, never resent.
        let asked = Date()
        daemon.signal(SIGTERM)
        daemon.process.waitUntilExit()
        #expect(Date().timeIntervalSince(asked) < 5)
        #expect(daemon.process.terminationStatus == 0)
        let status = try (try box.run(["status", "--all", "--json", "--now", "2026-11-02T11:00:00+01:00"])).json()
        let states = (status["invoices"] as? [[String: Any]] ?? []).flatMap { $0["reminders"] as? [[String: Any]] ?? [] }
            .filter { $0["step"] as? String == "due" }.compactMap { $0["state"] as? String }
        #expect(!states.contains("sending"))
        #expect(states.filter { $0 == "uncertain" }.count >= 2, "\(states)")
    }
}

@Suite("a stalled IMAP server", .ownThread, .serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
struct StalledMailboxTests {
    @Test("never holds up sending: the mailbox is read on a thread of its own")
    func imapStall() throws {
        let scratch = ScratchFolder()
        let silent = try TestServer(script: "misbehaving_smtp.py", arguments: ["--mode", "silent", "--log", scratch.path + "/silent.jsonl"],
                                    folder: scratch.path)
        let smtp = try TestServer(script: "misbehaving_smtp.py", arguments: ["--mode", "ok", "--log", scratch.path + "/sent.jsonl"],
                                  folder: scratch.path)
        let box = try Sandbox(minGapDays: 0, extra: """
            [transport]
            url = "smtp://127.0.0.1:\(smtp.port)"
            tls = "none"

            [replies]
            url = "imap://127.0.0.1:\(silent.port)"
            tls = "none"
            username = "relance"
            password_file = "imap-password"
            """)
        _ = FileManager.default.createFile(atPath: box.root + "/imap-password", contents: Data("x".utf8), attributes: [.posixPermissions: 0o600])
        for n in 0..<5 {
            try box.drop("m\(n).json", Sandbox.invoice(id: "M-\(n)", issued: "2026-10-02", due: "2026-11-02", customer: "C-\(n)", email: "c\(n)@m.example"))
        }
        let daemon = try DaemonProcess(sandbox: box, arguments: ["--now", "2026-11-02T10:00:00+01:00"])
        defer { if daemon.isRunning { daemon.killHard() } }
        // The IMAP connection hangs for its whole timeout (60 s); the reminders go at once all the same.
        #expect(DaemonProcess.wait(seconds: 15) {
            ((try? String(contentsOfFile: scratch.path + "/sent.jsonl", encoding: .utf8)) ?? "").split(separator: "\n").count == 5
        }, "\(daemon.stderr)")
        #expect(daemon.isRunning)
    }
}
