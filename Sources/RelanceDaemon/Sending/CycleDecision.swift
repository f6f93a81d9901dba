import Foundation
import RelanceConfig
import RelanceCore
import RelanceMail
import RelanceStore

/// The send-time decision for each invoice whose reminders' time has come: balance, pause,
/// minimum balance and contact are checked, `ReminderChoice` (pure) picks what goes, and the
/// chosen reminder is claimed for the batch with its Message-ID (not yet handed off).
extension Cycle {
    /// Decides, in one durable transaction for the whole chunk, what each invoice's due rows become;
    /// the reminders to send are claimed for a new send batch (with their Message-IDs) but not yet
    /// handed off: that happens one at a time, just before each one's own SMTP transaction.
    ///
    /// With `group = "customer"` (the default), the reminders one customer gets in the chunk go as one
    /// message (`CustomerMessage`): the customer's invoices are consecutive in `invoiceIDs`, and the
    /// minimum gap is judged once for the customer, from what was sent before this decision.
    func decide(_ invoiceIDs: [String], rows: [String: [ReminderRecord]], customerKeys: [String: String], now: Date, dryRun: Bool,
                summary: inout Summary) throws -> (Int64?, [DecidedMessage]) {
        let journal = context.journal()
        var messages: [DecidedMessage] = []
        var localSummary = summary
        var batchID: Int64?
        let grouped = configuration.schedule.groupByCustomer
        try context.store.write { tx in
            journal.discard()
            messages = []
            localSummary = summary
            let batch = dryRun ? nil : try tx.beginBatch(bootID: BootID.current, at: now)
            batchID = batch
            let lastSent = grouped ? LastSentCache() : nil
            found.openTasks = try tx.hasOpenTasks()
            found.contactOverrides = try tx.hasContactOverrides()
            found.undeliverable = try tx.hasUndeliverable()
            let chunk = try tx.chunkRows(invoiceIDs: invoiceIDs, decodedAhead: decodedAhead)
            var pending: [(ReminderRecord, ReminderFacts)] = []
            var pendingKey: String?
            func close() throws {
                guard !pending.isEmpty else { return }
                defer { pending = []; pendingKey = nil }
                // A statement threads under everything the customer was sent; a single reminder keeps its invoice's thread.
                let references = grouped && pending.count > 1 ? try pendingKey.map { try tx.sentMessageIDs(customerKey: $0) } : nil
                messages.append(try message(CustomerMessage.combine(pending, references: references), batch: batch, tx: tx))
            }
            for invoiceID in invoiceIDs {
                let key = customerKeys[invoiceID]
                if !grouped || key != pendingKey { try close() }
                guard let item = try decide(invoiceID: invoiceID, rows: rows[invoiceID] ?? [], chunk: chunk, batch: batch, tx: tx, journal: journal, now: now,
                                            dryRun: dryRun, lastSent: lastSent, summary: &localSummary) else { continue }
                // What a person arranged with the customer is its own message, never part of a statement.
                if item.0.kind.isArranged {
                    try close()
                    pending = [item]
                    try close()
                    continue
                }
                pending.append(item)
                pendingKey = key
            }
            try close()
        }
        journal.flush(to: context.sendLog)
        summary = localSummary
        return (batchID, messages)
    }

    /// The message for one customer's reminders: the rows that are not its lead share the lead's
    /// Message-ID; a formal notice gets its letter; EUR to an IBAN gets its QR code.
    private func message(_ combined: (rows: [ReminderRecord], facts: ReminderFacts), batch: Int64?, tx: StoreTransaction) throws -> DecidedMessage {
        var facts = combined.facts
        if let batch {
            for row in combined.rows.dropFirst() {
                try tx.shareMessage(row.id, batch: batch, messageID: facts.messageID, envelopeTag: MessageID.envelopeTag(facts.messageID))
            }
        }
        var letterPath: String?
        if facts.kind == .formalNotice {
            facts.formalNotice = CustomerMessage.formalNotice(facts, configuration: configuration)
            letterPath = CustomerMessage.letterPath(facts, stateDirectory: configuration.paths.stateDirectory)
        }
        return DecidedMessage(rows: combined.rows, facts: facts, letterPath: letterPath,
                              qrPayload: CustomerMessage.qrPayload(facts, beneficiary: beneficiary),
                              archivePath: CustomerMessage.archivePath(facts, stateDirectory: configuration.paths.stateDirectory))
    }

