import RelanceCore
import Testing

@Suite("E-mail addresses")
struct EmailAddressTests {
    @Test("ordinary addresses are accepted", arguments: [
        "ap@acme.example", "first.last+tag@sub.domain.example", "x@a.co", "o'neil@example.org", "müller@bücher.example",
    ])
    func valid(text: String) throws {
        #expect(try EmailAddress(text).value == text)
    }

    @Test("anything that could inject a header or is not an address is refused", arguments: [
        "", "ap@acme.example\r\nBcc: victim@example.com", "ap@acme.example\n", "a b@example.com", "<ap@acme.example>",
        "Acme <ap@acme.example>", "noatsign.example", "two@@example.com", "a@b@example.com", "a@localhost", "a@-x.example",
        ".a@example.com", "a..b@example.com", "a@example..com", "\"quoted\"@example.com", "a@exa mple.com",
        String(repeating: "a", count: 65) + "@example.com", "a@" + String(repeating: "b", count: 250) + ".com", "a\u{0}@example.com",
    ])
    func invalid(text: String) {
        #expect(throws: EmailAddressError.self) { try EmailAddress(text) }
    }

    @Test("each printable ASCII character is judged as RFC 5322 atext says before the @, and as a host name allows after it")
    func everyASCIICharacter() {
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~")
        for byte in UInt8(0x21)...UInt8(0x7E) where byte != UInt8(ascii: "@") && byte != UInt8(ascii: ".") {
            let character = Character(Unicode.Scalar(byte))
            #expect(((try? EmailAddress("a\(character)b@acme.example")) != nil) == atext.contains(character), "local part: \(character)")
            let hostAllows = character.isLetter || character.isNumber || character == "-"
            #expect(((try? EmailAddress("ap@a\(character)b.example")) != nil) == hostAllows, "domain: \(character)")
        }
    }
}

@Suite("Addresses that read as another, and internationalised domains")
struct AddressSpoofingTests {
    @Test("right-to-left overrides, zero-width and other invisible characters are refused")
    func invisible() {
        for text in ["ap\u{202E}moc.evil@acme.example", "ap\u{200B}@acme.example", "a\u{200D}p@acme.example", "ap@ac\u{FEFF}me.example",
                     "ap@acme\u{2066}.example"] {
            #expect(throws: EmailAddressError.invisibleCharacter(text)) { try EmailAddress(text) }
        }
    }

    @Test("an internationalised domain goes out in Punycode (RFC 3492); a non-ASCII local part has no ASCII form")
    func punycode() throws {
        #expect(try EmailAddress("buchhaltung@müller.example").asciiForm == "buchhaltung@xn--mller-kva.example")
        #expect(try EmailAddress("ap@bücher.例え.jp").asciiForm == "ap@xn--bcher-kva.xn--r8jz45g.jp")
        #expect(try EmailAddress("ap@acme.example").asciiForm == "ap@acme.example")
        #expect(try EmailAddress("jörg@acme.example").asciiForm == nil)
        // RFC 3492 section 7.1 sample strings.
        #expect(Punycode.encode("他们为什么不说中文") == "ihqwcrb4cv8a8dqg056pqjye")
        #expect(Punycode.encode("ليهمابتكلموشعربي؟") == "egbpdaj6bu4bxfgehfvwxn")
    }
}
