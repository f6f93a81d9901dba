import Foundation

/// The kernel's identifier of this boot (`/proc/sys/kernel/random/boot_id`): a send batch
/// records it, so that after a power loss or reboot relance knows unsynced commits may be
/// gone and treats the whole unfinished batch as uncertain.
enum BootID {
    static let current: String = {
        let text = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)) ?? ""
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // Without /proc every start counts as a new boot: the safe side (uncertain, never resent).
        return trimmed.isEmpty ? "unknown-\(ProcessInfo.processInfo.processIdentifier)" : trimmed
    }()
}
