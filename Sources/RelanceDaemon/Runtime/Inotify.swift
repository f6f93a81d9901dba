#if canImport(Glibc)
import Glibc
#endif

/// The Linux inotify watches the daemon sleeps on: the inbox (a file closed
/// after writing, or renamed in) and the state folder's wake-up file touched by
/// the command line after it changes something.
final class Inotify {
    let descriptor: Int32
    private var watches: [Int32: String] = [:]

    /// A file event: which watched folder, which name in it.
    struct Event {
        let folder: String
        let name: String
        /// IN_CREATE: a new name, possibly a file still being written.
        let created: Bool
    }

    init() throws {
        descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else { throw RuntimeFailure("inotify_init1: \(String(cString: strerror(errno)))") }
    }

    deinit { close(descriptor) }

    func watch(_ folder: String) throws {
        let wd = inotify_add_watch(descriptor, folder, UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_ATTRIB | IN_CREATE))
        guard wd >= 0 else { throw RuntimeFailure("cannot watch \(folder): \(String(cString: strerror(errno)))") }
        watches[wd] = folder
    }

    func unwatchAll() {
        for wd in watches.keys { inotify_rm_watch(descriptor, wd) }
        watches.removeAll()
    }

    /// Reads every pending event without blocking.
    func drain() -> [Event] {
        var events: [Event] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= n {
                let (wd, length, mask) = buffer.withUnsafeBytes { raw -> (Int32, Int, UInt32) in
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    return (event.wd, Int(event.len), event.mask)
                }
                let nameStart = offset + MemoryLayout<inotify_event>.size
                let nameBytes = buffer[nameStart..<min(n, nameStart + length)].prefix { $0 != 0 }
                if let folder = watches[wd], !nameBytes.isEmpty {
                    let created = mask & UInt32(IN_CREATE) != 0 && mask & UInt32(IN_CLOSE_WRITE | IN_MOVED_TO) == 0
                    events.append(Event(folder: folder, name: String(decoding: nameBytes, as: UTF8.self), created: created))
                }
                offset = nameStart + length
            }
        }
        return events
    }
}

/// A system call the daemon cannot run without failed.
struct RuntimeFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
