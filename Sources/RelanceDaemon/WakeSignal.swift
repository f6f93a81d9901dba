#if canImport(Glibc)
import Glibc
#endif

/// The command line's way to tell a running daemon "the store changed, look
/// again": it rewrites `STATE_DIR/wake`, which the daemon watches with inotify.
public enum WakeSignal {
    public static let fileName = "wake"

    public static func touch(stateDirectory: String) {
        let fd = open(stateDirectory + "/" + fileName, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { return }
        _ = write(fd, "1", 1)
        close(fd)
    }
}
