import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One daemon per state directory: an exclusive `flock` on `STATE_DIR/relance.lock`, held for
/// the life of the process (the kernel lets go when it dies, however it dies). The file holds
/// the owner's pid, so a second `relance run` can say which one is running. Commands other
/// than `run` never take it and keep working beside the daemon.
public final class StateLock {
    private let descriptor: Int32
    public let path: String

    /// Why the lock could not be taken.
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    public init(stateDirectory: String) throws(Refusal) {
        path = stateDirectory + "/relance.lock"
        do {
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        } catch {
            throw Refusal(description: "cannot create \(stateDirectory): \(error.localizedDescription)")
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Refusal(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            let owner = count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "?"
            if reason == EWOULDBLOCK {
                throw Refusal(description: "another relance is already running on \(stateDirectory) (pid \(owner), lock \(path)); "
                              + "stop it first, or point this one at another state_dir")
            }
            throw Refusal(description: "cannot lock \(path): \(String(cString: strerror(reason)))")
        }
        descriptor = fd
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit { close(descriptor) }
}
