import Foundation

/// Reading a send-log line as the tests do: one place for the `key=value` rule (a value in double
/// quotes runs to the next quote, else to the next space).
enum SendLogLine {
    /// The value of `key=` in `line`; nil when the line has no such field.
    static func field(_ key: String, _ line: String) -> String? {
        guard let range = line.range(of: " \(key)=") else { return nil }
        let rest = line[range.upperBound...]
        if rest.hasPrefix("\"") { return String(rest.dropFirst().prefix { $0 != "\"" }) }
        return String(rest.prefix { $0 != " " })
    }
}
