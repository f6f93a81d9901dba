import Foundation
import RelanceCore
import RelanceFormats
import RelanceReport
import RelanceStore

/// The instances sharing a PostgreSQL store, as `relance status` and `relance metrics` show them:
/// who is alive (the heartbeat's age), what each holds and what each has done since it started.
enum InstancesView {
    /// One line per instance, aligned; the heartbeat's age is counted from `now`.
    static func table(_ instances: [InstanceRecord], now: Date, zone: TimeZone) -> String {
        var rows = [["INSTANCE", "HOST", "PID", "STARTED", "LAST HEARTBEAT", "LEASES", "SENT", "DEFERRED", "FAILED", "UNCERTAIN", "REAPED"]]
        for instance in instances {
            rows.append([instance.name, instance.host, String(instance.pid), ZonedDateTime.iso8601(instance.startedAt, in: zone),
                         "\(ZonedDateTime.iso8601(instance.heartbeatAt, in: zone)) (\(heartbeatAge(instance, now)) s ago)", String(instance.leasesHeld),
                         String(instance.counts.sent), String(instance.counts.deferred), String(instance.counts.failed),
                         String(instance.counts.uncertain), String(instance.counts.reaped)])
        }
        return TextTable.align(rows).joined(separator: "\n")
    }

    /// Whole seconds since the instance's last heartbeat (never negative: clocks of machines differ).
    static func heartbeatAge(_ instance: InstanceRecord, _ now: Date) -> Int {
        max(0, Int(now.timeIntervalSince(instance.heartbeatAt).rounded(.down)))
    }

    static func json(_ instances: [InstanceRecord], now: Date, zone: TimeZone) -> String {
        let items: [JSONValue] = instances.map { instance in
            .object([
                ("name", .string(instance.name)), ("host", .string(instance.host)), ("pid", .number(String(instance.pid))),
                ("startedAt", .string(ZonedDateTime.iso8601(instance.startedAt, in: zone))),
                ("heartbeatAt", .string(ZonedDateTime.iso8601(instance.heartbeatAt, in: zone))),
                ("heartbeatAgeSeconds", .number(String(heartbeatAge(instance, now)))),
                ("leasesHeld", .number(String(instance.leasesHeld))),
                ("sent", .number(String(instance.counts.sent))), ("deferred", .number(String(instance.counts.deferred))),
                ("failed", .number(String(instance.counts.failed))), ("uncertain", .number(String(instance.counts.uncertain))),
                ("reaped", .number(String(instance.counts.reaped))),
            ])
        }
        return JSONWriter.serialize(.object([("instances", .array(items))]), pretty: true)
    }

    /// Prometheus text: one series per instance and counter, labelled by instance name (a name is
    /// letters, digits, '-', '_' and '.': nothing to escape).
    static func prometheus(_ instances: [InstanceRecord]) -> String {
        var text = ""
        func family(_ name: String, _ type: String, _ help: String, _ value: (InstanceRecord) -> String) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for instance in instances { text += "\(name){instance=\"\(instance.name)\"} \(value(instance))\n" }
        }
        family("relance_instance_heartbeat_timestamp_seconds", "gauge", "When the instance last beat its heart (Unix time).") {
            String(Int64($0.heartbeatAt.timeIntervalSince1970.rounded(.down)))
        }
        family("relance_instance_leases", "gauge", "Reminders the instance holds a lease on.") { String($0.leasesHeld) }
        let counters: [(String, String, KeyPath<InstanceRecord.Counts, Int64>)] = [
            ("sent", "Reminders the instance sent", \.sent), ("deferred", "Reminders the server deferred", \.deferred),
            ("failed", "Reminders that failed", \.failed), ("uncertain", "Reminders whose outcome the instance could not know", \.uncertain),
            ("reaped", "Expired leases of other instances the instance reaped", \.reaped),
        ]
        for (key, help, path) in counters {
            family("relance_instance_\(key)_total", "counter", "\(help), since the instance started.") { String($0.counts[keyPath: path]) }
        }
        return text
    }
}
