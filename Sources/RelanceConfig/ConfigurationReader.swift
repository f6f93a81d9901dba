import Foundation
import RelanceCore

/// Walks the parsed TOML, turning each section into settings and collecting problems.
struct ConfigurationReader {
    let root: ConfigValue
    let lines: TOMLKeyLines
    let directory: String
    private(set) var problems: [ConfigurationError.Problem] = []

    init(root: ConfigValue, lines: TOMLKeyLines, directory: String) {
        self.root = root
        self.lines = lines
        self.directory = directory
    }

    mutating func read(file: String) -> RelanceConfiguration? {
        allowOnly(root, "", ["company", "paths", "schedule", "policies", "customers", "transport", "replies", "late_charges", "formal_notice", "people", "policy_rules", "credit", "review", "store"])
        let company = self.company()
        let paths = self.paths()
        let schedule = self.schedule()
        let policies = self.policies()
        let customers = self.customers(policies: policies)
        let (transport, giveUp) = self.transport()
        let replies = self.replies()
        let (law, rates, sources) = self.lateCharges(country: company?.country, stateDirectory: paths?.stateDirectory)
        let formalNotice = self.formalNotice(companyCity: company?.address?.city)
        let people = self.people()
        let rules = self.policyRules(policies: policies)
        let credit = self.credit()
        let review = self.review()
        let store = self.store()
        guard let company, let paths, let schedule, let policies, problems.isEmpty else { return nil }
        var configuration = RelanceConfiguration(file: file, company: company, paths: paths, schedule: schedule,
                                                 policies: policies, customers: customers, transport: transport, giveUpAfterDays: giveUp,
                                                 replies: replies, lateChargeLaw: law, referenceRates: rates)
        configuration.rateSources = sources
        configuration.formalNotice = formalNotice
        configuration.people = people
        configuration.policyRules = rules
        configuration.defaultCreditLimit = credit
        configuration.review = review
        configuration.store = store
        return configuration
    }

    // MARK: - Sections

