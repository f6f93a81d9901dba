import Foundation
public import RelanceConfig
public import RelanceCore
import RelanceFormats
import RelanceStore
import RelanceTransport
public import Logging

/// `relance rates update` and the daemon's periodic refresh: fetches the official series
/// the configured laws use over HTTPS, applies each law's rule for which published rate
/// governs a half-year (`ReferenceRateRule`), and keeps the result in
/// `STATE_DIR/reference-rates.toml` with its sources and retrieval time. A source that
/// fails leaves its earlier entries untouched; nothing is ever guessed.
public struct RatesUpdater: Sendable {
    let configuration: RelanceConfiguration
    let record: RatesRefreshRecord
    let clock: any WallClock
    let logger: Logger
    let fetcher: HTTPSFetcher

    public init(configuration: RelanceConfiguration, record: RatesRefreshRecord, clock: any WallClock, logger: Logger) {
        self.configuration = configuration
        self.record = record
        self.clock = clock
        self.logger = logger
        fetcher = HTTPSFetcher(caFile: configuration.rateSources.caFile)
    }

    public init(context: DaemonContext) {
        self.init(configuration: context.configuration, record: .store(context.store), clock: context.clock, logger: context.logger)
    }

    /// What one series' update did.
    public struct Outcome: Sendable {
        public let series: String
        public let url: String
        /// Half-year → rate on success; the reason on failure.
        public let result: Result<[LocalDate: Percent], Failure>

        public var succeeded: Bool { if case .success = result { true } else { false } }

        public var line: String {
            switch result {
            case .success(let rates):
                let starts = rates.keys.sorted()
                let latest = starts.last.map { "\($0.iso) = \(rates[$0]?.description ?? "?") %" } ?? "none"
                return "\(series): \(rates.count) half-years from \(starts.first?.iso ?? "-"), latest \(latest) (\(url))"
            case .failure(let failure):
                return "\(series): not updated: \(failure.description)"
            }
        }
    }

    /// Why an update fetched nothing usable (the tables in force are kept).
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Fetches every series in use (or `only`), writes the merged table, records the attempt.
    public func update(only: [String]? = nil) -> [Outcome] {
        let now = clock.now()
        let today = configuration.calendar.localDate(of: now)
        var outcomes: [Outcome] = []
        for series in only ?? configuration.rateSeriesInUse {
            guard let url = configuration.rateSources.url(series: series), let source = ReferenceRateReader.Source(rawValue: series) else {
                outcomes.append(Outcome(series: series, url: "-", result: .failure(Failure(description: "no source known for \(series)"))))
                continue
            }
            switch fetcher.get(url) {
            case .failure(let failure):
                outcomes.append(Outcome(series: series, url: url, result: .failure(Failure(description: failure.description))))
            case .success(let bytes):
                do {
                    let observations = try ReferenceRateReader.read(bytes, source: source)
                    let rates = ReferenceRateRule.halfYears(series: series, observations: observations, retrievedOn: today)
                    outcomes.append(Outcome(series: series, url: url, result: rates.isEmpty
                        ? .failure(Failure(description: "\(url): no half-year can be worked out from the response"))
                        : .success(rates)))
                } catch {
                    outcomes.append(Outcome(series: series, url: url, result: .failure(Failure(description: "\(url): \(error)"))))
                }
            }
        }
        if outcomes.contains(where: \.succeeded) {
            do { try write(outcomes, at: now) } catch {
                outcomes = outcomes.map { Outcome(series: $0.series, url: $0.url, result: .failure(Failure(description: "not saved: \(error)"))) }
            }
        }
        let allGood = !outcomes.isEmpty && outcomes.allSatisfy(\.succeeded)
        do {
            try record.note(attemptAt: now, succeeded: allGood)
        } catch {
            logger.warning("rates update: the attempt could not be recorded: \(error)")
        }
        for outcome in outcomes {
            if outcome.succeeded { logger.info("rates update: \(outcome.line)") } else { logger.warning("rates update: \(outcome.line)") }
        }
        return outcomes
    }

    /// Whether the daemon should refresh now: every `refresh_days` after the last success,
    /// and an hour after a failed attempt.
    public func isDue() -> Bool {
        let days = configuration.rateSources.refreshDays
        guard days > 0, !configuration.rateSeriesInUse.isEmpty else { return false }
        let now = clock.now().timeIntervalSince1970
        let (attempt, success) = record.read()
        if let attempt, abs(now - attempt) < 3600 { return false }
        guard let success else { return true }
        return now - success >= TimeInterval(days * 86_400)
    }

    /// The previous table's entries with the fresh ones over them, written atomically with a
    /// header naming each source and when it was read.
    private func write(_ outcomes: [Outcome], at now: Date) throws {
        let path = configuration.fetchedRatesFile
        var table = (try? ReferenceRatesFile.read(path))?.table ?? [:]
        let zone = configuration.company.timeZone
        var header = [
            "# Reference rates for statutory late-payment interest, written by `relance rates update`",
            "# (docs/late-charges.md). relance rewrites this file; put your own entries in [late_charges] rates_file.",
        ]
        let previous = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.hasPrefix("# source ") }
        for outcome in outcomes {
            if case .success(let rates) = outcome.result {
                table[outcome.series, default: [:]].merge(rates) { _, new in new }
                header.append("# source \(outcome.series): \(outcome.url) retrieved \(ZonedDateTime.iso8601(now, in: zone))")
            }
        }
        // Sources not refreshed this time keep their earlier line.
        for line in previous where !outcomes.contains(where: { $0.succeeded && line.hasPrefix("# source \($0.series):") }) {
            header.append(String(line))
        }
        var text = header.joined(separator: "\n") + "\n"
        for series in table.keys.sorted() {
            text += "\n[\(series)]\n"
            for (start, rate) in (table[series] ?? [:]).sorted(by: { $0.key < $1.key }) { text += "\"\(start.iso)\" = \"\(rate.description)\"\n" }
        }
        try FileManager.default.createDirectory(atPath: configuration.paths.stateDirectory, withIntermediateDirectories: true)
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
            throw Failure(description: "cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else { throw Failure(description: "cannot rename \(temporary): \(String(cString: strerror(errno)))") }
    }
}
