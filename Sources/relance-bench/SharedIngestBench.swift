import Foundation
import Logging
import PostgresNIO
import RelanceConfig
import RelanceCore
import RelanceDaemon
import RelanceFormats
import RelanceStore
import Synchronization

/// `relance-bench shared-ingest --store-port P --config F --instances N`: takes every file of the
/// configuration's inbox into the PostgreSQL store on 127.0.0.1:P (user relance, password s3cret,
/// the project's test server; emptied first) with N instances watching that one folder (threads of
/// this process, each with its own connections, running `SharedPickup`). Checks that every file
/// became one invoice, and prints the wall time and files per second as one JSON object.
enum SharedIngestBench {
    static func run(_ arguments: [String]) throws {
        func option(_ name: String) -> String? {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
            return arguments[index + 1]
        }
        guard let storePort = option("--store-port").flatMap(Int.init), let config = option("--config") else {
            throw BenchFailure("usage: relance-bench shared-ingest --store-port P --config F [--instances N]")
        }
        let instances = max(1, option("--instances").flatMap(Int.init) ?? 1)
        let configuration = try ConfigurationLoader.load(file: config)
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: configuration.paths.inbox)) ?? []).filter { $0.hasSuffix(".json") }.count
        let location = try PostgresLocation(url: "postgresql://relance@127.0.0.1:\(storePort)/postgres", tls: "none")
        let setup = try PostgresStore(location: location, password: "s3cret", deadline: .seconds(60))
        let clock = SystemClock()
        _ = try setup.waitFor("migrate") { try await setup.migrate(at: clock.now()) }
        _ = try setup.blockingTransaction("empty the store") { connection in
            try await connection.query("TRUNCATE reminders, payments, events, source_files, invoices CASCADE", logger: Logger(label: "bench"))
        }
        let sendLog = try SendLog(path: configuration.paths.sendLog)
        let taken = Mutex(0)
        let seconds = try BenchInstances.run(instances) { _ in
            let store = try PostgresStore(location: location, password: "s3cret", deadline: .seconds(30))
            let pickup = SharedPickup(configuration: configuration, store: store, sendLog: sendLog, clock: clock, logger: Logger(label: "bench"))
            let summary = pickup.scan()
            if summary.failed { throw BenchFailure("a batch failed") }
            taken.withLock { $0 += summary.taken }
        }
        let invoices = try setup.blockingStatement("count") { connection in
            for try await count in try await connection.query("SELECT COUNT(*) FROM invoices", logger: Logger(label: "bench")).decode(Int64.self) {
                return Int(count)
            }
            return 0
        }
        guard invoices == files, taken.withLock({ $0 }) == files else {
            throw BenchFailure("\(files) files: \(invoices) invoices stored, \(taken.withLock { $0 }) files filed")
        }
        print(JSONWriter.serialize(.object([("instances", .number(String(instances))), ("files", .number(String(files))),
                                             ("seconds", .number(String(format: "%.3f", seconds))),
                                             ("perSecond", .number(String(format: "%.1f", Double(files) / seconds)))]), pretty: false))
    }
}
