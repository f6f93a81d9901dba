import Foundation
import RelanceCore
import RelanceFormats
import Testing

/// A scratch inbox in a temporary folder, removed at the end of each test.
final class ScratchInbox {
    let root: String

    init() {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("relance-inbox-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    @discardableResult
    func write(_ name: String, _ text: String) -> String { write(name, bytes: Array(text.utf8)) }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) -> String {
        let path = root + "/" + name
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }
}

@Suite("JSON invoice reader")
struct InvoiceJSONReaderTests {
    static let good: [String: String] = [
        "id": #""F-2026-0042""#, "issueDate": #""2026-01-05""#, "terms": #""2/10 n/30""#, "currency": #""EUR""#,
        "total": #""1250.00""#, "customer": #"{"name": "Acme SARL", "email": "ap@acme.example"}"#,
    ]

    /// The good invoice with some fields replaced (a nil value removes the field).
    static func document(_ changes: [String: String?] = [:]) -> String {
        var fields = good
        for (key, value) in changes { fields[key] = value }
        return "{" + fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
    }

    func read(_ text: String, inbox: ScratchInbox = ScratchInbox(), name: String = "invoice.json") throws(InvoiceRejection) -> Invoice {
        let path = inbox.write(name, text)
        guard let invoice = try InvoiceReader.read(file: path, inbox: inbox.root).invoice else {
            throw InvoiceRejection(file: path, "not an invoice")
        }
        return invoice
    }

