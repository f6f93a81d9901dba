import Foundation

/// A program run to its end with its standard output and error captured: the relance binary, or
/// a tool that checks relance's output. Standard error goes to a file, so a child that writes
/// much to both streams can never block on a full pipe while this side waits for the other one.
public enum ProcessCapture {
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           directory: String? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: errorFile, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorFile) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: errorFile)
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let error = FileManager.default.contents(atPath: errorFile) ?? Data()
        return Output(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self), stderr: String(decoding: error, as: UTF8.self))
    }
}

/// Runs a tool of the system that checks relance's output the way a person's software would:
/// poppler's `pdftotext`, `pdfinfo`, `pdffonts`, `pdftoppm`, and zbar's `zbarimg`.
public enum ExternalTool {
    static let folders = ["/usr/bin/", "/usr/local/bin/"]

    /// Whether the program is on the usual paths (scripts/setup installs them).
    public static func available(_ program: String) -> Bool {
        folders.contains { FileManager.default.isExecutableFile(atPath: $0 + program) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The program's standard output; throws with its standard error when it exits non-zero.
    public static func run(_ program: String, _ arguments: [String]) throws -> String {
        let folder = folders.first { FileManager.default.isExecutableFile(atPath: $0 + program) } ?? folders[0]
        let output = try ProcessCapture.run(folder + program, arguments)
        guard output.status == 0 else { throw Failure(description: "\(program) exited \(output.status): \(output.stderr)\(output.stdout)") }
        return output.stdout
    }
}
