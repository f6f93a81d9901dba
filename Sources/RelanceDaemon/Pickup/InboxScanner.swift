import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Lists the inbox entries ready to be taken: not hidden (`.name`), not
/// still being written (`*.tmp`, `*.part`, `*.swp`, `~`). Folders named like an
/// invoice file (`x.json/`), symbolic links and other odd entries are listed so that they are rejected with a
/// reason instead of lying there unexplained; a name that is not valid UTF-8 is
/// moved to `rejected/` under a safe name (`unreadable-name-HEX`) with its reason.
enum InboxScanner {
    /// The endings of the files relance reads (it recognises them by content; a folder with one is refused).
    static let invoiceExtensions: Set<String> = ["json", "xml", "csv", "pdf"]

    static func isReadyName(_ name: String) -> Bool {
        guard !name.isEmpty, !name.hasPrefix("."), !name.hasSuffix("~") else { return false }
        let lower = name.lowercased()
        return !(lower.hasSuffix(".tmp") || lower.hasSuffix(".part") || lower.hasSuffix(".swp") || lower.hasSuffix(".reason"))
    }

    static func candidates(in inbox: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: inbox) else { return [] }
        return names.filter(isReadyName).filter { name in
            var info = stat()
            guard lstat(inbox + "/" + name, &info) == 0 else { return false }
            // Folders hold attachments (`docs/`); one named like an invoice file (`x.json/`) is a mistake, rejected with its reason.
            guard (info.st_mode & S_IFMT) == S_IFDIR else { return true }
            return invoiceExtensions.contains((name as NSString).pathExtension.lowercased())
        }.sorted()
    }

    /// Entries whose name is not valid UTF-8, read as raw bytes (no String could name them).
    static func unreadableNames(in inbox: String) -> [[UInt8]] {
        guard let directory = opendir(inbox) else { return [] }
        defer { closedir(directory) }
        var found: [[UInt8]] = []
        while let entry = readdir(directory) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            guard !bytes.isEmpty, bytes != [0x2E], bytes != [0x2E, 0x2E], bytes.first != 0x2E else { continue }
            if String(validating: bytes, as: UTF8.self) == nil { found.append(bytes) }
        }
        return found
    }

    /// Moves each entry with an unreadable name to `rejected/unreadable-name-HEX` with a `.reason`;
    /// returns the safe names it used.
    static func quarantineUnreadableNames(inbox: String, rejected: String) -> [String] {
        var moved: [String] = []
        for bytes in unreadableNames(in: inbox) {
            let hex = bytes.prefix(48).map { String(format: "%02x", $0) }.joined()
            try? FileManager.default.createDirectory(atPath: rejected, withIntermediateDirectories: true)
            var safe = "unreadable-name-" + hex
            var counter = 1
            while FileManager.default.fileExists(atPath: rejected + "/" + safe) { safe = "unreadable-name-\(hex).\(counter)"; counter += 1 }
            let source = Array(inbox.utf8) + [0x2F] + bytes + [0]
            let renamed = source.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { rename($0, rejected + "/" + safe) == 0 }
            }
            guard renamed else { continue }
            let reason = "the file name is not valid UTF-8 (its bytes: \(bytes.map { String(format: "%02x", $0) }.joined(separator: " "))); "
                + "it was moved here under a safe name, unread\n"
            _ = FileManager.default.createFile(atPath: rejected + "/" + safe + ".reason", contents: Array(reason.utf8).withUnsafeBufferPointer { Data(buffer: $0) })
            moved.append(safe)
        }
        return moved
    }
}
