public import Foundation
import GRDB
public import RelanceCore

/// A bank entry as the store keeps it: what the statement said, and what became of it.
public struct BankEntryRecord: Sendable {
    /// What became of the entry: typed, as the store's `state` column holds it.
    public enum State: String, Sendable {
        /// Matched and applied as payments.
        case applied
        /// Nothing matched: held for a person (`relance payments assign`).
        case unmatched
        /// Several invoices of different customers matched: held for a person.
        case ambiguous
        /// A debit or a return: recorded and reported, never applied.
        case debit
        /// A person assigned it (`relance payments assign`).
        case assigned
    }

    public let id: Int64
    public let entry: BankEntry
    public let file: String
    public let state: State
    public let reason: String?
    /// The invoices it paid.
    public let invoices: [String]
    /// How much a person assigned so far.
    public let assigned: Money
    public let recordedAt: Date

    /// What is left to assign.
    public var left: Money { entry.amount - assigned }
}

/// A bank entry move the store refused: it was not waiting for a person.
public struct BankEntryTransitionError: Error, CustomStringConvertible, Sendable {
    public let entryID: Int64
    public var description: String { "bank entry \(entryID) is not waiting to be assigned" }
}

/// Bank entries: each recorded once (by its key, or its end-to-end id and amount when an overlapping
/// statement gives it another key), then applied, held, reported as a debit, or assigned by a person.
extension StoreTransaction {
    /// Records an entry; false when it was recorded before (the same statement dropped again, or an
    /// overlapping one: a camt.054 notification and the next day's camt.053).
    public func recordBankEntry(_ entry: BankEntry, file: String, state: BankEntryRecord.State, reason: String?, invoices: [String],
                                at: Date) throws -> Int64? {
        if let endToEnd = entry.endToEndID, endToEnd.uppercased() != "NOTPROVIDED",
           try Bool.fetchOne(db.cachedStatement(sql: """
               SELECT EXISTS (SELECT 1 FROM bank_entries WHERE end_to_end = ? AND amount_minor = ? AND currency = ? AND credit = ?
                              AND COALESCE(account, '') = ?)
               """), arguments: [endToEnd, entry.amount.minorUnits, entry.amount.currency.code, entry.credit, entry.account ?? ""]) == true {
            return nil
        }
        try db.cachedExecute(sql: """
            INSERT OR IGNORE INTO bank_entries (entry_key, account, amount_minor, currency, credit, reversal, booking_date, value_date,
                entry_reference, end_to_end, creditor_reference, remittance, debtor_name, debtor_iban, file, state, reason, invoices, recorded_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [entry.key, entry.account, entry.amount.minorUnits, entry.amount.currency.code, entry.credit, entry.reversal,
                             entry.bookingDate?.iso, entry.valueDate?.iso, entry.entryReference, entry.endToEndID, entry.creditorReference,
                             entry.remittance, entry.debtorName, entry.debtorIBAN, file, state.rawValue, reason,
                             invoices.isEmpty ? nil : invoices.joined(separator: ","), Int64(at.timeIntervalSince1970)])
        return db.changesCount == 1 ? db.lastInsertedRowID : nil
    }

    /// Whether an entry with this key was recorded before.
    public func hasBankEntry(key: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM bank_entries WHERE entry_key = ?)"), arguments: [key]) ?? false
    }

    /// The entries waiting for a person, oldest first.
    public func waitingBankEntries() throws -> [BankEntryRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM bank_entries WHERE state IN ('unmatched', 'ambiguous') ORDER BY id")).map(bankEntry)
    }

    public func bankEntry(id: Int64) throws -> BankEntryRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM bank_entries WHERE id = ?"), arguments: [id]).map(bankEntry)
    }

    /// A person assigns `amount` of a waiting entry to an invoice; once all of it is assigned it is `assigned`.
    public func assignBankEntry(_ id: Int64, invoiceID: String, amount: Money, at: Date) throws {
        guard let record = try bankEntry(id: id), record.state == .unmatched || record.state == .ambiguous, amount <= record.left else {
            throw BankEntryTransitionError(entryID: id)
        }
        let assigned = record.assigned + amount
        let invoices = (record.invoices + [invoiceID]).joined(separator: ",")
        try db.cachedExecute(sql: """
            UPDATE bank_entries SET assigned_minor = ?, invoices = ?, state = ?, decided_at = ? WHERE id = ? AND state IN ('unmatched', 'ambiguous')
            """, arguments: [assigned.minorUnits, invoices, assigned == record.entry.amount ? "assigned" : record.state.rawValue,
                             Int64(at.timeIntervalSince1970), id])
        guard db.changesCount == 1 else { throw BankEntryTransitionError(entryID: id) }
    }

    /// Open (or in collection) invoices whose RF reference is this one.
    public func invoiceIDs(creditorReference: String) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT id FROM invoices WHERE creditor_ref = ? AND state IN ('open', 'collection')"),
                            arguments: [creditorReference])
    }

    /// What settling an invoice needs, without reading its document: what it owed when issued
    /// (total less prepaid), what payments and credit notes brought so far, its currency and state.
    public func settlement(invoiceID: String) throws -> (owed: Int64, received: Int64, currency: String, state: InvoiceState)? {
        try Row.fetchOne(db.cachedStatement(sql: """
            SELECT owed_minor, currency, state, (SELECT COALESCE(SUM(amount_minor), 0) FROM payments WHERE invoice_id = invoices.id) AS received
            FROM invoices WHERE id = ?
            """), arguments: [invoiceID]).flatMap { row in
            InvoiceState(rawValue: row["state"]).map { (row["owed_minor"], row["received"], row["currency"], $0) }
        }
    }

    /// An invoice's customer and currency, without reading its document.
    public func invoiceSummary(id: String) throws -> (customerKey: String, currency: String)? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT customer_key, currency FROM invoices WHERE id = ?"), arguments: [id]).map {
            ($0["customer_key"], $0["currency"])
        }
    }

    /// A page cache big enough for a statement's thousands of scattered updates (`megabytes`), or back
    /// to SQLite's default (nil) once it is applied, so the daemon's memory stays small.
    public func setBulkCache(megabytes: Int?) throws {
        try db.execute(sql: "PRAGMA cache_size = \(-(megabytes ?? 2) * 1024)")
    }

    /// The invoice an RF reference names, whatever its state (to say "already paid").
    public func anyInvoiceID(creditorReference: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT id FROM invoices WHERE creditor_ref = ? LIMIT 1"), arguments: [creditorReference])
    }

    func rememberCustomerName(_ name: String, customerKey: String) throws {
        let key = PaymentMatching.nameKey(name)
        guard !key.isEmpty else { return }
        try db.cachedExecute(sql: "INSERT OR IGNORE INTO customer_names (name_key, customer_key) VALUES (?, ?)", arguments: [key, customerKey])
    }

    /// The customers known by this name.
    public func customerKeys(nameKey: String) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT customer_key FROM customer_names WHERE name_key = ?"), arguments: [nameKey])
    }

    /// The customer an account paid from before.
    public func customerKey(iban: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT customer_key FROM customer_accounts WHERE iban = ?"), arguments: [iban])
    }

    public func learnAccount(iban: String, customerKey: String, at: Date) throws {
        try db.cachedExecute(sql: "INSERT OR REPLACE INTO customer_accounts (iban, customer_key, learned_at) VALUES (?, ?, ?)",
                             arguments: [iban, customerKey, Int64(at.timeIntervalSince1970)])
    }

    private func bankEntry(_ row: Row) throws -> BankEntryRecord {
        let id: Int64 = row["id"]
        guard let currency = Currency(statementCode: row["currency"]), let state = BankEntryRecord.State(rawValue: row["state"]) else {
            throw StoreError(operation: "read bank entry \(id)", underlying: "unreadable currency or state")
        }
        var entry = BankEntry(account: row["account"], amount: Money(minorUnits: row["amount_minor"], currency: currency), credit: row["credit"],
                              index: Int(id))
        entry.reversal = row["reversal"]
        entry.bookingDate = (row["booking_date"] as String?).flatMap { LocalDate(iso: $0) }
        entry.valueDate = (row["value_date"] as String?).flatMap { LocalDate(iso: $0) }
        entry.entryReference = row["entry_reference"]
        entry.endToEndID = row["end_to_end"]
        entry.creditorReference = row["creditor_reference"]
        entry.remittance = row["remittance"]
        entry.debtorName = row["debtor_name"]
        entry.debtorIBAN = row["debtor_iban"]
        let invoices = (row["invoices"] as String?).map { $0.split(separator: ",").map(String.init) } ?? []
        return BankEntryRecord(id: id, entry: entry, file: row["file"], state: state, reason: row["reason"], invoices: invoices,
                               assigned: Money(minorUnits: row["assigned_minor"], currency: currency),
                               recordedAt: Date(timeIntervalSince1970: TimeInterval(row["recorded_at"] as Int64)))
    }
}
