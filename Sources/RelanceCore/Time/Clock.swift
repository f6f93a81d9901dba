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
