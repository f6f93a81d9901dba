/// Quoted-printable body encoding (RFC 2045 §6.7) over CRLF text: lines of at
/// most 76 characters with soft breaks, trailing white space protected.
public enum QuotedPrintable {
    public static func encode(_ text: String) -> String {
        var output: [String] = []
        let lines = text.replacingAll("\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        for line in lines {
            var current = ""
            let bytes = Array(line.utf8)
            for (index, byte) in bytes.enumerated() {
                let isLast = index == bytes.count - 1
                var piece: String
                if (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 0x20 || byte == 0x09) && !isLast) {
                    piece = String(UnicodeScalar(byte))
                } else {
                    piece = "=" + hex(byte)
                }
                if current.utf8.count + piece.utf8.count > 75 {
                    output.append(current + "=")
                    current = ""
                }
                current += piece
                if piece.count == 1, isLast { current = String(current) }
            }
            output.append(current)
        }
        return output.joined(separator: "\r\n")
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
