import Foundation
import RelanceConfig
import RelanceCore
import Testing

@Suite("Configuration")
struct ConfigurationLoaderTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static let minimal = """
        [company]
        name = "Atelier"
        email = "compta@atelier.example"
        timezone = "Europe/Paris"
        country = "FR"
        language = "fr"

        [[policies]]
        name = "standard"
        steps = [
          { name = "due", at = "due" },
          { name = "final", at = "due+30", kind = "final" },
        ]
        """

    func problems(_ text: String) -> [ConfigurationError.Problem] {
        do {
            _ = try ConfigurationLoader.parse(text, file: "/etc/relance/relance.toml")
            return []
        } catch {
            return error.problems
        }
    }

    @Test("the bundled example configuration is valid and complete")
    func bundledExample() throws {
        let configuration = try ConfigurationLoader.load(file: Self.packageRoot + "/config/relance.toml")
        #expect(configuration.company.timeZone.identifier == "Europe/Paris")
        #expect(configuration.schedule.sendTime.description == "09:30")
        #expect(configuration.schedule.sendDays.count == 5)
        #expect(configuration.schedule.extraHolidays.contains(LocalDate(iso: "2026-12-24")!))
        #expect(configuration.defaultPolicy.name == "standard")
        #expect(configuration.defaultPolicy.steps.map(\.kind) == [.preDue, .discount, .due, .postDue, .postDue, .final, .formalNotice])
        #expect(configuration.customers["C-17"]?.policy == "gentle")
        #expect(configuration.paths.inbox == Self.packageRoot + "/.demo/inbox")
        let globex = Customer(id: "C-17", name: "Globex", emails: [])
        #expect(configuration.policy(for: globex).name == "gentle")
        #expect(configuration.language(for: globex) == .en)
    }

    @Test("defaults fill what is left out")
    func defaults() throws {
        let configuration = try ConfigurationLoader.parse(Self.minimal, file: "/etc/relance/relance.toml")
        #expect(configuration.paths.inbox == "/etc/relance/inbox")
        #expect(configuration.paths.sendLog == "/etc/relance/state/send.log")
        #expect(configuration.schedule.minGapDays == 3)
        #expect(configuration.schedule.sendDays == [.monday, .tuesday, .wednesday, .thursday, .friday])
    }

    @Test("a TOML syntax error gives its line")
    func syntaxError() {
        let found = problems(Self.minimal + "\n[schedule\nsend_time = 1\n")
        #expect(found.count == 1)
        #expect(found.first?.line == 14)  // the line of "[schedule"
    }

    @Test("every semantic problem is reported with its key and line")
    func semanticProblems() {
        let text = """
            [company]
            name = "Atelier"
            email = "compta@@atelier.example"
            timezone = "Europe/Atlantis"
            country = "FRA"
            language = "es"
            colour = "blue"

            [schedule]
            send_time = "25:00"
            send_days = ["mon", "funday"]
            holidays = ["FR", "XX"]
            min_gap_days = 100

            [[policies]]
            name = "standard"
            steps = [
              { name = "due", at = "due" },
              { name = "later", at = "tomorrow" },
              { name = "x", at = "due+1", kind = "angry" },
            ]

            [customers."C-1"]
            policy = "missing"
            """
        let found = problems(text)
        func line(_ path: String) -> Int? { found.first { $0.path == path }?.line }
        #expect(line("company.email") == 3)
        #expect(line("company.timezone") == 4)
        #expect(line("company.country") == 5)
        #expect(line("company.language") == 6)
        #expect(line("company.colour") == 7)
        #expect(line("schedule.send_time") == 10)
        #expect(line("schedule.send_days[1]") == 11)
        #expect(line("schedule.holidays[1]") == 12)
        #expect(line("schedule.min_gap_days") == 13)
        #expect(line("policies[0].steps[1].at") == 19)
        #expect(line("policies[0].steps[2].kind") == 20)
        #expect(line("customers.C-1.policy") == 24)
        #expect(found.count == 12, "\(found)")
    }

    @Test("required sections and policies are demanded")
    func required() {
        let found = problems("")
        #expect(found.map(\.path).contains("company"))
        #expect(found.map(\.path).contains("policies"))
    }

    @Test("a CR/LF inside a string value is refused")
    func lineBreakInValue() {
        let found = problems(Self.minimal.replacingOccurrences(of: #"name = "Atelier""#, with: #"name = "Atelier\r\nBcc: x@y.example""#))
        #expect(found.first?.path == "company.name")
    }

    @Test("the shipped reference-rate table is the built-in one; customers can be exempted from late charges")
    func lateCharges() throws {
        let file = try ReferenceRatesFile.read(Self.packageRoot + "/config/reference-rates.toml")
        #expect(file.table == ReferenceRates.builtIn.table)
        let configuration = try ConfigurationLoader.parse(Self.minimal + "\n[customers.\"C-9\"]\nlate_charges = \"none\"\n", file: "/nonexistent/relance.toml")
        #expect(configuration.lateChargeLaw == .fr)
        #expect(configuration.lateChargeLaw(for: Customer(id: "C-9", name: "Consumer", emails: [])) == LateChargeLaw.none)
        #expect(configuration.lateChargeLaw(for: Customer(id: "C-1", name: "Firm", emails: [])) == .fr)
        let german = try ConfigurationLoader.parse(Self.minimal + "\n[late_charges]\nlaw = \"DE\"\n", file: "/nonexistent/relance.toml")
        #expect(german.lateChargeLaw == .de)
        #expect(problems(Self.minimal + "\n[late_charges]\nlaw = \"XX\"\n").first?.path == "late_charges.law")
    }

    @Test("$RELANCE_CONFIG picks the default file")
    func defaultPath() {
        #expect(ConfigurationLoader.defaultPath(environment: [:]) == "/etc/relance/relance.toml")
        #expect(ConfigurationLoader.defaultPath(environment: ["RELANCE_CONFIG": "/srv/r.toml"]) == "/srv/r.toml")
    }
}
