import Foundation
import RelanceTestSupport
import Testing

/// `relance rates update` against recorded responses served over real HTTPS on 127.0.0.1.
@Suite("relance rates update over HTTPS", .ownThread, .serialized, .enabled(if: TestServer.pythonAvailable))
struct RatesUpdateTests {
    static let fixtures = RelanceBinary.packageRoot + "/Tests/Fixtures/rates"

    /// A sandbox whose three laws (FR, DE, GB) need all three series, fetched from `server`.
    func sandbox(port: Int, ca: String, ecb: String = "ecb.csv") throws -> Sandbox {
        try Sandbox(lateCharges: """
            ecb_url = "https://127.0.0.1:\(port)/\(ecb)"
            bundesbank_url = "https://127.0.0.1:\(port)/bundesbank.csv"
            boe_url = "https://127.0.0.1:\(port)/boe.csv?csv.x=yes&SeriesCodes=IUDBEDR"
            ca_file = "\(ca)"
            refresh_days = 0
            """, extra: """
            [customers."C-DE"]
            late_charges = "DE"

            [customers."C-GB"]
            late_charges = "GB"
            """)
    }

    @Test("the three official series are fetched, turned into half-years by each law's rule, and kept with their source")
    func update() throws {
        let scratch = ScratchFolder()
        let folder = scratch.path
        let certificates = try TestCertificates(folder: folder)
        let server = try TestServer(script: "http_files.py", arguments: ["--root", Self.fixtures, "--cert", certificates.cert,
                                                                      "--key", certificates.key, "--log", folder + "/requests.log"], folder: folder)
        let box = try sandbox(port: server.port, ca: certificates.ca)
        let result = try box.run(["rates", "update", "--now", "2025-09-01T12:00:00+02:00"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("ECB: 6 half-years from 2023-01-01, latest 2025-07-01 = 2.15 %"), "\(result.stdout)")
        #expect(result.stdout.contains("DE-BASIS: 6 half-years from 2023-01-01, latest 2025-07-01 = 1.27 %"))
        #expect(result.stdout.contains("BOE: 6 half-years from 2023-01-01, latest 2025-07-01 = 4.25 %"))
        let table = try String(contentsOfFile: box.state + "/reference-rates.toml", encoding: .utf8)
        #expect(table.contains("# source ECB: https://127.0.0.1:\(server.port)/ecb.csv retrieved 2025-09-01T12:00:00+02:00"))
        for entry in ["[ECB]\n\"2023-01-01\" = \"2.5\"", "\"2024-07-01\" = \"4.25\"", "[DE-BASIS]\n\"2023-01-01\" = \"1.62\"",
                      "[BOE]\n\"2023-01-01\" = \"3.5\"", "\"2025-01-01\" = \"4.75\""] {
            #expect(table.contains(entry), "\(entry)")
        }
        let requests = try String(contentsOfFile: folder + "/requests.log", encoding: .utf8)
        #expect(requests.contains("relance (reference-rate update; libcurl)"))
        // The configuration reads the kept table back; check and rates show agree.
        #expect(try box.run(["check"]).status == 0)
        let show = try box.run(["rates", "show", "--now", "2025-09-01T12:00:00+02:00"])
        #expect(show.stdout.contains("BOE: 2023-01-01 3.5 %"), "\(show.stdout)")
        #expect(!show.stdout.contains("missing"))

        // A source answering with an error page: reported, exit 1, its earlier entries kept, the others refreshed.
        try box.configuration(minGapDays: 3, maxFileBytes: 10_485_760, lateCharges: """
            ecb_url = "https://127.0.0.1:\(server.port)/broken.csv"
            bundesbank_url = "https://127.0.0.1:\(server.port)/bundesbank.csv"
            boe_url = "https://127.0.0.1:\(server.port)/missing.csv"
            ca_file = "\(certificates.ca)"
            refresh_days = 0
            """, extra: "[customers.\"C-DE\"]\nlate_charges = \"DE\"\n\n[customers.\"C-GB\"]\nlate_charges = \"GB\"\n")
            .write(toFile: box.config, atomically: true, encoding: .utf8)
        let broken = try box.run(["rates", "update", "--now", "2025-09-02T12:00:00+02:00"])
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("ECB: not updated: https://127.0.0.1:\(server.port)/broken.csv: line 1: no header naming TIME_PERIOD and OBS_VALUE"),
                "\(broken.stdout)")
        #expect(broken.stdout.contains("BOE: not updated: https://127.0.0.1:\(server.port)/missing.csv: HTTP 404"))
        let kept = try String(contentsOfFile: box.state + "/reference-rates.toml", encoding: .utf8)
        #expect(kept.contains("[ECB]\n\"2023-01-01\" = \"2.5\""))
        #expect(kept.contains("# source ECB: https://127.0.0.1:\(server.port)/ecb.csv retrieved 2025-09-01T12:00:00+02:00"))
        #expect(kept.contains("# source DE-BASIS: https://127.0.0.1:\(server.port)/bundesbank.csv retrieved 2025-09-02T12:00:00+02:00"))
    }