    private mutating func company() -> CompanySettings? {
        guard let section = table(root, "company", required: true) else { return nil }
        allowOnly(section, "company", ["name", "email", "reply_to", "timezone", "country", "language", "iban", "bic", "payment_link", "signature",
                                        "address", "postal_code", "city", "siret", "vat_id", "register", "date_order"])
        let name = string(section, "company.name", required: true)
        let email = address(section, "company.email", required: true)
        let replyTo = address(section, "company.reply_to", required: false)
        var zone: TimeZone?
        if let id = string(section, "company.timezone", required: true) {
            zone = TimeZone(identifier: id)
            if zone == nil { problem("company.timezone", "\"\(id)\" is not a time zone name such as \"Europe/Paris\"") }
        }
        let country = string(section, "company.country", required: true)?.uppercased()
        if let country, country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isLetter }) {
            problem("company.country", "\"\(country)\" is not a two-letter country code")
        }
        let language = self.language(section, "company.language", required: true)
        let iban = string(section, "company.iban", required: false).map { $0.filter { $0 != " " }.uppercased() }
        if let iban, !Self.isValidIBAN(iban) { problem("company.iban", "\"\(iban)\" is not a valid IBAN (its check digits do not match)") }
        let bic = string(section, "company.bic", required: false)
        let link = string(section, "company.payment_link", required: false)
        if let link, !(link.hasPrefix("https://") || link.hasPrefix("http://")) { problem("company.payment_link", "must be an http(s) URL") }
        let signature = string(section, "company.signature", required: false, allowLineBreaks: true)
        let (postal, identifiers) = companyLetterDetails(section, country: country)
        // How customers' "03/04" is read: the company country's habit unless said (month first in the US).
        let order = string(section, "company.date_order", required: false)
        if let order, !["dmy", "mdy"].contains(order) { problem("company.date_order", "\"\(order)\" is not \"dmy\" or \"mdy\"") }
        guard let name, let email, let zone, let country, let language else { return nil }
        var settings = CompanySettings(name: name, email: email, replyTo: replyTo, timeZone: zone, country: country, language: language,
                                       iban: iban, bic: bic, paymentLink: link, signature: signature ?? name, address: postal, identifiers: identifiers)
        settings.dayFirst = order.map { $0 == "dmy" } ?? !["US", "PH", "FM"].contains(country)
        return settings
    }

    private mutating func paths() -> PathSettings? {
        let section = table(root, "paths", required: false) ?? .table([])
        allowOnly(section, "paths", ["inbox", "state_dir", "send_log", "templates", "outbox", "archive", "rejected", "payments", "max_file_bytes", "metrics_dir"])
        func path(_ key: String, _ fallback: String, in reader: inout ConfigurationReader) -> String {
            let value = reader.string(section, "paths.\(key)", required: false) ?? fallback
            // Normalised ("a/../b" → "b"), so paths in the send log and in the store read as a person would write them.
            return ((value.hasPrefix("/") ? value : (reader.directory as NSString).appendingPathComponent(value)) as NSString).standardizingPath
        }
        let state = path("state_dir", "state", in: &self)
        return PathSettings(
            inbox: path("inbox", "inbox", in: &self), stateDirectory: state,
            sendLog: path("send_log", (state as NSString).appendingPathComponent("send.log"), in: &self),
            templates: path("templates", "templates", in: &self),
            outbox: path("outbox", (state as NSString).appendingPathComponent("outbox"), in: &self),
            archive: path("archive", (state as NSString).appendingPathComponent("archive"), in: &self),
            rejected: path("rejected", (state as NSString).appendingPathComponent("rejected"), in: &self),
            payments: path("payments", "payments", in: &self),
            maxFileBytes: maxFileBytes(section),
            metricsDirectory: string(section, "paths.metrics_dir", required: false) == nil ? nil : path("metrics_dir", "", in: &self))
    }

    private mutating func maxFileBytes(_ section: ConfigValue) -> Int {
        guard let value = integer(section, "paths.max_file_bytes") else { return 10 * 1024 * 1024 }
        guard (1024...(1 << 30)).contains(value) else {
            problem("paths.max_file_bytes", "must be between 1024 and 1073741824")
            return 10 * 1024 * 1024
        }
        return value
    }

    private mutating func schedule() -> ScheduleSettings? {
        let section = table(root, "schedule", required: false) ?? .table([])
        allowOnly(section, "schedule", ["send_time", "send_until", "send_days", "holidays", "extra_holidays", "min_gap_days",
                                        "default_terms", "min_balance", "group"])
        var sendTime = WallClockTime(hour: 9, minute: 30)!
        if let text = string(section, "schedule.send_time", required: false) {
            if let parsed = WallClockTime(text) { sendTime = parsed } else { problem("schedule.send_time", "\"\(text)\" is not a time HH:MM (24-hour)") }
        }
        var sendUntil: WallClockTime?
        if let text = string(section, "schedule.send_until", required: false) {
            if let parsed = WallClockTime(text) {
                if parsed <= sendTime { problem("schedule.send_until", "\"\(text)\" must be later than send_time (\(sendTime))") } else { sendUntil = parsed }
            } else {
                problem("schedule.send_until", "\"\(text)\" is not a time HH:MM (24-hour)")
            }
        }
        var days: Set<Weekday> = [.monday, .tuesday, .wednesday, .thursday, .friday]
        if let names = strings(section, "schedule.send_days") {
            days = []
            for (index, name) in names.enumerated() {
                if let day = Weekday(name: name) { days.insert(day) } else { problem("schedule.send_days[\(index)]", "\"\(name)\" is not a weekday (mon … sun)") }
            }
            if names.isEmpty { problem("schedule.send_days", "needs at least one day") }
        }
        var countries: [String] = []
        for (index, code) in (strings(section, "schedule.holidays") ?? []).enumerated() {
            if PublicHolidays.supportedCountries.contains(code.uppercased()) || code.uppercased() == "UK" {
                countries.append(code.uppercased())
            } else {
                problem("schedule.holidays[\(index)]", "no holiday table for \"\(code)\" (known: \(PublicHolidays.supportedCountries.joined(separator: ", "))); list its dates in extra_holidays")
            }
        }
        var extra = Set<LocalDate>()
        if let values = array(section, "schedule.extra_holidays") {
            for (index, value) in values.enumerated() {
                switch value {
                case .date(let y, let m, let d):
                    if let date = LocalDate(year: y, month: m, day: d) { extra.insert(date) }
                case .string(let text):
                    if let date = LocalDate(iso: text) { extra.insert(date) } else { problem("schedule.extra_holidays[\(index)]", "\"\(text)\" is not a date YYYY-MM-DD") }
                default: problem("schedule.extra_holidays[\(index)]", "expected a date, found \(value.typeName)")
                }
            }
        }
        var gap = 3
        if let value = integer(section, "schedule.min_gap_days") {
            if (0...60).contains(value) { gap = value } else { problem("schedule.min_gap_days", "must be between 0 and 60") }
        }
        // EU Directive 2011/7/EU art. 3(3)(b) and 4(3)(a): 30 days when the contract fixes none
        // (France: Code de commerce L441-10 I; Germany: § 286 (3) BGB).
        var defaultTerms = PaymentTerms(text: "net 30", netDays: 30)
        if let text = string(section, "schedule.default_terms", required: false) {
            let parsed = PaymentTermsParser.parse(text)
            if parsed.isUnderstood { defaultTerms = parsed } else { problem("schedule.default_terms", "\"\(text)\" are not payment terms relance understands (e.g. \"net 30\")") }
        }
        var minBalance: [String: Int64] = [:]
        if let table = table(section, "schedule.min_balance", required: false) {
            if case .table(let members) = table {
                for (code, value) in members {
                    let path = "schedule.min_balance.\(code)"
                    guard let currency = Currency(code: code.uppercased()) else { problem(path, "\"\(code)\" is not an ISO 4217 currency"); continue }
                    guard case .string(let text) = value, let money = try? Money(parsing: text, currency: currency), money.minorUnits >= 0 else {
                        problem(path, "expected an amount as a string, e.g. \"5.00\""); continue
                    }
                    minBalance[currency.code] = money.minorUnits
                }
            }
        }
        var groupByCustomer = true
        if let group = string(section, "schedule.group", required: false) {
            switch group {
            case "customer": groupByCustomer = true
            case "invoice": groupByCustomer = false
            default: problem("schedule.group", "\"\(group)\" is not \"customer\" or \"invoice\"")
            }
        }
        guard !days.isEmpty else { return nil }
        return ScheduleSettings(sendTime: sendTime, sendUntil: sendUntil, sendDays: days, holidayCountries: countries, extraHolidays: extra,
                                minGapDays: gap, defaultTerms: defaultTerms, minBalance: minBalance, groupByCustomer: groupByCustomer)
    }

    private mutating func policies() -> [Policy]? {
        guard let list = array(root, "policies") else {
            problem("policies", "at least one [[policies]] table is required")
            return nil
        }
        var result: [Policy] = []
        for (index, value) in list.enumerated() {
            let path = "policies[\(index)]"
            guard case .table = value else { problem(path, "expected a table, found \(value.typeName)"); continue }
            allowOnly(value, path, ["name", "default", "steps", "min_spacing_days"])
            let name = string(value, "\(path).name", required: true)
            let isDefault = bool(value, "\(path).default") ?? false
            var spacing = 0
            if let days = integer(value, "\(path).min_spacing_days") {
                if (0...60).contains(days) { spacing = days } else { problem("\(path).min_spacing_days", "must be between 0 and 60") }
            }
            var steps: [PolicyStep] = []
            let stepValues = array(value, "\(path).steps") ?? []
            if stepValues.isEmpty { problem("\(path).steps", "a policy needs at least one step") }
            for (stepIndex, stepValue) in stepValues.enumerated() {
                let stepPath = "\(path).steps[\(stepIndex)]"
                guard case .table = stepValue else { problem(stepPath, "expected { name = …, at = … }"); continue }
                allowOnly(stepValue, stepPath, ["name", "at", "kind", "text"])
                let stepName = string(stepValue, "\(stepPath).name", required: true)
                var offset: StepOffset?
                if let at = string(stepValue, "\(stepPath).at", required: true) {
                    offset = StepOffset(at)
                    if offset == nil { problem("\(stepPath).at", "\"\(at)\" is not issue±N, discount±N or due±N") }
                }
                var kind: StepKind?
                if let text = string(stepValue, "\(stepPath).kind", required: false) {
                    kind = StepKind(rawValue: text).flatMap { $0.isArranged ? nil : $0 }
                    if kind == nil { problem("\(stepPath).kind", "\"\(text)\" is not one of \(StepKind.policyKinds.map(\.rawValue).joined(separator: ", "))") }
                }
                if let stepName, steps.contains(where: { $0.name == stepName }) {
                    problem("\(stepPath).name", "\"\(stepName)\" is used twice in this policy")
                }
                // A task step says what to do; only a task step has a text.
                let text = string(stepValue, "\(stepPath).text", required: false)
                if kind == .task, text?.isEmpty ?? true { problem("\(stepPath).text", "a task step needs its text (what the person is to do)") }
                if kind != .task, text != nil { problem("\(stepPath).text", "only a task step has a text") }
                if let stepName, let offset { steps.append(PolicyStep(name: stepName, offset: offset, kind: kind, text: text)) }
            }
            if let name {
                if result.contains(where: { $0.name == name }) { problem("\(path).name", "\"\(name)\" names two policies") }
                result.append(Policy(name: name, isDefault: isDefault, steps: steps, minSpacingDays: spacing))
            }
        }
        if result.filter(\.isDefault).count > 1 { problem("policies", "more than one policy has default = true") }
        return result.isEmpty ? nil : result
    }

    private mutating func customers(policies: [Policy]?) -> [String: CustomerSettings] {
        guard let section = table(root, "customers", required: false), case .table(let members) = section else { return [:] }
        var result: [String: CustomerSettings] = [:]
        for (id, value) in members {
            let path = "customers.\(id)"
            guard case .table = value else { problem(path, "expected a table"); continue }
            allowOnly(value, path, ["policy", "language", "cc", "late_charges", "address", "owner", "credit_limit", "review"])
            let policy = string(value, "\(path).policy", required: false)
            if let policy, let policies, !policies.contains(where: { $0.name == policy }) {
                problem("\(path).policy", "no policy is named \"\(policy)\"")
            }
            let language = self.language(value, "\(path).language", required: false)
            var cc: [EmailAddress] = []
            for (index, text) in (strings(value, "\(path).cc") ?? []).enumerated() {
                do { cc.append(try EmailAddress(text)) } catch { problem("\(path).cc[\(index)]", error.description) }
            }
            var law: LateChargeLaw?
            if let code = string(value, "\(path).late_charges", required: false) {
                law = Self.law(code)
                if law == nil { problem("\(path).late_charges", "\"\(code)\" is not one of EU, FR, DE, GB, NONE") }
            }
            result[id] = CustomerSettings(policy: policy, language: language, cc: cc, lateCharges: law, address: customerAddress(value, path),
                                          owner: string(value, "\(path).owner", required: false),
                                          creditLimit: amounts(value, "\(path).credit_limit"), review: bool(value, "\(path).review"))
        }
        return result
    }

    private mutating func transport() -> (TransportSettings?, Int) {
        guard let section = table(root, "transport", required: false) else { return (nil, 3) }
        allowOnly(section, "transport", ["url", "tls", "username", "password_file", "auth", "ca_file", "envelope_from",
                                         "tag_envelope", "connect_timeout_seconds", "timeout_seconds", "give_up_after_days", "connections"])
        let url = string(section, "transport.url", required: true)
        let tls = string(section, "transport.tls", required: false) ?? "required"
        if !["required", "none"].contains(tls) { problem("transport.tls", "\"\(tls)\" is not \"required\" or \"none\"") }
        let auth = string(section, "transport.auth", required: false) ?? "password"
        if !["password", "xoauth2"].contains(auth) { problem("transport.auth", "\"\(auth)\" is not \"password\" or \"xoauth2\"") }
        func file(_ key: String, in reader: inout ConfigurationReader) -> String? {
            reader.string(section, "transport.\(key)", required: false).map {
                $0.hasPrefix("/") ? $0 : (reader.directory as NSString).appendingPathComponent($0)
            }
        }
        let envelope = string(section, "transport.envelope_from", required: false)
        if let envelope, (try? EmailAddress(envelope)) == nil { problem("transport.envelope_from", "\"\(envelope)\" is not an e-mail address") }
        func seconds(_ key: String, _ fallback: Int, in reader: inout ConfigurationReader) -> Int {
            guard let value = reader.integer(section, "transport.\(key)") else { return fallback }
            guard (1...3600).contains(value) else { reader.problem("transport.\(key)", "must be between 1 and 3600"); return fallback }
            return value
        }
        let giveUp = integer(section, "transport.give_up_after_days") ?? 3
        if !(1...30).contains(giveUp) { problem("transport.give_up_after_days", "must be between 1 and 30") }
        let connections = integer(section, "transport.connections") ?? 1
        if !(1...8).contains(connections) { problem("transport.connections", "must be between 1 and 8") }
        guard let url else { return (nil, giveUp) }
        var settings = TransportSettings(
            url: url, tls: tls, username: string(section, "transport.username", required: false),
            passwordFile: file("password_file", in: &self), auth: auth, caFile: file("ca_file", in: &self), envelopeFrom: envelope,
            tagEnvelope: bool(section, "transport.tag_envelope") ?? false,
            connectTimeoutSeconds: seconds("connect_timeout_seconds", 15, in: &self), timeoutSeconds: seconds("timeout_seconds", 120, in: &self))
        settings.connections = min(max(connections, 1), 8)
        return (settings, giveUp)
    }

    private mutating func replies() -> RepliesSettings? {
        guard let section = table(root, "replies", required: false) else { return nil }
        allowOnly(section, "replies", ["url", "tls", "folder", "username", "password_file", "ca_file", "poll_interval_seconds",
                                       "mark_read", "move_to", "pause_days", "update_contacts"])
        let url = string(section, "replies.url", required: true)
        if let url, !(url.lowercased().hasPrefix("imap://") || url.lowercased().hasPrefix("imaps://")) {
            problem("replies.url", "must start with imap:// or imaps://")
        }
        let tls = string(section, "replies.tls", required: false) ?? "required"
        if !["required", "none"].contains(tls) { problem("replies.tls", "\"\(tls)\" is not \"required\" or \"none\"") }
        let username = string(section, "replies.username", required: true)
        func file(_ key: String, in reader: inout ConfigurationReader) -> String? {
            reader.string(section, "replies.\(key)", required: false).map {
                $0.hasPrefix("/") ? $0 : (reader.directory as NSString).appendingPathComponent($0)
            }
        }
        let interval = integer(section, "replies.poll_interval_seconds") ?? 300
        if !(5...86_400).contains(interval) { problem("replies.poll_interval_seconds", "must be between 5 and 86400") }
        let pauseDays = integer(section, "replies.pause_days") ?? 7
        if !(1...90).contains(pauseDays) { problem("replies.pause_days", "must be between 1 and 90") }
        guard let url, let username else { return nil }
        return RepliesSettings(url: url, tls: tls, folder: string(section, "replies.folder", required: false) ?? "INBOX",
                               username: username, passwordFile: file("password_file", in: &self), caFile: file("ca_file", in: &self),
                               pollIntervalSeconds: interval, markRead: bool(section, "replies.mark_read") ?? false,
                               moveTo: string(section, "replies.move_to", required: false), pauseDays: pauseDays,
                               updateContacts: bool(section, "replies.update_contacts") ?? false)
    }

    // MARK: - Value readers

    func key(_ path: String) -> String { String(path.split(separator: ".").last ?? "") }

    mutating func lookup(_ parent: ConfigValue, _ path: String) -> ConfigValue? {
        let name = path.contains(".") ? key(path) : path
        return parent[name]
    }

    mutating func table(_ parent: ConfigValue, _ path: String, required: Bool) -> ConfigValue? {
        guard let value = lookup(parent, path) else {
            if required { problem(path, "the [\(path)] table is required") }
            return nil
        }
        guard case .table = value else { problem(path, "expected a table, found \(value.typeName)"); return nil }
        return value
    }

    /// ISO 13616: move the first four characters to the end, letters to numbers, mod 97 must be 1.
    static func isValidIBAN(_ iban: String) -> Bool {
        guard (15...34).contains(iban.count), iban.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return false }
        var remainder = 0
        for character in iban.dropFirst(4) + iban.prefix(4) {
            let digits = character.isNumber ? String(character) : String(Int(character.asciiValue! - 55))
            for digit in digits { remainder = (remainder * 10 + Int(String(digit))!) % 97 }
        }
        return remainder == 1
    }

    mutating func string(_ parent: ConfigValue, _ path: String, required: Bool, allowLineBreaks: Bool = false) -> String? {
        guard let value = lookup(parent, path) else {
            if required { problem(path, "required") }
            return nil
        }
        guard case .string(let text) = value else { problem(path, "expected a string, found \(value.typeName)"); return nil }
        if text.unicodeScalars.contains(where: { ($0.value < 0x20 && !(allowLineBreaks && $0 == "\n")) || $0.value == 0x7F }) {
            problem(path, "contains a line break or control character")
            return nil
        }
        return text
    }

    mutating func strings(_ parent: ConfigValue, _ path: String) -> [String]? {
        guard let values = array(parent, path) else { return nil }
        var result: [String] = []
        for (index, value) in values.enumerated() {
            if case .string(let text) = value { result.append(text) } else { problem("\(path)[\(index)]", "expected a string, found \(value.typeName)") }
        }
        return result
    }

    mutating func array(_ parent: ConfigValue, _ path: String) -> [ConfigValue]? {
        guard let value = lookup(parent, path) else { return nil }
        guard case .array(let values) = value else { problem(path, "expected an array, found \(value.typeName)"); return nil }
        return values
    }

    mutating func integer(_ parent: ConfigValue, _ path: String) -> Int? {
        guard let value = lookup(parent, path) else { return nil }
        guard case .integer(let number) = value else { problem(path, "expected an integer, found \(value.typeName)"); return nil }
        return number
    }

    mutating func bool(_ parent: ConfigValue, _ path: String) -> Bool? {
        guard let value = lookup(parent, path) else { return nil }
        guard case .bool(let flag) = value else { problem(path, "expected true or false, found \(value.typeName)"); return nil }
        return flag
    }

    mutating func address(_ parent: ConfigValue, _ path: String, required: Bool) -> EmailAddress? {
        guard let text = string(parent, path, required: required) else { return nil }
        do { return try EmailAddress(text) } catch { problem(path, error.description); return nil }
    }

    mutating func language(_ parent: ConfigValue, _ path: String, required: Bool) -> Language? {
        guard let text = string(parent, path, required: required) else { return nil }
        guard let language = Language(tag: text) else { problem(path, "\"\(text)\" is not one of fr, en, de"); return nil }
        return language
    }

    mutating func allowOnly(_ table: ConfigValue, _ path: String, _ keys: Set<String>) {
        guard case .table(let members) = table else { return }
        for (name, _) in members where !keys.contains(name) {
            let full = path.isEmpty ? name : "\(path).\(name)"
            problem(full, "unknown key (expected one of: \(keys.sorted().joined(separator: ", ")))")
        }
    }

    mutating func problem(_ path: String, _ message: String) {
        problems.append(.init(path: path, line: lines.line(of: path), message: message))
    }
}
