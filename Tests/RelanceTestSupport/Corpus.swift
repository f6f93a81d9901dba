import Foundation

/// The real sample files of `../shared/corpus` (see its README), used in place and never
/// copied: `$RELANCE_CORPUS` when set, else `shared/corpus` beside the package's folder.
/// A test that needs them is skipped when they are missing; `scripts/test` counts and names
/// those skips, and fails the run under `CI=true`.
public enum Corpus {
    public static let root: String = {
        if let configured = ProcessInfo.processInfo.environment["RELANCE_CORPUS"], !configured.isEmpty { return configured }
        return (TestServer.packageRoot as NSString).deletingLastPathComponent + "/shared/corpus"
    }()

    public static func path(_ relative: String) -> String { root + "/" + relative }

    public static func available(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }
}
