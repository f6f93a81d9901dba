import Foundation
import RelanceCore
import RelanceMail
@testable import RelanceDaemon
import RelanceStore
import RelanceTestSupport
import Testing

/// One customer's reminders of a day, combined into the message that goes.
@Suite("one message per customer", .ownThread)
struct CustomerMessageTests {
    static let customer = Customer(id: "C-1", name: "Acme", emails: [try! EmailAddress("ap@acme.example")])
    static let day = LocalDate(year: 2026, month: 11, day: 16)!

    static func item(_ id: Int64, invoice: String, due: LocalDate, balance: Int64, wording: Wording, cc: [String] = []) -> (ReminderRecord, ReminderFacts) {
        let invoice = Invoice(id: invoice, issueDate: due.adding(days: -30), statedDueDate: due, total: Money(minorUnits: balance, currency: .eur),
                              customer: customer)
        let row = ReminderRecord(id: id, invoiceID: invoice.id, step: "s\(id)", kind: .postDue, localDate: day, sendAt: Date(timeIntervalSince1970: 0),
                                 state: .planned, amount: balance, messageID: nil, recipients: nil, attempts: 0, detail: nil, sentAt: nil,
                                 handedOffAt: nil, batchID: 1)
        var facts = ReminderFacts(invoice: invoice, step: row.step, kind: .postDue, language: .en, amountDue: invoice.total, discount: nil,
                                  sendDate: day, companyName: "Atelier", from: try! EmailAddress("compta@atelier.example"), replyTo: nil,
                                  to: customer.emails, cc: cc.map { try! EmailAddress($0) }, messageID: "<m\(id)@atelier.example>", references: ["<own>"],
                                  date: Date(timeIntervalSince1970: 0), timeZone: .gmt, payment: PaymentInstructions(signature: "A"), wording: wording)
        facts.law = LateChargeLaw.fr
        return (row, facts)
    }

    @Test("written at the firmest level, the others listed after it, Cc merged, threaded per customer")
    func combine() {
        let items = [
            Self.item(1, invoice: "A", due: Self.day, balance: 10_000, wording: .dueToday),
            Self.item(2, invoice: "B", due: Self.day.adding(days: -15), balance: 5_000, wording: .overdue(level: 2, daysLate: 15), cc: ["boss@acme.example"]),
            Self.item(3, invoice: "C", due: Self.day.adding(days: -20), balance: 2_500, wording: .overdue(level: 2, daysLate: 20)),
        ]
        let combined = CustomerMessage.combine(items, references: ["<a>", "<b>"])
        #expect(combined.facts.invoice.id == "C", "level 2 twice: the oldest due date leads")
        #expect(combined.rows.map(\.id) == [3, 2, 1])
        #expect(combined.facts.statementLines.map(\.invoiceID) == ["C", "B", "A"])
        #expect(combined.facts.alsoReminded.map(\.balance.minorUnits) == [5_000, 10_000])
        #expect(combined.facts.cc.map(\.value) == ["boss@acme.example"])
        #expect(combined.facts.references == ["<a>", "<b>"])
        #expect(combined.facts.messageID == "<m3@atelier.example>")
    }

    @Test("a single reminder keeps its own message and its own thread")
    func single() {
        let combined = CustomerMessage.combine([Self.item(1, invoice: "A", due: Self.day, balance: 100, wording: .dueToday)], references: nil)
        #expect(combined.facts.statementLines.isEmpty)
        #expect(combined.facts.references == ["<own>"])
    }

    @Test("the order of invoices keeps each customer together; a chunk never splits one")
    func order() {
        let keys = ["1": "a", "2": "b", "3": "a", "4": "c", "5": "b"]
        let order = CustomerOrder.grouping(["1", "2", "3", "4", "5"], by: keys)
        #expect(order == ["1", "3", "2", "5", "4"])
        #expect(CustomerOrder.chunkEnd(order, from: 0, size: 1, keys: keys) == 2)
        #expect(CustomerOrder.chunkEnd(order, from: 2, size: 1, keys: keys) == 4)
        #expect(CustomerOrder.chunkEnd(order, from: 4, size: 8, keys: keys) == 5)
        #expect(CustomerOrder.chunkEnd(order, from: 0, size: 1, keys: [:]) == 1)
    }

    @Test("file names from invoice numbers and Message-IDs are safe")
    func fileNames() {
        #expect(FileNames.safe("F-2026/0042") == "F-2026_0042")
        #expect(FileNames.safe("../../etc") == "_._.._etc", "no slash, no leading dot")
        #expect(FileNames.safe("<relance.due.F-1.abc@x.example>") == "_relance.due.F-1.abc@x.example_")
        #expect(FileNames.safe("") == "_")
    }

    @Test("CSV fields: quoted when they must be, never read as a formula")
    func csv() {
        #expect(StatementCSV.field("F-1") == "F-1")
        #expect(StatementCSV.field("a;b") == "\"a;b\"")
        #expect(StatementCSV.field("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(StatementCSV.field("-12.50") == "-12.50")
    }
}
