import CSystemShim
import Foundation

/// The thread that composes a cycle's messages, one batch after another, at a lower priority than
/// the thread that sends: composing only has to stay ahead of the SMTP round trips, and on a
/// machine with few cores a composer at the same priority took the CPU the sending thread needed
/// between two round trips (one SMTP connection sent 1,500 messages a second with two composers
/// at the same priority, 2,900 with one; docs in BENCHMARKS.md). It ends with its cycle.
final class ComposerThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var finished = false

    /// `nice`: how many steps below the sending thread it runs.
    init(nice: Int32 = 5) {
        let thread = Thread { [self] in
            _ = relance_nice_this_thread(nice)
            run()
        }
        thread.name = "relance.compose"
        thread.start()
    }

    /// Runs `job` after the ones already given, in order.
    func async(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the thread end once its jobs are done.
    func finish() {
        condition.lock()
        finished = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !finished { condition.wait() }
            if jobs.isEmpty && finished {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
