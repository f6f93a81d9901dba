import Foundation
import Synchronization

/// One job at a time on a thread of its own (the reference-rate refresh), whose result the
/// daemon's loop collects on its next turn: the loop never waits for the network.
final class BackgroundJob: Sendable {
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
        thread.name = "relance.rates"
        thread.start()
    }

    /// Whether a finished run left something to take in (true once per such run).
    func takeFinished() -> Bool {
        state.withLock { current in
            defer { current.finishedWithChange = false }
            return current.finishedWithChange
        }
    }
}