    private func decide(invoiceID: String, rows: [ReminderRecord], chunk: ChunkRows, batch: Int64?, tx: StoreTransaction, journal: Journal, now: Date,
                        dryRun: Bool, lastSent: LastSentCache?, summary: inout Summary) throws -> (ReminderRecord, ReminderFacts)? {
        let calendar = configuration.calendar
        let today = calendar.localDate(of: now)
        guard let stored = chunk.invoices[invoiceID] else { return nil }
        let invoice = stored.invoice
        if stored.state != .open {
            summary.cancelled += try tx.cancelWaiting(invoiceID: invoiceID, reason: stored.state.rawValue, at: now)
            return nil
        }
        let payments = chunk.payments[invoiceID] ?? []
        let balance = Balance.due(invoice, payments: payments, on: today)
        if balance.isZero {
            try ReminderPlanning.refresh(tx, invoice: invoice, configuration: configuration, journal: journal, at: now)
            summary.cancelled += 1
            return nil
        }
        // (The send window was checked once for the whole cycle, in `run`.)
        guard let dueDate = invoice.dueDate else { return nil }
        // Gather the facts; the decision itself is pure (SendRules, in RelanceCore).
        let policy = try ReminderPlanning.currentPolicy(tx, invoice: invoice, configuration: configuration)
        let all = chunk.reminders[invoiceID] ?? []
        func rank(_ step: String) -> Int { policy.steps.firstIndex { $0.name == step } ?? Int.max }
        // A person in the loop: a due `call` step becomes a task, and the steps after an open task wait for it.
        let rows = dryRun ? rows.filter { !$0.kind.isPersonTask } : try tasks(invoice: invoice, rows: rows, rank: rank, today: today, tx: tx, journal: journal, now: now,
                                             summary: &summary)
        guard !rows.isEmpty else { return nil }
        let waiting = rows.map {
            WaitingReminder(id: $0.id, step: $0.step, kind: $0.kind, rank: rank($0.step), localDate: $0.localDate, sendAt: $0.sendAt)
        }
        let dueIDs = Set(rows.map(\.id))
        let cc = ccAddresses(invoice)
        // A reply named who is in charge now ([replies] update_contacts): the reminders go there.
        let to = try found.contactOverrides ? tx.contactOverride(customerKey: ReminderPlanning.customerKey(invoice.customer))
            .flatMap { try? EmailAddress($0) }.map { [$0] } ?? invoice.customer.emails : invoice.customer.emails
        let floor = configuration.schedule.minBalance[invoice.currency.code].map { Money(minorUnits: $0, currency: invoice.currency) }
        let situation = SendSituation(
            due: waiting, today: today, dueDate: dueDate,
            discountDeadline: invoice.discountOffers.last(where: { today <= $0.deadline })?.deadline,
            balance: balance, minimumBalance: floor,
            pausedUntil: stored.isPaused(on: today) ? .some(stored.pausedUntil) : nil,
            inFlightRanks: all.filter { $0.kind.isEscalation && !dueIDs.contains($0.id) && [.sending, .deferred].contains($0.state) }.map { rank($0.step) },
            // Only the minimum gap looks at the last reminder the customer was sent.
            lastSentToCustomer: configuration.schedule.minGapDays > 0
                ? try lastSentToCustomer(ReminderPlanning.customerKey(invoice.customer), tx: tx, known: lastSent).map(calendar.localDate(of:)) : nil,
            minGapDays: configuration.schedule.minGapDays,
            recipients: Recipients(to: to, cc: cc, undeliverable: dryRun || !found.undeliverable ? [] : try tx.undeliverable((to + cc).map(\.value))))
        let run = context.run
        // Said only of a reminder a sending day or more behind its planned day.
        func cause(_ reminder: WaitingReminder) -> DelayCause? {
            guard today > reminder.localDate else { return nil }
            let resumed = stored.resumedAt ?? stored.pausedUntil.flatMap { $0 <= today ? calendar.slot(on: $0) : nil }
            return DelayCause.explain(plannedAt: reminder.sendAt, now: now, ingestedAt: stored.ingestedAt, dueDate: dueDate, today: today,
                                      resumedAt: resumed, previousRunEnded: run?.previousRunEnded, runStarted: run?.startedAt ?? now,
                                      timeZone: calendar.timeZone)
        }
        var chosen: WaitingReminder?
        for decision in SendRules.decide(situation, calendar: calendar) {
            switch decision {
            case .send(let reminder):
                chosen = reminder
            case .skip(let reminder, let reason):
                summary.skipped += 1
                guard !dryRun else { continue }
                let why = cause(reminder).map { "skipped: \(reason) (\($0))" } ?? "skipped: \(reason)"
                try tx.skip(reminder.id, reason: why, at: now)
                try journal.record(tx, at: now, event: "cancelled", invoice: invoiceID, [("step", reminder.step), ("reason", why)])
            case .postpone(let reminder, let day, let reason):
                summary.postponed += 1
                guard !dryRun else { continue }
                try tx.reschedule(reminder.id, to: calendar.slot(on: day), localDate: day, at: now)
                if case .lowerLevelInFlight = reason {
                    try journal.record(tx, at: now, event: "planned", invoice: invoiceID,
                                       [("step", reminder.step), ("date", day.iso), ("reason", reason.description)])
                }
            case .cancel(let reminder, let reason):
                summary.cancelled += 1
                guard !dryRun else { continue }
                try tx.cancelReminder(reminder.id, reason: reason.description, at: now)
                try journal.record(tx, at: now, event: "cancelled", invoice: invoiceID, [("step", reminder.step), ("reason", reason.description)])
                switch reason {
                case .noContact: try tx.setAttention(invoiceID, "no contact: the invoice names no buyer e-mail")
                case .belowMinimumBalance(let left): try tx.setAttention(invoiceID, "small balance left: \(left) (below min_balance, not chased)")
                }
            case .fail(let reminder, let reason):
                summary.failed += 1
                guard !dryRun else { continue }
                try tx.failBeforeHandOff(reminder.id, reason: reason.description, at: now)
                switch reason {
                case .undeliverable(let addresses): try tx.setAttention(invoiceID, "no deliverable address: \(addresses.sorted().joined(separator: ", "))")
                case .needsSMTPUTF8(let addresses):
                    try tx.setAttention(invoiceID, "no address relance can send to without SMTPUTF8: \(addresses.joined(separator: ", "))")
                }
                try journal.record(tx, at: now, event: "failed", invoice: invoiceID, [("step", reminder.step), ("reason", reason.description)])
            }
        }
        guard let chosen, let latest = rows.first(where: { $0.id == chosen.id }) else { return nil }
        // Review before sending: held for a person unless one approved it (relance review / approve).
        if configuration.needsReview(invoice.customer, kind: latest.kind), latest.approvedAt == nil {
            summary.held += 1
            guard !dryRun else { return nil }
            try tx.holdForReview(latest.id, at: now)
            try journal.record(tx, at: now, event: "held", invoice: invoiceID, [
                ("step", latest.step), ("reason", "awaiting review: relance review; relance approve \(latest.id)"),
            ])
            return nil
        }
        let sentBefore = all.filter { [.sent, .uncertain].contains($0.state) && $0.sentAt != nil && ($0.kind == .due || $0.kind.isEscalation) }
        let levelsSent = all.filter { [.sent, .uncertain].contains($0.state) && $0.kind.isEscalation }.count
        var facts = self.facts(invoice: invoice, row: latest, balance: balance, today: today, now: now,
                               references: ReminderRecord.threadReferences(all))
        facts.to = situation.recipients.to
        facts.cc = situation.recipients.cc
        facts.wording = Wording.choose(kind: latest.kind, sendDate: today, dueDate: dueDate, discountHolds: facts.discount != nil,
                                       levelsSent: levelsSent)
        facts.payments = payments
        facts.law = configuration.lateChargeLaw(for: invoice.customer)
        facts.earlierReminders = sentBefore.compactMap { $0.sentAt.map(calendar.localDate(of:)) }.sorted()
        if latest.kind.isArranged {
            guard try arrangement(&facts, row: latest, invoice: invoice, payments: payments, today: today, tx: tx, journal: journal,
                                  now: now, dryRun: dryRun) else { return nil }
        } else if today > dueDate {
            facts.lateCharges = self.lateCharges(invoice, payments: payments, on: today)
        }
        if latest.kind.isEscalation {
            facts.brokenPromise = try tx.lastBrokenPromise(invoiceID: invoiceID)
            facts.brokenPlan = try tx.lastBrokenPlan(invoiceID: invoiceID)
        }
        if dryRun { return (latest, facts) }
        if !situation.recipients.needSMTPUTF8.isEmpty {
            try journal.record(tx, at: now, event: "failed", invoice: invoiceID, [
                ("step", latest.step), ("to", situation.recipients.needSMTPUTF8.joined(separator: ",")),
                ("reason", "a non-ASCII local part needs SMTPUTF8, which relance does not use: not sent to that address"),
            ])
        }
        guard let batch else { return nil }
        try tx.claim(latest.id, batch: batch, messageID: facts.messageID, recipients: (facts.to + facts.cc).map(\.value).joined(separator: ","),
                     envelopeTag: MessageID.envelopeTag(facts.messageID), at: now)
        // Once claimed (replan rewrites only unclaimed planned rows): a level sent later than planned,
        // or with later levels due at once: the levels after it keep the policy's spacing from today's send.
        // Higher levels due at the same time were held back by SendRules: they are re-spaced here.
        if latest.kind.isEscalation, today > latest.localDate || rows.contains(where: { $0.kind.isEscalation && $0.id != latest.id }) {
            var history = try ReminderPlanning.history(tx, invoiceID: invoiceID, zone: calendar.timeZone)
            history[latest.step] = today
            try ReminderPlanning.replan(tx, invoice: invoice, payments: payments, configuration: configuration, history: history, at: now)
            let why = cause(chosen).map { " (\($0))" } ?? ""
            for row in try tx.reminders(invoiceID: invoiceID) where row.state == .planned && row.kind.isEscalation && row.batchID == nil {
                try journal.record(tx, at: now, event: "planned", invoice: invoiceID, [
                    ("step", row.step), ("date", row.localDate.iso), ("reason", "spaced from \(latest.step) sent \(today.iso)\(why)"),
                ])
            }
        }
        return (latest, facts)
    }

