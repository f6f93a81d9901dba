import Foundation
import RelanceConfig
import RelanceDaemon
import RelanceStore

/// A private folder holding a local SQLite copy of part of the shared store, for a command that
/// only looks (`status`, `tasks`, `payments unmatched`, `letter`, `export collection`, `plan`,
/// `report`): exists so that such a command runs the same code as on one machine, on what
/// PostgreSQL holds now, and leaves nothing behind. The copy is made by `SharedStoreAccess`; `remove()` deletes the folder.
struct SharedLocalCopy {
    /// The folder (mode 0700) that stands in for the state directory.
    let folder: String

    init(purpose: String) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("relance-\(purpose)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// Where the copied store goes.
    var databasePath: String { folder + "/relance.sqlite" }

    /// `configuration` pointed at the copy: its state directory, and no `[store]`.
    func configuration(from configuration: RelanceConfiguration) -> RelanceConfiguration {
        var local = configuration
        local.paths.stateDirectory = folder
        local.store = nil
        return local
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: folder)
    }
}

extension HiddenClockOption {
    /// For a command that only looks: the SQLite store read-only, or on a shared store a read-only
    /// context on a local copy of the invoices `selection` names. `body` runs on it; the copy is
    /// removed after.
    func reading<T>(_ configuration: RelanceConfiguration, purpose: String, selection: SharedSnapshot.Selection,
                    _ body: (DaemonContext) throws -> T) throws -> T {
        try reading(configuration, purpose: purpose, copy: { _ = try SharedStoreAccess.snapshot(selection, of: $0, into: $1) }, body)
    }

    /// The same, with the local copy made by `copy` (from the shared store, into the path given).
    func reading<T>(_ configuration: RelanceConfiguration, purpose: String, copy: (PostgresStore, String) throws -> Void,
                    _ body: (DaemonContext) throws -> T) throws -> T {
        guard let shared = configuration.store else { return try body(readOnlyContext(for: configuration)) }
        let local = try SharedLocalCopy(purpose: purpose)
        defer { local.remove() }
        try copy(try SharedStoreAccess.open(shared), local.databasePath)
        return try body(readOnlyContext(for: local.configuration(from: configuration)))
    }
}
