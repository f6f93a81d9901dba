/// Quoted-printable body encoding (RFC 2045 §6.7) over CRLF text: lines of at
/// most 76 characters with soft breaks, trailing white space protected.
/// Works on UTF-8 bytes: a morning batch encodes thousands of bodies.
public enum QuotedPrintable {
    private static let hex = Array("0123456789ABCDEF".utf8)

    /// Lines end at LF or CRLF in `text`, and at CRLF in the result.
    public static func encode(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 4 + 16)
        var lineStart = 0
        var firstLine = true

        func emit(_ start: Int, _ end: Int) {
            if !firstLine { out.append(13); out.append(10) }
            firstLine = false
            var length = 0
            var index = start
            while index < end {
                let byte = bytes[index]
                let isLast = index == end - 1
                let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 0x20 || byte == 0x09) && !isLast)
                let width = literal ? 1 : 3
                if length + width > 75 {
                    out.append(UInt8(ascii: "="))
                    out.append(13)
                    out.append(10)
                    length = 0
                }
                if literal {
                    out.append(byte)
                } else {
                    out.append(UInt8(ascii: "="))
                    out.append(hex[Int(byte >> 4)])
                    out.append(hex[Int(byte & 0x0F)])
                }
                length += width
                index += 1
            }
        }

        for index in bytes.indices where bytes[index] == 10 {
            emit(lineStart, index > lineStart && bytes[index - 1] == 13 ? index - 1 : index)
            lineStart = index + 1
        }
        emit(lineStart, bytes.count)
        return String(decoding: out, as: UTF8.self)
    }
}
