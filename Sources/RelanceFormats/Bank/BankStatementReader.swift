public import RelanceCore

/// A bank statement file of any supported format, recognised by its content: camt.052/053/054
/// (XML) or MT940. A payments CSV is not a statement (`PaymentCSVReader` reads it).
public enum BankStatementReader {
    /// The statement formats relance reads, as recognised from a file's first bytes.
    public enum Format: String, Sendable {
        case camt, mt940
    }

    public static func format(of bytes: [UInt8]) -> Format? {
        if CamtReader.recognizes(bytes) { return .camt }
        if MT940Reader.recognizes(bytes) { return .mt940 }
        return nil
    }

    public static func read(_ bytes: [UInt8], file: String) throws(InvoiceRejection) -> (format: Format, entries: [BankEntry]) {
        switch format(of: bytes) {
        case .camt: return (.camt, try CamtReader.read(bytes, file: file))
        case .mt940: return (.mt940, try MT940Reader.read(bytes, file: file))
        case nil: throw InvoiceRejection(file: file, "neither a camt.05x message nor an MT940 statement")
        }
    }
}
