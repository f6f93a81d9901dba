/// One logfmt line: `key=value` pairs, a value quoted when it holds a space,
/// a quote, an equals sign or nothing, with `\`, `"` and line breaks escaped,
/// so one event is always exactly one line.
public struct LogfmtLine: Sendable {
    public private(set) var text: String

    public init(timestamp: String, event: String) {
        text = "\(timestamp) event=\(event)"
    }

    public mutating func add(_ key: String, _ value: String?) {
        guard let value else { return }
        text += " \(key)=\(LogfmtLine.quote(value))"
    }

    static func quote(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.unicodeScalars.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0.value < 0x21 || $0.value == 0x7F || $0 == "\\" }
        guard needsQuotes else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: appendEscapingControls(scalar, to: &out)
            }
        }
        return out + "\""
    }

    /// `text` with line breaks and other control characters written as `\n`, `\r`, `\t`,
    /// `\u{…}` (U+2028 and U+2029 too): always one line. What the diagnostics use.
    public static func escapingControls(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars { appendEscapingControls(scalar, to: &out) }
        return out
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    private static func appendEscapingControls(_ scalar: Unicode.Scalar, to out: inout String) {
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where isControl(scalar): out += "\\u{\(String(scalar.value, radix: 16))}"
        default: out.unicodeScalars.append(scalar)
        }
    }
}
