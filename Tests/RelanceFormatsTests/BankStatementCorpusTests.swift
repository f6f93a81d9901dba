import Foundation
import RelanceCore
import RelanceFormats
import RelanceTestSupport
import Testing

/// The real statements of ../shared/corpus/bank, read exactly as their source projects' own tests
/// expect: genkgo/camt's PHP model for the camt files (the `.json` beside each), the Python
/// mt-940 library's parse for the MT940 files (the `.yml` beside each, read by scripts/mt940-expected).
enum BankCorpus {
    static let camt = Corpus.path("bank/camt")
    static let mt940 = Corpus.path("bank/mt940")
    static var available: Bool { Corpus.available("bank/camt") && Corpus.available("bank/mt940") }

    static func files(_ folder: String, _ suffix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(suffix) }.sorted()
    }

    static func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    /// Signed minor units, as the corpus writes them (a debit negative).
    static func signed(_ entry: BankEntry) -> Int64 { entry.credit ? entry.amount.minorUnits : -entry.amount.minorUnits }

    /// Every MT940 file's expected transactions (as JSON), from one run of scripts/mt940-expected.
    static let mt940Expected: [String: Data] = {
        let script = (TestServer.packageRoot as NSString).appendingPathComponent("scripts/mt940-expected")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script] + files(mt940, ".yml").map { mt940 + "/" + $0 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return [:] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let all = (try? JSONSerialization.jsonObject(with: data)) as? [String: [[String: Any]]] ?? [:]
        return Dictionary(uniqueKeysWithValues: all.compactMap { key, value in
            (try? JSONSerialization.data(withJSONObject: value)).map { (((key as NSString).lastPathComponent as NSString).deletingPathExtension, $0) }
        })
    }()
}

@Suite("Bank statements: the real corpus", .enabled(if: BankCorpus.available))
struct BankStatementCorpusTests {
    @Test("camt.052/053/054, versions 2 to 8: every entry, its amount, sign, currency and booking date as genkgo/camt reads them",
          arguments: BankCorpus.files(BankCorpus.camt, ".xml"))
    func camt(name: String) throws {
        let bytes = try BankCorpus.bytes(BankCorpus.camt + "/" + name)
        #expect(BankStatementReader.format(of: bytes) == .camt)
        let entries = try CamtReader.read(bytes, file: name)
        // As many entries as the file has Ntry elements.
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(entries.count == text.components(separatedBy: "<Ntry>").count - 1, "\(name)")
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: BankCorpus.camt + "/" + name.replacingOccurrences(of: ".xml", with: ".json")))) as? [String: Any])
        let listed = try #require(expected["getEntries"] as? [[String: Any]])
        // genkgo's message lists the entries of its last record: they are ours, in order, at the end.
        for (offset, item) in listed.enumerated() {
            let entry = entries[entries.count - listed.count + offset]
            let money = try #require(item["getAmount"] as? [String: Any])
            #expect(String(BankCorpus.signed(entry)) == money["getAmount"] as? String, "\(name): amount")
            #expect(entry.amount.currency.code == (money["getCurrency"] as? [String: Any])?["getCode"] as? String, "\(name): currency")
            #expect((entry.credit ? "CRDT" : "DBIT") == item["getCreditDebitIndicator"] as? String, "\(name): sign")
            let booking = ((item["getBookingDate"] as? [String: Any])?["0"] as? String).map { String($0.prefix(10)) }
            #expect(entry.bookingDate?.iso == booking, "\(name): booking date")
            #expect(entry.reversal == (item["getReversalIndicator"] as? Bool ?? false))
            if let reference = item["getAccountServicerReference"] as? String { #expect(entry.entryReference == reference, "\(name): reference") }
        }
    }

    @Test("MT940 from many banks: every transaction, its amount, sign, value and booking date as the mt-940 library reads them",
          arguments: BankCorpus.files(BankCorpus.mt940, ".sta"))
    func mt940(name: String) throws {
        let base = (name as NSString).deletingPathExtension
        let json = try #require(BankCorpus.mt940Expected[base], "no expected parse for \(name) (is python3-yaml installed?)")
        let expected = try #require(try JSONSerialization.jsonObject(with: json) as? [[String: Any]])
        let bytes = try BankCorpus.bytes(BankCorpus.mt940 + "/" + name)
        let entries = try MT940Reader.read(bytes, file: name)
        #expect(entries.count == expected.count, "\(name): \(entries.count) entries, expected \(expected.count)")
        for (entry, item) in zip(entries, expected) {
            let currency = entry.amount.currency
            let amount = try #require(item["amount"] as? String)
            let minor = try Money(parsing: amount.hasPrefix("-") ? String(amount.dropFirst()) : amount, currency: currency)
            #expect(BankCorpus.signed(entry) == (amount.hasPrefix("-") ? -minor.minorUnits : minor.minorUnits), "\(name) #\(entry.index): amount")
            let status = item["status"] as? String ?? ""
            #expect(entry.credit == status.hasSuffix("C"), "\(name) #\(entry.index): sign")
            #expect(entry.reversal == status.hasPrefix("R"))
            if let code = item["currency"] as? String { #expect(currency.code == code, "\(name) #\(entry.index): currency") }
            #expect(entry.valueDate?.iso == item["date"] as? String, "\(name) #\(entry.index): value date")
            #expect(entry.bookingDate?.iso == (item["entryDate"] as? String ?? item["date"] as? String), "\(name) #\(entry.index): booking date")
        }
    }
}
