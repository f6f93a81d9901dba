import Foundation
import RelanceCore
import RelanceStore
import RelanceTestSupport
import Testing

@Suite("Store", .ownThread)
struct StoreTests {
    final class Scratch {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)").path
        deinit { try? FileManager.default.removeItem(atPath: folder) }
        func open() throws -> Store { try Store(path: folder + "/relance.sqlite") }
    }

    static let invoice = Invoice(
        id: "F-1", issueDate: LocalDate(iso: "2026-01-05")!, terms: PaymentTermsParser.parse("2/10 n/30"),
        total: Money(minorUnits: 125_000, currency: .eur), customer: Customer(id: "C-1", name: "Acme", emails: [try! EmailAddress("a@acme.example")]))

    static let other = Invoice(
        id: "F-2", issueDate: LocalDate(iso: "2026-01-05")!, terms: PaymentTermsParser.parse("net 30"),
        total: Money(minorUnits: 10_000, currency: .eur), customer: Customer(id: "C-2", name: "Globex", emails: [try! EmailAddress("b@globex.example")]))

    static func step(_ name: String, _ day: Int) -> PlannedReminder {
        PlannedReminder(step: name, kind: .postDue, localDate: LocalDate(iso: "2026-02-01")!.adding(days: day),
                        sendAt: Date(timeIntervalSince1970: TimeInterval(1_769_900_000 + day * 86_400)),
                        amount: Money(minorUnits: 125_000, currency: .eur))
    }

    @Test("invoices round-trip exactly, amendments bump the revision")
    func invoices() throws {
        let scratch = Scratch()
        let store = try scratch.open()
        let now = Date(timeIntervalSince1970: 1_769_000_000)
        let first = try store.write { tx in
            try tx.upsertInvoice(Self.invoice, customerKey: "id:C-1", sourceFile: "F-1.json", sourceHash: "h1", format: "json", at: now)
        }
        #expect(first == 1)
        let stored = try #require(try store.read { tx in try tx.invoice(id: "F-1") })
        #expect(stored.invoice == Self.invoice)
        var amended = Self.invoice
        amended.total = Money(minorUnits: 150_000, currency: .eur)
        let second = try store.write { tx in
            try tx.upsertInvoice(amended, customerKey: "id:C-1", sourceFile: "F-1b.json", sourceHash: "h2", format: "json", at: now)
        }
        #expect(second == 2)
        #expect(try store.read { tx in try tx.invoice(id: "F-1")?.invoice.total.minorUnits } == 150_000)
    }

    /// A store holding `invoice` (F-1) and `other` (F-2), and the instant they were taken in.
    static func storeWithTwoInvoices(_ scratch: Scratch) throws -> (Store, Date) {
        let store = try scratch.open()
        let now = Date(timeIntervalSince1970: 1_769_000_000)
        try store.write { tx in
            try tx.upsertInvoice(Self.invoice, customerKey: "id:C-1", sourceFile: "F-1.json", sourceHash: "h1", format: "json", at: now)
            try tx.upsertInvoice(Self.other, customerKey: "id:C-2", sourceFile: "F-2.json", sourceHash: "h2", format: "json", at: now)
        }
        return (store, now)
    }

    @Test("an invoice decoded ahead is used only while the store holds the same document, and only once")
    func decodedAhead() throws {
        let scratch = Scratch()
        let (store, now) = try Self.storeWithTwoInvoices(scratch)
        let ahead = DecodedInvoices()
        store.decodeAhead(["F-1", "F-2", "F-404"], into: ahead)
        #expect(ahead.count == 2, "an unknown invoice is left out")
        // F-2 is amended after it was decoded: the deciding transaction must see the new document.
        var amended = Self.other
        amended.total = Money(minorUnits: 20_000, currency: .eur)
        try store.write { tx in
            _ = try tx.upsertInvoice(amended, customerKey: "id:C-2", sourceFile: "F-2b.json", sourceHash: "h3", format: "json", at: now)
        }
        let chunk = try store.read { tx in try tx.chunkRows(invoiceIDs: ["F-1", "F-2", "F-404"], decodedAhead: ahead) }
        #expect(chunk.invoices["F-1"]?.invoice == Self.invoice)
        #expect(chunk.invoices["F-2"]?.invoice.total.minorUnits == 20_000)
        #expect(chunk.invoices["F-404"] == nil)
        #expect(ahead.count == 0, "each entry is taken once, even one that no longer matched")
        #expect(try store.read { tx in try tx.chunkRows(invoiceIDs: ["F-1"], decodedAhead: ahead) }.invoices["F-1"]?.invoice == Self.invoice)
    }

    @Test("a chunk's rows read at once are what the per-invoice reads give: reminders in send order, payments by date, thread references")
    func chunkRows() throws {
        let scratch = Scratch()
        let (store, now) = try Self.storeWithTwoInvoices(scratch)
        try store.write { tx in
            try tx.replacePlanned(invoiceID: "F-1", with: [Self.step("first", 7), Self.step("due", 0), Self.step("final", 30)], at: now)
            try tx.replacePlanned(invoiceID: "F-2", with: [Self.step("due", 2)], at: now)
            try tx.addPayment(invoiceID: "F-1", Payment(amount: Money(minorUnits: 300, currency: .eur), date: LocalDate(iso: "2026-01-25")!), source: "t", at: now)
            try tx.addPayment(invoiceID: "F-1", Payment(amount: Money(minorUnits: 100, currency: .eur), date: LocalDate(iso: "2026-01-21")!), source: "t", at: now)
        }
        // Two of F-1's reminders go, the later one first: references follow the time they went, not their ids.
        let rows = try store.read { tx in try tx.reminders(invoiceID: "F-1") }
        try store.write { tx in
            let batch = try tx.beginBatch(bootID: "boot-1", at: now)
            for (row, offset) in [(rows[1], 0.0), (rows[0], 60.0)] {
                try tx.claim(row.id, batch: batch, messageID: "<\(row.step)@x>", recipients: "a@acme.example", envelopeTag: nil, at: now)
                #expect(try tx.handOff(row.id, batch: batch, today: LocalDate(iso: "2026-01-20")!, at: now))
                try tx.markSent(row.id, reply: "250 ok", at: now.addingTimeInterval(offset))
            }
        }
        let (chunk, one, two, payments) = try store.read { tx in
            (try tx.chunkRows(invoiceIDs: ["F-2", "F-1"], decodedAhead: DecodedInvoices()), try tx.reminders(invoiceID: "F-1"),
             try tx.reminders(invoiceID: "F-2"), try tx.payments(invoiceID: "F-1", currency: .eur))
        }
        #expect(chunk.reminders["F-1"] == one)
        #expect(chunk.reminders["F-2"] == two)
        #expect(chunk.payments["F-1"] == payments)
        #expect(payments.map(\.amount.minorUnits) == [100, 300])
        #expect(chunk.payments["F-2"] == nil)
        // The two that went, in the order they went; the planned `final` is not among them.
        #expect(ReminderRecord.threadReferences(one) == ["<first@x>", "<due@x>"])
        #expect(try store.read { tx in try tx.hasUndeliverable() } == false)
    }

    @Test("ids that JSON must escape reach the chunk read whole: quotes, slashes, backslashes, non-ASCII")
    func chunkRowsOfOddIDs() throws {
        let scratch = Scratch()
        let (store, now) = try Self.storeWithTwoInvoices(scratch)
        let ids = ["F/2026\"3\"", "F\\4", "Fé-5 ü", "F-6\u{7}"]
        try store.write { tx in
            for (index, id) in ids.enumerated() {
                var odd = Self.other
                odd.id = id
                try tx.upsertInvoice(odd, customerKey: "id:C-2", sourceFile: "odd-\(index).json", sourceHash: "odd-\(index)", format: "json", at: now)
                try tx.replacePlanned(invoiceID: id, with: [Self.step("due", index)], at: now)
            }
        }
        let chunk = try store.read { tx in try tx.chunkRows(invoiceIDs: ids + ["F-1"], decodedAhead: DecodedInvoices()) }
        #expect(Set(chunk.invoices.keys) == Set(ids + ["F-1"]))
        for id in ids {
            #expect(chunk.invoices[id]?.invoice.id == id)
            #expect(chunk.reminders[id]?.map(\.invoiceID) == [id])
        }
        #expect(chunk.reminders["F-1"] == nil)
    }

    @Test("re-planning replaces planned rows only; history and the sending point survive a reopen")
    func reminders() throws {
        let scratch = Scratch()
        let now = Date(timeIntervalSince1970: 1_769_000_000)
        do {
            let store = try scratch.open()
            try store.write { tx in
                try tx.upsertInvoice(Self.invoice, customerKey: "id:C-1", sourceFile: "F-1.json", sourceHash: "h1", format: "json", at: now)
                try tx.replacePlanned(invoiceID: "F-1", with: [Self.step("due", 0), Self.step("first", 7)], at: now)
            }
            let due = try store.read { tx in try tx.reminders(invoiceID: "F-1") }
            try store.write { tx in
                let batch = try tx.beginBatch(bootID: "boot-1", at: now)
                try tx.claim(due[0].id, batch: batch, messageID: "<due@x>", recipients: "a@acme.example", envelopeTag: nil, at: now)
                #expect(try tx.handOff(due[0].id, batch: batch, today: LocalDate(iso: "2026-01-20")!, at: now))
                try tx.replacePlanned(invoiceID: "F-1", with: [Self.step("due", 1), Self.step("first", 9), Self.step("final", 30)], at: now)
            }
        }
        // Reopened as after a crash: the row in `sending` becomes `uncertain`, never planned again.
        let store = try scratch.open()
        let interrupted = try store.write { tx in try tx.recoverInterrupted(bootID: "boot-1", at: now) }
        #expect(interrupted.map(\.step) == ["due"])
        let rows = try store.read { tx in try tx.reminders(invoiceID: "F-1") }
        #expect(rows.map(\.step).sorted() == ["due", "final", "first"])
        #expect(rows.first { $0.step == "due" }?.state == .uncertain)
        #expect(rows.first { $0.step == "first" }?.localDate.iso == "2026-02-10")
        #expect(try store.read { tx in try tx.nextWake() } == Self.step("first", 9).sendAt)
        #expect(try store.integrityCheck() == "ok")
    }

    @Test("every transition is guarded by its from-state: the wrong one throws and changes nothing")
    func guardedTransitions() throws {
        let scratch = Scratch()
        let store = try scratch.open()
        let now = Date(timeIntervalSince1970: 1_769_000_000)
        try store.write { tx in
            try tx.upsertInvoice(Self.invoice, customerKey: "id:C-1", sourceFile: "F-1.json", sourceHash: "h1", format: "json", at: now)
            try tx.replacePlanned(invoiceID: "F-1", with: [Self.step("due", 0)], at: now)
        }
        let id = try #require(try store.read { tx in try tx.reminders(invoiceID: "F-1") }.first?.id)
        // planned → sent is not a transition: only a handed-off reminder can be confirmed.
        #expect(throws: TransitionError.self) { try store.write { tx in try tx.markSent(id, reply: "250", at: now) } }
        #expect(throws: TransitionError.self) { try store.write { tx in try tx.markUncertain(id, reason: "x", at: now) } }
        #expect(throws: TransitionError.self) { try store.write { tx in try tx.resolve(id, .sent, note: nil, nextSlot: now, localDate: Self.step("due", 0).localDate, at: now) } }
        #expect(try store.read { tx in try tx.reminders(invoiceID: "F-1") }.first?.state == .planned)
        // A reminder cancelled (by a payment) while its batch waits is never handed off.
        try store.write { tx in
            let batch = try tx.beginBatch(bootID: "boot-1", at: now)
            try tx.claim(id, batch: batch, messageID: "<m@x>", recipients: "a@acme.example", envelopeTag: nil, at: now)
            try tx.cancelWaiting(invoiceID: "F-1", reason: "paid", at: now)
            #expect(try !tx.handOff(id, batch: batch, today: LocalDate(iso: "2026-01-20")!, at: now))
        }
        #expect(try store.read { tx in try tx.reminders(invoiceID: "F-1") }.first?.state == .cancelled)
        #expect(throws: TransitionError.self) { try store.write { tx in try tx.skip(id, reason: "x", at: now) } }
    }

    @Test("after a crash on the same boot only the handed-off reminder is uncertain; after a reboot the whole unfinished batch is")
    func bootAwareRecovery() throws {
        let now = Date(timeIntervalSince1970: 1_769_000_000)
        for (boot, expected) in [("boot-1", ["due"]), ("boot-2", ["due", "first"])] {
            let scratch = Scratch()
            let store = try scratch.open()
            try store.write { tx in
                try tx.upsertInvoice(Self.invoice, customerKey: "id:C-1", sourceFile: "F-1.json", sourceHash: "h1", format: "json", at: now)
                try tx.upsertInvoice(Self.other, customerKey: "id:C-2", sourceFile: "F-2.json", sourceHash: "h2", format: "json", at: now)
                try tx.replacePlanned(invoiceID: "F-1", with: [Self.step("due", 0)], at: now)
                try tx.replacePlanned(invoiceID: "F-2", with: [Self.step("first", 0)], at: now)
            }
            let rows = try store.read { tx in try tx.reminders(invoiceID: "F-1") + tx.reminders(invoiceID: "F-2") }
            try store.write { tx in
                let batch = try tx.beginBatch(bootID: "boot-1", at: now)
                for row in rows { try tx.claim(row.id, batch: batch, messageID: "<\(row.step)@x>", recipients: "a@x", envelopeTag: nil, at: now) }
                #expect(try tx.handOff(rows[0].id, batch: batch, today: LocalDate(iso: "2026-01-20")!, at: now))
            }
            let uncertain = try store.write { tx in try tx.recoverInterrupted(bootID: boot, at: now) }
            #expect(uncertain.map(\.step).sorted() == expected, "\(boot)")
            let after = try store.read { tx in try tx.reminders(invoiceID: "F-2") }.first
            #expect(after?.state == (boot == "boot-1" ? .planned : .uncertain))
            #expect(after?.batchID == nil)
            // Settled by a person: resend plans it again with its Message-ID.
            try store.write { tx in
                try tx.resolve(rows[0].id, .resend, note: "checked the server log", nextSlot: now.addingTimeInterval(3600),
                               localDate: Self.step("due", 1).localDate, at: now)
            }
            let resent = try store.read { tx in try tx.reminders(invoiceID: "F-1") }.first
            #expect(resent?.state == .planned && resent?.messageID == "<due@x>" && resent?.detail?.contains("checked the server log") == true)
        }
    }

    @Test("the same bytes are recognised as a duplicate")
    func sources() throws {
        let scratch = Scratch()
        let store = try scratch.open()
        let now = Date(timeIntervalSince1970: 1_769_000_000)
        let outcomes = try store.write { tx -> [SourceOutcome] in
            let before = try tx.sourceOutcome(hash: "abc")
            try tx.recordSource(hash: "abc", name: "F-1.json", documentID: "F-1", kind: "invoice", at: now)
            return [before, try tx.sourceOutcome(hash: "abc")]
        }
        #expect(outcomes == [.new, .duplicate(documentID: "F-1")])
    }

    @Test("the file is in WAL mode with full synchronous writes")
    func pragmas() throws {
        let scratch = Scratch()
        _ = try scratch.open()
        let output = try sqlite(scratch.folder + "/relance.sqlite", "PRAGMA journal_mode;")
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "wal")
    }

    @Test("a failed transaction leaves nothing behind")
    func rollback() throws {
        struct Boom: Error {}
        let scratch = Scratch()
        let store = try scratch.open()
        let now = Date(timeIntervalSince1970: 1_769_000_000)
        #expect(throws: Boom.self) {
            try store.write { tx in
                try tx.upsertInvoice(Self.invoice, customerKey: "id:C-1", sourceFile: "F-1.json", sourceHash: "h1", format: "json", at: now)
                throw Boom()
            }
        }
        #expect(try store.read { tx in try tx.invoiceCount() } == 0)
    }

    func sqlite(_ path: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
