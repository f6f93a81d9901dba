/// The debtor of an invoice: who is reminded, in which language, and where.
public struct Customer: Hashable, Sendable, Codable {
    /// The customer's own reference, used to look up per-customer settings; optional.
    public var id: String?
    public var name: String
    /// Primary recipients; never empty on an invoice that can be reminded.
    public var emails: [EmailAddress]
    public var cc: [EmailAddress]
    public var language: Language?
    /// Where a letter reaches the customer (the invoice's buyer address, BG-8), when the invoice gives one.
    public var address: PostalAddress?

    public init(id: String? = nil, name: String, emails: [EmailAddress], cc: [EmailAddress] = [], language: Language? = nil,
                address: PostalAddress? = nil) {
        self.address = address
        self.id = id
        self.name = name
        self.emails = emails
        self.cc = cc
        self.language = language
    }
}
