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
    /// Reference rates: the built-in table with the rates file's entries over it.
    public var referenceRates: ReferenceRates

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

    /// Whether a balance is too small to chase.
    public func isBelowMinimum(_ balance: Money) -> Bool {
        guard let floor = minBalance[balance.currency.code] else { return false }
        return balance.minorUnits < floor
    }
}

/// Per-customer overrides, keyed by the customer's id.
public struct CustomerSettings: Sendable {
    public var policy: String?
    public var language: Language?
    public var cc: [EmailAddress]
    /// `late_charges = "NONE"` for a consumer or a customer you do not charge; a country code for another law.
    public var lateCharges: LateChargeLaw?
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
}
