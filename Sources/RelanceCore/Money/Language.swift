/// A language relance writes to people in. Each has its own number, amount
/// and date conventions; messages and formatting follow the customer's.
public enum Language: String, Sendable, CaseIterable, Hashable, Codable {
    case fr, en, de

    /// Accepts `fr`, `FR`, `fr-FR`, `fr_CA`, `en-GB`…: the primary subtag decides.
    public init?(tag: String) {
        let primary = tag.lowercased().split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map(String.init) ?? ""
        guard let language = Language(rawValue: primary) else { return nil }
        self = language
    }
}
