import Foundation
import RelanceConfig
import RelanceCore
import RelanceFormats

/// What `relance run --dry-run` says of the files still waiting in the inbox: each one read as
/// pickup would read it (rejections with their reason), planned as ingest would plan it, and the
/// reminder that would go now if it were taken. Nothing is moved, ingested or sent.
public struct InboxPreview {
    let context: DaemonContext

    public init(context: DaemonContext) { self.context = context }

    /// Lines in the send log's format: `would-ingest`, `would-reject`, `would-send`.
    public func lines() -> [String] {
        let configuration = context.configuration
        let paths = configuration.paths
        let calendar = configuration.calendar
        let now = context.clock.now()
        let zone = configuration.company.timeZone
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: paths.inbox)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        var out: [String] = []
        for name in names {
            let path = paths.inbox + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            var line = LogfmtLine(timestamp: ZonedDateTime.iso8601(now, in: zone), event: "would-ingest")
            let read: InvoiceReader.Read
            do {
                read = try InvoiceReader.read(file: path, inbox: paths.inbox, sizeLimit: paths.maxFileBytes, defaultTerms: configuration.schedule.defaultTerms)
            } catch {
                var rejected = LogfmtLine(timestamp: ZonedDateTime.iso8601(now, in: zone), event: "would-reject")
                rejected.add("file", name)
                rejected.add("reason", error.problems.map { "\($0.field): \($0.message)" }.joined(separator: "; "))
                out.append(rejected.text)
                continue
            }
            for invoice in read.invoices {
                line = LogfmtLine(timestamp: ZonedDateTime.iso8601(now, in: zone), event: "would-ingest")
                line.add("invoice", invoice.id)
                line.add("file", name)
                line.add("format", read.format.rawValue)
                line.add("due", invoice.dueDate?.iso)
                out.append(line.text)
                let plan = Planner.plan(invoice: invoice, policy: configuration.policy(for: invoice.customer), calendar: calendar).filter(\.isActive)
                // What would go at once: the latest step whose time has come (the cycle would send that one, skipping the others).
                if let step = plan.last(where: { $0.sendAt <= now }), calendar.isInSendWindow(now) {
                    var send = LogfmtLine(timestamp: ZonedDateTime.iso8601(now, in: zone), event: "would-send")
                    send.add("invoice", invoice.id)
                    send.add("step", step.name)
                    send.add("to", invoice.customer.emails.map(\.value).joined(separator: ","))
                    send.add("amount", step.amountDue.description)
                    out.append(send.text)
                }
                if let next = plan.first(where: { $0.sendAt > now }) {
                    var planned = LogfmtLine(timestamp: ZonedDateTime.iso8601(now, in: zone), event: "would-plan")
                    planned.add("invoice", invoice.id)
                    planned.add("next", "\(next.name)@\(next.date.iso)")
                    out.append(planned.text)
                }
            }
        }
        return out
    }
}
