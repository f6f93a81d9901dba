/// How to pay and who signs: the company's bank details, payment link and
/// signature, shown in every reminder.
public struct PaymentInstructions: Sendable, Equatable {
    public var iban: String?
    public var bic: String?
    public var paymentLink: String?
    /// Lines of the signature, as written in the configuration.
    public var signature: String

    public init(iban: String? = nil, bic: String? = nil, paymentLink: String? = nil, signature: String) {
        self.iban = iban
        self.bic = bic
        self.paymentLink = paymentLink
        self.signature = signature
    }
}
