import Foundation
import RelanceConfig
import RelanceFormats

/// What an inbox file is before anything is stored: read, checked and hashed, or rejected with its
/// reasons. Shared by the intake into the local store (`Pickup`) and into a shared one
/// (`SharedPickup`), so that a file is judged the same whichever store takes it.
enum InboxVerdict {
    case accepted(InvoiceReader.Read, hash: String)
    case rejected([String])
}

enum InboxReading {
    /// Reads the named inbox files; a name gone meanwhile (another instance took it) is left out.
    static func read(_ names: [String], configuration: RelanceConfiguration) -> [(path: String, verdict: InboxVerdict)] {
        let paths = configuration.paths
        var verdicts: [(path: String, verdict: InboxVerdict)] = []
        for name in names {
            let path = paths.inbox + "/" + name
            guard FileManager.default.fileExists(atPath: path) || isSymlink(path) else { continue }
            do {
                let bytes = try InboxFile.read(path, inbox: paths.inbox, sizeLimit: paths.maxFileBytes)
                let read = try InvoiceReader.read(bytes: bytes, file: path, inbox: paths.inbox, defaultTerms: configuration.schedule.defaultTerms)
                verdicts.append((path, .accepted(read, hash: SHA256.hex(bytes))))
            } catch {
                verdicts.append((path, .rejected(error.problems.map(\.description))))
            }
        }
        return verdicts
    }

    private static func isSymlink(_ path: String) -> Bool {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil
    }
}
