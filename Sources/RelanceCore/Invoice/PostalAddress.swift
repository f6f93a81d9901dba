/// Where a letter reaches a party: the lines a window envelope shows. The formal notice
/// (a letter sent by registered post) needs the debtor's and the creditor's.
/// Fields follow EN 16931 BG-8/BG-5 (address lines BT-50/51/163, city BT-52, post code BT-53,
/// subdivision BT-54, country BT-55).
public struct PostalAddress: Hashable, Sendable, Codable {
    /// Street lines, at most three, top to bottom.
    public var lines: [String]
    public var postalCode: String?
    public var city: String?
    /// Region, county or state (BT-54), printed only where the country's usage wants it.
    public var subdivision: String?
    /// ISO 3166-1 alpha-2 country code.
    public var country: String?

    public init(lines: [String], postalCode: String? = nil, city: String? = nil, subdivision: String? = nil, country: String? = nil) {
        self.lines = lines
        self.postalCode = postalCode
        self.city = city
        self.subdivision = subdivision
        self.country = country
    }

    /// Whether it holds enough to address a letter: a line or a city.
    public var isUsable: Bool { !lines.isEmpty || city != nil }

    /// The envelope lines after the name, as the post of the sender's country prints them:
    /// the post code before the city (FR, DE and most of Europe), after it in the UK
    /// ("LONDON\nEC1A 1BB"); the country's name last when it differs from the sender's.
    public func envelopeLines(senderCountry: String?) -> [String] {
        var out = lines.filter { !$0.isEmpty }
        let code = postalCode ?? ""
        let town = city ?? ""
        if country == "GB" {
            if !town.isEmpty { out.append(town.uppercased()) }
            if let subdivision, !subdivision.isEmpty { out.append(subdivision) }
            if !code.isEmpty { out.append(code) }
        } else {
            let line = [code, country == "FR" ? town.uppercased() : town].filter { !$0.isEmpty }.joined(separator: " ")
            if !line.isEmpty { out.append(line) }
        }
        if let country, let senderCountry, country != senderCountry {
            out.append(Self.countryNames[country] ?? country)
        }
        return out
    }

    /// Country names as the Universal Postal Union asks them (in capitals, in a language of the sending country or English).
    static let countryNames: [String: String] = [
        "AT": "AUSTRIA", "BE": "BELGIUM", "CH": "SWITZERLAND", "DE": "GERMANY", "DK": "DENMARK", "ES": "SPAIN",
        "FI": "FINLAND", "FR": "FRANCE", "GB": "UNITED KINGDOM", "IE": "IRELAND", "IT": "ITALY", "LU": "LUXEMBOURG",
        "NL": "NETHERLANDS", "NO": "NORWAY", "PL": "POLAND", "PT": "PORTUGAL", "SE": "SWEDEN", "US": "UNITED STATES",
    ]
}
