public import Foundation

/// The one place relance reads the time. The daemon gets `SystemClock`;
/// `--now` and tests get a `FixedClock`, which is how a sixty-day reminder
/// sequence runs in seconds.
public protocol WallClock: Sendable {
    func now() -> Date
}

/// The operating system's real-time clock.
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date(timeIntervalSinceNow: 0) }
}

/// A clock stopped at one instant.
public struct FixedClock: WallClock {
    public let instant: Date
    public init(_ instant: Date) { self.instant = instant }
    public func now() -> Date { instant }
}

/// A clock that starts at a chosen instant and then runs at the pace of the system's monotonic
/// clock: for a daemon on a shared store started with `--now` (tests, time travel), whose leases
/// must run out while it works, which a stopped clock would never let them do.
public struct RunningClock: WallClock {
    public let start: Date
    private let startedAt: ContinuousClock.Instant

    public init(from start: Date) {
        self.start = start
        startedAt = ContinuousClock.now
    }

    public func now() -> Date {
        start.addingTimeInterval((ContinuousClock.now - startedAt) / .seconds(1))
    }
}
