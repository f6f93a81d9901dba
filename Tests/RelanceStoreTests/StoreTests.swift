import Foundation
import RelanceCore
import RelanceStore
import Testing

@Suite("Store")
struct StoreTests {
    final class Scratch {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)").path
        deinit { try? FileManager.default.removeItem(atPath: folder) }
        func open() throws -> Store { try Store(path: folder + "/relance.sqlite") }
    }

    static let invoice = Invoice(
        id: "F-1", issueDate: LocalDate(iso: "2026-01-05")!, terms: PaymentTermsParser.parse("2/10 n/30"),
        total: Money(minorUnits: 125_000, currency: .eur), customer: Customer(id: "C-1", name: "Acme", emails: [try! EmailAddress("a@acme.example")]))

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
                try tx.markSending(due[0].id, messageID: "<due@x>", recipients: "a@acme.example", at: now)
                try tx.replacePlanned(invoiceID: "F-1", with: [Self.step("due", 1), Self.step("first", 9), Self.step("final", 30)], at: now)
            }
        }
        // Reopened as after a crash: the row in `sending` becomes `uncertain`, never planned again.
        let store = try scratch.open()
        let interrupted = try store.write { tx in try tx.markInterruptedUncertain(at: now) }
        #expect(interrupted.map(\.step) == ["due"])
        let rows = try store.read { tx in try tx.reminders(invoiceID: "F-1") }
        #expect(rows.map(\.step).sorted() == ["due", "final", "first"])
        #expect(rows.first { $0.step == "due" }?.state == .uncertain)
        #expect(rows.first { $0.step == "first" }?.localDate.iso == "2026-02-10")
        #expect(try store.read { tx in try tx.nextWake() } == Self.step("first", 9).sendAt)
        #expect(try store.integrityCheck() == "ok")
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
