import Foundation
import RelanceCore

/// What letters need from the configuration: the company's postal address and legal
/// identifiers (`[company]`), a customer's address override (`[customers.ID] address`), and
/// `[formal_notice]` (its deadline and the place it is written from).
extension ConfigurationReader {
    /// `[company] address = ["3 rue des Forges"]`, `postal_code`, `city`, and the identifiers a
    /// business letter must show: `siret` (FR, Code de commerce R123-237), `vat_id`, `register`
    /// (the register and number: "RCS Lyon B 123 456 789", "Amtsgericht München HRB 12345",
    /// "Registered in England and Wales No. 01234567").
    mutating func companyLetterDetails(_ section: ConfigValue, country: String?) -> (PostalAddress?, [String]) {
        let lines = strings(section, "company.address") ?? []
        if lines.count > 3 { problem("company.address", "at most three street lines") }
        let postalCode = string(section, "company.postal_code", required: false)
        let city = string(section, "company.city", required: false)
        let address = lines.isEmpty && city == nil ? nil
            : PostalAddress(lines: Array(lines.prefix(3)), postalCode: postalCode, city: city, country: country)
        var identifiers: [String] = []
        if let siret = string(section, "company.siret", required: false) {
            let digits = siret.filter { $0 != " " }
            if digits.count != 14 || !digits.allSatisfy(\.isNumber) { problem("company.siret", "\"\(siret)\" is not a SIRET (14 digits)") }
            identifiers.append("SIRET \(siret)")
        }
        if let vat = string(section, "company.vat_id", required: false) {
            let word = country == "FR" ? "TVA" : (country == "DE" ? "USt-IdNr." : "VAT")
            identifiers.append("\(word) \(vat)")
        }
        if let register = string(section, "company.register", required: false) { identifiers.append(register) }
        return (address, identifiers)
    }

    /// `[customers.ID] address = { lines = [...], postal_code = "...", city = "...", country = "FR" }`:
    /// wins over the address the invoices give.
    mutating func customerAddress(_ value: ConfigValue, _ path: String) -> PostalAddress? {
        guard let table = table(value, "\(path).address", required: false) else { return nil }
        allowOnly(table, "\(path).address", ["lines", "postal_code", "city", "country"])
        let lines = strings(table, "\(path).address.lines") ?? []
        let country = string(table, "\(path).address.country", required: false)?.uppercased()
        if let country, country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isLetter }) {
            problem("\(path).address.country", "\"\(country)\" is not a two-letter country code")
        }
        let address = PostalAddress(lines: Array(lines.prefix(3)), postalCode: string(table, "\(path).address.postal_code", required: false),
                                    city: string(table, "\(path).address.city", required: false), country: country)
        if !address.isUsable { problem("\(path).address", "needs lines or a city") }
        return address
    }

    /// `[formal_notice] deadline_days = 8` (the days the letter gives to pay; at least 8, as French
    /// practice and the courts expect a "délai raisonnable"), `place` (default: the company's city).
    mutating func formalNotice(companyCity: String?) -> FormalNoticeSettings {
        let section = table(root, "formal_notice", required: false) ?? .table([])
        allowOnly(section, "formal_notice", ["deadline_days", "place"])
        var settings = FormalNoticeSettings(deadlineDays: 8, place: companyCity)
        if let days = integer(section, "formal_notice.deadline_days") {
            if (1...90).contains(days) { settings.deadlineDays = days } else { problem("formal_notice.deadline_days", "must be between 1 and 90") }
        }
        if let place = string(section, "formal_notice.place", required: false) { settings.place = place }
        return settings
    }
}
