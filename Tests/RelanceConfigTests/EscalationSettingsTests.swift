import Foundation
import RelanceConfig
import RelanceCore
import Testing

@Suite("Configuration: send window, default terms, minimum balance, spacing, rate sources")
struct EscalationSettingsTests {
    static func text(schedule: String = "", policy: String = "", lateCharges: String = "", stateDir: String = "/var/lib/relance") -> String {
        """
        [company]
        name = "Atelier"
        email = "compta@atelier.example"
        timezone = "Europe/Paris"
        country = "FR"
        language = "fr"

        [paths]
        state_dir = "\(stateDir)"

        [schedule]
        \(schedule)

        [[policies]]
        name = "standard"
        \(policy)
        steps = [
          { name = "due", at = "due" },
          { name = "final", at = "due+30", kind = "final" },
        ]

        [late_charges]
        \(lateCharges)
        """
    }

    func load(_ text: String) throws(ConfigurationError) -> RelanceConfiguration {
        try ConfigurationLoader.parse(text, file: "/etc/relance/relance.toml")
    }

    func problems(_ text: String) -> [String] {
        do {
            _ = try load(text)
            return []
        } catch {
            return error.problems.map { "\($0.path): \($0.message)" }
        }
    }

    @Test("defaults: the window runs to the end of the day, the legal 30 days, no minimum, weekly rate refresh")
    func defaults() throws {
        let configuration = try load(Self.text())
        #expect(configuration.schedule.sendUntil == nil)
        #expect(configuration.schedule.defaultTerms.netDays == 30)
        #expect(configuration.schedule.minBalance.isEmpty)
        #expect(configuration.defaultPolicy.minSpacingDays == 0)
        #expect(configuration.rateSources.refreshDays == 7)
        #expect(configuration.rateSources.ecbURL.hasPrefix("https://data-api.ecb.europa.eu/"))
        #expect(configuration.rateSeriesInUse == ["ECB"])
    }

    @Test("the keys are read and checked")
    func keys() throws {
        let configuration = try load(Self.text(schedule: """
            send_until = "17:30"
            default_terms = "net 60"
            min_balance = { EUR = "5.00", gbp = "3" }
            """, policy: "min_spacing_days = 10", lateCharges: """
            refresh_days = 0
            ecb_url = "http://127.0.0.1:8080/ecb.csv"
            """))
        #expect(configuration.schedule.sendUntil?.description == "17:30")
        #expect(configuration.calendar.sendUntil?.description == "17:30")
        #expect(configuration.schedule.defaultTerms.netDays == 60)
        #expect(configuration.schedule.minBalance == ["EUR": 500, "GBP": 300])
        #expect(configuration.schedule.isBelowMinimum(Money(minorUnits: 499, currency: .eur)))
        #expect(!configuration.schedule.isBelowMinimum(Money(minorUnits: 500, currency: .eur)))
        #expect(!configuration.schedule.isBelowMinimum(Money(minorUnits: 1, currency: .usd)))
        #expect(configuration.defaultPolicy.minSpacingDays == 10)
        #expect(configuration.rateSources.refreshDays == 0)
        #expect(configuration.rateSources.url(series: "ECB") == "http://127.0.0.1:8080/ecb.csv")
    }

    @Test("bad values are refused with their key")
    func refused() {
        #expect(problems(Self.text(schedule: #"send_until = "08:00""#)).contains { $0.hasPrefix("schedule.send_until: \"08:00\" must be later than send_time") })
        #expect(problems(Self.text(schedule: #"send_until = "25:00""#)).contains { $0.hasPrefix("schedule.send_until:") })
        #expect(problems(Self.text(schedule: #"default_terms = "when convenient""#)).contains { $0.hasPrefix("schedule.default_terms:") })
        #expect(problems(Self.text(schedule: #"min_balance = { XYZ = "5" }"#)).contains { $0.contains("not an ISO 4217 currency") })
        #expect(problems(Self.text(schedule: #"min_balance = { EUR = 5 }"#)).contains { $0.contains("expected an amount as a string") })
        #expect(problems(Self.text(policy: "min_spacing_days = 400")).contains { $0.contains("min_spacing_days: must be between 0 and 60") })
        #expect(problems(Self.text(lateCharges: #"ecb_url = "http://rates.example/ecb.csv""#)).contains { $0.hasPrefix("late_charges.ecb_url:") })
        #expect(problems(Self.text(lateCharges: "refresh_days = -1")).contains { $0.hasPrefix("late_charges.refresh_days:") })
        // What a person arranges (a plan, its instalments, a call's confirmation) is not a step a policy may name.
        for kind in ["plan", "installment", "confirmation"] {
            let text = Self.text().replacingOccurrences(of: #"{ name = "due", at = "due" }"#, with: #"{ name = "due", at = "due", kind = "\#(kind)" }"#)
            #expect(problems(text).contains { $0.hasPrefix("policies[0].steps[0].kind: \"\(kind)\" is not one of") && !$0.contains("installment,") }, "\(problems(text))")
        }
        #expect(problems(Self.text() + "\n[people]\nplan_grace_days = 31\nplan_reminder_days = -1").count == 2)
        // A task step says what to do; no other step has a text.
        let untold = Self.text().replacingOccurrences(of: #"{ name = "due", at = "due" }"#, with: #"{ name = "due", at = "due", kind = "task" }"#)
        #expect(problems(untold).contains { $0.hasPrefix("policies[0].steps[0].text: a task step needs its text") })
        let texted = Self.text().replacingOccurrences(of: #"{ name = "due", at = "due" }"#, with: #"{ name = "due", at = "due", text = "x" }"#)
        #expect(problems(texted).contains { $0.hasPrefix("policies[0].steps[0].text: only a task step has a text") })
    }

    @Test("the table rates update keeps in the state directory sits between the built-in one and the rates file")
    func fetchedTable() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Test values, not published rates.
        try "[ECB]\n\"2026-01-01\" = \"9.99\"\n\"2025-07-01\" = \"8.88\"\n".write(toFile: folder + "/reference-rates.toml", atomically: true, encoding: .utf8)
        let configuration = try load(Self.text(stateDir: folder))
        #expect(configuration.referenceRates.rate(series: "ECB", on: LocalDate(iso: "2026-02-01")!) == Percent("9.99"))
        #expect(configuration.referenceRates.rate(series: "ECB", on: LocalDate(iso: "2025-08-01")!) == Percent("8.88"))
        #expect(configuration.referenceRates.rate(series: "ECB", on: LocalDate(iso: "2025-02-01")!) == Percent("3.15"))  // built in
        #expect(configuration.fetchedRatesFile == folder + "/reference-rates.toml")
        try "[ECB]\n\"2026-02-01\" = \"1\"\n".write(toFile: folder + "/reference-rates.toml", atomically: true, encoding: .utf8)
        #expect(problems(Self.text(stateDir: folder)).contains { $0.contains("the table relance rates update keeps is unreadable") })
    }
}
