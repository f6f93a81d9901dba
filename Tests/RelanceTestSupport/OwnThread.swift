import Foundation
public import Testing

/// A test that blocks (it runs the `relance` binary and waits for it, polls a daemon's files,
/// sleeps between checks) on a thread of its own instead of one of Swift concurrency's few
/// shared threads. Exists because the test run is one process: on a 2-core machine two blocking
/// end-to-end tests held both shared threads, and every async test waited behind them (a pure unit
/// test "took" 48 s; a PostgreSQL test's transaction sat idle until the server ended its session).
/// Applied to a suite, it gives each of its tests its own thread.
public struct OwnThread: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    /// Only around each test case: a suite's own scope needs no thread.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> OwnThread? { testCase == nil ? nil : self }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let executor = ThreadTaskExecutor(name: "test: \(test.name)")
        defer { executor.finish() }
        try await withTaskExecutorPreference(executor) { try await function() }
    }
}

extension Trait where Self == OwnThread {
    /// Runs each test of the suite on a thread of its own (see `OwnThread`).
    public static var ownThread: OwnThread { OwnThread() }
}

/// A task executor that is one thread: the jobs of the task that prefers it, run one after the
/// other. After `finish()` its thread ends once nothing is left; a job that still arrives then
/// (a late wake-up) gets a thread of its own, so that nothing enqueued is ever dropped.
public final class ThreadTaskExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var jobs: [UnownedJob] = []
    private var finishing = false
    private var ended = false

    public init(name: String) {
        let thread = Thread { [self] in work() }
        thread.name = name
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        if ended {
            condition.unlock()
            let executor = asUnownedTaskExecutor()
            Thread { job.runSynchronously(on: executor) }.start()
            return
        }
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the thread end once its queue is empty.
    public func finish() {
        condition.lock()
        finishing = true
        condition.signal()
        condition.unlock()
    }

    private func work() {
        let executor = asUnownedTaskExecutor()
        while true {
            condition.lock()
            while jobs.isEmpty, !finishing { condition.wait() }
            guard !jobs.isEmpty else {
                ended = true
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: executor)
        }
    }
}
