/// The ISO 11649 structured creditor reference ("RF18 5390 0754 7034") of an invoice: what
/// a customer's bank carries back in the transfer, so a payment finds its invoice without a
/// person reading the remittance text. Built from the invoice number (its letters and
/// digits, upper-cased) when that fits the 21 characters the standard allows; a longer or
/// empty number gets a stable 21-character reference derived from it (FNV-1a, base 36).
public struct CreditorReference: Hashable, Sendable, CustomStringConvertible {
    /// The electronic form: `RF`, two check digits, 1–21 characters `0-9A-Z`, no spaces.
    public let value: String

    /// The reference of an invoice number.
    public init(invoiceNumber: String) {
        let alphanumeric = String(invoiceNumber.uppercased().unicodeScalars.filter {
            ("0"..."9").contains($0) || ("A"..."Z").contains($0)
        }.map(Character.init))
        let body = (1...21).contains(alphanumeric.count) ? alphanumeric : Self.derived(from: invoiceNumber)
        value = "RF" + Self.checkDigits(body) + body
    }

    /// Parses a reference as printed or typed (spaces allowed, any case); nil when its check digits fail.
    public init?(parsing text: String) {
        let compact = text.uppercased().filter { $0 != " " }
        guard compact.count >= 5, compact.count <= 25, compact.hasPrefix("RF"),
              compact.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || ("A"..."Z").contains($0) }) else { return nil }
        let digits = compact.dropFirst(2).prefix(2)
        let body = String(compact.dropFirst(4))
        guard digits.allSatisfy(\.isNumber), Self.checkDigits(body) == digits else { return nil }
        value = compact
    }

    /// The print form, in groups of four: `RF18 5390 0754 7034`.
    public var grouped: String { IBANText.grouped(value) }

    public var description: String { grouped }

    /// ISO 11649 §6 (ISO 7064 MOD 97-10): append "RF00", letters as 10–35, check = 98 − (n mod 97).
    static func checkDigits(_ body: String) -> String {
        var remainder = 0
        for scalar in (body + "RF00").unicodeScalars {
            let number = ("0"..."9").contains(scalar) ? Int(scalar.value) - 48 : Int(scalar.value) - 55
            remainder = (remainder * (number >= 10 ? 100 : 10) + number) % 97
        }
        let check = 98 - remainder
        return check < 10 ? "0\(check)" : String(check)
    }

    /// 21 base-36 characters from the FNV-1a hashes of the number (two 64-bit halves).
    private static func derived(from number: String) -> String {
        var first: UInt64 = 0xcbf2_9ce4_8422_2325
        var second: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in number.utf8 {
            first = (first ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            second = (second ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var out = ""
        for var half in [first, second] {
            for _ in 0..<10 {
                out.append(alphabet[Int(half % 36)])
                half /= 36
            }
        }
        out.append(alphabet[Int((first ^ second) % 36)])
        return out
    }
}
