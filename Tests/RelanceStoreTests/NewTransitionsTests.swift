import Foundation
import RelanceCore
import RelanceStore
import RelanceTestSupport
import Testing

/// The transitions this round added, each guarded by its from-state: collection, tasks, promises,
/// review, and reminders sharing one customer message.
@Suite("Store: guarded transitions of letters, tasks, promises and review", .ownThread)
struct NewTransitionsTests {
    let now = Date(timeIntervalSince1970: 1_769_000_000)

    func seeded() throws -> (StoreTests.Scratch, Store) {
        let scratch = StoreTests.Scratch()
        let store = try scratch.open()
        try store.write { tx in
            for invoice in [StoreTests.invoice, StoreTests.other] {
                try tx.upsertInvoice(invoice, customerKey: "id:\(invoice.customer.id ?? "")", sourceFile: "\(invoice.id).json",
                                     sourceHash: invoice.id, format: "json", at: now)
                try tx.replacePlanned(invoiceID: invoice.id, with: [StoreTests.step("first", 0)], at: now)
            }
        }
        return (scratch, store)
    }

    @Test("open → collection and back; from any other state it throws")
    func collection() throws {
        let (_, store) = try seeded()
        try store.write { tx in
            try tx.recordFormalNotice(invoiceID: "F-1", deadline: LocalDate(iso: "2026-02-10")!, letter: "/l.pdf", at: now)
            #expect(try tx.noticesPastDeadline(today: LocalDate(iso: "2026-02-11")!).map(\.invoice.id) == ["F-1"])
            #expect(try tx.noticesPastDeadline(today: LocalDate(iso: "2026-02-10")!).isEmpty)
            try tx.enterCollection("F-1", at: now)
            #expect(throws: InvoiceTransitionError.self) { try tx.enterCollection("F-1", at: now) }
            try tx.leaveCollection("F-1", at: now)
            #expect(try tx.invoice(id: "F-1")?.state == .open && tx.invoice(id: "F-1")?.noticeDeadline == nil)
            #expect(throws: InvoiceTransitionError.self) { try tx.leaveCollection("F-1", at: now) }
        }
    }

    @Test("a task is created once per step, completed once; a promise is judged once")
    func tasksAndPromises() throws {
        let (_, store) = try seeded()
        try store.write { tx in
            let day = LocalDate(iso: "2026-02-01")!
            let id = try tx.createTask(invoiceID: "F-1", customerKey: "id:C-1", step: "call", kind: .call, owner: "j", due: day, graceUntil: day, at: now)
            #expect(try tx.createTask(invoiceID: "F-1", customerKey: "id:C-1", step: "call", kind: .call, owner: "j", due: day, graceUntil: day, at: now) == id)
            #expect(try tx.hasOpenTasks())
            try tx.rescheduleTask(id, due: day.adding(days: 1), graceUntil: day.adding(days: 4), note: nil, at: now)
            #expect(try tx.task(id: id)?.attempts == 2)
            try tx.completeTask(id, outcome: .promise, date: day.adding(days: 5), note: "ok", at: now)
            #expect(throws: TaskTransitionError.self) { try tx.completeTask(id, outcome: .other, date: nil, note: nil, at: now) }
            #expect(throws: TaskTransitionError.self) { try tx.rescheduleTask(id, due: day, graceUntil: day, note: nil, at: now) }
            #expect(try !tx.hasOpenTasks())

            let promise = try tx.recordPromise(invoiceID: "F-1", madeOn: day, promisedFor: day.adding(days: 5), source: "call", note: nil, at: now)
            try tx.judgePromise(promise, .broken, at: now)
            #expect(throws: PromiseTransitionError.self) { try tx.judgePromise(promise, .kept, at: now) }
            #expect(try tx.lastBrokenPromise(invoiceID: "F-1") == BrokenPromise(madeOn: day, promisedFor: day.adding(days: 5)))
        }
    }

    @Test("review: only a waiting reminder is held, only a held one approved, and an approved one is not held again")
    func review() throws {
        let (_, store) = try seeded()
        try store.write { tx in
            let row = try #require(try tx.reminders(invoiceID: "F-1").first)
            try tx.holdForReview(row.id, at: now)
            #expect(throws: TransitionError.self) { try tx.holdForReview(row.id, at: now) }
            try tx.keepHeld(row.id, at: now)
            #expect(try tx.heldReminders().first?.heldByPerson == true)
            try tx.approve(row.id, slot: now, localDate: LocalDate(iso: "2026-02-01")!, at: now)
            #expect(throws: TransitionError.self) { try tx.approve(row.id, slot: now, localDate: LocalDate(iso: "2026-02-01")!, at: now) }
            #expect(try tx.reminder(id: row.id)?.approvedAt != nil)
            #expect(throws: TransitionError.self) { try tx.holdForReview(row.id, at: now) }
        }
    }

