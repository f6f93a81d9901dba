/// An IBAN as people read it: groups of four characters (ISO 13616 paper format); an RF creditor
/// reference is printed the same way (ISO 11649).
public enum IBANText {
    public static func grouped(_ iban: String) -> String {
        let compact = iban.filter { !$0.isWhitespace }
        var out = ""
        for (index, character) in compact.enumerated() {
            if index > 0, index % 4 == 0 { out.append(" ") }
            out.append(character)
        }
        return out
    }
}
