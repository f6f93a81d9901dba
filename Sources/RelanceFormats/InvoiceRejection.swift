/// Why a file did not become an invoice: every problem found, each with the
/// field it concerns, so the user can fix the file in one go. Written beside
/// the file in `rejected/NAME.reason` by the daemon.
public struct InvoiceRejection: Error, Equatable, Sendable, CustomStringConvertible {
    /// One thing wrong with the file, at the field it concerns.
    public struct Problem: Equatable, Sendable, CustomStringConvertible {
        /// A field path such as `customer.email[1]`, or `file` for the file as a whole.
        public let field: String
        public let message: String

        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }

        public var description: String { "\(field): \(message)" }
    }

    public let file: String
    public let problems: [Problem]

    public init(file: String, problems: [Problem]) {
        self.file = file
        self.problems = problems
    }

    public init(file: String, field: String = "file", _ message: String) {
        self.init(file: file, problems: [Problem(field: field, message: message)])
    }

    public var description: String {
        "\(file): " + problems.map(\.description).joined(separator: "; ")
    }
}
