import Foundation
import RelanceTestSupport
import Testing

/// The reference rates of an instance sharing a PostgreSQL store, against recorded responses
/// served over real HTTPS on 127.0.0.1: `relance rates update` keeps the table and its refresh
/// record in the instance's own state directory, and the daemon refreshes them when due and takes
/// the table in as on SIGHUP.
@Suite("reference rates on a shared PostgreSQL store", .ownThread, .serialized, .enabled(if: PSQL.available && TestServer.pythonAvailable))
struct SharedRatesEndToEndTests {
    @Test("rates update writes this instance's table and record; the daemon refreshes when due and reloads its settings")
    func updateAndRefresh() throws {
        let (store, scratch, smtp) = try SharedPaymentsEndToEndTests.servers()
        let certificates = try TestCertificates(folder: scratch.path)
        let https = try TestServer(script: "http_files.py", arguments: ["--root", RatesUpdateTests.fixtures, "--cert", certificates.cert,
                                                                     "--key", certificates.key], folder: scratch.path)
        func sources(refreshDays: Int) -> String {
            """
            ecb_url = "https://127.0.0.1:\(https.port)/ecb.csv"
            bundesbank_url = "https://127.0.0.1:\(https.port)/bundesbank.csv"
            boe_url = "https://127.0.0.1:\(https.port)/boe.csv?csv.x=yes&SeriesCodes=IUDBEDR"
            ca_file = "\(certificates.ca)"
            refresh_days = \(refreshDays)
            """
        }
        let laws = "[customers.\"C-DE\"]\nlate_charges = \"DE\"\n\n[customers.\"C-GB\"]\nlate_charges = \"GB\"\n"
        let a = try Sandbox.sharedInstance("paris", storePort: store.port, smtpPort: smtp.port, extra: laws, lateCharges: sources(refreshDays: 0))
        let updated = try a.run(["rates", "update", "--now", "2025-09-01T12:00:00+02:00"])
        #expect(updated.status == 0, "\(updated.stdout)\n\(updated.stderr)")
        #expect(updated.stdout.contains("ECB: 6 half-years from 2023-01-01, latest 2025-07-01 = 2.15 %"), "\(updated.stdout)")
        let table = try String(contentsOfFile: a.state + "/reference-rates.toml", encoding: .utf8)
        #expect(table.contains("[BOE]\n\"2023-01-01\" = \"3.5\""), "\(table)")
        let record = try String(contentsOfFile: a.state + "/reference-rates.refresh", encoding: .utf8)
        #expect(record.contains("rates_last_success = "), "\(record)")
        #expect(try a.run(["rates", "show", "--now", "2025-09-01T12:00:00+02:00"]).stdout.contains("BOE: 2023-01-01 3.5 %"))

        // Another instance with a weekly refresh: its daemon fetches at start and takes the table in.
        let b = try Sandbox.sharedInstance("lyon", storePort: store.port, smtpPort: smtp.port, extra: laws, lateCharges: sources(refreshDays: 7))
        let daemon = try DaemonProcess(sandbox: b, arguments: ["--now", "2025-09-01T12:00:00+02:00"])
        defer { if daemon.isRunning { daemon.killHard() } }
        #expect(DaemonProcess.wait(seconds: 30) { daemon.stderr.contains("configuration reloaded from") }, "\(daemon.stderr)")
        #expect(FileManager.default.fileExists(atPath: b.state + "/reference-rates.toml"))
        #expect(try String(contentsOfFile: b.state + "/reference-rates.refresh", encoding: .utf8).contains("rates_last_success = "))
        #expect(daemon.stop() == 0, "\(daemon.stderr)")
    }
}
