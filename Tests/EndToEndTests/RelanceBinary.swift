import Foundation
import RelanceTestSupport

/// Runs the built `relance` executable the way a user does and captures what it prints.
/// The binary is `$RELANCE_BIN`, else `.build/debug/relance` in the package.
struct RelanceBinary {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static var path: String {
        ProcessInfo.processInfo.environment["RELANCE_BIN"] ?? packageRoot + "/.build/debug/relance"
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String

        func json() throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any] ?? [:]
        }
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "RELANCE_CONFIG")
        for (key, value) in environment { env[key] = value }
        let output = try ProcessCapture.run(path, arguments, environment: env, directory: packageRoot)
        return Result(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }
}

extension RelanceBinary {
    /// Runs another program (sqlite3, python3) and returns its standard output.
    static func runTool(_ path: String, _ arguments: [String], includeStderr: Bool = false) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = includeStderr ? out : FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
