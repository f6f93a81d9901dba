import Foundation
import Logging
import RelanceConfig
import RelanceCore
import RelanceDaemon
import RelanceFormats
import RelanceStore

/// `relance-bench`: in-process timings that a process launch would blur, for
/// `scripts/bench`. Opens the store of a configuration and times, N times each:
/// the daemon's next-wake query and the status of one invoice (as `relance
/// status INVOICE --json` builds it). Prints one JSON object.
///
///     relance-bench --config F --now ISO8601 --invoice ID [--repeat N]
///
/// With `shared-send` first, times instead the sending over a shared PostgreSQL store
/// (`SharedSendBench`); with `shared-ingest`, the intake of an inbox into one (`SharedIngestBench`).
@main
enum RelanceBench {
    static func main() throws {
        if CommandLine.arguments.dropFirst().first == "shared-send" {
            try SharedSendBench.run(Array(CommandLine.arguments.dropFirst(2)))
            return
        }
        if CommandLine.arguments.dropFirst().first == "shared-ingest" {
            try SharedIngestBench.run(Array(CommandLine.arguments.dropFirst(2)))
            return
        }
        var arguments = Array(CommandLine.arguments.dropFirst())
        func option(_ name: String) -> String? {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
            defer { arguments.removeSubrange(index...(index + 1)) }
            return arguments[index + 1]
        }
        guard let config = option("--config"), let nowText = option("--now"), let invoice = option("--invoice") else {
            FileHandle.standardError.write(Data("usage: relance-bench --config F --now ISO8601 --invoice ID [--repeat N]\n".utf8))
            exit(2)
        }
        let repeats = option("--repeat").flatMap(Int.init) ?? 200
        let configuration = try ConfigurationLoader.load(file: config)
        guard let now = ZonedDateTime.parse(nowText, defaultZone: configuration.company.timeZone) else {
            FileHandle.standardError.write(Data("relance-bench: bad --now\n".utf8))
            exit(2)
        }
        let context = try DaemonContext.open(configuration, clock: FixedClock(now), logger: Logger(label: "bench"))
        let clock = ContinuousClock()

        func time(_ body: () throws -> Void) rethrows -> [Double] {
            try (0..<repeats).map { _ in
                let start = clock.now
                try body()
                let elapsed = clock.now - start
                return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            }
        }
        var wake: Date?
        let wakeTimes = try time { wake = try context.store.read { tx in try tx.nextWake() } }
        var bytes = 0
        let statusTimes = try time {
            guard let status = try StatusQuery(context: context).one(invoice) else { throw BenchFailure("no invoice \(invoice)") }
            bytes = JSONWriter.serialize(.object([("invoices", .array([status.json(zone: configuration.company.timeZone)]))]), pretty: true).utf8.count
        }
        func summary(_ values: [Double]) -> JSONValue {
            let sorted = values.sorted()
            func at(_ q: Double) -> String { String(format: "%.3f", sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * q))]) }
            return .object([("median", .number(at(0.5))), ("p99", .number(at(0.99))), ("min", .number(at(0))), ("max", .number(at(1)))])
        }
        let result: JSONValue = .object([
            ("nextWake", .string(wake.map { ZonedDateTime.iso8601($0, in: configuration.company.timeZone) } ?? "none")),
            ("nextWakeMs", summary(wakeTimes)), ("statusMs", summary(statusTimes)), ("statusBytes", .number(String(bytes))),
            ("repeat", .number(String(repeats))),
        ])
        print(JSONWriter.serialize(result, pretty: false))
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
