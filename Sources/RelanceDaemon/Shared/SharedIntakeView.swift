import Foundation
import PostgresNIO
import RelanceConfig
import RelanceCore
import RelanceFormats
import RelanceStore

/// The part of the shared store an intake batch touches, in memory: its invoices (locked by the
/// batch's transaction), their payments, reminders and running plans. Files are applied to it in
/// order by the local intake's rules, each to a copy that is kept only when the whole file could
/// be taken (what a savepoint does); `write` then brings the store to the same state in a few
/// set-based statements. Applying a file is pure: no statement runs until `write`.
struct SharedIntakeView {
    let configuration: RelanceConfiguration
    let now: Date
    let timestamp: String

    /// An invoice as the batch leaves it.
    struct Stored {
        var invoice: Invoice
        var revision: Int64
        var state: String
        /// The revision the store held when the batch began (0: not in the store).
        let storedRevision: Int64
        /// Where its latest document came from, when this batch stored one.
        var source: (file: String, hash: String, format: String)?
    }

    /// One of an invoice's reminders, as far as planning needs it.
    struct Reminder {
        let step: String
        var state: String
        let localDate: String
        let sendAt: Int64
        let sentAt: Int64?
        /// A planned row a new plan replaces: not claimed by an instance, not in a local batch,
        /// not a message a person arranged.
        let replaceable: Bool
    }

    /// One event: its row in the events table and its send-log line.
    struct Event {
        let event: String
        let invoiceID: String?
        let line: String
    }

    private(set) var invoices: [String: Stored] = [:]
    private var payments: [String: [Payment]] = [:]
    private var newPayments: [(invoiceID: String, payment: Payment)] = []
    private var reminders: [String: [Reminder]] = [:]
    private var activePlans: Set<String> = []
    /// The plan each replanned invoice ends the batch with (rows to insert).
    private var plans: [String: [PlannedReminder]] = [:]
    /// Invoices settled at some point of the batch: their waiting reminders are cancelled first.
    private var settled: Set<String> = []
    /// Invoices planned again or settled by the batch: the only ones whose state is written.
    private var refreshed: Set<String> = []
    private(set) var events: [Event] = []
    /// With `[[policy_rules]]`: the records of the batch's customers as the store held them when
    /// the batch began (every invoice of theirs, `SharedCustomerRecords`), and the policy chosen
    /// for each customer the batch planned (kept in `customer_policies`).
    private var records: [ReceivableHistory] = []
    private var policyChoices: [String: PolicyChoice] = [:]

    // MARK: - Reading

    /// Reads, and locks, what the batch's invoices are now; with `[[policy_rules]]`, the records of
    /// their customers and of `customerKeys` (the customers the batch's documents name).
    static func load(ids: [String], customerKeys: [String], configuration: RelanceConfiguration, now: Date, timestamp: String,
                     on connection: PostgresConnection) async throws -> SharedIntakeView {
        var view = SharedIntakeView(configuration: configuration, now: now, timestamp: timestamp)
        guard !ids.isEmpty else { return view }
        let logger = SharedIntakeRules.logger
        for try await (id, document, revision, state) in try await connection.query("""
            SELECT id, document, revision, state FROM invoices WHERE id = ANY(\(ids)) FOR UPDATE
            """, logger: logger).decode((String, String, Int64, String).self) {
            let invoice = try InvoiceDocument.decode(document)
            view.invoices[id] = Stored(invoice: invoice, revision: revision, state: state, storedRevision: revision, source: nil)
        }
        for try await (id, amount, date, reference) in try await connection.query("""
            SELECT invoice_id, amount_minor, date, reference FROM payments WHERE invoice_id = ANY(\(ids)) ORDER BY date, id
            """, logger: logger).decode((String, Int64, String, String?).self) {
            guard let currency = view.invoices[id]?.invoice.currency, let day = LocalDate(iso: date) else { continue }
            view.payments[id, default: []].append(Payment(amount: Money(minorUnits: amount, currency: currency), date: day, reference: reference))
        }
        let arranged = StepKind.allCases.filter(\.goesWhilePaused).map(\.rawValue)
        for try await (id, step, state, localDate, sendAt, sentAt, replaceable) in try await connection.query("""
            SELECT invoice_id, step, state, local_date, send_at, sent_at,
                   state = 'planned' AND lease_owner IS NULL AND batch_id IS NULL AND NOT (kind = ANY(\(arranged)))
            FROM reminders WHERE invoice_id = ANY(\(ids)) ORDER BY send_at, id
            """, logger: logger).decode((String, String, String, String, Int64, Int64?, Bool).self) {
            view.reminders[id, default: []].append(Reminder(step: step, state: state, localDate: localDate, sendAt: sendAt, sentAt: sentAt,
                                                            replaceable: replaceable))
        }
        for try await id in try await connection.query("""
            SELECT invoice_id FROM installment_plans WHERE invoice_id = ANY(\(ids)) AND state = 'active'
            """, logger: logger).decode(String.self) {
            view.activePlans.insert(id)
        }
        if !configuration.policyRules.isEmpty {
            let keys = Set(customerKeys).union(view.invoices.values.map { ReminderPlanning.customerKey($0.invoice.customer) })
            let calendar = configuration.calendar
            view.records = try await SharedCustomerRecords.histories(customerKeys: keys.sorted(), day: { calendar.localDate(of: $0) },
                                                                     on: connection)
        }
        return view
    }

