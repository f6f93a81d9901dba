public import RelanceCore

/// Reads the reference-rate series the way each central bank publishes it, into
/// dated observations; anything else is a typed error naming the line.
///
/// - ECB data portal, SDMX `csvdata` (series `FM.D.U2.EUR.4F.KR.MRR_FR.LEV`): a header row
///   naming `TIME_PERIOD` and `OBS_VALUE`, then one row per change date, `.` as decimal point.
/// - Deutsche Bundesbank time-series CSV (series `BBK01.SU0115`, Basiszinssatz): `;`-separated,
///   a few header lines, then `YYYY-MM;2,27;` rows with a decimal comma; `.` for no value.
/// - Bank of England database CSV (series `IUDBEDR`, Bank Rate): `DATE,IUDBEDR` then
///   `02 Jan 2025,4.75` rows; `..` for no value.
public enum ReferenceRateReader {
    /// The central bank a rate file comes from, by the series name the configuration uses.
    public enum Source: String, Sendable, CaseIterable {
        case ecb = "ECB"
        case bundesbank = "DE-BASIS"
        case bankOfEngland = "BOE"
    }

    /// Why a response is not a series relance can read.
    public struct Problem: Error, Equatable, Sendable, CustomStringConvertible {
        public let line: Int?
        public let message: String
        public var description: String { (line.map { "line \($0): " } ?? "") + message }
    }

    /// Responses larger than this are refused (the ECB's whole history is a few KiB).
    public static let sizeLimit = 4 * 1024 * 1024

    public static func read(_ bytes: [UInt8], source: Source) throws(Problem) -> [RateObservation] {
        guard !bytes.isEmpty else { throw Problem(line: nil, message: "the response is empty") }
        guard bytes.count <= sizeLimit else { throw Problem(line: nil, message: "the response is over \(sizeLimit) bytes") }
        guard let text = String(validating: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes, as: UTF8.self) else {
            throw Problem(line: nil, message: "the response is not UTF-8 text")
        }
        if text.contains("\u{0}") { throw Problem(line: nil, message: "the response holds a NUL byte: not a CSV series") }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        let observations: [RateObservation]
        switch source {
        case .ecb: observations = try ecb(lines)
        case .bundesbank: observations = try bundesbank(lines)
        case .bankOfEngland: observations = try bankOfEngland(lines)
        }
        guard !observations.isEmpty else { throw Problem(line: nil, message: "no observation in the response") }
        return observations
    }

    static func ecb(_ lines: [Substring]) throws(Problem) -> [RateObservation] {
        guard let header = lines.first.map({ fields($0, ",") }), let period = header.firstIndex(of: "TIME_PERIOD"),
              let value = header.firstIndex(of: "OBS_VALUE") else {
            throw Problem(line: 1, message: "no header naming TIME_PERIOD and OBS_VALUE (expected the ECB's SDMX csvdata)")
        }
        var result: [RateObservation] = []
        for (index, line) in lines.enumerated().dropFirst() where !line.allSatisfy(\.isWhitespace) {
            let row = fields(line, ",")
            guard row.count > max(period, value) else { throw Problem(line: index + 1, message: "has \(row.count) fields, expected \(header.count)") }
            guard let date = LocalDate(iso: row[period]) else { throw Problem(line: index + 1, message: "\"\(row[period].prefix(40))\" is not a date YYYY-MM-DD") }
            if row[value].isEmpty || row[value] == "NaN" { continue }
            guard let rate = rate(row[value]) else { throw Problem(line: index + 1, message: "\"\(row[value].prefix(40))\" is not a rate") }
            result.append(RateObservation(date: date, rate: rate))
        }
        return result
    }

    static func bundesbank(_ lines: [Substring]) throws(Problem) -> [RateObservation] {
        var result: [RateObservation] = []
        var sawSeries = false
        for (index, line) in lines.enumerated() where !line.allSatisfy(\.isWhitespace) {
            let row = fields(line, ";")
            if row.contains(where: { $0.hasPrefix("BBK01.SU0115") }) { sawSeries = true }
            guard let first = row.first, let date = LocalDate(iso: first) ?? LocalDate(iso: first + "-01") else { continue }
            guard row.count >= 2 else { throw Problem(line: index + 1, message: "a date without a value") }
            if row[1] == "." || row[1].isEmpty { continue }
            guard let rate = rate(row[1].replacingComma()) else { throw Problem(line: index + 1, message: "\"\(row[1].prefix(40))\" is not a rate") }
            result.append(RateObservation(date: date, rate: rate))
        }
        if !sawSeries, result.isEmpty { throw Problem(line: 1, message: "not the Bundesbank's BBK01.SU0115 series") }
        return result
    }

    static func bankOfEngland(_ lines: [Substring]) throws(Problem) -> [RateObservation] {
        guard let header = lines.first.map({ fields($0, ",") }), header.first?.uppercased() == "DATE", header.count >= 2 else {
            throw Problem(line: 1, message: "no header DATE,IUDBEDR (expected the Bank of England's database CSV)")
        }
        var result: [RateObservation] = []
        for (index, line) in lines.enumerated().dropFirst() where !line.allSatisfy(\.isWhitespace) {
            let row = fields(line, ",")
            guard row.count >= 2 else { throw Problem(line: index + 1, message: "has \(row.count) field, expected 2") }
            guard let date = englishDate(row[0]) else { throw Problem(line: index + 1, message: "\"\(row[0].prefix(40))\" is not a date like 02 Jan 2025") }
            if row[1] == ".." || row[1].isEmpty { continue }
            guard let rate = rate(row[1]) else { throw Problem(line: index + 1, message: "\"\(row[1].prefix(40))\" is not a rate") }
            result.append(RateObservation(date: date, rate: rate))
        }
        return result
    }

    /// A plausible central-bank rate: -10 % to 100 %, at most four decimals.
    static func rate(_ text: String) -> Percent? {
        guard text.count <= 12, let percent = Percent(text), percent > Percent(whole: -10), percent < Percent(whole: 100) else { return nil }
        return percent
    }

    static func fields(_ line: Substring, _ separator: Character) -> [String] {
        line.split(separator: separator, omittingEmptySubsequences: false).map {
            var field = $0.trimmingCharacters(in: " \t")
            if field.hasPrefix("\""), field.hasSuffix("\""), field.count >= 2 { field = String(field.dropFirst().dropLast()) }
            return field
        }
    }

    /// `02 Jan 2025`.
    static func englishDate(_ text: String) -> LocalDate? {
        let parts = text.split(separator: " ")
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        guard parts.count == 3, let day = Int(parts[0]), let month = months.firstIndex(of: parts[1].lowercased()), let year = Int(parts[2]) else { return nil }
        return LocalDate(year: year, month: month + 1, day: day)
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}

extension String {
    func replacingComma() -> String { String(map { $0 == "," ? "." : $0 }) }
}
