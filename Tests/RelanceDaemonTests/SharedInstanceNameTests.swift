import Foundation
@testable import RelanceDaemon
import RelanceConfig
import RelanceCore
import RelanceStore
import RelanceTestSupport
import Testing

/// The shared daemon's judgement made before it starts: whether another process already runs
/// under its instance name.
@Suite("shared run: an instance name already running")
struct SharedInstanceNameTests {
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
}
