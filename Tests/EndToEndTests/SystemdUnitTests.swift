import Foundation
import Testing

@Suite("systemd unit")
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
}