    /// `call` rows due become tasks (once per step; the send log says `event=task`); while a task is open
    /// and within its grace period, the rows of later steps are moved to the day after it. Returns the
    /// rows left to decide as messages.
    private func tasks(invoice: Invoice, rows: [ReminderRecord], rank: (String) -> Int, today: LocalDate, tx: StoreTransaction,
                       journal: Journal, now: Date, summary: inout Summary) throws -> [ReminderRecord] {
        let calendar = configuration.calendar
        for row in rows where row.kind.isPersonTask {
            let grace = today.adding(days: configuration.people.taskGraceDays)
            let owner = configuration.owner(for: invoice.customer)
            let text = row.kind == .task ? policyStepText(row.step, invoice: invoice, tx: tx) : nil
            let id = try tx.createTask(invoiceID: invoice.id, customerKey: ReminderPlanning.customerKey(invoice.customer), step: row.step,
                                       kind: row.kind, owner: owner, due: today, graceUntil: grace, purpose: row.kind == .task ? .task : .call,
                                       detail: text, at: now)
            try tx.markTasked(row.id, taskID: id, at: now)
            try journal.record(tx, at: now, event: "task", invoice: invoice.id, [
                ("step", row.step), ("task", String(id)), ("owner", owner), ("until", grace.iso),
                ("reason", (text.map { "a task for a person: \($0)" } ?? "a call for a person to make") + "; relance tasks; relance task done \(id) --outcome …"),
            ])
            summary.tasked += 1
        }
        var left = rows.filter { !$0.kind.isPersonTask }
        guard found.openTasks || rows.contains(where: { $0.kind.isPersonTask }),
              let holding = try tx.openTasks(invoiceID: invoice.id).first(where: { $0.graceUntil >= today }) else { return left }
        let held = rank(holding.step)
        let day = calendar.sendingDay(onOrAfter: holding.graceUntil.adding(days: 1))
        // What was arranged with the customer (a plan, a confirmation) does not wait for a task.
        for row in left where rank(row.step) > held && !row.kind.isArranged {
            summary.postponed += 1
            try tx.reschedule(row.id, to: calendar.slot(on: day), localDate: day, at: now)
            try journal.record(tx, at: now, event: "planned", invoice: invoice.id, [
                ("step", row.step), ("date", day.iso), ("reason", "waiting for task \(holding.id) (\(holding.step)) until \(holding.graceUntil.iso)"),
            ])
        }
        left.removeAll { rank($0.step) > held && !$0.kind.isArranged }
        return left
    }

