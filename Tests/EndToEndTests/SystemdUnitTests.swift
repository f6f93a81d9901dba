import Foundation
import RelanceTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("systemd unit", .ownThread)
struct SystemdUnitTests {
    static let analyze = "/usr/bin/systemd-analyze"

    /// The unit with ExecStart pointing at the built binary (verify checks that it exists).
    func unitCopy() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let text = try String(contentsOfFile: RelanceBinary.packageRoot + "/systemd/relance.service", encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/relance", with: RelanceBinary.path)
        let path = folder + "/relance.service"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("systemd-analyze verify is clean", .enabled(if: FileManager.default.isExecutableFile(atPath: analyze)))
    func verify() throws {
        let unit = try unitCopy()
        let output = try RelanceBinary.runTool(Self.analyze, ["verify", unit], includeStderr: true)
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(output)")
    }

    @Test("systemd-analyze security rates the unit 1.5 or lower", .enabled(if: FileManager.default.isExecutableFile(atPath: analyze)))
    func security() throws {
        let unit = try unitCopy()
        let output = try RelanceBinary.runTool(Self.analyze, ["security", "--offline=yes", unit], includeStderr: true)
        let line = try #require(output.split(separator: "\n").first { $0.contains("Overall exposure level") })
        let score = try #require(line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) })
        #expect(score <= 1.5, "\(line)")
    }

    @Test("scripts/install into a temporary root: every path moved, and the installed unit's command runs as an unprivileged user",
          .enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser")))
    func installedLayout() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("install-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let output = try RelanceBinary.runTool("/usr/bin/env", ["RELANCE_INSTALL_ROOT=" + root, "RELANCE_INSTALL_BINARY=" + RelanceBinary.path,
                                                                 "bash", RelanceBinary.packageRoot + "/scripts/install"], includeStderr: true)
        #expect(output.contains("install: done"), "\(output)")
        let config = try String(contentsOfFile: root + "/etc/relance/relance.toml", encoding: .utf8)
        for line in ["inbox = \"\(root)/var/lib/relance/inbox\"", "state_dir = \"\(root)/var/lib/relance\"",
                     "payments = \"\(root)/var/lib/relance/payments\"", "send_log = \"\(root)/var/log/relance/send.log\""] {
            #expect(config.contains(line), "\(line)")
        }
        #expect(!config.contains("\"../"))
        // The service's own user owns its folders, as tmpfiles and StateDirectory= would make them.
        _ = try RelanceBinary.runTool("/bin/chown", ["-R", "nobody", root + "/var/lib/relance", root + "/var/log/relance"])
        // Reach the temporary root as the unprivileged user.
        _ = try RelanceBinary.runTool("/bin/chmod", ["o+rx", root, root + "/var", root + "/var/lib", root + "/var/log", root + "/etc", root + "/etc/relance"])
        var path = (root as NSString).deletingLastPathComponent
        while path != "/" && !path.isEmpty {
            _ = try? RelanceBinary.runTool("/bin/chmod", ["o+x", path])
            path = (path as NSString).deletingLastPathComponent
        }
        let unit = try String(contentsOfFile: root + "/etc/systemd/system/relance.service", encoding: .utf8)
        // systemd refuses to start a unit whose LoadCredential= file is missing: install makes each one (empty until filled).
        let credentials = unit.split(separator: "\n").filter { $0.hasPrefix("LoadCredential=") }.map { String($0.split(separator: ":", maxSplits: 1)[1]) }
        #expect(credentials.map { ($0 as NSString).lastPathComponent } == ["smtp-password", "imap-password", "store-password"])
        for file in credentials { #expect(FileManager.default.fileExists(atPath: root + file), "\(file)") }
        let exec = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") }).dropFirst("ExecStart=".count)
        let words = exec.split(separator: " ").map { $0.hasPrefix("/") ? root + $0 : String($0) }
        #expect(words.first == root + "/usr/local/bin/relance")
        let once = try RelanceBinary.runTool("/usr/sbin/runuser", ["-u", "nobody", "--"] + words + ["--once", "--now", "2026-11-02T10:00:00+01:00"],
                                             includeStderr: true)
        #expect(once.contains("cycle at 2026-11-02T10:00:00+01:00"), "\(once)")
        #expect(FileManager.default.fileExists(atPath: root + "/var/lib/relance/relance.sqlite"))
        #expect(FileManager.default.fileExists(atPath: root + "/var/log/relance/send.log"))
    }
}
