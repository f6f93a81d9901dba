/// The text of a SEPA credit transfer QR code ("EPC QR", "GiroCode"), as the European Payments
/// Council defines it in EPC069-12 *Quick Response Code: Guidelines to Enable the Data Capture
/// for the Initiation of a SEPA Credit Transfer* (version 3.0): a banking app scans it and fills
/// in the beneficiary, the IBAN, the amount and the reference, so the customer types nothing.
///
/// Twelve lines (LF-separated, the trailing empty ones left out): `BCD`, version `002` (BIC
/// optional within the EEA), character set `1` (UTF-8), `SCT`, BIC, name (≤ 70), IBAN,
/// `EUR` + amount (0.01–999999999.99, `.` as separator), purpose, structured reference
/// (ISO 11649 RF, ≤ 35), unstructured text (≤ 140, only without a structured one), note.
/// The whole must not exceed 331 bytes; the QR symbol uses error correction level M.
public struct EPCPaymentCode: Hashable, Sendable {
    public let payload: String

    /// Why no code can be made for a payment.
    public enum Refusal: Error, Equatable, Sendable {
        case notEuro
        case amountOutOfRange
        case invalidIBAN
        case emptyName
    }

    /// The code for paying `amount` to `iban` under `reference`; the name is cut to the 70
    /// characters the standard allows, the BIC is left out when absent.
    /// What the transfer carries back to the creditor: one invoice's RF reference (field 10), or
    /// a text such as the numbers of several invoices paid together (field 11, ≤ 140 characters).
    public enum Remittance: Hashable, Sendable {
        case structured(CreditorReference)
        case unstructured(String)

        /// What a transfer paying these invoices carries: one invoice's RF reference, or the
        /// numbers of several paid together (EPC069-12 fields 10 and 11).
        public static func paying(_ invoiceIDs: [String]) -> Remittance {
            invoiceIDs.count == 1 ? .structured(CreditorReference(invoiceNumber: invoiceIDs[0])) : .unstructured(invoiceIDs.joined(separator: " "))
        }
    }

    /// Who is paid (fields 5 to 7: BIC, name, IBAN), checked and cleaned once for the many codes
    /// a cycle makes for one creditor.
    public struct Beneficiary: Hashable, Sendable {
        let bic: String
        let name: String
        let iban: String

        public init(name: String, iban: String, bic: String?) throws(Refusal) {
            let compactIBAN = iban.filter { $0 != " " }.uppercased()
            guard (15...34).contains(compactIBAN.count), compactIBAN.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw .invalidIBAN
            }
            let cleanName = String(name.filter { !$0.isNewline && $0 != "\u{0}" }.prefix(70)).trimmingSpaces
            guard !cleanName.isEmpty else { throw .emptyName }
            self.bic = bic.map { $0.filter { $0 != " " }.uppercased() } ?? ""
            self.name = cleanName
            self.iban = compactIBAN
        }
    }

    public init(name: String, iban: String, bic: String?, amount: Money, remittance: Remittance) throws(Refusal) {
        try Self.check(amount)
        try self.init(paying: Beneficiary(name: name, iban: iban, bic: bic), amount: amount, remittance: remittance)
    }

    /// The code for paying `amount` to `beneficiary`.
    public init(paying beneficiary: Beneficiary, amount: Money, remittance: Remittance) throws(Refusal) {
        try Self.check(amount)
        var lines = [
            "BCD", "002", "1", "SCT",
            beneficiary.bic,
            beneficiary.name,
            beneficiary.iban,
            "EUR" + amount.decimalString,
            "",  // purpose
        ]
        switch remittance {
        case .structured(let reference): lines.append(reference.value)
        case .unstructured(let text):
            lines.append("")
            lines.append(String(text.filter { !$0.isNewline }.prefix(140)))
        }
        payload = lines.joined(separator: "\n")
    }

    /// Euros, from 0.01 to 999,999,999.99 (EPC069-12 field 8).
    private static func check(_ amount: Money) throws(Refusal) {
        guard amount.currency.code == "EUR" else { throw .notEuro }
        guard amount.minorUnits >= 1, amount.minorUnits <= 99_999_999_999 else { throw .amountOutOfRange }
    }
}

extension String {
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while scalars.first == " " { scalars = scalars.dropFirst() }
        while scalars.last == " " { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