    // MARK: - Applying a file (pure)

    /// Applies every document of one file; the reasons it cannot be taken (empty: taken). On
    /// reasons the caller drops this copy of the view.
    mutating func apply(_ read: InvoiceReader.Read, name: String, hash: String) -> [String] {
        var reasons: [String] = []
        for (index, document) in read.documents.enumerated() {
            if let problems = apply(document, name: name, hash: hash, format: read.format.rawValue) {
                reasons += read.documents.count > 1 ? problems.map { "document \(index + 1): \($0)" } : problems
            }
        }
        return reasons
    }

    private mutating func apply(_ document: InvoiceReader.Document, name: String, hash: String, format: String) -> [String]? {
        switch document {
        case .invoice(let invoice):
            let previous = invoices[invoice.id]
            if let problem = IntakeRules.amendmentProblem(stored: previous?.invoice.currency, invoice) { return [problem] }
            let revision = (previous?.revision ?? 0) + 1
            invoices[invoice.id] = Stored(invoice: invoice, revision: revision, state: "open", storedRevision: previous?.storedRevision ?? 0,
                                          source: (name, hash, format))
            add("ingested", invoice.id, IntakeRules.ingested(file: name, format: format, amended: previous != nil, revision: Int(revision), invoice))
            refresh(invoice)
        case .creditNote(let note):
            let target = invoices[note.refersTo]
            if let problem = IntakeRules.creditNoteProblem(target: target?.invoice.currency, note) { return [problem] }
            guard let target else { return nil }
            let payment = Payment(amount: note.amount, date: note.issueDate, reference: note.id)
            payments[note.refersTo, default: []].append(payment)
            newPayments.append((note.refersTo, payment))
            add("ingested", note.refersTo, IntakeRules.credited(file: name, note))
            refresh(target.invoice)
        }
        return nil
    }

