import RelanceCore
import Testing

@Suite("ASCII character tables")
struct ASCIICharactersTests {
    @Test("members by byte and by character; a CR LF pair, a non-ASCII character and bytes past 0x7F are never members")
    func membership() {
        let set = ASCIICharacters("ab-\n" + "é")
        for byte in UInt8(0)...UInt8(255) {
            #expect(set.contains(byte) == [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "-"), 0x0A].contains(byte), "\(byte)")
        }
        #expect(set.contains(Character("a")) && set.contains(Character("\n")))
        #expect(!set.contains(Character("\r\n")))
        #expect(!set.contains(Character("é")) && !set.contains(Character("c")))
    }
}
