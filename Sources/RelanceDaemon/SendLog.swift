import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The send log people `tail -f`: one logfmt line per event, appended with a
/// single `write(2)` on an `O_APPEND` descriptor (so lines from the daemon and
/// the command line never interleave), written only after the commit it
/// reports, and reopened on SIGHUP for logrotate.
public final class SendLog: Sendable {
    public let path: String
    private let descriptor: Mutex<Int32>

    public init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let fd = SendLog.open(path)
        guard fd >= 0 else { throw SendLogError(path: path, reason: String(cString: strerror(errno))) }
        descriptor = Mutex(fd)
    }

    /// A send log that writes nothing: the commands that only look never open the real one.
    public init(discarding: Void) {
        path = "/dev/null"
        descriptor = Mutex(-1)
    }

    deinit { descriptor.withLock { if $0 >= 0 { _ = close($0) } } }

    /// Appends the lines (each gets its newline), in one write.
    public func append(_ lines: [String]) {
        guard !lines.isEmpty, descriptor.withLock({ $0 >= 0 }) else { return }
        let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
        descriptor.withLock { fd in
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
                if n < 0 { if errno == EINTR { continue }; return }
                offset += n
            }
        }
    }

    /// Closes and reopens the file by name (after logrotate moved it).
    public func reopen() {
        descriptor.withLock { fd in
            let fresh = SendLog.open(path)
            guard fresh >= 0 else { return }
            close(fd)
            fd = fresh
        }
    }

    private static func open(_ path: String) -> Int32 {
        Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
    }
}

/// The send log could not be opened.
public struct SendLogError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot open the send log \(path): \(reason)" }
}