    /// The text of a policy's `task` step, from the policy the customer follows.
    private func policyStepText(_ step: String, invoice: Invoice, tx: StoreTransaction) -> String? {
        let policy = (try? ReminderPlanning.currentPolicy(tx, invoice: invoice, configuration: configuration))
            ?? configuration.policy(for: invoice.customer)
        return policy.steps.first { $0.name == step }?.text
    }

    /// The last reminder sent to a customer; when grouping, as it stood before this decision (the
    /// invoices of one customer decided together go in one message, not one per gap).
    private func lastSentToCustomer(_ key: String, tx: StoreTransaction, known: LastSentCache?) throws -> Date? {
        guard let known else { return try tx.lastReminderSent(customerKey: key) }
        if let cached = known.values[key] { return cached }
        let value = try tx.lastReminderSent(customerKey: key)
        known.values[key] = .some(value)
        return value
    }

    /// The customer's Cc addresses: the invoice's, then those its settings add.
    private func ccAddresses(_ invoice: Invoice) -> [EmailAddress] {
        var cc = invoice.customer.cc
        let extra = invoice.customer.id.flatMap { configuration.customers[$0] }?.cc ?? []
        for address in extra where !cc.contains(address) && !invoice.customer.emails.contains(address) { cc.append(address) }
        return cc
    }

