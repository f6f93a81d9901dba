import Foundation
import Synchronization

/// The instances of a shared-store benchmark: N threads of this process started together, each
/// running `body` with its number (1…N). Returns the wall time until the last one ended; throws
/// the first failure.
enum BenchInstances {
    static func run(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws -> Double {
        let failures = Mutex<[String]>([])
        let group = DispatchGroup()
        let began = ContinuousClock.now
        for number in 1...max(1, count) {
            group.enter()
            Thread {
                defer { group.leave() }
                do { try body(number) } catch { failures.withLock { $0.append("\(error)") } }
            }.start()
        }
        group.wait()
        let elapsed = ContinuousClock.now - began
        if let failure = failures.withLock({ $0.first }) { throw BenchFailure("an instance failed: \(failure)") }
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
