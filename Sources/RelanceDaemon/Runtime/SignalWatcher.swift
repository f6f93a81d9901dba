import RelanceTransport
#if canImport(Glibc)
import Glibc
#endif

/// The write end of the self-pipe, set once before the handlers are installed.
/// Only read by the signal handler (an async-signal-safe `write`).
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// SIGTERM, SIGINT and SIGHUP turned into bytes on a pipe (the self-pipe
/// trick), so the main loop handles them between two operations: a message in
/// flight is always finished and committed before the daemon stops.
final class SignalWatcher {
    let descriptor: Int32

    enum Received { case terminate, reload }

    init() throws {
        let ends = try Self.nonBlockingPipe()
        descriptor = ends.read
        signalPipeWriteEnd = ends.write
        signal(SIGPIPE, SIG_IGN)
        // A parent may have started us with these blocked (some process spawners do): unblock them.
        var set = sigset_t()
        sigemptyset(&set)
        for number in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&set, number) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for number in [SIGTERM, SIGINT, SIGHUP] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { received in
                var byte = UInt8(truncatingIfNeeded: received)
                _ = write(signalPipeWriteEnd, &byte, 1)
                // A transfer stalled on a dead server is cut short rather than waited for.
                if received != SIGHUP { TransferAbort.request() }
            }
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(number, &action, nil)
        }
    }

    /// A pipe whose ends never block and are not inherited by a child: a self-pipe for poll(2).
    static func nonBlockingPipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw RuntimeFailure("pipe: \(String(cString: strerror(errno)))") }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        return (ends[0], ends[1])
    }

    func drain() -> [Received] {
        var received: [Received] = []
        var byte: UInt8 = 0
        while read(descriptor, &byte, 1) == 1 {
            received.append(Int32(byte) == SIGHUP ? .reload : .terminate)
        }
        return received
    }
}
