@testable import RelanceMail
import Testing

@Suite("Message-ID parts")
struct MessageIDSafeTests {
    /// The rule as first written, character by character.
    static func reference(_ text: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
        let cleaned = String(text.map { allowed.contains($0) ? $0 : "_" }.prefix(60))
        return cleaned.isEmpty ? "_" : cleaned
    }

    @Test("an invoice id or step becomes the same safe text on the byte path as by the character rule")
    func safeMatchesTheRule() {
        var generator = SystemRandomNumberGenerator()
        let pieces = ["F", "-", "2026", "_", "/", " ", "é", "ß", "\r\n", "\u{301}", "名", "🧾", ".", "@", "<", "A", "z", "9", "\t"]
        var samples = ["", "F-2026-0042", String(repeating: "x", count: 80), "a\r\nb", "Müller/42", "e\u{301}"]
        for _ in 0..<500 {
            samples.append((0..<Int.random(in: 0...70, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined())
        }
        for sample in samples { #expect(MessageID.safe(sample) == Self.reference(sample), "\(sample.debugDescription)") }
    }
}
