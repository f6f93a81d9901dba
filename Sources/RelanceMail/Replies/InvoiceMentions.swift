import Foundation

/// Invoice numbers a message names in its subject or body ("Relance facture H-06", "invoice
/// #F-2026-0042", "Rechnung Nr. 2026/118"): the invoice a reply concerns when no reminder's
/// Message-ID matches. Found by the words that introduce a number, never by guessing at digits.
public enum InvoiceMentions {
    static let keywords: Set<String> = [
        "facture", "factures", "fact", "invoice", "invoices", "inv", "rechnung", "rechnungen", "rechnungsnummer", "rechnungsnr", "rg", "re",
    ]
    static let markers: Set<String> = ["n", "no", "nr", "number", "numero", "num", "nummer", "ref", "reference", "#", ":", "°", "n°", "no.", "nr."]

    /// The numbers named, in order of appearance, each once.
    public static func find(in text: String) -> [String] {
        // Split on white space and the punctuation around a number, keeping - / _ . inside it.
        var tokens: [String] = []
        var current = ""
        for ch in text {
            if ch.isLetter || ch.isNumber || "-/_.#°".contains(ch) {
                current.append(ch)
            } else {
                if !current.isEmpty { tokens.append(current) }
                current = ""
                if ch == ":" { tokens.append(":") }
            }
        }
        if !current.isEmpty { tokens.append(current) }
        var found: [String] = []
        for (index, token) in tokens.enumerated() {
            let word = token.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".#°"))
            // "re" alone is "Re:" in a subject: only "Re." followed by a marker introduces a number.
            guard keywords.contains(word), word != "re" || token.lowercased() == "re." else { continue }
            var next = index + 1
            var marked = false
            while next < tokens.count, markers.contains(tokens[next].lowercased()) || tokens[next].hasPrefix("#") && tokens[next].count == 1 {
                next += 1
                marked = true
            }
            guard next < tokens.count else { continue }
            var candidate = tokens[next]
            if candidate.hasPrefix("#") || candidate.lowercased().hasPrefix("n°") {
                candidate = String(candidate.drop { $0 == "#" || $0 == "n" || $0 == "N" || $0 == "°" })
                marked = true
            }
            if candidate.lowercased().hasPrefix("nr.") { candidate = String(candidate.dropFirst(3)); marked = true }
            while let last = candidate.last, ".-/_".contains(last) { candidate.removeLast() }
            guard (2...40).contains(candidate.count), candidate.contains(where: \.isNumber),
                  candidate.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-/_.".contains($0)) }) else { continue }
            // A bare date or amount after "invoice of" is no number: it needs a marker or a shape of its own.
            if !marked, candidate.allSatisfy({ $0.isNumber || $0 == "." || $0 == "/" }), candidate.contains(".") || candidate.contains("/") { continue }
            if !found.contains(candidate) { found.append(candidate) }
        }
        return found
    }
}