    func printWouldSend(_ message: DecidedMessage, now: Date) {
        for (index, row) in message.rows.enumerated() {
            var line = LogfmtLine(timestamp: ZonedDateTime.iso8601(now, in: configuration.company.timeZone), event: "would-send")
            line.add("invoice", row.invoiceID)
            line.add("step", row.step)
            line.add("to", message.facts.to.map(\.value).joined(separator: ","))
            line.add("amount", index == 0 ? message.facts.amountDue.description : message.facts.alsoReminded[index - 1].balance.description)
            print(line.text)
        }
    }

    private func facts(invoice: Invoice, row: ReminderRecord, balance: Money, today: LocalDate, now: Date, references: [String]) -> ReminderFacts {
        let offer = invoice.discountOffers.first { today <= $0.deadline }.map {
            DiscountOffer(percent: $0.percent, days: $0.days, deadline: $0.deadline, discount: $0.discount, payable: balance - $0.discount)
        }
        return ReminderFacts(
            invoice: invoice, step: row.step, kind: row.kind, language: configuration.language(for: invoice.customer),
            amountDue: balance, discount: offer, sendDate: today,
            companyName: configuration.company.name, from: configuration.company.email, replyTo: configuration.company.replyTo,
            to: invoice.customer.emails, cc: ccAddresses(invoice),
            messageID: MessageID.make(invoiceID: invoice.id, step: row.step, domain: configuration.company.email.domain),
            references: references, date: now, timeZone: configuration.company.timeZone,
            payment: PaymentInstructions(iban: configuration.company.iban, bic: configuration.company.bic,
                                         paymentLink: configuration.company.paymentLink, signature: configuration.company.signature),
            attachment: nil)
    }

    /// Statutory charges owed today: the compensation whenever it is owed, the interest when the rate
    /// table covers every half-year involved (a gap is reported once per cycle, never guessed).
    private func lateCharges(_ invoice: Invoice, payments: [Payment], on today: LocalDate) -> LateChargesOwed? {
        let owed = LateChargesOwed.on(today, invoice: invoice, payments: payments, law: configuration.lateChargeLaw(for: invoice.customer),
                                      rates: configuration.referenceRates)
        if let missing = owed?.missingRate, missingRates.insert(missing.description).inserted {
            context.logger.warning("late-payment interest not computed: \(missing); the fixed compensation is still shown")
        }
        return owed
    }
}

/// The last send to each customer as it stood when a decision began (one decision, one thread).
final class LastSentCache {
    var values: [String: Date?] = [:]
}

/// Whether the store has an open task, any contact a reply named, or any undeliverable address, looked up once per decision
/// (a reference: `decide`'s helpers are non-mutating).
final class DecisionFlags {
    var openTasks = true
    var contactOverrides = true
    var undeliverable = true
}
