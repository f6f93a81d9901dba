/// Base64 (RFC 4648) for MIME bodies and encoded words, with optional 76-column lines.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8], lineLength: Int? = nil) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 3 * 4 + 4)
        var index = 0
        var column = 0
        while index < bytes.count {
            let b0 = bytes[index]
            let b1 = index + 1 < bytes.count ? bytes[index + 1] : 0
            let b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            let quad = [alphabet[Int(b0 >> 2)], alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)],
                        index + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="),
                        index + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "=")]
            if let lineLength, column + 4 > lineLength {
                out += [0x0D, 0x0A]
                column = 0
            }
            out += quad
            column += 4
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
