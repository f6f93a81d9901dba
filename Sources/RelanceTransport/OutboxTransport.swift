import Foundation
public import RelanceMail
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import CSystemShim

/// Delivers into a folder, maildir style: each message is written to `tmp/`,
/// then renamed into `new/` as an `.eml` file, so a reader sees a message
/// wholly or not at all. Durability comes once per batch: `flush` syncs the
/// file system (syncfs) before the cycle records the messages as delivered, so
/// a thousand messages cost one sync, not two thousand. The default transport:
/// a fresh install works with no mail server.
public final class OutboxTransport: MailTransport {
    public let directory: String
    private let counter = Atomic<Int>(0)

    public init(directory: String) throws {
        self.directory = directory
        for sub in ["tmp", "new", "cur"] {
            try FileManager.default.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true)
        }
    }

    public func send(_ message: OutgoingMessage) -> DeliveryOutcome {
        let sequence = counter.add(1, ordering: .relaxed).newValue
        // Unique without reading the clock: process, sequence, and 64 random bits.
        let name = "\(getpid())_\(sequence).\(String(UInt64.random(in: 0...UInt64.max), radix: 16)).\(MessageID.fnv1a(message.messageID)).eml"
        let temporary = directory + "/tmp/" + name
        let final = directory + "/new/" + name
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard fd >= 0 else { return .deferred(reason: "outbox: cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var written = 0
        let ok = message.data.withUnsafeBytes { buffer -> Bool in
            while written < buffer.count {
                let n = write(fd, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 { if errno == EINTR { continue }; return false }
                written += n
            }
            return true
        }
        close(fd)
        guard ok else {
            unlink(temporary)
            return .deferred(reason: "outbox: cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        guard rename(temporary, final) == 0 else {
            unlink(temporary)
            return .deferred(reason: "outbox: cannot move into new/: \(String(cString: strerror(errno)))")
        }
        return .delivered(reply: "250 outbox new/\(name)")
    }

    /// A file written is durable only after `flush` (one syncfs per batch).
    public var acceptanceIsDurable: Bool { false }

    public func flush() -> String? {
        let dir = open(directory + "/new", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { return "outbox: cannot open new/: \(String(cString: strerror(errno)))" }
        defer { close(dir) }
        // syncfs writes back every file written since (their data, the renames and the folder).
        guard relance_syncfs(dir) == 0 else { return "outbox: syncfs failed: \(String(cString: strerror(errno)))" }
        return nil
    }
}
