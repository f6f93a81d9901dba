/// Everything wrong with a configuration file, each problem with its key path
/// and, where it can be found, its line, so `relance check` can list them all.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// One problem: its key path, its line when known, and what is wrong.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public let path: String
        public let line: Int?
        public let message: String

        public var description: String {
            (line.map { "line \($0): " } ?? "") + (path.isEmpty ? "" : "\(path): ") + message
        }
    }

    public let file: String
    public let problems: [Problem]

    public var description: String {
        problems.map { "\(file):\($0.line.map(String.init) ?? "-"): \($0.path.isEmpty ? "" : "\($0.path): ")\($0.message)" }
            .joined(separator: "\n")
    }
}
