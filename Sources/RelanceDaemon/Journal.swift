import Foundation
import RelanceCore
import RelanceStore

/// Records events: each goes into the store's events table inside the
/// transaction that causes it, and its send-log line is held back until
/// `flush` is called after that transaction commits.
final class Journal {
    private let zone: TimeZone
    private var pending: [String] = []
    /// The last instant stamped and its text: a transaction's many events share one instant.
    private var stamp: (at: Date, text: String)?

    init(zone: TimeZone) { self.zone = zone }

    private func timestamp(_ at: Date) -> String {
        if let stamp, stamp.at == at { return stamp.text }
        let text = ZonedDateTime.iso8601(at, in: zone)
        stamp = (at, text)
        return text
    }

    func record(_ tx: StoreTransaction, at: Date, event: String, invoice: String?, _ fields: [(String, String?)]) throws {
        let line = Self.line(timestamp: timestamp(at), event: event, invoice: invoice, fields)
        try tx.addEvent(at: at, event: event, invoiceID: invoice, line: line)
        pending.append(line)
    }

    /// One event's send-log line (also what the events table keeps): shared with the shared
    /// store's intake, which writes its events on PostgreSQL.
    static func line(timestamp: String, event: String, invoice: String?, _ fields: [(String, String?)]) -> String {
        var line = LogfmtLine(timestamp: timestamp, event: event)
        line.add("invoice", invoice)
        for (key, value) in fields { line.add(key, value) }
        return line.text
    }

    /// A line that reports no state change (a rejected file): written at once.
    func lineWithoutCommit(at: Date, event: String, invoice: String?, _ fields: [(String, String?)]) {
        var line = LogfmtLine(timestamp: timestamp(at), event: event)
        line.add("invoice", invoice)
        for (key, value) in fields { line.add(key, value) }
        pending.append(line.text)
    }

    /// A point to come back to when part of a transaction is rolled back.
    func mark() -> Int { pending.count }

    func rewind(to mark: Int) { pending.removeLast(max(0, pending.count - mark)) }

    /// Drops what the failed transaction would have reported.
    func discard() { pending.removeAll() }

    func flush(to log: SendLog) {
        log.append(pending)
        pending.removeAll()
    }
}