    /// Plans the invoice again from its policy and history, or settles it when nothing is owed
    /// (`ReminderPlanning.refresh`'s rules).
    private mutating func refresh(_ invoice: Invoice) {
        let id = invoice.id
        refreshed.insert(id)
        let paid = payments[id] ?? []
        let calendar = configuration.calendar
        let today = calendar.localDate(of: now)
        var rows = reminders[id] ?? []
        if Balance.due(invoice, payments: paid, on: max(today, paid.map(\.date).max() ?? today)).isZero {
            invoices[id]?.state = "paid"
            var cancelled = 0
            for index in rows.indices where ["planned", "deferred"].contains(rows[index].state) {
                rows[index].state = "cancelled"
                cancelled += 1
            }
            reminders[id] = rows
            plans[id] = nil
            settled.insert(id)
            add("paid", id, [("balance", Money.zero(invoice.currency).description)])
            if cancelled > 0 { add("cancelled", id, [("reminders", String(cancelled)), ("reason", "paid")]) }
            return
        }
        invoices[id]?.state = "open"
        // While a payment plan runs (one copied from a local store), its instalments replace the policy's steps.
        if !activePlans.contains(id) {
            let zone = configuration.company.timeZone
            var history: [String: LocalDate] = [:]
            for row in rows where ReminderState(rawValue: row.state).map(ReminderPlanning.wentStates.contains) == true {
                history[row.step] = row.sentAt.map { ZonedDateTime.localDate(of: Date(timeIntervalSince1970: TimeInterval($0)), in: zone) }
                    ?? LocalDate(iso: row.localDate)
            }
            rows.removeAll(where: \.replaceable)
            let taken = Set(rows.map(\.step))
            // A step that already has a row (sent, claimed, cancelled) is not planned again: the store's
            // unique (invoice, step) keeps the first.
            let plan = ReminderPlanning.planned(invoice, payments: paid, policy: choosePolicy(invoice), calendar: calendar, history: history)
                .filter { !taken.contains($0.step) }
            plans[id] = plan
            rows += plan.map { Reminder(step: $0.step, state: "planned", localDate: $0.localDate.iso, sendAt: SharedQueue.seconds($0.sendAt),
                                        sentAt: nil, replaceable: true) }
            reminders[id] = rows
        }
        let upcoming = rows.filter { $0.state == "planned" }.sorted { $0.sendAt < $1.sendAt }
            .map { ($0.step, $0.localDate, Date(timeIntervalSince1970: TimeInterval($0.sendAt))) }
        add("planned", id, ReminderPlanning.plannedLine(upcoming: upcoming, invoice: invoice, balance: Balance.due(invoice, payments: paid, on: today),
                                                        at: now))
    }

    /// The customer's policy, chosen again as `ReminderPlanning.choosePolicy` chooses it: their
    /// explicit one, else the first `[[policy_rules]]` their record matches (the store's invoices of
    /// theirs, with those of the batch as the batch leaves them), else the default.
    private mutating func choosePolicy(_ invoice: Invoice) -> Policy {
        guard !configuration.policyRules.isEmpty else { return configuration.policy(for: invoice.customer) }
        let key = ReminderPlanning.customerKey(invoice.customer), calendar = configuration.calendar, zone = configuration.company.timeZone
        var histories = records.filter { $0.customerKey == key && invoices[$0.invoice.id] == nil }
        for (id, stored) in invoices where ReminderPlanning.customerKey(stored.invoice.customer) == key {
            let sent = (reminders[id] ?? []).compactMap { row in
                row.state == "sent" ? row.sentAt.map { SentReminder(step: row.step, sentOn: ZonedDateTime.localDate(of: Date(timeIntervalSince1970: TimeInterval($0)), in: zone)) } : nil
            }
            histories.append(ReceivableHistory(invoice: stored.invoice, customerKey: key, cancelled: stored.state == "cancelled",
                                               payments: payments[id] ?? [], reminders: sent,
                                               promises: records.first { $0.invoice.id == id }?.promises ?? []))
        }
        // In the store's order (issue date, then id), as `receivableHistories` gives them.
        histories.sort { ($0.invoice.issueDate, $0.invoice.id) < ($1.invoice.issueDate, $1.invoice.id) }
        let standing = CustomerStandings.compute(histories, asOf: calendar.localDate(of: now)).first { $0.currency == invoice.currency }
        let choice = PolicyChoice.choose(explicit: configuration.explicitPolicy(for: invoice.customer), rules: configuration.policyRules,
                                         standing: standing, defaultPolicy: configuration.defaultPolicy.name)
        policyChoices[key] = choice
        return configuration.policy(named: choice.policy)
    }

