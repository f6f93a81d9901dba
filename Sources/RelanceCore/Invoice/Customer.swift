/// The debtor of an invoice: who is reminded, in which language, and where.
public struct Customer: Hashable, Sendable, Codable {
    /// The customer's own reference, used to look up per-customer settings; optional.
    public var id: String?
    public var name: String
    /// Primary recipients; never empty on an invoice that can be reminded.
    public var emails: [EmailAddress]
    public var cc: [EmailAddress]
    public var language: Language?

    public init(id: String? = nil, name: String, emails: [EmailAddress], cc: [EmailAddress] = [], language: Language? = nil) {
        self.id = id
        self.name = name
        self.emails = emails
        self.cc = cc
        self.language = language
    }
}
