/// A set of ASCII characters looked up by byte. The checks that run on every stored address and
/// every message (what an e-mail address, a Message-ID or a MIME parameter may hold) use this
/// table rather than building a `Set` of `Character`s at each call, which was a tenth of the
/// cost of deciding a reminder.
public struct ASCIICharacters: Sendable {
    private let table: [Bool]

    /// `characters`: the members; anything beyond ASCII in it is ignored.
    public init(_ characters: String) {
        let bytes = Set(characters.utf8)
        table = (0..<128).map { bytes.contains(UInt8($0)) }
    }

    public func contains(_ byte: UInt8) -> Bool { byte < 0x80 && table[Int(byte)] }

    /// A character of one byte that is a member (a CR LF pair is two bytes, so never one).
    public func contains(_ character: Character) -> Bool {
        let bytes = character.utf8
        return bytes.count == 1 && contains(bytes.first!)
    }
}
