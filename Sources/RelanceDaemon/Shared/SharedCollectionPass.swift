import Foundation
import Logging
import RelanceConfig
import RelanceCore
import RelanceStore

/// The move to collection on a shared PostgreSQL store: exists so that an invoice whose formal
/// notice's deadline passed unpaid leaves the amicable chase there as it does on one machine
/// (docs/formal-notice.md, "Collection"), whichever instance sent the notice. The invoices past their deadline are found in PostgreSQL; each one's
/// customer is copied into a working set under the invoices' advisory locks, and the one-machine
/// code (`Cycle.enterCollection`: `CollectionRule`, a running payment plan keeps it out) decides
/// there; what it changed (the invoice's state, its waiting reminders cancelled, the send-log
/// line) is written back under guards, so two instances moving it at once record it once.
final class SharedCollectionPass {
    let configuration: RelanceConfiguration
    let store: PostgresStore
    let sendLog: SendLog
    let clock: any WallClock
    let logger: Logger
    private let workingSet: SharedWorkingSet
    private let monotonic = ContinuousClock()
    private var lastRun: ContinuousClock.Instant?
    /// How often an instance looks (a deadline is a day; the minute is margin enough).
    static let interval: Duration = .seconds(60)

    init(configuration: RelanceConfiguration, store: PostgresStore, sendLog: SendLog, clock: any WallClock, logger: Logger,
         workingSetPath: String) throws {
        self.configuration = configuration
        self.store = store
        self.sendLog = sendLog
        self.clock = clock
        self.logger = logger
        workingSet = try SharedWorkingSet(path: workingSetPath)
    }

    /// Moves what is due to collection, at most once a minute and, as the one-machine cycle does,
    /// within the send window only.
    func moveDue() {
        if let lastRun, monotonic.now - lastRun < Self.interval { return }
        lastRun = monotonic.now
        let now = clock.now()
        guard configuration.calendar.isInSendWindow(now) else { return }
        let today = configuration.calendar.localDate(of: now).iso
        do {
            let invoices = try store.blockingStatement("find the formal notices past their deadline") {
                try await SharedCollection.noticesPastDeadline(before: today, on: $0)
            }
            for invoiceID in invoices { try move(invoiceID, at: now) }
        } catch {
            logger.error("collection: not decided, tried again later: \(error)")
        }
    }

    private func move(_ invoiceID: String, at now: Date) throws {
        let workingSet = workingSet
        let (_, lines) = try SharedWorkingSetTransaction.run(
            "move invoice \(invoiceID) to collection", store: store, workingSet: workingSet, configuration: configuration, clock: clock,
            logger: logger, load: { try await workingSet.load(customerOf: invoiceID, on: $0) },
            body: { context in
                var summary = Cycle.Summary()
                try Cycle(context: context).enterCollection(now: now, summary: &summary)
                return ((), true)
            })
        sendLog.append(lines)
    }
}