    private mutating func add(_ event: String, _ invoiceID: String?, _ fields: [(String, String?)]) {
        events.append(Event(event: event, invoiceID: invoiceID, line: Journal.line(timestamp: timestamp, event: event, invoice: invoiceID, fields)))
    }

    /// A line that changes nothing (a duplicate file), recorded with the batch's events.
    mutating func line(_ event: String, _ invoiceID: String?, _ fields: [(String, String?)]) -> String {
        add(event, invoiceID, fields)
        return events[events.count - 1].line
    }

    // MARK: - Writing

    /// Brings the store to the view's state: the invoices' documents, the payments, the reminders
    /// cancelled by a settlement, the new plans, the customers' policies, the invoices' states and
    /// the events, in that order.
    func write(on connection: PostgresConnection) async throws {
        let logger = SharedIntakeRules.logger
        let seconds = SharedQueue.seconds(now)
        let stored = invoices.filter { $0.value.source != nil }.sorted { $0.key < $1.key }
        if !stored.isEmpty {
            let rows = stored.map(\.value)
            let ids = stored.map(\.key)
            // The revision column gains what this batch added: the row is locked, so that is exact.
            try await connection.query("""
                INSERT INTO invoices (id, customer_key, currency, total_minor, issue_date, due_date, source_file, source_hash,
                                      format, document, revision, ingested_at, updated_at, owed_minor, creditor_ref)
                SELECT id, customer_key, currency, total_minor, issue_date, due_date, source_file, source_hash, format, document,
                       revision, \(seconds), \(seconds), owed_minor, creditor_ref
                FROM unnest(\(ids), \(rows.map { ReminderPlanning.customerKey($0.invoice.customer) }), \(rows.map(\.invoice.currency.code)),
                            \(rows.map(\.invoice.total.minorUnits)), \(rows.map(\.invoice.issueDate.iso)),
                            \(rows.map { ($0.invoice.dueDate ?? $0.invoice.issueDate).iso }), \(rows.map { $0.source!.file }),
                            \(rows.map { $0.source!.hash }), \(rows.map { $0.source!.format }), \(try rows.map { try InvoiceDocument.encode($0.invoice) }),
                            \(rows.map { $0.revision - $0.storedRevision }), \(rows.map { ($0.invoice.total - $0.invoice.amountPaid).minorUnits }),
                            \(ids.map { CreditorReference(invoiceNumber: $0).value }))
                    AS i(id, customer_key, currency, total_minor, issue_date, due_date, source_file, source_hash, format, document,
                         revision, owed_minor, creditor_ref)
                ON CONFLICT (id) DO UPDATE SET customer_key = EXCLUDED.customer_key, currency = EXCLUDED.currency,
                    total_minor = EXCLUDED.total_minor, issue_date = EXCLUDED.issue_date, due_date = EXCLUDED.due_date,
                    source_file = EXCLUDED.source_file, source_hash = EXCLUDED.source_hash, format = EXCLUDED.format,
                    document = EXCLUDED.document, revision = invoices.revision + EXCLUDED.revision, updated_at = EXCLUDED.updated_at,
                    state = 'open', owed_minor = EXCLUDED.owed_minor
                """, logger: logger)
            // The customers' names, as the bank matching looks a debtor up (the SQLite store's ingest keeps them the same way).
            let names = rows.map { (PaymentMatching.nameKey($0.invoice.customer.name), ReminderPlanning.customerKey($0.invoice.customer)) }
                .filter { !$0.0.isEmpty }
            if !names.isEmpty {
                try await connection.query("""
                    INSERT INTO customer_names (name_key, customer_key)
                    SELECT DISTINCT name_key, customer_key FROM unnest(\(names.map(\.0)), \(names.map(\.1))) AS n(name_key, customer_key)
                    ON CONFLICT DO NOTHING
                    """, logger: logger)
            }
        }
        if !newPayments.isEmpty {
            try await connection.query("""
                INSERT INTO payments (invoice_id, amount_minor, date, reference, source, recorded_at)
                SELECT invoice_id, amount_minor, date, NULLIF(reference, ''), 'credit-note', \(seconds)
                FROM unnest(\(newPayments.map(\.invoiceID)), \(newPayments.map(\.payment.amount.minorUnits)),
                            \(newPayments.map(\.payment.date.iso)), \(newPayments.map { $0.payment.reference ?? "" }))
                    AS p(invoice_id, amount_minor, date, reference)
                """, logger: logger)
        }
        if !settled.isEmpty {
            try await connection.query("""
                UPDATE reminders SET state = 'cancelled', detail = 'paid', lease_owner = NULL, lease_expires_at = NULL, updated_at = \(seconds)
                WHERE invoice_id = ANY(\(settled.sorted())) AND state IN ('planned', 'deferred')
                """, logger: logger)
        }
        let replanned = plans.sorted { $0.key < $1.key }
        if !replanned.isEmpty {
            let arranged = StepKind.allCases.filter(\.goesWhilePaused).map(\.rawValue)
            try await connection.query("""
                DELETE FROM reminders WHERE invoice_id = ANY(\(replanned.map(\.key))) AND state = 'planned' AND lease_owner IS NULL
                    AND batch_id IS NULL AND NOT (kind = ANY(\(arranged)))
                """, logger: logger)
            let rows = replanned.flatMap { entry in entry.value.map { (entry.key, $0) } }
            if !rows.isEmpty {
                try await connection.query("""
                    INSERT INTO reminders (invoice_id, step, kind, local_date, send_at, state, amount_minor, updated_at)
                    SELECT invoice_id, step, kind, local_date, send_at, 'planned', amount_minor, \(seconds)
                    FROM unnest(\(rows.map(\.0)), \(rows.map(\.1.step)), \(rows.map(\.1.kind.rawValue)), \(rows.map(\.1.localDate.iso)),
                                \(rows.map { SharedQueue.seconds($0.1.sendAt) }), \(rows.map(\.1.amount.minorUnits)))
                        AS r(invoice_id, step, kind, local_date, send_at, amount_minor)
                    ON CONFLICT (invoice_id, step) DO NOTHING
                    """, logger: logger)
            }
        }
        let chosen = policyChoices.sorted { $0.key < $1.key }
        if !chosen.isEmpty {
            // As `StoreTransaction.setCustomerPolicy` keeps it: the latest choice, and why.
            try await connection.query("""
                INSERT INTO customer_policies (customer_key, policy, reason, decided_at)
                SELECT customer_key, policy, reason, \(seconds)
                FROM unnest(\(chosen.map(\.key)), \(chosen.map(\.value.policy)), \(chosen.map(\.value.reason))) AS c(customer_key, policy, reason)
                ON CONFLICT (customer_key) DO UPDATE SET policy = EXCLUDED.policy, reason = EXCLUDED.reason, decided_at = EXCLUDED.decided_at
                """, logger: logger)
        }
        let paid = invoices.filter { refreshed.contains($0.key) && $0.value.state == "paid" }.map(\.key).sorted()
        if !paid.isEmpty {
            try await connection.query("UPDATE invoices SET state = 'paid', updated_at = \(seconds) WHERE id = ANY(\(paid))", logger: logger)
        }
        let open = invoices.filter { refreshed.contains($0.key) && $0.value.state == "open" && $0.value.source == nil }.map(\.key).sorted()
        if !open.isEmpty {
            try await connection.query("""
                UPDATE invoices SET state = 'open', updated_at = \(seconds) WHERE id = ANY(\(open)) AND state <> 'open'
                """, logger: logger)
        }
        if !events.isEmpty {
            try await connection.query("""
                INSERT INTO events (at, event, invoice_id, line)
                SELECT \(seconds), event, NULLIF(invoice_id, ''), line
                FROM unnest(\(events.map(\.event)), \(events.map { $0.invoiceID ?? "" }), \(events.map(\.line))) WITH ORDINALITY
                    AS e(event, invoice_id, line, n)
                ORDER BY n
                """, logger: logger)
        }
    }
}
