import Foundation

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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "RELANCE_CONFIG")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        // Standard error goes to a file: a child that writes much to both streams can never block
        // on a full pipe while this side waits for the other one.
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("relance-stderr-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: errorFile, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorFile) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: errorFile)
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = FileManager.default.contents(atPath: errorFile) ?? Data()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
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
