public import Foundation
public import RelanceCore

/// relance's whole configuration, validated: who sends, from where, when, and
/// which reminder policy each customer follows. Loaded by `ConfigurationLoader`.
public struct RelanceConfiguration: Sendable {
    /// The file it was read from; relative paths in it are resolved against its folder.
    public var file: String
    public var company: CompanySettings
    public var paths: PathSettings
    public var schedule: ScheduleSettings
    public var policies: [Policy]
    public var customers: [String: CustomerSettings]
    /// SMTP delivery; nil means the outbox folder (`paths.outbox`).
    public var transport: TransportSettings?
    /// Days after the first failed attempt when a deferred reminder becomes failed.
    public var giveUpAfterDays: Int
    /// The reply mailbox read over IMAP; nil when relance reads no replies.
    public var replies: RepliesSettings?
    /// The late-charge law for customers with no override (from `[late_charges] law`, else `company.country`).
    public var lateChargeLaw: LateChargeLaw
    /// Reference rates: the built-in table, then the one `relance rates update` keeps in the
    /// state directory, then the rates file's entries over both.
    public var referenceRates: ReferenceRates
    /// Where `relance rates update` fetches the official series, and how often the daemon does.
    public var rateSources: RateSourceSettings = RateSourceSettings()
    public var formalNotice = FormalNoticeSettings(deadlineDays: 8, place: nil)
    public var people = PeopleSettings(controller: nil, taskGraceDays: 3)
    /// `[[policy_rules]]`, in order.
    public var policyRules: [PolicyRule] = []
    /// `[credit] default_limit`, per currency (minor units).
    public var defaultCreditLimit: [String: Int64] = [:]
    public var review = ReviewSettings(enabled: false, kinds: nil, sendOnTimeout: false)
    /// `[store]`: a PostgreSQL store shared by several instances; nil means the state directory's SQLite file.
    public var store: StoreSettings?

    /// Whether a message of this kind to this customer waits for a person's approval.
    public func needsReview(_ customer: Customer, kind: StepKind) -> Bool {
        if let own = customer.id.flatMap({ customers[$0]?.review }) { return own && (review.kinds?.contains(kind) ?? true) }
        return review.enabled && (review.kinds?.contains(kind) ?? true)
    }

    /// The credit limit of a customer (by its id, when it has one) in a currency: their own, else the default; nil when none is set.
    public func creditLimit(customerID: String?, currency: Currency) -> Money? {
        let own = customerID.flatMap { customers[$0]?.creditLimit[currency.code] }
        return (own ?? defaultCreditLimit[currency.code]).map { Money(minorUnits: $0, currency: currency) }
    }

    /// Whether any credit limit is set (none: nothing to check).
    public var hasCreditLimits: Bool { !defaultCreditLimit.isEmpty || customers.values.contains { !$0.creditLimit.isEmpty } }

    /// The customer's explicit policy name, if their settings name one.
    public func explicitPolicy(for customer: Customer) -> String? {
        customer.id.flatMap { customers[$0]?.policy }
    }

    /// A policy by name, else the default.
    public func policy(named name: String?) -> Policy {
        name.flatMap { name in policies.first { $0.name == name } } ?? defaultPolicy
    }

    /// Who a customer's tasks go to: their `owner`, else `[people] controller`.
    public func owner(for customer: Customer) -> String? {
        customer.id.flatMap { customers[$0]?.owner } ?? people.controller
    }

    /// The customer's postal address: the configuration's override, else the invoice's.
    public func postalAddress(for customer: Customer) -> PostalAddress? {
        customer.id.flatMap { customers[$0]?.address } ?? customer.address
    }

    /// The company as a letter's sender.
    public var creditorParty: LetterParty {
        LetterParty(name: company.name, address: company.address, identifiers: company.identifiers, email: company.email.value)
    }

    /// The reference-rate series the configured laws use (the company's and the customers' overrides).
    public var rateSeriesInUse: [String] {
        let laws = [lateChargeLaw] + customers.values.compactMap(\.lateCharges)
        return Array(Set(laws.compactMap(\.rateSeries))).sorted()
    }

    /// The table `relance rates update` writes.
    public var fetchedRatesFile: String { paths.stateDirectory + "/reference-rates.toml" }

    /// The law a customer's overdue invoices fall under.
    public func lateChargeLaw(for customer: Customer) -> LateChargeLaw {
        customer.id.flatMap { customers[$0]?.lateCharges } ?? lateChargeLaw
    }

    /// The default policy (the one marked `default = true`, else the first).
    public var defaultPolicy: Policy { policies.first(where: \.isDefault) ?? policies[0] }

    /// The policy a customer follows: their own settings' policy, else the default.
    public func policy(for customer: Customer) -> Policy {
        if let id = customer.id, let name = customers[id]?.policy, let policy = policies.first(where: { $0.name == name }) {
            return policy
        }
        return defaultPolicy
    }

