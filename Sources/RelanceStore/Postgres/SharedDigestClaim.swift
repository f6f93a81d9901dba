public import Foundation
public import PostgresNIO

/// The morning digest's "once a day" on a shared store: exists so that, however many instances
/// reach `digest_time`, one sends the day's digests, and another takes over when that one died
/// while sending. The day sent is kept under the key the SQLite store keeps it (`digest_sent_on`,
/// so a migrated store goes on from its last day); the instance sending holds a claim with an
/// expiry in `daemon_state` meanwhile. Claims are judged under an advisory lock, so two instances
/// claiming at the same moment do it one after the other.
public enum SharedDigestClaim {
    static let sentKey = "digest_sent_on", claimKey = "digest_claim"
    /// The advisory-lock space of the digest's claim ("dg" in ASCII), apart from the invoices' and the claims'.
    static let lockSpace: Int32 = 0x6467

    /// Claims `day`'s digest for `owner` until `now + seconds`: true when it was not sent yet and
    /// no other instance holds an unexpired claim for that day.
    public static func claim(day: String, owner: String, at now: Date, for seconds: Int64, on connection: PostgresConnection) async throws -> Bool {
        try await connection.query("SELECT pg_advisory_xact_lock(\(lockSpace), 0)", logger: SharedQueue.logger)
        var values: [String: String] = [:]
        for try await (key, value) in try await connection.query("""
            SELECT key, value FROM daemon_state WHERE key IN (\(sentKey), \(claimKey))
            """, logger: SharedQueue.logger).decode((String, String).self) {
            values[key] = value
        }
        if values[sentKey] == day { return false }
        if let held = values[claimKey].flatMap(Claim.init), held.day == day, held.owner != owner, held.expiresAt > SharedQueue.seconds(now) {
            return false
        }
        let mine = Claim(day: day, owner: owner, expiresAt: SharedQueue.seconds(now) + seconds).text
        try await connection.query("""
            INSERT INTO daemon_state (key, value) VALUES (\(claimKey), \(mine)) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
            """, logger: SharedQueue.logger)
        return true
    }

    /// Ends `owner`'s claim on `day`: with `sent`, the day is recorded as sent; without, another
    /// instance (or this one, later) may claim it again. False when the claim was no longer
    /// `owner`'s (it ran out and another took it); then nothing changed.
    public static func finish(day: String, owner: String, sent: Bool, on connection: PostgresConnection) async throws -> Bool {
        try await connection.query("SELECT pg_advisory_xact_lock(\(lockSpace), 0)", logger: SharedQueue.logger)
        let current = try await connection.query("SELECT value FROM daemon_state WHERE key = \(claimKey)", logger: SharedQueue.logger)
            .collect().first.map { try $0.decode(String.self) }
        guard let held = current.flatMap(Claim.init), held.day == day, held.owner == owner else { return false }
        try await connection.query("DELETE FROM daemon_state WHERE key = \(claimKey)", logger: SharedQueue.logger)
        if sent {
            try await connection.query("""
                INSERT INTO daemon_state (key, value) VALUES (\(sentKey), \(day)) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
                """, logger: SharedQueue.logger)
        }
        return true
    }

    /// A claim as kept: "day|owner|expiry in seconds".
    struct Claim {
        let day: String, owner: String, expiresAt: Int64

        init(day: String, owner: String, expiresAt: Int64) {
            self.day = day
            self.owner = owner
            self.expiresAt = expiresAt
        }

        /// The day has no "|" and the expiry is digits: an owner's name may hold one.
        init?(_ text: String) {
            let parts = text.split(separator: "|", omittingEmptySubsequences: false)
            guard parts.count >= 3, let expiry = parts.last.flatMap({ Int64($0) }) else { return nil }
            self.init(day: String(parts[0]), owner: parts[1..<(parts.count - 1)].joined(separator: "|"), expiresAt: expiry)
        }

        var text: String { "\(day)|\(owner)|\(expiresAt)" }
    }
}
