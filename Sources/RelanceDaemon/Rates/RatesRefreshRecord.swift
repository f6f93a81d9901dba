import Foundation
public import RelanceStore

/// When the reference rates were last fetched (an attempt, and a fully successful update), the
/// refresh's own bookkeeping: exists so that `RatesUpdater` keeps it where the instance keeps its
/// table. On one machine it is the SQLite store's daemon values; an instance sharing a PostgreSQL
/// store keeps its table in its own state directory, and this beside it.
public enum RatesRefreshRecord: Sendable {
    /// In the SQLite store (`daemon_state`).
    case store(Store)
    /// A small file of the instance's own (`STATE_DIR/reference-rates.refresh`).
    case file(String)

    /// The record beside `fetchedRatesFile`, for an instance on a shared store.
    public static func beside(_ fetchedRatesFile: String) -> RatesRefreshRecord {
        .file((fetchedRatesFile as NSString).deletingPathExtension + ".refresh")
    }

    static let attemptKey = "rates_last_attempt", successKey = "rates_last_success"

    /// The last attempt's and the last success's instants (seconds since 1970), nil when none.
    func read() -> (attempt: TimeInterval?, success: TimeInterval?) {
        switch self {
        case .store(let store):
            let values = try? store.read { tx in
                (try tx.daemonValue(Self.attemptKey).flatMap(TimeInterval.init), try tx.daemonValue(Self.successKey).flatMap(TimeInterval.init))
            }
            return values ?? (nil, nil)
        case .file(let path):
            var values: [String: TimeInterval] = [:]
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2, let value = TimeInterval(parts[1]) { values[parts[0]] = value }
            }
            return (values[Self.attemptKey], values[Self.successKey])
        }
    }

    /// Notes an attempt at `now`, and a success with `succeeded`.
    func note(attemptAt now: Date, succeeded: Bool) throws {
        let seconds = String(Int64(now.timeIntervalSince1970))
        switch self {
        case .store(let store):
            try store.write { tx in
                try tx.setDaemonValue(Self.attemptKey, seconds)
                if succeeded { try tx.setDaemonValue(Self.successKey, seconds) }
            }
        case .file(let path):
            let success = succeeded ? seconds : read().success.map { String(Int64($0)) }
            let text = "\(Self.attemptKey) = \(seconds)\n" + (success.map { "\(Self.successKey) = \($0)\n" } ?? "")
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }
}
