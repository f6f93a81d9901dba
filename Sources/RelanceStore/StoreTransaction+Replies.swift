public import Foundation
public import RelanceCore
internal import GRDB

/// The store's operations for replies: where the mailbox was read up to,
/// which messages were seen, which addresses must not be mailed, and which
/// invoices need a person's attention.
extension StoreTransaction {
    public func mailboxState(folder: String) throws -> (uidValidity: UInt64, lastUID: UInt64)? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT uid_validity, last_uid FROM mailbox_state WHERE folder = ?"), arguments: [folder]).map {
            (UInt64($0["uid_validity"] as Int64), UInt64($0["last_uid"] as Int64))
        }
    }

    public func setMailboxState(folder: String, uidValidity: UInt64, lastUID: UInt64) throws {
        try db.cachedExecute(sql: """
            INSERT INTO mailbox_state (folder, uid_validity, last_uid) VALUES (?, ?, ?)
            ON CONFLICT(folder) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid
            """, arguments: [folder, Int64(uidValidity), Int64(lastUID)])
    }

    /// Records a message once: false when its fingerprint (Message-ID, else a hash of its bytes) was seen before.
    public func recordReply(fingerprint: String, messageID: String?, invoiceID: String?, kind: String, intent: String?,
                            sender: String?, detail: String?, promiseDate: LocalDate? = nil, at: Date) throws -> Bool {
        try db.cachedExecute(sql: """
            INSERT OR IGNORE INTO replies (received_at, message_id, invoice_id, kind, detail, fingerprint, intent, sender, promise_date)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [Int64(at.timeIntervalSince1970), messageID, invoiceID, kind, detail, fingerprint, intent, sender,
                             promiseDate?.iso])
        return db.changesCount > 0
    }

    /// The reminder a Message-ID or envelope tag belongs to: (reminder id, invoice id).
    public func reminder(messageID: String) throws -> (id: Int64, invoiceID: String)? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT id, invoice_id FROM reminders WHERE message_id = ? LIMIT 1"), arguments: [messageID]).map {
            ($0["id"], $0["invoice_id"])
        }
    }

    public func reminder(envelopeTag: String) throws -> (id: Int64, invoiceID: String)? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT id, invoice_id FROM reminders WHERE envelope_tag = ? LIMIT 1"), arguments: [envelopeTag]).map {
            ($0["id"], $0["invoice_id"])
        }
    }

    /// Open invoices whose id appears in `text` (longest id first), or whose customer has the address.
    public func invoiceIDs(mentionedIn text: String) throws -> [String] {
        let ids = try String.fetchAll(db.cachedStatement(sql: "SELECT id FROM invoices WHERE state = 'open'"))
        return ids.filter { text.contains($0) }.sorted { $0.count > $1.count }
    }

    public func openInvoiceIDs(customerAddress address: String) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT id FROM invoices WHERE state = 'open' AND document LIKE ? ORDER BY due_date"),
                            arguments: ["%\"" + address.lowercased() + "\"%"])
    }

    public func markUndeliverable(_ address: String, reason: String, at: Date) throws {
        try db.cachedExecute(sql: "INSERT OR REPLACE INTO undeliverable (address, reason, at) VALUES (?, ?, ?)",
                       arguments: [address.lowercased(), reason, Int64(at.timeIntervalSince1970)])
    }

    public func undeliverable(_ addresses: [String]) throws -> Set<String> {
        guard !addresses.isEmpty else { return [] }
        let marks = addresses.map { _ in "?" }.joined(separator: ",")
        return Set(try String.fetchAll(db.cachedStatement(sql: "SELECT address FROM undeliverable WHERE address IN (\(marks))"),
                                       arguments: StatementArguments(addresses.map { $0.lowercased() })))
    }

    public func setAttention(_ invoiceID: String, _ note: String?) throws {
        try db.cachedExecute(sql: "UPDATE invoices SET attention = ? WHERE id = ?", arguments: [note, invoiceID])
    }

    public func attention(_ invoiceID: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT attention FROM invoices WHERE id = ?"), arguments: [invoiceID])
    }

    /// The customer's latest reply about an invoice that said something (paid, dispute, promise…), if any.
    public func latestIntent(invoiceID: String) throws -> (intent: String, promiseDate: LocalDate?)? {
        try Row.fetchOne(db.cachedStatement(sql: """
            SELECT intent, promise_date FROM replies WHERE invoice_id = ? AND kind = 'reply' AND intent IS NOT NULL
            ORDER BY received_at DESC, id DESC LIMIT 1
            """), arguments: [invoiceID]).map { ($0["intent"], ($0["promise_date"] as String?).flatMap { LocalDate(iso: $0) }) }
    }
}
