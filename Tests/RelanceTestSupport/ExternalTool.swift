import Foundation

/// Runs a tool of the system that checks relance's output the way a person's software would:
/// poppler's `pdftotext`, `pdfinfo`, `pdffonts`, `pdftoppm`, and zbar's `zbarimg`.
public enum ExternalTool {
    /// Whether the program is on the usual paths (scripts/setup installs them).
    public static func available(_ program: String) -> Bool {
        ["/usr/bin/", "/usr/local/bin/"].contains { FileManager.default.isExecutableFile(atPath: $0 + program) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The program's standard output; throws with its standard error when it exits non-zero.
    public static func run(_ program: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: (["/usr/bin/", "/usr/local/bin/"].first {
            FileManager.default.isExecutableFile(atPath: $0 + program)
        } ?? "/usr/bin/") + program)
        process.arguments = arguments
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("tool-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: errorFile, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorFile) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: errorFile)
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            let error = (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? ""
            throw Failure(description: "\(program) exited \(process.terminationStatus): \(error)\(text)")
        }
        return text
    }
}