    /// The language a customer is written to in: the invoice's, their settings', else the company's.
    public func language(for customer: Customer) -> Language {
        customer.language ?? customer.id.flatMap { customers[$0]?.language } ?? company.language
    }

    public var calendar: BusinessCalendar {
        BusinessCalendar(timeZone: company.timeZone, sendTime: schedule.sendTime, sendUntil: schedule.sendUntil, sendDays: schedule.sendDays,
                         holidayCountries: schedule.holidayCountries, extraHolidays: schedule.extraHolidays)
    }
}

/// The creditor: the name and address reminders come from, and whose calendar they follow.
public struct CompanySettings: Sendable {
    public var name: String
    public var email: EmailAddress
    public var replyTo: EmailAddress?
    public var timeZone: TimeZone
    public var country: String
    public var language: Language
    public var iban: String?
    public var bic: String?
    public var paymentLink: String?
    /// May span several lines; defaults to the company name.
    public var signature: String
    /// The letterhead's and the return address's postal address.
    public var address: PostalAddress?
    /// Legal identifiers every letter shows: "SIRET …", "TVA …", the register.
    public var identifiers: [String] = []
    /// Whether a customer's `03/04` is 3 April (`date_order = "dmy"`, the default outside the US) or March 4.
    public var dayFirst: Bool = true
}

/// `[formal_notice]`: how long the letter gives to pay, and where it is written from.
public struct FormalNoticeSettings: Sendable, Equatable {
    public var deadlineDays: Int
    /// "Lyon" in "Lyon, le 2 décembre 2026"; default: the company's city.
    public var place: String?

    public init(deadlineDays: Int, place: String?) {
        self.deadlineDays = deadlineDays
        self.place = place
    }
}

/// Where relance reads and writes, all absolute once loaded.
public struct PathSettings: Sendable {
    public var inbox: String
    public var stateDirectory: String
    public var sendLog: String
    public var templates: String
    public var outbox: String
    /// Where ingested files are kept, by year and month.
    public var archive: String
    /// Where unreadable files go, each with a `.reason` file beside it.
    public var rejected: String
    /// Where payment files (CSV) are dropped.
    public var payments: String
    /// Files larger than this are rejected unread.
    public var maxFileBytes: Int
    /// When set, the daemon writes `relance.prom` here after each cycle (node_exporter's textfile collector).
    public var metricsDirectory: String?
}

/// When reminders may go out.
public struct ScheduleSettings: Sendable {
    public var sendTime: WallClockTime
    /// End of the daily send window (exclusive); nil: the end of the day.
    public var sendUntil: WallClockTime?
    public var sendDays: Set<Weekday>
    public var holidayCountries: [String]
    public var extraHolidays: Set<LocalDate>
    /// Fewest days between two reminders to the same customer.
    public var minGapDays: Int
    /// Terms applied when an invoice states neither a due date nor terms relance understands:
    /// the statutory default (30 days: Directive 2011/7/EU art. 3–4, L441-10, § 286 (3) BGB).
    public var defaultTerms: PaymentTerms
    /// Per currency (ISO code → minor units): a balance below this is reported, never chased.
    public var minBalance: [String: Int64]
    /// One message per customer and sending day, with a statement of account (`group = "customer"`,
    /// the default), or one per invoice (`"invoice"`).
    public var groupByCustomer: Bool = true

    /// Whether a balance is too small to chase.
    public func isBelowMinimum(_ balance: Money) -> Bool {
        guard let floor = minBalance[balance.currency.code] else { return false }
        return balance.minorUnits < floor
    }
}

/// `[late_charges]` sources of the official reference-rate series (configurable so that
/// tests serve recorded responses locally) and the daemon's refresh interval.
public struct RateSourceSettings: Sendable, Equatable {
    /// ECB data portal: main refinancing operations, fixed rate, by date of change.
    public var ecbURL = "https://data-api.ecb.europa.eu/service/data/FM/D.U2.EUR.4F.KR.MRR_FR.LEV?format=csvdata"
    /// Deutsche Bundesbank: Basiszinssatz nach § 247 BGB (BBK01.SU0115).
    public var bundesbankURL = "https://api.statistiken.bundesbank.de/rest/download/BBK01/SU0115?format=csv&lang=de"
    /// Bank of England: Official Bank Rate (IUDBEDR), daily.
    public var bankOfEnglandURL = "https://www.bankofengland.co.uk/boeapps/database/_iadb-fromshowcolumns.asp?csv.x=yes&Datefrom=01/Jan/2020&Dateto=now&SeriesCodes=IUDBEDR&CSVF=TN&UsingCodes=Y&VPD=Y&VFD=N"
    /// Days between two refreshes by the daemon; 0 turns the refresh off.
    public var refreshDays = 7
    /// A CA to trust in addition to the system's (a proxy's, or a test server's).
    public var caFile: String?

    public init() {}

    public func url(series: String) -> String? {
        switch series {
        case "ECB": return ecbURL
        case "DE-BASIS": return bundesbankURL
        case "BOE": return bankOfEnglandURL
        default: return nil
        }
    }
}

