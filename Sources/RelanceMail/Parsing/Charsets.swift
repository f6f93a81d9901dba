/// Text in the charsets real mailboxes use: UTF-8, US-ASCII, ISO-8859-1,
/// ISO-8859-15 and Windows-1252. Anything else, or bytes that are not what
/// they claim, decode as UTF-8 with replacement characters: never a failure.
public enum Charsets {
    public static func decode(_ bytes: some Collection<UInt8>, charset: String?) -> String {
        switch (charset ?? "utf-8").lowercased().trimmingCharacters(in: [" ", "\""]) {
        case "iso-8859-1", "latin1", "iso8859-1", "l1", "iso_8859-1":
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        case "iso-8859-15", "latin-9", "iso8859-15", "latin9":
            return String(String.UnicodeScalarView(bytes.map { latin9[$0] ?? Unicode.Scalar($0) }))
        case "windows-1252", "cp1252", "x-cp1252":
            return String(String.UnicodeScalarView(bytes.map { byte in
                (0x80...0x9F).contains(byte) ? (cp1252[Int(byte - 0x80)].flatMap(Unicode.Scalar.init) ?? "\u{FFFD}") : Unicode.Scalar(byte)
            }))
        default:
            if let text = String(validating: Array(bytes), as: UTF8.self) { return text }
            // Declared UTF-8 (or unknown) but not valid: most such mail is Windows-1252.
            if charset == nil || charset?.lowercased() == "us-ascii" { return decode(bytes, charset: "windows-1252") }
            return String(decoding: Array(bytes), as: UTF8.self)
        }
    }

    private static let latin9: [UInt8: Unicode.Scalar] = [
        0xA4: "\u{20AC}", 0xA6: "\u{0160}", 0xA8: "\u{0161}", 0xB4: "\u{017D}", 0xB8: "\u{017E}", 0xBC: "\u{0152}", 0xBD: "\u{0153}", 0xBE: "\u{0178}",
    ]

    private static let cp1252: [UInt32?] = [
        0x20AC, nil, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, nil, 0x017D, nil,
        nil, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, nil, 0x017E, 0x0178,
    ]
}

extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        String(drop(while: { set.contains($0) }).reversed().drop(while: { set.contains($0) }).reversed())
    }
}
