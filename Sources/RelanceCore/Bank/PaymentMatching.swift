import Foundation

/// An open invoice as payment matching sees it: what is owed, and the other amounts a customer may
/// rightly pay (the discounted amount within its deadline, the balance with the late charges).
public struct MatchableInvoice: Hashable, Sendable {
    public let id: String
    public let dueDate: LocalDate?
    public let issueDate: LocalDate
    public let balance: Money
    /// Other amounts that settle it on the entry's day: the discounted payable, the balance with charges.
    public let alsoSettledBy: [Money]

    public init(id: String, dueDate: LocalDate?, issueDate: LocalDate, balance: Money, alsoSettledBy: [Money] = []) {
        self.id = id
        self.dueDate = dueDate
        self.issueDate = issueDate
        self.balance = balance
        self.alsoSettledBy = alsoSettledBy
    }
}

/// Why an entry was matched to its invoices, for the send log and `payments read`.
public enum MatchReason: Hashable, Sendable, CustomStringConvertible {
    case structuredReference(kind: String, value: String)
    case referenceInText(String)
    case invoiceNumberInText(String)
    case amountAndDebtor(debtor: String, rule: String)
    case assigned(by: String)

    public var description: String {
        switch self {
        case .structuredReference(let kind, let value): return "\(kind) reference \(value)"
        case .referenceInText(let value): return "reference \(value) in the remittance text"
        case .invoiceNumberInText(let token): return "invoice number \(token) in the remittance text"
        case .amountAndDebtor(let debtor, let rule): return "the amount (\(rule)) from \(debtor)"
        case .assigned(let by): return "assigned by \(by)"
        }
    }
}

/// How bank entries find their invoices, pure: the references to look up, in order; the invoice
/// numbers a remittance text may carry (tokens of at least four characters compared without their
/// separators, as Odoo and the OCA reconciliation modules do, and their neighbours joined, for
/// "F 2026 0042"); the one invoice, or the one combination, a customer's amount settles; and the
/// split of a payment over several invoices, the oldest first.
public enum PaymentMatching {
    /// References to look invoices up by, best evidence first: the structured field, then an RF or
    /// OGM reference written in the text.
    public static func references(_ entry: BankEntry) -> [(reference: CreditorReference, reason: MatchReason)] {
        var out: [(CreditorReference, MatchReason)] = []
        if let field = entry.creditorReference, let structured = StructuredReference(parsing: field) {
            out.append((structured.lookup, .structuredReference(kind: structured.kind, value: field.trimmingCharacters(in: .whitespaces))))
        }
        let text = entry.remittance ?? ""
        for candidate in rfCandidates(in: text) + ogmCandidates(in: text) {
            if let structured = StructuredReference(parsing: candidate) {
                out.append((structured.lookup, .referenceInText(candidate)))
            }
        }
        return out
    }

    /// `RF18 5390 0754 7034` written in free text, with or without its spaces.
    static func rfCandidates(in text: String) -> [String] {
        let upper = text.uppercased()
        var found: [String] = []
        var search = upper[...]
        while let range = search.range(of: "RF") {
            let after = upper[range.lowerBound...].prefix(34)
            var candidate = ""
            for ch in after {
                if ch == " " { if candidate.count >= 4 { candidate.append(ch) }; continue }
                guard ch.isLetter || ch.isNumber, candidate.filter({ $0 != " " }).count < 25 else { break }
                candidate.append(ch)
            }
            // The longest prefix whose check digits hold.
            var compact = candidate.filter { $0 != " " }
            while compact.count >= 5 {
                if CreditorReference(parsing: compact) != nil { found.append(compact); break }
                compact.removeLast()
            }
            search = upper[range.upperBound...]
        }
        return found
    }

    /// `+++123/4567/89002+++` (or `***…***`) written in free text.
    static func ogmCandidates(in text: String) -> [String] {
        var found: [String] = []
        for marker in ["+++", "***"] {
            var search = text[...]
            while let open = search.range(of: marker), let close = search[open.upperBound...].range(of: marker) {
                found.append(String(search[open.lowerBound..<close.upperBound]))
                search = search[close.upperBound...]
            }
        }
        return found
    }

