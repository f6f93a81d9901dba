import Foundation
internal import TOMLKit

/// Reads and validates `relance.toml`, reporting every problem at once with
/// its key path and line. Unknown keys are errors: a misspelt `send_tme`
/// silently ignored would send reminders at the wrong hour.
public enum ConfigurationLoader {
    /// `$RELANCE_CONFIG`, else `/etc/relance/relance.toml`.
    public static func defaultPath(environment: [String: String]) -> String {
        environment["RELANCE_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } ?? "/etc/relance/relance.toml"
    }

    public static func load(file: String) throws(ConfigurationError) -> RelanceConfiguration {
        let absolute = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
        guard let data = FileManager.default.contents(atPath: absolute) else {
            throw ConfigurationError(file: file, problems: [.init(path: "", line: nil, message: "cannot read the file (missing or not readable)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: file, problems: [.init(path: "", line: nil, message: "the file is not valid UTF-8")])
        }
        return try parse(text, file: absolute)
    }

    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> RelanceConfiguration {
        let root: ConfigValue
        do {
            root = .table(ConfigValue.members(try TOMLTable(string: text)))
        } catch let error as TOMLParseError {
            throw ConfigurationError(file: file, problems: [.init(path: "", line: error.source.begin.line, message: error.description)])
        } catch {
            throw ConfigurationError(file: file, problems: [.init(path: "", line: nil, message: "\(error)")])
        }
        var reader = ConfigurationReader(root: root, lines: TOMLKeyLines(source: text),
                                         directory: (file as NSString).deletingLastPathComponent)
        let configuration = reader.read(file: file)
        guard reader.problems.isEmpty, let configuration else {
            throw ConfigurationError(file: file, problems: reader.problems)
        }
        return configuration
    }
}
