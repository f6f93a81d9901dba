import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A `relance run` daemon started in the background for a test, its
/// diagnostics captured in a file (never a pipe the test could forget to read).
final class DaemonProcess {
    let process = Process()
    let stderrPath: String

    init(sandbox: Sandbox, arguments: [String] = [], environment extra: [String: String] = [:]) throws {
        stderrPath = sandbox.root + "/daemon-\(UUID().uuidString.prefix(8)).stderr"
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: RelanceBinary.path)
        process.arguments = ["run", "--config", sandbox.config] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "NOTIFY_SOCKET")
        environment.removeValue(forKey: "WATCHDOG_USEC")
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var isRunning: Bool { process.isRunning }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Sends SIGTERM and waits; returns the exit status.
    @discardableResult
    func stop() -> Int32 {
        signal(SIGTERM)
        process.waitUntilExit()
        return process.terminationStatus
    }

    func killHard() {
        signal(SIGKILL)
        process.waitUntilExit()
    }

    /// Waits until `condition` holds, at most `seconds`; true when it did.
    static func wait(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date(timeIntervalSinceNow: 0) < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}
