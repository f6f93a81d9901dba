import Foundation
import Synchronization

/// One job at a time on a thread of its own (the reference-rate refresh, a reply poll), whose
/// result the daemon's loop collects on its next turn: the loop never waits for the network.
final class BackgroundJob: Sendable {
    /// The thread's name, as `top -H` and a debugger show it.
    let name: String

    init(name: String) { self.name = name }

    private struct State {
        var running = false
        var finishedWithChange = false
    }

    private let state = Mutex(State())

    var isRunning: Bool { state.withLock { $0.running } }

    /// Starts `work` unless a run is under way; its `true` means there is something to take in.
    func start(_ work: @escaping @Sendable () -> Bool) {
        let started = state.withLock { current -> Bool in
            guard !current.running else { return false }
            current.running = true
            return true
        }
        guard started else { return }
        let thread = Thread { [self] in
            let changed = work()
            state.withLock {
                $0.running = false
                if changed { $0.finishedWithChange = true }
            }
        }
        thread.name = name
        thread.start()
    }

    /// Waits until no run is under way, at most `timeout`; whether it is idle. For a stop in order
    /// that wants the run's own end (its timeouts bound it) before it gives up what the run used.
    func waitUntilIdle(timeout: Duration) -> Bool {
        let clock = ContinuousClock(), deadline = clock.now + timeout
        while isRunning {
            if clock.now >= deadline { return false }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return true
    }

    /// Whether a finished run left something to take in (true once per such run).
    func takeFinished() -> Bool {
        state.withLock { current in
            defer { current.finishedWithChange = false }
            return current.finishedWithChange
        }
    }
}
