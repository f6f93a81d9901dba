import Foundation
import PostgresNIO
import RelanceCore
import RelanceFormats
import RelanceDaemon
import RelanceMail
import RelanceStore
import RelanceTransport
import Synchronization

/// `relance-bench shared-send --store-port P --smtp-port S --instances N --reminders M [--bytes B]`:
/// M due reminders put in the PostgreSQL store on 127.0.0.1:P (user relance, password s3cret, the
/// project's test server), then N instances (threads of this process, each with its own
/// connections and SMTP connection) send them with `SharedSender` to the SMTP server on S.
/// Prints the wall time and messages per second as one JSON object.
enum SharedSendBench {
    static func run(_ arguments: [String]) throws {
        func option(_ name: String) -> Int? {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
            return Int(arguments[index + 1])
        }
        guard let storePort = option("--store-port"), let smtpPort = option("--smtp-port"), let instances = option("--instances"),
              let reminders = option("--reminders") else {
            throw BenchFailure("usage: relance-bench shared-send --store-port P --smtp-port S --instances N --reminders M [--bytes B]")
        }
        let bytes = option("--bytes") ?? 3_700
        let location = try PostgresLocation(url: "postgresql://relance@127.0.0.1:\(storePort)/postgres", tls: "none")
        let setup = try PostgresStore(location: location, password: "s3cret", deadline: .seconds(60))
        let clock = SystemClock()
        let start = Int64(clock.now().timeIntervalSince1970) - 60
        _ = try setup.waitFor("migrate") { try await setup.migrate(at: clock.now()) }
        _ = try setup.blockingTransaction("prepare") { connection in
            let logger = Logger(label: "bench")
            try await connection.query("TRUNCATE reminders, invoices CASCADE", logger: logger)
            try await connection.query("""
                INSERT INTO invoices (id, customer_key, currency, total_minor, issue_date, due_date, source_file, source_hash, format, document,
                                      ingested_at, updated_at, owed_minor)
                SELECT 'F-' || n, 'id:C' || n, 'EUR', 100000, '2026-10-01', '2026-10-31', 'F.json', 'h', 'json', '{}', 0, 0, 100000
                FROM generate_series(1, \(reminders)) AS n
                """, logger: logger)
            try await connection.query("""
                INSERT INTO reminders (invoice_id, step, kind, local_date, send_at, state, amount_minor, updated_at)
                SELECT 'F-' || n, 'first', 'post-due', '2026-11-07', \(start), 'planned', 100000, 0 FROM generate_series(1, \(reminders)) AS n
                """, logger: logger)
            try await connection.query("ANALYZE", logger: logger)
        }
        let padding = String(repeating: "x", count: 76) + "\r\n"
        let body = String(repeating: padding, count: max(1, bytes / padding.utf8.count))
        let zone = TimeZone(identifier: "Europe/Paris")!
        let sent = Mutex(0)
        let seconds = try BenchInstances.run(instances) { number in
            let store = try PostgresStore(location: location, password: "s3cret", deadline: .seconds(30))
            let transport = try SMTPTransport(settings: SMTPSettings(url: "smtp://127.0.0.1:\(smtpPort)", tls: .none), secret: nil)
            let sender = SharedSender(store: store, queue: SharedQueue(owner: "bench-\(number)", leaseSeconds: 60), transport: transport,
                                      clock: clock, today: { ZonedDateTime.localDate(of: $0, in: zone) }, batchSize: 20) { lease in
                let id = "<r\(lease.reminderID)@bench.relance.test>"
                let text = "From: compta@atelier-dupont.example\r\nTo: ap@c.example\r\nSubject: Facture \(lease.invoiceID)\r\n"
                    + "Message-ID: \(id)\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body
                return OutgoingMessage(messageID: id, envelopeFrom: "compta@atelier-dupont.example", recipients: ["ap@c.example"],
                                       data: Array(text.utf8))
            }
            while true {
                let summary = try sender.sendDue()
                sent.withLock { $0 += summary.sent }
                if summary.claimed == 0 { break }
            }
        }
        let count = sent.withLock { $0 }
        guard count == reminders else { throw BenchFailure("sent \(count) of \(reminders)") }
        print(JSONWriter.serialize(.object([("instances", .number(String(instances))), ("reminders", .number(String(reminders))),
                                             ("seconds", .number(String(format: "%.3f", seconds))),
                                             ("perSecond", .number(String(format: "%.1f", Double(reminders) / seconds)))]), pretty: false))
    }
}
