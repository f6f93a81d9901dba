import RelanceCore

/// Stable Message-IDs: the same invoice and step always give the same
/// identifier, so a retry is recognisably the same message and a reply's
/// In-Reply-To leads back to its reminder.
public enum MessageID {
    /// `<relance.STEP.INVOICE.HASH@DOMAIN>`, with the invoice id reduced to safe characters
    /// and a hash of the exact id keeping distinct invoices distinct.
    public static func make(invoiceID: String, step: String, domain: some StringProtocol) -> String {
        "<relance.\(safe(step)).\(safe(invoiceID)).\(fnv1a(invoiceID + "\u{0}" + step))@\(domain)>"
    }

    /// At most 60 characters, each kept when it is a letter or digit of ASCII, `-` or `_`, else `_`.
    static func safe(_ text: String) -> String {
        // Printable ASCII (one character a byte), the common case: by a table, not a Set built per call.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            let bytes = text.utf8.prefix(60).map { Self.allowed.contains($0) ? $0 : UInt8(ascii: "_") }
            return bytes.isEmpty ? "_" : String(decoding: bytes, as: UTF8.self)
        }
        let cleaned = String(text.map { Self.allowed.contains($0) ? $0 : "_" }.prefix(60))
        return cleaned.isEmpty ? "_" : cleaned
    }

    private static let allowed = ASCIICharacters("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")

    /// The token tagged onto the envelope sender of a message (`bounces+TOKEN@domain`).
    public static func envelopeTag(_ messageID: String) -> String { String(fnv1a(messageID).prefix(12)) }

    /// FNV-1a 64-bit, hex: a short, stable, dependency-free digest.
    public static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
