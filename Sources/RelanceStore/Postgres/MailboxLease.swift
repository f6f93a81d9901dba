public import Foundation
public import PostgresNIO

/// The right to poll one IMAP mailbox, held by one instance at a time: exists because two pollers
/// of one mailbox would each read every reply (and each move or flag it). It is a lease with a
/// fencing token, like a reminder's, rather than a session advisory lock: an instance frozen with
/// its connection open would keep an advisory lock for ever, while a lease runs out and another
/// instance takes over; and the frozen one's late write of the mailbox position is refused.
public struct MailboxLease: Sendable, Equatable {
    public let mailbox: String
    public let owner: String
    public let token: Int64
    public let expiresAt: Int64

    /// Takes (or renews) the lease on `mailbox` for `seconds`: nil while another instance holds an
    /// unexpired one. Taking it from someone else, or after it ran out, gives a new token.
    public static func take(_ mailbox: String, owner: String, seconds: Int64, at now: Date,
                            on connection: PostgresConnection) async throws -> MailboxLease? {
        let instant = SharedQueue.seconds(now), expires = SharedQueue.seconds(now) + max(1, seconds)
        let rows = try await connection.query("""
            INSERT INTO mailbox_leases (mailbox, owner, token, expires_at) VALUES (\(mailbox), \(owner), 1, \(expires))
            ON CONFLICT (mailbox) DO UPDATE SET
                token = CASE WHEN mailbox_leases.owner = EXCLUDED.owner AND mailbox_leases.expires_at > \(instant)
                             THEN mailbox_leases.token ELSE mailbox_leases.token + 1 END,
                owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
            WHERE mailbox_leases.owner = EXCLUDED.owner OR mailbox_leases.expires_at <= \(instant)
            RETURNING token
            """, logger: SharedQueue.logger)
        for try await token in rows.decode(Int64.self) {
            return MailboxLease(mailbox: mailbox, owner: owner, token: token, expiresAt: expires)
        }
        return nil
    }

    /// Records how far the mailbox was read, under the lease: false (and nothing written) when the
    /// lease is no longer this one (it ran out and another instance took it).
    public func recordPosition(uidValidity: Int64, lastUID: Int64, at now: Date, on connection: PostgresConnection) async throws -> Bool {
        guard try await stillHeld(at: now, on: connection) else { return false }
        try await connection.query("""
            INSERT INTO mailbox_state (folder, uid_validity, last_uid) VALUES (\(mailbox), \(uidValidity), \(lastUID))
            ON CONFLICT (folder) DO UPDATE SET uid_validity = EXCLUDED.uid_validity, last_uid = EXCLUDED.last_uid
            """, logger: SharedQueue.logger)
        return true
    }

    /// Whether this lease is still the mailbox's and unexpired, its row locked until the caller's
    /// transaction ends (so that what the transaction writes under it cannot outlive it).
    public func stillHeld(at now: Date, on connection: PostgresConnection) async throws -> Bool {
        let held = try await connection.query("""
            SELECT 1 FROM mailbox_leases WHERE mailbox = \(mailbox) AND owner = \(owner) AND token = \(token)
              AND expires_at > \(SharedQueue.seconds(now))
            FOR UPDATE
            """, logger: SharedQueue.logger)
        return try await SharedQueue.count(held) == 1
    }

    /// Where the mailbox was read up to, as recorded by the last holder.
    public static func position(of mailbox: String, on connection: PostgresConnection) async throws -> (uidValidity: Int64, lastUID: Int64)? {
        let rows = try await connection.query("SELECT uid_validity, last_uid FROM mailbox_state WHERE folder = \(mailbox)", logger: SharedQueue.logger)
        for try await (validity, last) in rows.decode((Int64, Int64).self) { return (validity, last) }
        return nil
    }

    /// Gives the lease up (an instance stopping in order), so another may poll at once. The row
    /// stays, expired, so that the next holder's token is still a higher one (a row deleted would
    /// start again at 1, and an old holder's token could match it).
    public func release(on connection: PostgresConnection) async throws {
        try await connection.query("""
            UPDATE mailbox_leases SET expires_at = 0 WHERE mailbox = \(mailbox) AND owner = \(owner) AND token = \(token)
            """, logger: SharedQueue.logger)
    }
}