    @Test("an unreachable source and an untrusted certificate fail with the reason, never fatal, nothing written")
    func unreachable() throws {
        let scratch = ScratchFolder()
        let folder = scratch.path
        let certificates = try TestCertificates(folder: folder)
        // A port nobody listens on: bind one, note it, close it.
        let closed = try TestServer(script: "http_files.py", arguments: ["--root", Self.fixtures], folder: folder)
        let deadPort = closed.port
        _ = consume closed
        let box = try sandbox(port: deadPort, ca: certificates.ca)
        let result = try box.run(["rates", "update", "--series", "ECB", "--now", "2025-09-01T12:00:00+02:00"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("ECB: not updated: https://127.0.0.1:\(deadPort)/ecb.csv: Couldn't connect to server")
                || result.stdout.contains("ECB: not updated: https://127.0.0.1:\(deadPort)/ecb.csv: Could not connect"), "\(result.stdout)")
        #expect(!FileManager.default.fileExists(atPath: box.state + "/reference-rates.toml"))
        // HTTPS with a certificate the configured CA did not sign.
        let server = try TestServer(script: "http_files.py", arguments: ["--root", Self.fixtures, "--cert", certificates.cert,
                                                                      "--key", certificates.key], folder: folder)
        let other = folder + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        let stranger = try TestCertificates(folder: other)
        let untrusted = try sandbox(port: server.port, ca: stranger.ca)
        let refused = try untrusted.run(["rates", "update", "--series", "ECB", "--now", "2025-09-01T12:00:00+02:00"])
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("certificate") || refused.stdout.contains("SSL"), "\(refused.stdout)")
        // Plain http is refused anywhere but loopback, by check before any fetch.
        let remote = try Sandbox(lateCharges: "ecb_url = \"http://rates.example/ecb.csv\"")
        let check = try remote.run(["check"])
        #expect(check.status == 1)
        #expect(check.stderr.contains("late_charges.ecb_url"), "\(check.stderr)")
    }

    @Test("the daemon refreshes the rates by itself, on its own thread, and a dead source never stops it")
    func daemonRefresh() throws {
        let scratch = ScratchFolder()
        let folder = scratch.path
        let certificates = try TestCertificates(folder: folder)
        let server = try TestServer(script: "http_files.py", arguments: ["--root", Self.fixtures, "--cert", certificates.cert,
                                                                      "--key", certificates.key], folder: folder)
        let box = try Sandbox(lateCharges: """
            ecb_url = "https://127.0.0.1:\(server.port)/ecb.csv"
            ca_file = "\(certificates.ca)"
            refresh_days = 7
            """)
        let daemon = try DaemonProcess(sandbox: box, arguments: ["--now", "2025-09-01T12:00:00+02:00"])
        defer { if daemon.isRunning { daemon.stop() } }
        let path = box.state + "/reference-rates.toml"
        #expect(DaemonProcess.wait(seconds: 20) { FileManager.default.fileExists(atPath: path) }, "\(daemon.stderr)")
        #expect((try? String(contentsOfFile: path, encoding: .utf8))?.contains("\"2025-07-01\" = \"2.15\"") == true)
        #expect(daemon.isRunning)
        #expect(daemon.stop() == 0)

        // A dead source: logged, the daemon keeps running and sending.
        let dead = try Sandbox(lateCharges: """
            ecb_url = "https://127.0.0.1:1/ecb.csv"
            refresh_days = 7
            """)
        try dead.drop("F-1.json", Sandbox.invoice(id: "F-1", issued: "2025-08-01", due: "2025-08-31", customer: "C-1", email: "ap@c.example"))
        let running = try DaemonProcess(sandbox: dead, arguments: ["--now", "2025-09-08T10:00:00+02:00"])
        defer { if running.isRunning { running.stop() } }
        #expect(DaemonProcess.wait(seconds: 20) { running.stderr.contains("rates update: ECB: not updated") }, "\(running.stderr)")
        #expect(DaemonProcess.wait(seconds: 20) { (try? dead.outboxMessages().count) ?? 0 > 0 })
        #expect(running.isRunning)
        #expect(running.stop() == 0)
    }
}