/// Per-customer overrides, keyed by the customer's id.
public struct CustomerSettings: Sendable {
    public var policy: String?
    public var language: Language?
    public var cc: [EmailAddress]
    /// `late_charges = "NONE"` for a consumer or a customer you do not charge; a country code for another law.
    public var lateCharges: LateChargeLaw?
    /// Where letters to the customer go, over the address their invoices give.
    public var address: PostalAddress?
    /// Who calls this customer (tasks), over `[people] controller`.
    public var owner: String?
    /// Per currency (minor units): an open balance over this is flagged, over `[credit] default_limit`.
    public var creditLimit: [String: Int64] = [:]
    /// `review = true`: this customer's messages are held for a person; `false`: never held.
    public var review: Bool? = nil
}

/// `[review]`: messages due are rendered and held until a person approves them.
public struct ReviewSettings: Sendable, Equatable {
    public var enabled: Bool
    /// Only steps of these kinds are held (nil: every kind).
    public var kinds: Set<StepKind>?
    /// A message not approved by the end of its day goes (`on_timeout = "send"`) instead of waiting.
    public var sendOnTimeout: Bool
}

/// `[people]`: the credit controller who owns tasks by default, and how long a task holds the steps after it.
public struct PeopleSettings: Sendable, Equatable {
    public var controller: String?
    public var taskGraceDays: Int
    /// Days after a promised date before the promise counts as broken (a transfer takes a day or two).
    public var promiseGraceDays: Int = 2
    /// Days after an instalment's date before the plan counts as broken.
    public var planGraceDays: Int = 3
    /// Days before each instalment's date that its first reminder goes (0: only on the day).
    public var planReminderDays: Int = 3
    /// When each owner's daily digest goes (company time); nil: no digest.
    public var digestTime: WallClockTime?

    public init(controller: String?, taskGraceDays: Int) {
        self.controller = controller
        self.taskGraceDays = taskGraceDays
    }
}

/// `[transport]`: the SMTP server reminders go through. The password is never
/// here: it is read from `password_file`, the systemd credential
/// `smtp-password`, or `$RELANCE_SMTP_PASSWORD`, in that order.
public struct TransportSettings: Sendable, Equatable {
    public var url: String
    /// `required` (the default) or `none` (plain text, loopback only).
    public var tls: String
    public var username: String?
    public var passwordFile: String?
    /// `password` (AUTH PLAIN/LOGIN) or `xoauth2` (the secret is a bearer token).
    public var auth: String
    public var caFile: String?
    public var envelopeFrom: String?
    /// Tag the envelope sender per reminder (`bounces+TOKEN@domain`).
    public var tagEnvelope: Bool
    public var connectTimeoutSeconds: Int
    public var timeoutSeconds: Int
    /// SMTP connections used side by side (1 to 8); a crash leaves at most one message in doubt per connection.
    public var connections: Int = 1
}

/// `[store]`: a PostgreSQL store that several relance instances share (docs/shared-store.md).
/// The password is never in the file or the URL: it comes from `password_file`, the systemd
/// credential `store-password`, or `$RELANCE_STORE_PASSWORD`, as for SMTP.
public struct StoreSettings: Sendable, Equatable {
    public var url: String
    /// `required` (the default) or `none` (plain text, loopback only).
    public var tls: String
    public var caFile: String?
    public var passwordFile: String?
    /// This instance's name among those sharing the store (`instance`; default: the host name).
    /// Two instances running at once must not share one.
    public var instance: String?
    /// How long a claim holds before another instance may act on it (`lease_seconds`, default 60):
    /// an instance renews its leases while it works, and a dead one's run out after this.
    public var leaseSeconds: Int

    public init(url: String, tls: String, caFile: String?, passwordFile: String?, instance: String? = nil, leaseSeconds: Int = 60) {
        self.url = url
        self.tls = tls
        self.caFile = caFile
        self.passwordFile = passwordFile
        self.instance = instance
        self.leaseSeconds = leaseSeconds
    }
}

/// `[replies]`: the mailbox customers' answers, bounces and auto-replies reach.
/// The password comes from `password_file`, the systemd credential
/// `imap-password`, or `$RELANCE_IMAP_PASSWORD`.
public struct RepliesSettings: Sendable, Equatable {
    public var url: String
    public var tls: String
    public var folder: String
    public var username: String
    public var passwordFile: String?
    public var caFile: String?
    public var pollIntervalSeconds: Int
    /// Leave messages unread (false, the default) or mark them read.
    public var markRead: Bool
    /// Move handled messages to this folder (created if missing).
    public var moveTo: String?
    /// How long a reply that is neither a payment, a promise nor a dispute pauses the chase.
    public var pauseDays: Int
    /// Send a customer's reminders to the address a wrong-contact reply names (false: a task tells a person).
    public var updateContacts: Bool = false
}
