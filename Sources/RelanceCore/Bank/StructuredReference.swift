/// A structured payment reference read from a bank entry, its check digits verified: the ISO
/// 11649 RF reference relance puts on every invoice, the Belgian OGM/VCS (`+++123/4567/89002+++`,
/// mod 97), the Swiss QR reference (27 digits, mod 10 recursive) and the Finnish reference
/// (7-3-1 weights). A national reference names an invoice by the digits it carries, as Belgian,
/// Swiss and Finnish accounting software build them from the invoice number.
public enum StructuredReference: Hashable, Sendable {
    case creditor(CreditorReference)
    /// The digits the reference carries, without its check digits and leading zeros.
    case national(kind: String, digits: String)

    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let rf = CreditorReference(parsing: trimmed) {
            self = .creditor(rf)
            return
        }
        let digits = trimmed.filter(\.isNumber)
        let onlyDigitsAndMarks = trimmed.allSatisfy { $0.isNumber || "+/* -".contains($0) }
        guard onlyDigitsAndMarks, !digits.isEmpty else { return nil }
        if digits.count == 12, Self.ogmValid(digits) {
            self = .national(kind: "OGM", digits: Self.stripped(String(digits.prefix(10))))
        } else if digits.count == 27, Self.mod10Recursive(String(digits.prefix(26))) == digits.last?.wholeNumberValue {
            self = .national(kind: "QRR", digits: Self.stripped(String(digits.prefix(26))))
        } else if (4...20).contains(digits.count), !trimmed.contains("+"), Self.finnishCheck(String(digits.dropLast())) == digits.last?.wholeNumberValue {
            self = .national(kind: "FI", digits: Self.stripped(String(digits.dropLast())))
        } else {
            return nil
        }
    }

    /// The RF reference to look the invoice up by: the creditor reference itself, or the one of
    /// the invoice number the national reference's digits spell.
    public var lookup: CreditorReference {
        switch self {
        case .creditor(let reference): return reference
        case .national(_, let digits): return CreditorReference(invoiceNumber: digits)
        }
    }

    public var kind: String {
        switch self {
        case .creditor: return "RF"
        case .national(let kind, _): return kind
        }
    }

    static func stripped(_ digits: String) -> String {
        let rest = digits.drop { $0 == "0" }
        return rest.isEmpty ? "0" : String(rest)
    }

    /// OGM/VCS: the last two digits are the first ten mod 97 (97 when 0).
    static func ogmValid(_ digits: String) -> Bool {
        guard let body = Int(digits.prefix(10)), let check = Int(digits.suffix(2)) else { return false }
        let remainder = body % 97
        return check == (remainder == 0 ? 97 : remainder)
    }

    /// Swiss QR reference and ISR: modulo 10, recursive.
    static func mod10Recursive(_ digits: String) -> Int {
        let table = [0, 9, 4, 6, 8, 2, 7, 1, 3, 5]
        var carry = 0
        for digit in digits.compactMap(\.wholeNumberValue) { carry = table[(carry + digit) % 10] }
        return (10 - carry) % 10
    }

    /// Finnish national reference: weights 7, 3, 1 from the right; check = (10 − sum mod 10) mod 10.
    static func finnishCheck(_ digits: String) -> Int {
        let weights = [7, 3, 1]
        let sum = digits.reversed().compactMap(\.wholeNumberValue).enumerated().reduce(0) { $0 + $1.element * weights[$1.offset % 3] }
        return (10 - sum % 10) % 10
    }
}
