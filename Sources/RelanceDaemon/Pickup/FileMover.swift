import Foundation
import RelanceCore
#if canImport(Glibc)
import Glibc
#endif

/// Moves inbox files to where they belong once their fate is committed:
/// `archive/YYYY/MM/NAME` or `rejected/NAME` with `NAME.reason` beside it.
/// A name already taken gets `.1`, `.2`… before its extension: nothing is
/// ever overwritten or deleted.
///
/// Moves are done in two steps so a batch costs one fsync per folder, not
/// one per file, and a crash can never lose a file: each file is first
/// linked at its destination; `finish()` makes the destination folders
/// durable, and only then unlinks the originals from the inbox. A crash in
/// between leaves one file under two names; the next scan finds the archive
/// name is the same inode and only removes the inbox name.
final class FileMover {
    let archive: String
    let rejected: String
    private var createdFolders = Set<String>()
    private var touchedFolders: [String] = []
    private var originals: [String] = []

    init(archive: String, rejected: String) {
        self.archive = archive
        self.rejected = rejected
    }

    func archive(_ path: String, on date: LocalDate) throws -> String {
        let folder = "\(archive)/\(date.iso.prefix(4))/\(date.iso.dropFirst(5).prefix(2))"
        if let earlier = earlierArchiveLink(of: path), (earlier as NSString).deletingLastPathComponent != folder {
            // Linked into another month's folder before a crash (the run before was on another
            // day): only the inbox name is left to remove, as within one folder.
            let earlierFolder = (earlier as NSString).deletingLastPathComponent
            if !touchedFolders.contains(earlierFolder) { touchedFolders.append(earlierFolder) }
            originals.append(path)
            return earlier
        }
        return try place(path, into: folder)
    }

    /// Where the archive already holds this very file (the same inode), when it has a second name
    /// at all: a crash between the link and the unlink. Only then are the month folders looked
    /// through, for the file's name and its numbered variants.
    private func earlierArchiveLink(of path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_nlink > 1 else { return nil }
        let name = (path as NSString).lastPathComponent
        let stem = (name as NSString).deletingPathExtension, ext = (name as NSString).pathExtension
        let manager = FileManager.default
        for year in ((try? manager.contentsOfDirectory(atPath: archive)) ?? []).sorted() {
            for month in ((try? manager.contentsOfDirectory(atPath: archive + "/" + year)) ?? []).sorted() {
                let folder = archive + "/" + year + "/" + month
                var candidate = folder + "/" + name
                var counter = 1
                while manager.fileExists(atPath: candidate) {
                    if Self.sameFile(path, candidate) { return candidate }
                    candidate = folder + "/" + stem + ".\(counter)" + (ext.isEmpty ? "" : "." + ext)
                    counter += 1
                }
            }
        }
        return nil
    }

    func reject(_ path: String, reasons: [String]) throws -> String {
        let destination = try place(path, into: rejected)
        let text = "relance could not read \((path as NSString).lastPathComponent):\n" + reasons.map { "- \($0)\n" }.joined()
        let fd = open(destination + ".reason", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        if fd >= 0 {
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            fsync(fd)
            close(fd)
        }
        return destination
    }

    /// Makes every destination folder durable, then removes the originals (and syncs their folders).
    /// Returns the originals that were already gone: another instance watching the same folder
    /// linked the same file (the same inode) and removed it first, so it was that one's to file.
    @discardableResult
    func finish() -> Set<String> {
        for folder in touchedFolders { syncFolder(folder) }
        var sources = Set<String>()
        var gone = Set<String>()
        for path in originals {
            if unlink(path) != 0, errno == ENOENT { gone.insert(path) }
            sources.insert((path as NSString).deletingLastPathComponent)
        }
        for folder in sources { syncFolder(folder) }
        touchedFolders.removeAll()
        originals.removeAll()
        return gone
    }

    /// Links (or, across file systems, copies) `path` into `folder` under a free name.
    private func place(_ path: String, into folder: String) throws -> String {
        if !createdFolders.contains(folder) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            createdFolders.insert(folder)
        }
        let name = (path as NSString).lastPathComponent
        var destination = folder + "/" + name
        var counter = 1
        let stem = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        // A folder dropped under a file's name (`x.json/`) moves whole: rename(2), to a name not yet taken.
        var info = stat()
        if lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            while FileManager.default.fileExists(atPath: destination) {
                destination = folder + "/" + stem + ".\(counter)" + (ext.isEmpty ? "" : "." + ext)
                counter += 1
            }
            guard rename(path, destination) == 0 else { throw FileMoveError(path: path, reason: String(cString: strerror(errno))) }
            if !touchedFolders.contains(folder) { touchedFolders.append(folder) }
            return destination
        }
        // link(2) never replaces an existing name (rename(2) would).
        while true {
            if link(path, destination) == 0 { break }
            // Already linked there before a crash (the same inode): only the unlink is left to do.
            if errno == EEXIST, Self.sameFile(path, destination) { break }
            if errno == EEXIST {
                destination = folder + "/" + stem + ".\(counter)" + (ext.isEmpty ? "" : "." + ext)
                counter += 1
                continue
            }
            if errno == EXDEV || errno == EPERM {
                // Another file system (or links not allowed): copy; the original goes in `finish`.
                guard !FileManager.default.fileExists(atPath: destination) else {
                    destination = folder + "/" + stem + ".\(counter)" + (ext.isEmpty ? "" : "." + ext)
                    counter += 1
                    continue
                }
                try FileManager.default.copyItem(atPath: path, toPath: destination)
                let fd = open(destination, O_RDONLY | O_CLOEXEC)
                if fd >= 0 { fsync(fd); close(fd) }
                break
            }
            throw FileMoveError(path: path, reason: String(cString: strerror(errno)))
        }
        if !touchedFolders.contains(folder) { touchedFolders.append(folder) }
        originals.append(path)
        return destination
    }

    private static func sameFile(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        guard lstat(a, &first) == 0, lstat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    private func syncFolder(_ folder: String) {
        let dir = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 { fsync(dir); close(dir) }
    }
}

/// A file could not be moved out of the inbox (it stays there and is retried).
struct FileMoveError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "cannot move \(path): \(reason)" }
}
