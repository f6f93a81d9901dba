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

    private static func contents(of path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path), var text = String(data: data, encoding: .utf8) else {
            throw SecretError(path: path)
        }
        if text.hasSuffix("\r\n") { text.removeLast(2) } else if text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}

/// A secret file that could not be read (its content is never shown).
public struct SecretError: Error, CustomStringConvertible {
    public let path: String
    public var description: String { "cannot read the secret file \(path)" }
}
