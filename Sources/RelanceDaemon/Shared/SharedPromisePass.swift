import Foundation
import Logging
import RelanceConfig
import RelanceCore
import RelanceStore

/// The promises to pay kept in a shared PostgreSQL store (made in a reply, on the phone through
/// `relance promise`), judged kept or broken: exists so that a broken promise resumes the chase on
/// a shared store as it does on one machine. The promises that can be judged today (their date
/// and grace passed, or their invoice no longer open) are found in PostgreSQL; each one's customer
/// is copied into a working set under the invoices' advisory locks, judged there by the
/// one-machine code (`PromiseJudging`), and written back under guards (a promise only while it is
/// still pending, so two instances judging it at once record one verdict).
final class SharedPromisePass {
    let configuration: RelanceConfiguration
    let store: PostgresStore
    let sendLog: SendLog
    let clock: any WallClock
    let logger: Logger
    private let workingSet: SharedWorkingSet
    private let monotonic = ContinuousClock()
    private var lastRun: ContinuousClock.Instant?
    /// How often an instance looks for promises to judge (a day's verdicts do not wait on the minute).
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

    /// Judges what can be judged, at most once a minute and, as the one-machine cycle does, within
    /// the send window only.
    func judgeDue() {
        if let lastRun, monotonic.now - lastRun < Self.interval { return }
        lastRun = monotonic.now
        let now = clock.now()
        guard configuration.calendar.isInSendWindow(now) else { return }
        let today = configuration.calendar.localDate(of: now)
        // promised_for + grace < today, written on ISO dates, which sort as they compare.
        let cutoff = today.adding(days: -configuration.people.promiseGraceDays).iso
        do {
            let invoices = try store.blockingStatement("find the promises to judge") {
                try await SharedPromises.invoicesToJudge(promisedBefore: cutoff, on: $0)
            }
            for invoiceID in invoices { try judge(invoiceID, at: now) }
        } catch {
            logger.error("promises: not judged, tried again later: \(error)")
        }
    }

    private func judge(_ invoiceID: String, at now: Date) throws {
        let workingSet = workingSet, configuration = configuration
        let (_, lines) = try SharedWorkingSetTransaction.run(
            "judge the promises of invoice \(invoiceID)", store: store, workingSet: workingSet, configuration: configuration, clock: clock,
            logger: logger, load: { try await workingSet.load(customerOf: invoiceID, on: $0) },
            body: { context in
                let journal = context.journal()
                try context.store.write { tx in try PromiseJudging.judge(tx, configuration: configuration, journal: journal, at: now) }
                return ((), true)
            })
        sendLog.append(lines)
    }
}
