import Foundation
import RelanceCore

/// `[late_charges]`: the law, the reference-rate sources and their refresh, and where the
/// rates come from (built in, then the table `relance rates update` keeps, then `rates_file`).
extension ConfigurationReader {
    static func law(_ code: String) -> LateChargeLaw? {
        LateChargeLaw(rawValue: code.uppercased() == "UK" ? "GB" : code.uppercased())
    }

    /// `[late_charges]`: `law` (EU, FR, DE, GB, NONE; default from the company's country), `rates_file`
    /// (default `reference-rates.toml` beside the configuration, when present), the sources
    /// `relance rates update` fetches (`ecb_url`, `bundesbank_url`, `boe_url`) and `refresh_days`.
    /// The table a rates update keeps in the state directory sits between the built-in one and the file.
    mutating func lateCharges(country: String?, stateDirectory: String?) -> (LateChargeLaw, ReferenceRates, RateSourceSettings) {
        let section = table(root, "late_charges", required: false) ?? .table([])
        allowOnly(section, "late_charges", ["law", "rates_file", "ecb_url", "bundesbank_url", "boe_url", "refresh_days", "ca_file"])
        var law = LateChargeLaw(country: country ?? "")
        if let code = string(section, "late_charges.law", required: false) {
            if let chosen = Self.law(code) { law = chosen } else { problem("late_charges.law", "\"\(code)\" is not one of EU, FR, DE, GB, NONE") }
        }
        var sources = RateSourceSettings()
        for (key, keyPath) in [("ecb_url", \RateSourceSettings.ecbURL), ("bundesbank_url", \.bundesbankURL), ("boe_url", \.bankOfEnglandURL)] {
            guard let url = string(section, "late_charges.\(key)", required: false) else { continue }
            let lower = url.lowercased()
            if lower.hasPrefix("https://") || lower.hasPrefix("http://127.") || lower.hasPrefix("http://localhost") || lower.hasPrefix("http://[::1]") {
                sources[keyPath: keyPath] = url
            } else {
                problem("late_charges.\(key)", "must be an https:// URL (plain http only towards a loopback address)")
            }
        }
        if let days = integer(section, "late_charges.refresh_days") {
            if (0...365).contains(days) { sources.refreshDays = days } else { problem("late_charges.refresh_days", "must be between 0 (off) and 365") }
        }
        if let ca = string(section, "late_charges.ca_file", required: false) {
            let path = ca.hasPrefix("/") ? ca : (directory as NSString).appendingPathComponent(ca)
            if FileManager.default.isReadableFile(atPath: path) { sources.caFile = path } else { problem("late_charges.ca_file", "\(path) cannot be read") }
        }
        var rates = ReferenceRates.builtIn
        if let stateDirectory {
            let fetched = stateDirectory + "/reference-rates.toml"
            if FileManager.default.fileExists(atPath: fetched) {
                do { rates = rates.merging(try ReferenceRatesFile.read(fetched)) } catch {
                    problem("late_charges", "the table relance rates update keeps is unreadable (\(error)); delete it and run relance rates update")
                }
            }
        }
        let explicit = string(section, "late_charges.rates_file", required: false)
        let name = explicit ?? "reference-rates.toml"
        let path = name.hasPrefix("/") ? name : (directory as NSString).appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: path) else {
            if explicit != nil { problem("late_charges.rates_file", "\(path) does not exist") }
            return (law, rates, sources)
        }
        do {
            return (law, rates.merging(try ReferenceRatesFile.read(path)), sources)
        } catch {
            problem("late_charges.rates_file", "\(error)")
            return (law, rates, sources)
        }
    }
}
