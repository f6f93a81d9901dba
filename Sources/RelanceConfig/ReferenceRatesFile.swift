import Foundation
internal import TOMLKit
public import RelanceCore

/// Reads a reference-rate table (`config/reference-rates.toml`): one table per
/// series, `"YYYY-01-01" = "2.15"` or `"YYYY-07-01"` entries.
public enum ReferenceRatesFile {
    /// What is wrong with the rate file, in words for `relance check`.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    public static func read(_ path: String) throws(Problem) -> ReferenceRates {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw Problem(description: "cannot read \(path)")
        }
        let root: TOMLTable
        do { root = try TOMLTable(string: text) } catch { throw Problem(description: "\(path): \(error)") }
        var table: [String: [LocalDate: Percent]] = [:]
        for (series, value) in root {
            guard let entries = value.table else { throw Problem(description: "\(path): [\(series)] must be a table") }
            for (day, rate) in entries {
                guard let date = LocalDate(iso: day), date.day == 1, date.month == 1 || date.month == 7 else {
                    throw Problem(description: "\(path): [\(series)] \"\(day)\" is not 1 January or 1 July")
                }
                guard let text = rate.string, let percent = Percent(text) else {
                    throw Problem(description: "\(path): [\(series)] \"\(day)\" needs a rate as a string such as \"2.15\"")
                }
                table[series, default: [:]][date] = percent
            }
        }
        return ReferenceRates(table: table)
    }
}
