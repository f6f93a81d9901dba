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
}