    @Test("reminders sharing a message: only claimed ones join it; a hand-off refused for one rolls the message back")
    func sharedMessage() throws {
        let (_, store) = try seeded()
        try store.write { tx in
            let batch = try tx.beginBatch(bootID: "boot", at: now)
            let a = try #require(try tx.reminders(invoiceID: "F-1").first)
            let b = try #require(try tx.reminders(invoiceID: "F-2").first)
            #expect(throws: TransitionError.self) { try tx.shareMessage(b.id, batch: batch, messageID: "<m>", envelopeTag: nil) }
            try tx.claim(a.id, batch: batch, messageID: "<m>", recipients: "a", envelopeTag: nil, at: now)
            try tx.claim(b.id, batch: batch, messageID: "<b>", recipients: "b", envelopeTag: nil, at: now)
            try tx.shareMessage(b.id, batch: batch, messageID: "<m>", envelopeTag: nil)
            // F-2 is paid meanwhile: the message must go for neither.
            try tx.setInvoiceState("F-2", .paid, at: now)
            let today = LocalDate(iso: "2026-02-01")!
            var all = true
            try tx.savepoint {
                for row in [a, b] where try !tx.handOff(row.id, batch: batch, today: today, at: now) { all = false; break }
                return all
            }
            #expect(!all)
            #expect(try tx.reminder(id: a.id)?.state == .planned, "the first hand-off was rolled back with the savepoint")
            #expect(try tx.reminderIDs(sharingMessageWith: a.id).sorted() == [a.id, b.id].sorted())
        }
    }

    @Test("payment plans: one active per invoice, ended once; its arranged rows survive a replan and go while paused")
    func plans() throws {
        let (_, store) = try seeded()
        try store.write { tx in
            let day = LocalDate(iso: "2026-02-01")!
            let eur = { (minor: Int64) in Money(minorUnits: minor, currency: .eur) }
            let parts = [Installment(number: 1, due: day.adding(days: 10), amount: eur(500)), Installment(number: 2, due: day.adding(days: 20), amount: eur(700))]
            let id = try tx.createPlan(invoiceID: "F-1", agreedOn: day, total: eur(1_200), parts: parts, note: "phone", at: now)
            #expect(throws: StoreError.self) { try tx.createPlan(invoiceID: "F-1", agreedOn: day, total: eur(1_200), parts: parts, note: nil, at: now) }
            let plan = try #require(try tx.activePlan(invoiceID: "F-1"))
            #expect(plan.parts == parts && plan.total == eur(1_200) && plan.note == "phone" && plan.state == .active)
            #expect(try tx.hasActivePlans() && tx.activePlans().map(\.id) == [id])

            // The schedule row, planned by a person, survives the planner's rewrite; it may go while the invoice is paused.
            try tx.planArranged(invoiceID: "F-1", PlannedReminder(step: "plan-\(id)", kind: .plan, localDate: day, sendAt: now, amount: eur(1_200),
                                                                  arrangedID: id), at: now)
            try tx.replacePlanned(invoiceID: "F-1", with: [], at: now)
            let row = try #require(try tx.reminders(invoiceID: "F-1").first { $0.kind == .plan })
            #expect(row.arrangedID == id && row.step == "plan-\(id)")
            try tx.setPause("F-1", until: nil, reason: "dispute (call)", at: now)
            let batch = try tx.beginBatch(bootID: "boot", at: now)
            try tx.claim(row.id, batch: batch, messageID: "<p>", recipients: "a", envelopeTag: nil, at: now)
            #expect(try tx.handOff(row.id, batch: batch, today: day, at: now))

            try tx.endPlan(id, .broken, brokenPart: 2, at: now)
            #expect(throws: PlanTransitionError.self) { try tx.endPlan(id, .completed, at: now) }
            #expect(try tx.activePlan(invoiceID: "F-1") == nil && !tx.hasActivePlans())
            #expect(try tx.lastBrokenPlan(invoiceID: "F-1") == BrokenPlan(agreedOn: day, missed: parts[1]))
            // Another plan may follow a broken one.
            _ = try tx.createPlan(invoiceID: "F-1", agreedOn: day.adding(days: 30), total: eur(700), parts: [parts[1]], note: nil, at: now)
            #expect(try tx.plans(invoiceID: "F-1").map(\.state) == [.broken, .active])
        }
    }
}
