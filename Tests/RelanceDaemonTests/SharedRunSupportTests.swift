import Foundation
@testable import RelanceDaemon
import RelanceConfig
import RelanceCore
import RelanceStore
import RelanceTestSupport
import Testing

/// The shared daemon's judgements made before it starts: which settings it cannot honour yet, and
/// whether another process already runs under its instance name.
@Suite("shared run: refusals before start")
struct SharedRunSupportTests {
    let now = Date(timeIntervalSince1970: 1_793_600_000)

    func registered(host: String, pid: Int64, heartbeatAgo seconds: Double) -> InstanceRecord {
        InstanceRecord(name: "paris", host: host, pid: pid, startedAt: now.addingTimeInterval(-3600),
                       heartbeatAt: now.addingTimeInterval(-seconds), leasesHeld: 0,
                       counts: .init(sent: 0, deferred: 0, failed: 0, uncertain: 0, reaped: 0))
    }

    @Test("a name whose heartbeat is recent and whose process lives is taken; a dead pid, an old heartbeat or this very process is not")
    func instanceName() {
        let live = registered(host: "vm", pid: 41, heartbeatAgo: 10)
        #expect(SharedDaemon.stillRunning(live, host: "vm", pid: 42, now: now, leaseSeconds: 60, processAlive: true))
        // kill -9 and restarted at once: the heartbeat is recent, the process is gone.
        #expect(!SharedDaemon.stillRunning(live, host: "vm", pid: 42, now: now, leaseSeconds: 60, processAlive: false))
        #expect(!SharedDaemon.stillRunning(live, host: "vm", pid: 41, now: now, leaseSeconds: 60, processAlive: true))
        // Another host: only the heartbeat can tell.
        #expect(SharedDaemon.stillRunning(registered(host: "lyon", pid: 41, heartbeatAgo: 100), host: "vm", pid: 42, now: now,
                                          leaseSeconds: 60, processAlive: nil))
        #expect(!SharedDaemon.stillRunning(registered(host: "lyon", pid: 41, heartbeatAgo: 121), host: "vm", pid: 42, now: now,
                                           leaseSeconds: 60, processAlive: nil))
    }

    /// The example configuration with `extra` appended.
    func configuration(_ extra: String) throws -> RelanceConfiguration {
        let text = try String(contentsOfFile: TestServer.packageRoot + "/config/relance.toml", encoding: .utf8)
        return try ConfigurationLoader.parse(text + "\n" + extra, file: FileManager.default.temporaryDirectory.path + "/relance.toml")
    }

    @Test("policy rules stop the shared daemon with their reason; review, a policy's call and task steps do not")
    func unsupportedSettings() throws {
        let calls = """
            [[policies]]
            name = "calls"
            steps = [{ name = "due", at = "due" }, { name = "call", at = "due+5", kind = "call" }, { name = "todo", at = "due+9", kind = "task", text = "send the signed delivery note" }]
            """
        #expect(SharedRunSupport.unsupported(try configuration(calls)).isEmpty)
        // Held messages are approved on a shared store as on one machine (SharedReviewEndToEndTests).
        #expect(SharedRunSupport.unsupported(try configuration("[review]\nenabled = true\non_timeout = \"send\"\n")).isEmpty)
        let rules = SharedRunSupport.unsupported(try configuration(calls + """

            [[policy_rules]]
            when = { broken_promises_min = 2 }
            policy = "calls"
            """))
        #expect(rules == ["[[policy_rules]]: a customer's record is not summarised on a shared store yet"])
    }
}
