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
    func decide(_ invoiceIDs: [String], rows: [String: [ReminderRecord]], now: Date, dryRun: Bool,
                summary: inout Summary) throws -> (Int64?, [(ReminderRecord, ReminderFacts)]) {
        let journal = context.journal()
        var toSend: [(ReminderRecord, ReminderFacts)] = []
        var localSummary = summary
        var batchID: Int64?
        try context.store.write { tx in
            journal.discard()
            toSend = []
            localSummary = summary
            let batch = dryRun ? nil : try tx.beginBatch(bootID: BootID.current, at: now)
            batchID = batch
            for invoiceID in invoiceIDs {
                if let item = try decide(invoiceID: invoiceID, rows: rows[invoiceID] ?? [], batch: batch, tx: tx, journal: journal, now: now,
                                         dryRun: dryRun, summary: &localSummary) {
                    toSend.append(item)
                }
            }
        }
        journal.flush(to: context.sendLog)
        summary = localSummary
        return (batchID, toSend)
    }

    private func decide(invoiceID: String, rows: [ReminderRecord], batch: Int64?, tx: StoreTransaction, journal: Journal, now: Date,
                        dryRun: Bool, summary: inout Summary) throws -> (ReminderRecord, ReminderFacts)? {
        let configuration = context.configuration
        let calendar = configuration.calendar
        let today = calendar.localDate(of: now)
        guard let stored = try tx.invoice(id: invoiceID) else { return nil }
        let invoice = stored.invoice
        if stored.state != .open {
            summary.cancelled += try tx.cancelWaiting(invoiceID: invoiceID, reason: stored.state.rawValue, at: now)
            return nil
        }
        let payments = try tx.payments(invoiceID: invoiceID, currency: invoice.currency)
        let balance = Balance.due(invoice, payments: payments, on: today)
        if balance.isZero {
            try ReminderPlanning.refresh(tx, invoice: invoice, configuration: configuration, journal: journal, at: now)
            summary.cancelled += 1
            return nil
        }
        // An e-invoice that names no buyer e-mail is kept and reported, never mailed.
        if invoice.customer.emails.isEmpty {
            for row in rows where !dryRun {
                try tx.cancelReminder(row.id, reason: "no contact", at: now)
                try journal.record(tx, at: now, event: "cancelled", invoice: invoiceID, [("step", row.step), ("reason", "no contact e-mail on the invoice")])
            }
            if !dryRun { try tx.setAttention(invoiceID, "no contact: the invoice names no buyer e-mail") }
            summary.cancelled += rows.count
            return nil
        }
        // Every send waits for the send window: catch-up, late arrivals, retries and resumed sequences alike.
        if !calendar.isInSendWindow(now) {
            summary.postponed += rows.count
            return nil
        }
        if stored.isPaused(on: today) {
            guard let until = stored.pausedUntil else { return nil }  // open-ended: waits for `resume`
            let day = calendar.sendingDay(onOrAfter: until)
            for row in rows where !dryRun { try tx.reschedule(row.id, to: calendar.slot(on: day), localDate: day, at: now) }
            summary.postponed += rows.count
            return nil
        }
        // A balance under min_balance is reported (status), never chased.
        if configuration.schedule.isBelowMinimum(balance) {
            for row in rows where !dryRun {
                try tx.cancelReminder(row.id, reason: "balance \(balance) below min_balance", at: now)
                try journal.record(tx, at: now, event: "cancelled", invoice: invoiceID, [
                    ("step", row.step), ("reason", "the balance \(balance) is below min_balance; not chased"),
                ])
            }
            if !dryRun { try tx.setAttention(invoiceID, "small balance left: \(balance) (below min_balance, not chased)") }
            summary.cancelled += rows.count
            return nil
        }
        guard let dueDate = invoice.dueDate else { return nil }
        let policy = configuration.policy(for: invoice.customer)
        let all = try tx.reminders(invoiceID: invoiceID)
        func rank(_ step: String) -> Int { policy.steps.firstIndex { $0.name == step } ?? Int.max }
        let waiting = rows.map {
            WaitingReminder(id: $0.id, step: $0.step, kind: $0.kind, rank: rank($0.step), localDate: $0.localDate, sendAt: $0.sendAt)
        }
        let dueIDs = Set(rows.map(\.id))
        let inFlightRanks = all.filter { $0.kind.isEscalation && !dueIDs.contains($0.id) && [.sending, .deferred].contains($0.state) }
            .map { rank($0.step) }
        let choice = ReminderChoice.choose(
            due: waiting, lowerLevelInFlight: { level in inFlightRanks.contains { $0 < level } }, today: today, dueDate: dueDate,
            discountDeadline: invoice.discountOffers.last(where: { today <= $0.deadline })?.deadline)
        let run = context.run
        // Said only of a reminder a sending day or more behind its planned day.
        func cause(_ reminder: WaitingReminder) -> DelayCause? {
            guard today > reminder.localDate else { return nil }
            let resumed = stored.resumedAt ?? stored.pausedUntil.flatMap { $0 <= today ? calendar.slot(on: $0) : nil }
            return DelayCause.explain(plannedAt: reminder.sendAt, now: now, ingestedAt: stored.ingestedAt, dueDate: dueDate, today: today,
                                      resumedAt: resumed, previousRunEnded: run?.previousRunEnded, runStarted: run?.startedAt ?? now,
                                      timeZone: calendar.timeZone)
        }
        for skip in choice.skipped where !dryRun {
            let why = cause(skip.reminder).map { "skipped: \(skip.reason) (\($0))" } ?? "skipped: \(skip.reason)"
            try tx.skip(skip.reminder.id, reason: why, at: now)
            try journal.record(tx, at: now, event: "cancelled", invoice: invoiceID, [("step", skip.reminder.step), ("reason", why)])
        }
        summary.skipped += choice.skipped.count
        guard let chosen = choice.send, let latest = rows.first(where: { $0.id == chosen.id }) else {
            // Every due level waits for a lower one still in flight: look again on the next sending day.
            let next = calendar.sendingDay(onOrAfter: today.adding(days: 1))
            for held in choice.heldBack where !dryRun {
                try tx.reschedule(held.id, to: calendar.slot(on: next), localDate: next, at: now)
                try journal.record(tx, at: now, event: "planned", invoice: invoiceID, [
                    ("step", held.step), ("date", next.iso), ("reason", "waits for an earlier level still being delivered"),
                ])
            }
            summary.postponed += choice.heldBack.count
            return nil
        }
        // Minimum gap between two reminders to one customer.
        let gap = configuration.schedule.minGapDays
        if gap > 0, let last = try tx.lastReminderSent(customerKey: ReminderPlanning.customerKey(invoice.customer)) {
            let earliest = calendar.localDate(of: last).adding(days: gap)
            if today < earliest {
                let day = calendar.sendingDay(onOrAfter: earliest)
                if !dryRun { try tx.reschedule(latest.id, to: calendar.slot(on: day), localDate: day, at: now) }
                summary.postponed += 1
                return nil
            }
        }
        let sentBefore = all.filter { [.sent, .uncertain].contains($0.state) && $0.sentAt != nil && ($0.kind == .due || $0.kind.isEscalation) }
        let levelsSent = all.filter { [.sent, .uncertain].contains($0.state) && $0.kind.isEscalation }.count
        var facts = self.facts(invoice: invoice, row: latest, balance: balance, today: today, now: now,
                               references: try tx.sentMessageIDs(invoiceID: invoiceID))
        facts.wording = Wording.choose(kind: latest.kind, sendDate: today, dueDate: dueDate, discountHolds: facts.discount != nil,
                                       levelsSent: levelsSent)
        facts.payments = payments
        facts.law = configuration.lateChargeLaw(for: invoice.customer)
        facts.earlierReminders = sentBefore.compactMap { $0.sentAt.map(calendar.localDate(of:)) }.sorted()
        if today > dueDate { facts.lateCharges = self.lateCharges(invoice, payments: payments, on: today) }
        if dryRun { return (latest, facts) }
        // Addresses that bounced hard or complained are never mailed again.
        let blocked = try tx.undeliverable((facts.to + facts.cc).map(\.value))
        facts.to.removeAll { blocked.contains($0.value.lowercased()) }
        facts.cc.removeAll { blocked.contains($0.value.lowercased()) }
        // A non-ASCII local part needs SMTPUTF8, which relance does not send: that address is left out, said.
        let needsUTF8 = (facts.to + facts.cc).filter { $0.asciiForm == nil }.map(\.value)
        facts.to.removeAll { $0.asciiForm == nil }
        facts.cc.removeAll { $0.asciiForm == nil }
        if !needsUTF8.isEmpty {
            try journal.record(tx, at: now, event: "failed", invoice: invoiceID, [
                ("step", latest.step), ("to", needsUTF8.joined(separator: ",")),
                ("reason", "a non-ASCII local part needs SMTPUTF8, which relance does not use: not sent to that address"),
            ])
        }
        guard !facts.to.isEmpty else {
            if !needsUTF8.isEmpty, blocked.isEmpty {
                try tx.failBeforeHandOff(latest.id, reason: "every address needs SMTPUTF8 (a non-ASCII local part): \(needsUTF8.joined(separator: ", "))", at: now)
                try tx.setAttention(invoiceID, "no address relance can send to without SMTPUTF8: \(needsUTF8.joined(separator: ", "))")
                summary.failed += 1
                return nil
            }
            try tx.failBeforeHandOff(latest.id, reason: "every address of the customer is undeliverable", at: now)
            try tx.setAttention(invoiceID, "no deliverable address: \(blocked.sorted().joined(separator: ", "))")
            try journal.record(tx, at: now, event: "failed", invoice: invoiceID, [
                ("step", latest.step), ("reason", "every address is undeliverable (bounced or complained)"),
            ])
            summary.failed += 1
            return nil
        }
        guard let batch else { return nil }
        try tx.claim(latest.id, batch: batch, messageID: facts.messageID, recipients: (facts.to + facts.cc).map(\.value).joined(separator: ","),
                     envelopeTag: MessageID.envelopeTag(facts.messageID), at: now)
        // Once claimed (replan rewrites only unclaimed planned rows): a level sent later than planned, or with later levels due at once: the levels after it
        // keep the policy's spacing from today's send.
        if latest.kind.isEscalation, today > latest.localDate || !choice.heldBack.isEmpty {
            var history = try ReminderPlanning.history(tx, invoiceID: invoiceID, zone: calendar.timeZone)
            history[latest.step] = today
            try ReminderPlanning.replan(tx, invoice: invoice, payments: payments, configuration: configuration, history: history, at: now)
            let why = cause(chosen).map { " (\($0))" } ?? ""
            for row in try tx.reminders(invoiceID: invoiceID) where row.state == .planned && row.kind.isEscalation {
                try journal.record(tx, at: now, event: "planned", invoice: invoiceID, [
                    ("step", row.step), ("date", row.localDate.iso), ("reason", "spaced from \(latest.step) sent \(today.iso)\(why)"),
                ])
            }
        }
        return (latest, facts)
    }

    func printWouldSend(row: ReminderRecord, facts: ReminderFacts, now: Date) {
        var line = LogfmtLine(timestamp: ZonedDateTime.iso8601(now, in: context.configuration.company.timeZone), event: "would-send")
        line.add("invoice", row.invoiceID)
        line.add("step", row.step)
        line.add("to", facts.to.map(\.value).joined(separator: ","))
        line.add("amount", facts.amountDue.description)
        print(line.text)
    }

    private func facts(invoice: Invoice, row: ReminderRecord, balance: Money, today: LocalDate, now: Date, references: [String]) -> ReminderFacts {
        let configuration = context.configuration
        let customerSettings = invoice.customer.id.flatMap { configuration.customers[$0] }
        let offer = invoice.discountOffers.first { today <= $0.deadline }.map {
            DiscountOffer(percent: $0.percent, days: $0.days, deadline: $0.deadline, discount: $0.discount, payable: balance - $0.discount)
        }
        var cc = invoice.customer.cc
        for extra in customerSettings?.cc ?? [] where !cc.contains(extra) && !invoice.customer.emails.contains(extra) { cc.append(extra) }
        return ReminderFacts(
            invoice: invoice, step: row.step, kind: row.kind, language: configuration.language(for: invoice.customer),
            amountDue: balance, discount: offer, sendDate: today,
            companyName: configuration.company.name, from: configuration.company.email, replyTo: configuration.company.replyTo,
            to: invoice.customer.emails, cc: cc,
            messageID: MessageID.make(invoiceID: invoice.id, step: row.step, domain: configuration.company.email.domain),
            references: references, date: now, timeZone: configuration.company.timeZone,
            payment: PaymentInstructions(iban: configuration.company.iban, bic: configuration.company.bic,
                                         paymentLink: configuration.company.paymentLink, signature: configuration.company.signature),
            attachment: nil)
    }

    /// Statutory charges owed today: the compensation whenever it is owed, the interest when the rate
    /// table covers every half-year involved (a gap is reported once per cycle, never guessed).
    private func lateCharges(_ invoice: Invoice, payments: [Payment], on today: LocalDate) -> LateChargesOwed? {
        let configuration = context.configuration
        let owed = LateChargesOwed.on(today, invoice: invoice, payments: payments, law: configuration.lateChargeLaw(for: invoice.customer),
                                      rates: configuration.referenceRates)
        if let missing = owed?.missingRate, missingRates.insert(missing.description).inserted {
            context.logger.warning("late-payment interest not computed: \(missing); the fixed compensation is still shown")
        }
        return owed
    }

    /// The stored copy of the invoice's document, if it can be read (at compose time, outside any transaction).
    static func attachment(_ path: String) -> MailAttachment? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let name = (path as NSString).lastPathComponent
        let type = name.lowercased().hasSuffix(".pdf") ? "application/pdf" : "application/octet-stream"
        return MailAttachment(fileName: name, contentType: type, bytes: Array(data))
    }
}
