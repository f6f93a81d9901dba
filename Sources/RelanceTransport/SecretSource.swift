import Foundation

/// Where a password or token comes from, in order: an explicit file, the
/// systemd credential (`$CREDENTIALS_DIRECTORY/NAME`, from `LoadCredential=`),
/// then an environment variable. Never the command line; never logged.
public struct SecretSource: Sendable {
    public let file: String?
    public let credentialName: String
    public let environmentVariable: String

    public init(file: String?, credentialName: String, environmentVariable: String) {
        self.file = file
        self.credentialName = credentialName
        self.environmentVariable = environmentVariable
    }

    /// The secret with one trailing newline removed, or nil when none is configured.
    public func read() throws -> String? { try read(environment: ProcessInfo.processInfo.environment) }

    public func read(environment: [String: String]) throws -> String? {
        if let file { return try Self.contents(of: file) }
        if let directory = environment["CREDENTIALS_DIRECTORY"], FileManager.default.fileExists(atPath: directory + "/" + credentialName) {
            return try Self.contents(of: directory + "/" + credentialName)
        }
        return environment[environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// What is wrong with a secret file, in words for `relance check` (nil when it is usable):
    /// missing, not a regular file, empty, or readable by others than its owner and group.
    public static func problem(with path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return "\(path) does not exist" }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return "\(path) is not a regular file" }
        guard info.st_size > 0 else { return "\(path) is empty" }
        guard info.st_mode & 0o004 == 0 else { return "\(path) is readable by every user (chmod 600 or 640)" }
        guard FileManager.default.isReadableFile(atPath: path) else { return "\(path) cannot be read by this user" }
        return nil
    }

    private static func contents(of path: String) throws -> String {
        if let problem = problem(with: path) { throw SecretError(path: path, reason: problem) }
        guard let data = FileManager.default.contents(atPath: path), var text = String(data: data, encoding: .utf8) else {
            throw SecretError(path: path, reason: "cannot be read as UTF-8 text")
        }
        if text.hasSuffix("\r\n") { text.removeLast(2) } else if text.hasSuffix("\n") { text.removeLast() }
        guard !text.isEmpty else { throw SecretError(path: path, reason: "\(path) holds only a line break") }
        return text
    }
}

/// A secret file that could not be read (its content is never shown).
public struct SecretError: Error, CustomStringConvertible {
    public let path: String
    public var reason: String = "cannot be read"
    public var description: String { "the secret file \(path): \(reason)" }
}
