import Foundation
import RelanceCore
#if canImport(Glibc)
import Glibc
#endif

/// Moves inbox files to where they belong once their fate is committed:
/// `archive/YYYY/MM/NAME` or `rejected/NAME` with `NAME.reason` beside it.
/// A name already taken gets `.1`, `.2`… before its extension: nothing is
/// ever overwritten or deleted.
struct FileMover {
    let archive: String
    let rejected: String

    func archive(_ path: String, on date: LocalDate) throws -> String {
        let folder = "\(archive)/\(date.iso.prefix(4))/\(date.iso.dropFirst(5).prefix(2))"
        return try move(path, into: folder)
    }

    func reject(_ path: String, reasons: [String]) throws -> String {
        let destination = try move(path, into: rejected)
        let text = "relance could not read \((path as NSString).lastPathComponent):\n" + reasons.map { "- \($0)\n" }.joined()
        let reasonPath = destination + ".reason"
        let fd = open(reasonPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        if fd >= 0 {
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            fsync(fd)
            close(fd)
        }
        return destination
    }

    private func move(_ path: String, into folder: String) throws -> String {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let name = (path as NSString).lastPathComponent
        var destination = folder + "/" + name
        var counter = 1
        let stem = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        // link(2) + unlink(2) never replaces an existing name (rename(2) would).
        while true {
            if link(path, destination) == 0 {
                unlink(path)
                break
            }
            if errno == EEXIST {
                destination = folder + "/" + stem + ".\(counter)" + (ext.isEmpty ? "" : "." + ext)
                counter += 1
                continue
            }
            if errno == EXDEV || errno == EPERM {
                // Another file system (or links not allowed): copy, then remove the original.
                guard !FileManager.default.fileExists(atPath: destination) else {
                    destination = folder + "/" + stem + ".\(counter)" + (ext.isEmpty ? "" : "." + ext)
                    counter += 1
                    continue
                }
                try FileManager.default.copyItem(atPath: path, toPath: destination)
                try FileManager.default.removeItem(atPath: path)
                break
            }
            throw FileMoveError(path: path, reason: String(cString: strerror(errno)))
        }
        let dir = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 { fsync(dir); close(dir) }
        return destination
    }
}

/// A file could not be moved out of the inbox (it stays there and is retried).
struct FileMoveError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "cannot move \(path): \(reason)" }
}
