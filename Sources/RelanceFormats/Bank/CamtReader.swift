import CXMLReader
import Foundation
public import RelanceCore

/// Reads ISO 20022 bank-to-customer messages: camt.053 statements, camt.054 debit/credit
/// notifications and camt.052 reports, versions .001.02 to .001.08 (the element names relance
/// reads are the same in all of them; v8 nests the party under `Pty`). Streamed through libxml2's
/// reader: one entry is held at a time, so a statement of 100 000 entries reads in one pass. A DTD or an entity is
/// refused unread, as in every XML reader of relance; every problem names the entry and the field.
public enum CamtReader {
    /// The most entries one file may hold.
    public static let maximumEntries = 2_000_000

    /// Whether the bytes look like a camt message (detected by content, not by name).
    public static func recognizes(_ bytes: [UInt8]) -> Bool {
        let head = String(decoding: bytes.prefix(4096), as: UTF8.self)
        return head.contains("urn:iso:std:iso:20022:tech:xsd:camt.05") || head.contains("<BkToCstmrStmt") || head.contains("<BkToCstmrDbtCdtNtfctn")
            || head.contains("<BkToCstmrAcctRpt")
    }

    public static func read(_ bytes: [UInt8], file: String) throws(InvoiceRejection) -> [BankEntry] {
        let head = String(decoding: bytes.prefix(65_536), as: UTF8.self).uppercased()
        if head.contains("<!DOCTYPE") || head.contains("<!ENTITY") || (bytes.count > 65_536 && SafeXML.containsDTD(bytes)) {
            throw InvoiceRejection(file: file, "the XML declares a DTD or entities, which bank statements never need; refused unread")
        }
        guard !bytes.isEmpty, bytes.count < Int(Int32.max) else { throw InvoiceRejection(file: file, "the file is empty or too large") }
        let collector = EntryCollector()
        let outcome: Int32 = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { base in
                guard let reader = relance_xml_open(base, Int32(buffer.count)) else { return -1 }
                defer { relance_xml_close(reader) }
                return collector.read(reader)
            }
        }
        if let problem = collector.problem { throw InvoiceRejection(file: file, problems: [problem]) }
        guard outcome == 0, collector.depth == 0 else {
            throw InvoiceRejection(file: file, "not well-formed XML (around line \(collector.line))")
        }
        guard collector.sawMessage else { throw InvoiceRejection(file: file, "not a camt.052, camt.053 or camt.054 message") }
        return collector.entries
    }

    /// Builds one entry at a time from libxml2's reader, which hands each element and text in turn.
    private final class EntryCollector {
        var entries: [BankEntry] = []
        var problem: InvoiceRejection.Problem?
        var depth = 0
        var line: Int32 = 0
        var sawMessage = false
        private var path: [String] = []
        private var text = ""
        private var account: String?
        private var accountCurrency: String?
        // The entry being read.
        private var inEntry = false
        private var amountText: String?
        private var amountCurrency: String?
        private var indicator: String?
        private var fields: [String: String] = [:]
        private var additional: [String] = []
        /// The entry's transactions (`TxDtls`): one, or several in a batch booking.
        private var transactions: [Transaction] = []

        /// What one `TxDtls` says.
        struct Transaction {
            var fields: [String: String] = [:]
            var remittance: [String] = []
            var additional: [String] = []
            var amountText: String?
            var amountCurrency: String?
        }
        private var entryDepth = 0
        /// libxml2 interns names in its dictionary: one Swift string per distinct name pointer.
        private var names: [UnsafeRawPointer: String] = [:]
        /// Whether the element being read is one whose text relance reads.
        private var collecting = false

        private func fail(_ message: String, field: String) {
            guard problem == nil else { return }
            problem = InvoiceRejection.Problem(field: "entry \(entries.count + 1) \(field)", message: message)
        }

        /// 0 when the document was read to its end, -1 on an XML error or a refusal.
        func read(_ reader: OpaquePointer) -> Int32 {
            var kind: Int32 = 0, empty: Int32 = 0
            var rawName: UnsafePointer<CChar>?, rawValue: UnsafePointer<CChar>?
            while true {
                let status = relance_xml_next(reader, &kind, &rawName, &rawValue, &empty)
                if status == 0 { return 0 }
                if status < 0 { line = relance_xml_line(reader); return -1 }
                switch kind {
                case 1:  // element
                    guard let raw = rawName else { continue }
                    let key = UnsafeRawPointer(raw)
                    let name: String
                    if let known = names[key] { name = known } else { name = String(cString: raw); names[key] = name }
                    var currency: String?
                    if name == "Amt", let value = relance_xml_attribute(reader, "Ccy") {
                        currency = String(cString: value)
                        relance_xml_free(value)
                    }
                    start(name, currency: currency)
                    if empty == 1 { end() }
                case 3, 4:  // text, CDATA: kept only inside an element relance reads
                    if collecting, let value = rawValue, text.utf8.count < 10_000 { text += String(cString: value) }
                case 15:  // end of element
                    end()
                default:
                    break
                }
                if problem != nil { return -1 }
            }
        }

        func start(_ name: String, currency: String?) {
            depth += 1
            guard depth <= 64 else { fail("nested deeper than 64 levels", field: name); return }
            path.append(name)
            text = ""
            collecting = Self.wanted.contains(name)
            switch name {
            case _ where name.hasPrefix("BkToCstmr"): sawMessage = true  // camt.05x.001.01 names it with its version (…RptV01)
            case "Stmt", "Ntfctn", "Rpt": account = nil; accountCurrency = nil
            case "Ntry":
                guard entries.count < CamtReader.maximumEntries else { fail("more than \(CamtReader.maximumEntries) entries", field: ""); return }
                inEntry = true
                // Where Ntry stands in the path: an entry's fields are read relative to it.
                entryDepth = path.count - 1
                amountText = nil; amountCurrency = nil; indicator = nil; fields = [:]; additional = []; transactions = []
            case "TxDtls" where inEntry:
                transactions.append(Transaction())
            case "Amt" where inEntry && path.count == entryDepth + 2:
                amountCurrency = currency
            case "Amt" where inEntry && !transactions.isEmpty && Self.isTransactionAmount(path):
                transactions[transactions.count - 1].amountCurrency = currency
            default: break
            }
        }

        /// The elements whose text relance reads; every other element ends at no cost.
        static let wanted: Set<String> = [
            "IBAN", "Id", "Ccy", "Amt", "CdtDbtInd", "Ntry", "RvslInd", "AcctSvcrRef", "EndToEndId", "Ref", "Ustrd", "AddtlNtryInf",
            "AddtlTxInf", "Dt", "DtTm", "Nm",
        ]

        func end() {
            defer { depth -= 1; _ = path.popLast(); text = "" }
            guard let name = path.last, Self.wanted.contains(name) else { return }
            let value = Self.trimmed(text)
            let parent = path.count >= 2 ? path[path.count - 2] : ""
            if !inEntry {
                // The statement's account: its IBAN, else its other identification; its currency.
                if path.contains("Acct"), !path.contains("Ntry") {
                    if name == "IBAN" { account = value } else if name == "Id", parent == "Othr", account == nil { account = value }
                    if name == "Ccy" { accountCurrency = value }
                }
                return
            }
            guard path.count > entryDepth else { inEntry = false; return }
            // The element's path below Ntry (a slice: no copy).
            let relative = path[entryDepth...]
            switch (name, relative.count) {
            case ("Amt", 2): amountText = value
            case ("CdtDbtInd", 2): indicator = value
            case ("Ntry", 1): finishEntry()
            default:
                switch name {
                case "RvslInd" where relative.count == 2: fields["reversal"] = value
                case "AcctSvcrRef" where relative.count == 2: fields["entryReference"] = value
                case "AddtlNtryInf": if !value.isEmpty { additional.append(value) }
                case "Dt", "DtTm":
                    if parent == "BookgDt", fields["booking"] == nil { fields["booking"] = String(value.prefix(10)) }
                    if parent == "ValDt", fields["value"] == nil { fields["value"] = String(value.prefix(10)) }
                default:
                    // What a transaction says: its own references, text, debtor and (in a batch) amount.
                    guard relative.contains("TxDtls"), !transactions.isEmpty else { break }
                    var transaction = transactions[transactions.count - 1]
                    switch name {
                    case "AcctSvcrRef" where parent == "Refs": if transaction.fields["txReference"] == nil { transaction.fields["txReference"] = value }
                    case "EndToEndId" where parent == "Refs": if transaction.fields["endToEnd"] == nil { transaction.fields["endToEnd"] = value }
                    case "Ref" where parent == "CdtrRefInf": if transaction.fields["creditorReference"] == nil { transaction.fields["creditorReference"] = value }
                    case "Ustrd": if !value.isEmpty { transaction.remittance.append(value) }
                    case "AddtlTxInf": if !value.isEmpty { transaction.additional.append(value) }
                    case "Nm" where relative.contains("RltdPties") && relative.contains("Dbtr"):
                        if transaction.fields["debtorName"] == nil { transaction.fields["debtorName"] = value }
                    case "IBAN" where relative.contains("DbtrAcct"):
                        if transaction.fields["debtorIBAN"] == nil { transaction.fields["debtorIBAN"] = value }
                    case "Amt" where Self.isTransactionAmount(path): if transaction.amountText == nil { transaction.amountText = value }
                    default: break
                    }
                    transactions[transactions.count - 1] = transaction
                }
            }
        }

        /// A transaction's own amount: `TxDtls/Amt` (version 8) or `TxDtls/AmtDtls/TxAmt/Amt` (earlier).
        static func isTransactionAmount(_ path: [String]) -> Bool {
            let count = path.count
            guard count >= 2 else { return false }
            if path[count - 2] == "TxDtls" { return true }
            return count >= 4 && path[count - 2] == "TxAmt" && path[count - 3] == "AmtDtls" && path[count - 4] == "TxDtls"
        }

        /// The text without the white space around it (ASCII: the XML's own indentation).
        static func trimmed(_ text: String) -> String {
            let utf8 = text.utf8
            guard let first = utf8.firstIndex(where: { $0 > 0x20 }), let last = utf8.lastIndex(where: { $0 > 0x20 }) else { return "" }
            if first == utf8.startIndex, last == utf8.index(before: utf8.endIndex) { return text }
            return String(text[first...last])
        }

        /// "8.850" is 8.85 EUR (ISO 20022 allows five decimals; zeros past the currency's are no amount).
        static func trimmingZeroDecimals(_ text: String, to exponent: Int) -> String {
            guard let dot = text.firstIndex(of: ".") else { return text }
            var result = text
            while result.distance(from: dot, to: result.endIndex) - 1 > exponent, result.last == "0" { result.removeLast() }
            if result.last == "." { result.removeLast() }
            return result
        }

        private func finishEntry() {
            inEntry = false
            let field = "Ntry"
            guard let amountText else { return fail("has no amount (Amt)", field: field) }
            guard let code = amountCurrency ?? accountCurrency, let currency = Currency(code: code) else {
                return fail("names no known currency (\(amountCurrency ?? "none"))", field: "\(field)/Amt/@Ccy")
            }
            let amount: Money
            do { amount = try Money(parsing: Self.trimmingZeroDecimals(amountText, to: currency.exponent), currency: currency) } catch {
                return fail("\"\(amountText)\": \(error)", field: "\(field)/Amt")
            }
            guard let indicator, indicator == "CRDT" || indicator == "DBIT" else {
                return fail("CdtDbtInd is \"\(indicator ?? "missing")\", not CRDT or DBIT", field: "\(field)/CdtDbtInd")
            }
            var entry = BankEntry(account: account, amount: amount.isNegative ? -amount : amount, credit: indicator == "CRDT", index: entries.count + 1)
            entry.reversal = fields["reversal"]?.lowercased() == "true"
            for (key, label) in [("booking", "BookgDt"), ("value", "ValDt")] {
                guard let text = fields[key] else { continue }
                guard let day = LocalDate(iso: text) else { return fail("\"\(text)\" is not a date", field: "\(field)/\(label)") }
                if key == "booking" { entry.bookingDate = day } else { entry.valueDate = day }
            }
            // A batch booking (several transactions, each with its amount) is one payment per transaction.
            let currencyCode = currency.code
            let batch = transactions.count > 1 && transactions.allSatisfy { $0.amountText != nil && ($0.amountCurrency ?? currencyCode) == currencyCode }
            if batch {
                for (offset, transaction) in transactions.enumerated() {
                    guard let text = transaction.amountText, let part = try? Money(parsing: Self.trimmingZeroDecimals(text, to: currency.exponent), currency: currency) else {
                        return fail("\"\(transaction.amountText ?? "")\" is not an amount", field: "\(field)/NtryDtls/TxDtls[\(offset + 1)]/Amt")
                    }
                    var split = entry
                    split.amount = part.isNegative ? -part : part
                    split.index = entries.count + 1
                    describe(&split, with: transaction, fallbackReference: fields["entryReference"].map { "\($0)#\(offset + 1)" })
                    entries.append(split)
                }
                return
            }
            var whole = Transaction()
            whole.fields = transactions.first?.fields ?? [:]
            whole.remittance = transactions.flatMap(\.remittance)
            whole.additional = transactions.flatMap(\.additional)
            describe(&entry, with: whole, fallbackReference: nil)
            entry.entryReference = fields["entryReference"] ?? whole.fields["txReference"]
            entries.append(entry)
        }

        /// A transaction's references, text and debtor on its entry.
        private func describe(_ entry: inout BankEntry, with transaction: Transaction, fallbackReference: String?) {
            entry.entryReference = transaction.fields["txReference"] ?? fallbackReference
            entry.endToEndID = transaction.fields["endToEnd"]
            entry.creditorReference = transaction.fields["creditorReference"]
            let words = !transaction.remittance.isEmpty ? transaction.remittance : (transaction.additional.isEmpty ? additional : transaction.additional)
            entry.remittance = words.isEmpty ? nil : String(words.joined(separator: " ").prefix(1_000))
            entry.debtorName = transaction.fields["debtorName"]
            entry.debtorIBAN = transaction.fields["debtorIBAN"].map { $0.filter { $0 != " " }.uppercased() }
        }
    }
}
