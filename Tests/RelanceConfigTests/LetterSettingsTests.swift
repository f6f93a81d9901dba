import Foundation
import RelanceConfig
import RelanceCore
import Testing

@Suite("Configuration: letterhead, identifiers, customer addresses, the formal notice, grouping")
struct LetterSettingsTests {
    static func text(company: String = "", schedule: String = "", customers: String = "", notice: String = "") -> String {
        """
        [company]
        name = "Atelier"
        email = "compta@atelier.example"
        timezone = "Europe/Paris"
        country = "FR"
        language = "fr"
        \(company)

        [schedule]
        \(schedule)

        [[policies]]
        name = "standard"
        steps = [
          { name = "due", at = "due" },
          { name = "notice", at = "due+45", kind = "formal-notice" },
        ]

        \(customers)

        \(notice)
        """
    }

    func load(_ text: String) throws(ConfigurationError) -> RelanceConfiguration {
        try ConfigurationLoader.parse(text, file: "/etc/relance/relance.toml")
    }

    func problems(_ text: String) -> [String] {
        do { _ = try load(text); return [] } catch { return error.problems.map { "\($0.path): \($0.message)" } }
    }

    @Test("the company's address and identifiers, the notice's defaults")
    func company() throws {
        let configuration = try load(Self.text(company: """
            address = ["3 rue des Forges"]
            postal_code = "69002"
            city = "Lyon"
            siret = "123 456 789 00012"
            vat_id = "FR12 123456789"
            register = "RCS Lyon B 123 456 789"
            """))
        #expect(configuration.company.address == PostalAddress(lines: ["3 rue des Forges"], postalCode: "69002", city: "Lyon", country: "FR"))
        #expect(configuration.company.identifiers == ["SIRET 123 456 789 00012", "TVA FR12 123456789", "RCS Lyon B 123 456 789"])
        #expect(configuration.formalNotice == FormalNoticeSettings(deadlineDays: 8, place: "Lyon"))
        #expect(configuration.schedule.groupByCustomer)
        #expect(configuration.defaultPolicy.steps.last?.kind == .formalNotice)
    }

    @Test("a customer's address wins over the invoice's; grouping and the notice are configurable")
    func overrides() throws {
        let configuration = try load(Self.text(schedule: #"group = "invoice""#, customers: """
            [customers.C-1]
            address = { lines = ["8 quai Perrache"], postal_code = "69002", city = "Lyon", country = "fr" }
            """, notice: """
            [formal_notice]
            deadline_days = 15
            place = "Villeurbanne"
            """))
        #expect(!configuration.schedule.groupByCustomer)
        #expect(configuration.formalNotice == FormalNoticeSettings(deadlineDays: 15, place: "Villeurbanne"))
        let fromInvoice = PostalAddress(lines: ["1 rue Ailleurs"], city: "Paris", country: "FR")
        let customer = Customer(id: "C-1", name: "C", emails: [], address: fromInvoice)
        #expect(configuration.postalAddress(for: customer)?.lines == ["8 quai Perrache"])
        #expect(configuration.postalAddress(for: Customer(id: "C-2", name: "D", emails: [], address: fromInvoice)) == fromInvoice)
    }

    @Test("wrong values are named with their key", arguments: [
        (Self.text(company: #"siret = "123""#), "company.siret"),
        (Self.text(company: #"address = ["a", "b", "c", "d"]"#), "company.address: at most three"),
        (Self.text(schedule: #"group = "team""#), "schedule.group"),
        (Self.text(customers: "[customers.C-1]\naddress = { city = \"Lyon\", country = \"FRA\" }"), "customers.C-1.address.country"),
        (Self.text(customers: "[customers.C-1]\naddress = { lines = [] }"), "customers.C-1.address: needs lines or a city"),
        (Self.text(notice: "[formal_notice]\ndeadline_days = 0"), "formal_notice.deadline_days"),
        (Self.text(notice: "[formal_notice]\nsign = \"x\""), "formal_notice.sign: unknown key"),
    ])
    func problems(text: String, expected: String) {
        #expect(problems(text).contains { $0.contains(expected) }, "\(problems(text))")
    }
}
