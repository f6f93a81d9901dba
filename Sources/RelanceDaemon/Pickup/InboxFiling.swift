import Foundation
import Logging
import RelanceConfig
import RelanceCore

/// Where inbox files go once their batch committed: archived, or moved to `rejected/` with their
/// reasons beside them and a send-log line. Shared by both intakes (`Pickup`, `SharedPickup`).
enum InboxFiling {
    /// Files each outcome (nil reasons: committed). Returns how many files left the inbox, and
    /// whether one could not be moved (a full disk: the caller scans again later).
    static func file(_ outcomes: [(path: String, reasons: [String]?)], paths: PathSettings, today: LocalDate, journal: Journal,
                     sendLog: SendLog, logger: Logger, at now: Date) -> (taken: Int, moveFailed: Bool) {
        let mover = FileMover(archive: paths.archive, rejected: paths.rejected)
        var taken = 0
        var moveFailed = false
        for (path, reasons) in outcomes {
            let name = (path as NSString).lastPathComponent
            do {
                if let reasons {
                    let destination = try mover.reject(path, reasons: reasons)
                    journal.lineWithoutCommit(at: now, event: "rejected", invoice: nil, [
                        ("file", name), ("moved_to", destination), ("reason", reasons.joined(separator: "; ")),
                    ])
                    logger.warning("rejected \(name): \(reasons.joined(separator: "; "))")
                } else {
                    _ = try mover.archive(path, on: today)
                }
                taken += 1
            } catch {
                // Gone meanwhile: another instance watching the same folder filed it (its commit
                // and this one's were the same file's: one of them was told it was a duplicate).
                guard FileManager.default.fileExists(atPath: path) else { continue }
                logger.error("pickup: \(error)")
                moveFailed = true
            }
        }
        taken -= mover.finish().count
        journal.flush(to: sendLog)
        return (taken, moveFailed)
    }
}
