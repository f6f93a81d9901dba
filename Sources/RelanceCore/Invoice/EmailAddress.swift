/// A validated mailbox address (`local@domain`, RFC 5321 limits). Control
/// characters, CR/LF, spaces, angle brackets and quoted local parts are refused,
/// so no address can ever inject a header; so are invisible and bidirectional
/// formatting characters (zero-width spaces, right-to-left overrides), which
/// would make an address read as another.
public struct EmailAddress: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    public init(_ text: String) throws(EmailAddressError) {
        guard !text.isEmpty else { throw .empty }
        // Printable ASCII has no control or format character: the Unicode checks are for the rest.
        if !text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" }) else {
                throw .controlCharacter(text)
            }
            guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .format }) else { throw .invisibleCharacter(text) }
        }
        guard text.utf8.count <= 254 else { throw .tooLong(text) }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw .malformed(text, "it must contain exactly one @") }
        let local = parts[0], domain = parts[1]
        guard !local.isEmpty, local.utf8.count <= 64 else { throw .malformed(text, "the part before @ must be 1 to 64 characters") }
        guard local.utf8.allSatisfy({ $0 >= 0x80 || Self.atext.contains($0) }), !local.hasPrefix("."), !local.hasSuffix("."),
              !local.contains("..") else { throw .malformed(text, "the part before @ has a character an address cannot have") }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy(Self.isHostLabel) else { throw .malformed(text, "the domain after @ is not a valid host name") }
        self.value = text
    }

    /// RFC 5322 `atext` and the dot (the store decodes thousands of addresses a cycle).
    private static let atext = ASCIICharacters("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~.")

    /// A host name's label: letters, digits and inner hyphens (any script's letters and digits, for IDNs).
    private static func isHostLabel(_ label: Substring) -> Bool {
        guard !label.isEmpty, label.utf8.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-") else { return false }
        if label.utf8.allSatisfy({ $0 < 0x80 }) {
            return label.utf8.allSatisfy { byte in
                (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D
            }
        }
        return label.allSatisfy { ($0.isLetter || $0.isNumber || $0 == "-") && !$0.isWhitespace }
    }

    public var domain: Substring { value[value.index(after: value.lastIndex(of: "@")!)...] }

    /// The part before the @.
    public var localPart: Substring { value[..<value.lastIndex(of: "@")!] }

    /// The address as a server without SMTPUTF8 takes it: an internationalised domain in
    /// Punycode (`xn--…`); nil when the local part itself is not ASCII (that needs SMTPUTF8).
    public var asciiForm: String? {
        guard localPart.allSatisfy(\.isASCII), let host = Punycode.asciiHost(domain) else { return nil }
        return localPart + "@" + host
    }
    public var description: String { value }
}

/// Why a string is not a usable e-mail address.
public enum EmailAddressError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case controlCharacter(String)
    case invisibleCharacter(String)
    case tooLong(String)
    case malformed(String, String)

    public var description: String {
        switch self {
        case .empty: return "the address is empty"
        case .controlCharacter: return "the address contains a line break or control character"
        case .invisibleCharacter: return "the address contains an invisible or bidirectional formatting character (zero-width, right-to-left override)"
        case .tooLong: return "the address is longer than 254 characters"
        case .malformed(let text, let why): return "\"\(text)\" is not an e-mail address: \(why)"
        }
    }
}