    func problems(_ text: String, inbox: ScratchInbox = ScratchInbox()) -> [String] {
        do {
            _ = try read(text, inbox: inbox)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test("a good invoice reads completely")
    func good() throws {
        let invoice = try read(Self.document([
            "amountPaid": #""100.00""#, "dueDate": #""2026-02-10""#,
            "customer": #"{"id": "C-1", "name": " Acme SARL ", "email": ["ap@acme.example", "boss@acme.example"], "cc": "cfo@acme.example", "language": "fr-FR"}"#,
        ]))
        #expect(invoice.id == "F-2026-0042")
        #expect(invoice.total.minorUnits == 125_000)
        #expect(invoice.amountPaid.minorUnits == 10_000)
        #expect(invoice.dueDate?.iso == "2026-02-10")  // stated wins over n/30
        #expect(invoice.customer.name == "Acme SARL")
        #expect(invoice.customer.emails.map(\.value) == ["ap@acme.example", "boss@acme.example"])
        #expect(invoice.customer.cc.map(\.value) == ["cfo@acme.example"])
        #expect(invoice.customer.language == .fr)
        #expect(invoice.discountOffers.first?.payable.decimalString == "1125.00")
    }

    @Test("a JSON number amount is read exactly")
    func numberAmount() throws {
        #expect(try read(Self.document(["total": "1250.10"])).total.minorUnits == 125_010)
        #expect(try read(Self.document(["total": "0.1", "currency": #""EUR""#])).total.minorUnits == 10)
    }

    @Test("every malformed field is reported with its path", arguments: [
        (["id": nil], "id: required"),
        (["id": #""""#], "id: must not be empty"),
        (["id": "42"], "id: expected a string, found a number"),
        (["issueDate": #""2026-02-30""#], "issueDate: \"2026-02-30\" is not a date in the form YYYY-MM-DD"),
        (["issueDate": #""05/01/2026""#], "issueDate: \"05/01/2026\" is not a date in the form YYYY-MM-DD"),
        (["dueDate": #""2025-12-31""#], "dueDate: 2025-12-31 is before the issue date 2026-01-05"),
        (["currency": #""EURO""#], "currency: \"EURO\" is not an ISO 4217 currency code"),
        (["currency": #""XYZ""#], "currency: \"XYZ\" is not an ISO 4217 currency code"),
        (["total": #""-10.00""#], "total: an invoice cannot have a negative total (send a credit note)"),
        (["total": #""12.345""#], "total: \"12.345\" has more than 2 decimals, the most EUR allows"),
        (["total": #""1,250.00""#], "total: \"1,250.00\" is not a decimal amount"),
        (["total": "true"], "total: expected an amount such as \"1250.00\", found a boolean"),
        (["amountPaid": #""-1""#], "amountPaid: cannot be negative"),
        (["customer": nil], "customer: required"),
        (["customer": #""Acme""#], "customer: expected an object, found a string"),
        (["customer": #"{"email": "ap@acme.example"}"#], "customer.name: required"),
        (["customer": #"{"name": "Acme"}"#], "customer.email: required"),
        (["customer": #"{"name": "Acme", "email": []}"#], "customer.email: needs at least one address"),
        (["customer": #"{"name": "Acme", "email": "not-an-address"}"#], "customer.email: \"not-an-address\" is not an e-mail address: it must contain exactly one @"),
        (["customer": #"{"name": "Acme", "email": ["ap@acme.example", "x@@y"]}"#], "customer.email[1]: \"x@@y\" is not an e-mail address: it must contain exactly one @"),
        (["customer": #"{"name": "Acme", "email": "ap@acme.example\r\nBcc: all@victim.example"}"#], "customer.email: the address contains a line break or control character"),
        (["customer": #"{"name": "Acme\r\nBcc: all@victim.example", "email": "ap@acme.example"}"#], "customer.name: contains a line break (CR/LF) or control character"),
        (["id": #""F-1\nX-Injected: yes""#], "id: contains a line break (CR/LF) or control character"),
        (["customer": #"{"name": "Acme", "email": "ap@acme.example", "language": "es"}"#], "customer.language: \"es\" is not one of fr, en, de"),
        (["customer": #"{"name": "Acme", "email": "ap@acme.example", "phone": "1"}"#], "customer.phone: unknown field (customer fields: address, cc, email, id, language, name)"),
        (["dueDtae": #""2026-02-01""#], "dueDtae: unknown field (version 1 fields: amountPaid, attachment, currency, customer, dueDate, id, issueDate, kind, refersTo, terms, total, version)"),
        (["terms": #""see contract""#], "dueDate: invoice F-2026-0042 states no due date and its terms \"see contract\" give none relance understands (schedule.default_terms would apply the legal term)"),
        (["terms": nil], "dueDate: invoice F-2026-0042 states no due date and states no terms (schedule.default_terms would apply the legal term)"),
        (["version": "2"], "version: only version 1 is understood"),
        (["attachment": #""../../etc/passwd""#], "attachment: \"../../etc/passwd\" leads outside the inbox"),
        (["attachment": #""/etc/passwd""#], "attachment: must be a path relative to the invoice file"),
        (["attachment": #""a\u0000b.pdf""#], "attachment: contains a control character"),
    ] as [([String: String?], String)])
    func malformedField(changes: [String: String?], expected: String) {
        #expect(problems(Self.document(changes)).contains(expected), "\(problems(Self.document(changes)))")
    }

    @Test("all problems are listed at once")
    func allProblems() {
        let found = problems(Self.document(["id": nil, "currency": #""ZZZ""#, "issueDate": #""yesterday""#]))
        #expect(found.count == 3)
    }

    @Test("an attachment through a symlinked folder that leads out is refused")
    func symlinkedAttachmentFolder() throws {
        let inbox = ScratchInbox()
        try FileManager.default.createSymbolicLink(atPath: inbox.root + "/docs", withDestinationPath: "/etc")
        #expect(problems(Self.document(["attachment": #""docs/passwd""#]), inbox: inbox) == ["attachment: \"docs/passwd\" leads outside the inbox"])
    }

    @Test("an attachment inside the inbox is kept")
    func attachmentInside() throws {
        let inbox = ScratchInbox()
        inbox.write("pdf/F-1.pdf", "%PDF-1.4")
        #expect(try read(Self.document(["attachment": #""pdf/F-1.pdf""#]), inbox: inbox).attachment == "pdf/F-1.pdf")
    }
}

@Suite("Hostile and broken files")
struct HostileFileTests {
    func rejection(_ path: String, inbox: String, limit: Int = InboxFile.defaultSizeLimit) -> String? {
        do {
            _ = try InvoiceReader.read(file: path, inbox: inbox, sizeLimit: limit)
            return nil
        } catch {
            return error.problems.map(\.description).joined(separator: "; ")
        }
    }

    @Test("empty, truncated, binary and wrongly encoded files are rejected with a reason")
    func broken() {
        let inbox = ScratchInbox()
        let full = InvoiceJSONReaderTests.document()
        #expect(rejection(inbox.write("empty.json", ""), inbox: inbox.root) == "file: the file is empty")
        #expect(rejection(inbox.write("truncated.json", String(full.prefix(full.count / 2))), inbox: inbox.root)?.hasPrefix("file: not valid JSON") == true)
        #expect(rejection(inbox.write("binary.json", bytes: [0x00, 0xFF, 0xFE, 0x01]), inbox: inbox.root) == "file: not a format relance reads (expected a JSON invoice, UBL or CII XML, a Factur-X PDF, or a CSV batch with a header row)")
        let latin1 = Array(full.replacingOccurrences(of: "Acme SARL", with: "Acmé SARL").utf8).map { $0 == 0xC3 ? 0xE9 : $0 }.filter { $0 != 0xA9 }
        #expect(rejection(inbox.write("latin1.json", bytes: latin1), inbox: inbox.root)?.contains("not valid UTF-8") == true)
        #expect(rejection(inbox.write("array.json", "[1,2]"), inbox: inbox.root) == "file: not a format relance reads (expected a JSON invoice, UBL or CII XML, a Factur-X PDF, or a CSV batch with a header row)")
    }

    @Test("files over the size limit are refused before being parsed")
    func huge() {
        let inbox = ScratchInbox()
        let path = inbox.write("huge.json", "{\"id\": \"" + String(repeating: "x", count: 2_000_000) + "\"}")
        #expect(rejection(path, inbox: inbox.root, limit: 1_000_000)?.contains("over the 1000000-byte limit") == true)
    }

    @Test("symlinks, directories and paths leaving the inbox are refused")
    func notRegularFiles() throws {
        let inbox = ScratchInbox()
        let outside = ScratchInbox()
        let target = outside.write("secret.json", InvoiceJSONReaderTests.document())
        try FileManager.default.createSymbolicLink(atPath: inbox.root + "/link.json", withDestinationPath: target)
        #expect(rejection(inbox.root + "/link.json", inbox: inbox.root) == "file: is a symbolic link; only regular files are read")
        try FileManager.default.createDirectory(atPath: inbox.root + "/dir.json", withIntermediateDirectories: true)
        #expect(rejection(inbox.root + "/dir.json", inbox: inbox.root) == "file: is not a regular file")
        #expect(rejection(inbox.root + "/../" + (outside.root as NSString).lastPathComponent + "/secret.json", inbox: inbox.root)
            == "file: the path leads outside the inbox")
        try FileManager.default.createSymbolicLink(atPath: inbox.root + "/sub", withDestinationPath: outside.root)
        #expect(rejection(inbox.root + "/sub/secret.json", inbox: inbox.root) == "file: the path leads outside the inbox")
        #expect(rejection(inbox.root + "/missing.json", inbox: inbox.root)?.hasPrefix("file: cannot be read") == true)
    }

    @Test("a thousand mutated documents never crash the reader")
    func mutations() {
        let inbox = ScratchInbox()
        let base = Array(InvoiceJSONReaderTests.document().utf8)
        var state: UInt64 = 42
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var rejected = 0
        for round in 0..<1000 {
            var bytes = base
            for _ in 0..<(1 + next() % 4) {
                let position = next() % bytes.count
                switch next() % 3 {
                case 0: bytes[position] = UInt8(truncatingIfNeeded: next())
                case 1: bytes.remove(at: position)
                default: bytes.insert(UInt8(truncatingIfNeeded: next()), at: position)
                }
            }
            if rejection(inbox.write("m\(round).json", bytes: bytes), inbox: inbox.root) != nil { rejected += 1 }
        }
        #expect(rejected > 500)
    }
}
