import Foundation
import Logging
import RelanceConfig
import RelanceCore
import RelanceStore
import PostgresNIO

/// A recurring pass over the few invoices of a shared PostgreSQL store that a day's rule concerns
/// (a promise to judge, a formal notice whose deadline passed): exists so that such a rule runs
/// on a shared store by the one-machine code, once whichever instances run it, without copying
/// every open invoice. At most once a minute and, as the one-machine cycle does, within the send
/// window only, PostgreSQL is asked for the invoices (`find`); each one's customer is copied into
/// a working set under the invoices' advisory locks, `apply` (the one-machine rule) runs on the
/// copy, and what it changed is written back under guards (`SharedWorkingSetTransaction`), so two
/// instances applying it at once record it once.
final class SharedInvoicePass {
    /// The invoices the rule concerns today, oldest first.
    typealias Find = @Sendable (_ today: LocalDate, _ connection: PostgresConnection) async throws -> [String]
    /// The one-machine rule, on a copy of one invoice's customer.
    typealias Apply = @Sendable (_ context: DaemonContext, _ now: Date) throws -> Void

    let name: String
    let configuration: RelanceConfiguration
    let store: PostgresStore
    let sendLog: SendLog
    let clock: any WallClock
    let logger: Logger
    private let find: Find
    private let apply: Apply
    private let workingSet: SharedWorkingSet
    private let monotonic = ContinuousClock()
    private var lastRun: ContinuousClock.Instant?
    /// How often an instance looks (the rules are a day's; the minute is margin enough).
    static let interval: Duration = .seconds(60)

    /// `name` says what the pass does, in its log lines and transactions ("judge the promises").
    init(_ name: String, configuration: RelanceConfiguration, store: PostgresStore, sendLog: SendLog, clock: any WallClock, logger: Logger,
         workingSetPath: String, find: @escaping Find, apply: @escaping Apply) throws {
        self.name = name
        self.configuration = configuration
        self.store = store
        self.sendLog = sendLog
        self.clock = clock
        self.logger = logger
        self.find = find
        self.apply = apply
        workingSet = try SharedWorkingSet(path: workingSetPath)
    }

    /// Applies the rule where it is due, at most once a minute, within the send window.
    func runIfDue() {
        if let lastRun, monotonic.now - lastRun < Self.interval { return }
        lastRun = monotonic.now
        let now = clock.now()
        guard configuration.calendar.isInSendWindow(now) else { return }
        let today = configuration.calendar.localDate(of: now), find = find
        do {
            let invoices = try store.blockingStatement("\(name): find the invoices") { try await find(today, $0) }
            for invoiceID in invoices { try run(on: invoiceID, at: now) }
        } catch {
            logger.error("\(name): not done, tried again later: \(error)")
        }
    }

    private func run(on invoiceID: String, at now: Date) throws {
        let workingSet = workingSet, apply = apply
        let (_, lines) = try SharedWorkingSetTransaction.run(
            "\(name): invoice \(invoiceID)", store: store, workingSet: workingSet, configuration: configuration, clock: clock,
            logger: logger, load: { try await workingSet.load(customerOf: invoiceID, on: $0) },
            body: { context in
                try apply(context, now)
                return ((), true)
            })
        sendLog.append(lines)
    }
}

extension SharedInvoicePass {
    /// The promises to pay whose day and grace passed unpaid, or whose invoice is no longer open,
    /// judged kept or broken by `PromiseJudging` (a broken one resumes the chase).
    static func promises(configuration: RelanceConfiguration, store: PostgresStore, sendLog: SendLog, clock: any WallClock, logger: Logger,
                         workingSetPath: String) throws -> SharedInvoicePass {
        let grace = configuration.people.promiseGraceDays
        return try SharedInvoicePass("judge the promises", configuration: configuration, store: store, sendLog: sendLog, clock: clock,
                                     logger: logger, workingSetPath: workingSetPath,
                                     // promised_for + grace < today, written on ISO dates, which sort as they compare.
                                     find: { today, connection in
                                         try await SharedPromises.invoicesToJudge(promisedBefore: today.adding(days: -grace).iso, on: connection)
                                     },
                                     apply: { context, now in
                                         let journal = context.journal(), configuration = context.configuration
                                         try context.store.write { tx in
                                             try PromiseJudging.judge(tx, configuration: configuration, journal: journal, at: now)
                                         }
                                     })
    }

    /// The open invoices whose formal notice's deadline passed, moved to collection by the
    /// one-machine cycle's rule (`Cycle.enterCollection`: `CollectionRule`; a running payment plan
    /// keeps one out), docs/formal-notice.md "Collection".
    static func collection(configuration: RelanceConfiguration, store: PostgresStore, sendLog: SendLog, clock: any WallClock, logger: Logger,
                           workingSetPath: String) throws -> SharedInvoicePass {
        try SharedInvoicePass("move to collection", configuration: configuration, store: store, sendLog: sendLog, clock: clock, logger: logger,
                              workingSetPath: workingSetPath,
                              find: { today, connection in try await SharedCollection.noticesPastDeadline(before: today.iso, on: connection) },
                              apply: { context, now in
                                  var summary = Cycle.Summary()
                                  try Cycle(context: context).enterCollection(now: now, summary: &summary)
                              })
    }

    /// `[review] on_timeout = "send"`: the messages held for review on a day before today that no
    /// person kept, approved for the next slot by the one-machine rule (`Cycle.releaseHeldOnTimeout`).
    static func reviewTimeouts(configuration: RelanceConfiguration, store: PostgresStore, sendLog: SendLog, clock: any WallClock, logger: Logger,
                               workingSetPath: String) throws -> SharedInvoicePass {
        try SharedInvoicePass("send what was not reviewed in time", configuration: configuration, store: store, sendLog: sendLog, clock: clock,
                              logger: logger, workingSetPath: workingSetPath,
                              find: { today, connection in
                                  guard configuration.review.sendOnTimeout else { return [] }
                                  return try await SharedReview.invoicesHeldPast(before: today.iso, on: connection)
                              },
                              apply: { context, now in try Cycle(context: context).releaseHeldOnTimeout(now: now) })
    }

    /// The running payment plans, judged by the one-machine rule (`Cycle.judgePlans`:
    /// `InstallmentRule`): completed, or broken and the chase resumed.
    static func plans(configuration: RelanceConfiguration, store: PostgresStore, sendLog: SendLog, clock: any WallClock, logger: Logger,
                      workingSetPath: String) throws -> SharedInvoicePass {
        let grace = configuration.people.planGraceDays
        return try SharedInvoicePass("judge the payment plans", configuration: configuration, store: store, sendLog: sendLog, clock: clock,
                                     logger: logger, workingSetPath: workingSetPath,
                                     // An instalment due before today less the grace may be unpaid past it.
                                     find: { today, connection in
                                         try await SharedPlans.invoicesToJudge(dueBefore: today.adding(days: 1 - grace).iso, on: connection)
                                     },
                                     apply: { context, now in try Cycle(context: context).judgePlans(now: now) })
    }
}
