import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Lists the inbox entries ready to be taken: not hidden (`.name`), not
/// still being written (`*.tmp`, `*.part`, `*.swp`, `~`), not a folder.
/// Symbolic links and other odd entries are listed so that they are rejected
/// with a reason instead of lying there unexplained.
enum InboxScanner {
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
            return (info.st_mode & S_IFMT) != S_IFDIR
        }.sorted()
    }
}
