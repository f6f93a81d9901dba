/// Reads XRechnung's structured discount lines (`#SKONTO#TAGE=7#PROZENT=2.00#`,
/// optionally `BASISBETRAG=…#`), several of which may follow each other, and
/// returns the tiers with the text that remains once they are cut out. A line
/// with `PROZENT=0.00` grants no discount: its `TAGE` states the net term.
enum XRechnungSkonto {
    static func extract(from text: String) -> (tiers: [DiscountTier], netDays: Int?, rest: String) {
        var tiers: [DiscountTier] = []
        var netDays: Int?
        var rest = ""
        var cursor = text.startIndex
        while let marker = text[cursor...].firstRangeIgnoringCase(of: "#SKONTO#") {
            rest += text[cursor..<marker.lowerBound]
            var fields: [String: String] = [:]
            var position = marker.upperBound
            // Read KEY=VALUE# segments until one is not of that shape.
            while let hash = text[position...].firstIndex(of: "#") {
                let segment = text[position..<hash]
                guard let equals = segment.firstIndex(of: "=") else { break }
                let key = segment[..<equals].trimmingSpaces().uppercased()
                let value = segment[segment.index(after: equals)...].trimmingSpaces()
                guard !key.isEmpty, key.allSatisfy(\.isLetter) else { break }
                fields[key] = value
                position = text.index(after: hash)
            }
            if let days = fields["TAGE"].flatMap({ Int($0) }), days >= 0, days <= 3660,
               let percent = fields["PROZENT"].flatMap({ Percent($0) }), percent.scaled > 0, percent < Percent(whole: 100) {
                tiers.append(DiscountTier(percent: percent, days: days))
            } else if let days = fields["TAGE"].flatMap({ Int($0) }), days >= 0, days <= 3660,
                      let percent = fields["PROZENT"].flatMap({ Percent($0) }), percent.scaled == 0 {
                netDays = max(netDays ?? 0, days)
            } else {
                rest += text[marker.lowerBound..<position]  // malformed: leave it to the free-text reader
            }
            cursor = position
            rest += " "
        }
        rest += text[cursor...]
        return (tiers, netDays, rest)
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }

    /// Case-insensitive ASCII search (enough for the fixed markers it is used with).
    func firstRangeIgnoringCase(of needle: String) -> Range<Index>? {
        let target = Array(needle.lowercased())
        guard !target.isEmpty else { return nil }
        var index = startIndex
        while index < endIndex {
            var probe = index
            var matched = 0
            while matched < target.count, probe < endIndex, self[probe].lowercased() == String(target[matched]) {
                probe = self.index(after: probe)
                matched += 1
            }
            if matched == target.count { return index..<probe }
            index = self.index(after: index)
        }
        return nil
    }
}
