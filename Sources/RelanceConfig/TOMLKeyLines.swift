/// Finds the line of a key path (`schedule.send_time`, `policies[1].steps[2]`)
/// in TOML source, so errors found after parsing still point at a line.
/// A light scan of table headers and `key =` lines; it does not parse values.
struct TOMLKeyLines {
    private var lines: [String: Int] = [:]

    init(source: String) {
        var table = ""
        var arrayCounts: [String: Int] = [:]
        var openArray: (path: String, elements: Int)?
        var depth = 0
        for (number, rawLine) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = number + 1
            let line = rawLine.drop(while: { $0 == " " || $0 == "\t" })
            if depth == 0, line.hasPrefix("[[") {
                let name = TOMLKeyLines.unquote(line.dropFirst(2).prefix { $0 != "]" })
                let index = arrayCounts[name, default: 0]
                arrayCounts[name] = index + 1
                table = "\(name)[\(index)]"
                record(table, lineNumber)
                continue
            }
            if depth == 0, line.hasPrefix("[") {
                table = TOMLKeyLines.unquote(line.dropFirst().prefix { $0 != "]" })
                record(table, lineNumber)
                continue
            }
            if depth == 0, let equals = line.firstIndex(of: "="), !line.hasPrefix("#") {
                let key = TOMLKeyLines.unquote(line[..<equals])
                let path = table.isEmpty ? key : "\(table).\(key)"
                record(path, lineNumber)
                let value = line[line.index(after: equals)...]
                if value.drop(while: { $0 == " " }).hasPrefix("[") { openArray = (path, 0) }
            }
            // Track inline tables inside a multi-line array: each `{` at array depth is an element.
            if let array = openArray {
                var elements = array.elements
                for ch in line {
                    if ch == "#" { break }
                    if ch == "[" || ch == "{" {
                        if ch == "{", depth == 1 { record("\(array.path)[\(elements)]", lineNumber); elements += 1 }
                        depth += 1
                    } else if ch == "]" || ch == "}" {
                        depth -= 1
                    }
                }
                openArray = depth <= 0 ? nil : (array.path, elements)
                if depth < 0 { depth = 0 }
            }
        }
    }

    /// The line of `path`, else of its nearest ancestor that has one.
    func line(of path: String) -> Int? {
        var candidate = path
        while !candidate.isEmpty {
            if let line = lines[candidate] { return line }
            if let cut = candidate.lastIndex(where: { $0 == "." || $0 == "[" }) {
                candidate = String(candidate[..<cut])
            } else {
                return nil
            }
        }
        return nil
    }

    private mutating func record(_ path: String, _ line: Int) {
        if lines[path] == nil { lines[path] = line }
    }

    private static func unquote(_ text: Substring) -> String {
        text.split(separator: ".").map { part in
            part.trimmingCharacters(" \t").trimmingCharacters("\"'")
        }.joined(separator: ".")
    }
}

extension StringProtocol {
    func trimmingCharacters(_ set: String) -> String {
        String(drop(while: { set.contains($0) }).reversed().drop(while: { set.contains($0) }).reversed())
    }
}
