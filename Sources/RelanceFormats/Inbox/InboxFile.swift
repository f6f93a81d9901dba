#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file that a stranger dropped into the inbox, refusing anything
/// that is not a regular file inside the inbox: symlinks, devices, FIFOs,
/// paths that climb out with `..`, and files over the size limit.
public enum InboxFile {
    public static let defaultSizeLimit = 10 * 1024 * 1024

    /// The bytes of `path`, which must be a regular file no larger than `sizeLimit`
    /// and, when `inbox` is given, lie inside it.
    public static func read(_ path: String, inbox: String? = nil, sizeLimit: Int = defaultSizeLimit) throws(InvoiceRejection) -> [UInt8] {
        if let inbox {
            guard isInside(path, root: inbox), resolvesInside(path, root: inbox) else {
                throw InvoiceRejection(file: path, "the path leads outside the inbox")
            }
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { throw InvoiceRejection(file: path, "cannot be read: \(errnoText())") }
        let type = info.st_mode & S_IFMT
        guard type != S_IFLNK else { throw InvoiceRejection(file: path, "is a symbolic link; only regular files are read") }
        guard type == S_IFREG else { throw InvoiceRejection(file: path, "is not a regular file") }
        guard Int(info.st_size) <= sizeLimit else {
            throw InvoiceRejection(file: path, "is \(info.st_size) bytes, over the \(sizeLimit)-byte limit")
        }
        // O_NOFOLLOW closes the window between the check and the open.
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw InvoiceRejection(file: path, "cannot be opened: \(errnoText())") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(info.st_size))
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw InvoiceRejection(file: path, "cannot be read: \(errnoText())")
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            guard bytes.count <= sizeLimit else { throw InvoiceRejection(file: path, "grew over the \(sizeLimit)-byte limit while being read") }
        }
        return bytes
    }

    /// True when `path`, with `.` and `..` resolved lexically, lies inside `root`.
    public static func isInside(_ path: String, root: String) -> Bool {
        let normalizedRoot = normalize(root)
        let normalizedPath = normalize(path.hasPrefix("/") ? path : root + "/" + path)
        return normalizedPath == normalizedRoot || normalizedPath.hasPrefix(normalizedRoot == "/" ? "/" : normalizedRoot + "/")
    }

    /// True when the directory holding `path`, with every symbolic link resolved,
    /// lies inside `root` resolved the same way (a linked subfolder cannot lead out).
    public static func resolvesInside(_ path: String, root: String) -> Bool {
        let full = path.hasPrefix("/") ? path : root + "/" + path
        let parent = normalize(full).split(separator: "/").dropLast().joined(separator: "/")
        guard let realRoot = realPath(root), let realParent = realPath("/" + parent) else { return false }
        return realParent == realRoot || realParent.hasPrefix(realRoot == "/" ? "/" : realRoot + "/")
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Resolves `.` and `..` without touching the file system; `..` above `/` stays at `/`.
    public static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(component)
            }
        }
        let joined = parts.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : joined
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