    /// Candidate invoice numbers in a remittance text: each token of at least four characters, and
    /// each run of two or three neighbouring tokens joined, separators removed, upper case.
    public static func numberCandidates(in text: String) -> [String] {
        let tokens = text.uppercased().split { !($0.isLetter || $0.isNumber || "-/._#".contains($0)) }
            .map { String($0.filter { $0.isLetter || $0.isNumber }) }.filter { !$0.isEmpty }
        var out: [String] = []
        var seen = Set<String>()
        for start in tokens.indices {
            var joined = ""
            for length in 1...3 where start + length <= tokens.count {
                joined += tokens[start + length - 1]
                // A number has a digit; four characters at least, 35 at most.
                guard joined.count >= 4, joined.count <= 35, joined.contains(where: \.isNumber) else { continue }
                if seen.insert(joined).inserted { out.append(joined) }
            }
        }
        return out
    }

    /// What a customer's amount settles among their open invoices: exactly one invoice whose balance
    /// (else discounted payable, else balance with charges) is the amount, else exactly one
    /// combination of two or more invoices whose balances add up to it. nil when none or several do.
    public static func settledByAmount(_ amount: Money, among invoices: [MatchableInvoice]) -> (invoices: [MatchableInvoice], rule: String)? {
        let usable = invoices.filter { $0.balance.isPositive && $0.balance.currency == amount.currency }
        let exact = usable.filter { $0.balance == amount }
        if exact.count == 1 { return ([exact[0]], "the balance") }
        if exact.count > 1 { return nil }
        let other = usable.filter { $0.alsoSettledBy.contains(amount) }
        if other.count == 1 { return ([other[0]], "the discounted amount or the balance with charges") }
        if other.count > 1 { return nil }
        // One combination only, over at most twelve invoices (4 096 subsets).
        let pool = Array(oldestFirst(usable).prefix(12))
        var found: [MatchableInvoice]?
        if pool.count >= 2 {
            for mask in 1..<(1 << pool.count) where mask.nonzeroBitCount >= 2 {
                var sum: Int64 = 0
                for (index, invoice) in pool.enumerated() where mask & (1 << index) != 0 { sum += invoice.balance.minorUnits }
                guard sum == amount.minorUnits else { continue }
                if found != nil { return nil }
                found = pool.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element)
            }
        }
        return found.map { ($0, "the sum of \($0.count) balances") }
    }

    /// The invoices, the oldest (earliest due, then issued) first.
    public static func oldestFirst(_ invoices: [MatchableInvoice]) -> [MatchableInvoice] {
        invoices.sorted { ($0.dueDate ?? $0.issueDate, $0.issueDate, $0.id) < ($1.dueDate ?? $1.issueDate, $1.issueDate, $1.id) }
    }

    /// A payment over several invoices: the oldest first, each up to its balance; what is left over
    /// goes to the last one (an over-payment, reported as such).
    public static func allocate(_ amount: Money, to invoices: [MatchableInvoice]) -> [(invoiceID: String, amount: Money)] {
        let ordered = oldestFirst(invoices)
        var left = amount
        var out: [(String, Money)] = []
        for (index, invoice) in ordered.enumerated() where left.isPositive {
            let share = index == ordered.count - 1 || left < invoice.balance ? left : invoice.balance
            out.append((invoice.id, share))
            left = left - share
        }
        return out
    }
}

extension PaymentMatching {
    /// Legal forms left out when comparing a debtor's name with a customer's ("ACME SARL" is "Acme").
    static let legalForms: Set<String> = [
        "sarl", "sas", "sasu", "sa", "eurl", "sci", "scop", "gmbh", "ag", "kg", "ohg", "ug", "ev", "ltd", "limited", "plc", "llc", "inc",
        "corp", "co", "bv", "nv", "vof", "srl", "spa", "sl", "ab", "as", "oy", "the", "et", "cie", "und", "and",
    ]

    /// A name as payment matching compares it: folded (no case, no accents), letters and digits, legal forms dropped.
    public static func nameKey(_ name: String) -> String {
        let folded = name.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
            .replacingOccurrences(of: "ß", with: "s")
        let words = folded.split { !($0.isLetter || $0.isNumber) }.map(String.init).filter { !legalForms.contains($0) }
        return words.joined(separator: " ")
    }
}
