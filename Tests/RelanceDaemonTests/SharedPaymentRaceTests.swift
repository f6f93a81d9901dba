import Foundation
import Logging
import PostgresNIO
import RelanceCore
import RelanceDaemon
import RelanceStore
import RelanceTestSupport
import Testing

/// A payment file against a send pass on the same invoice, on a real PostgreSQL server: while
/// another instance holds leases on the invoice's due reminders, the payment is not written (its
/// write-back is a conflict and the leased rows stay as the pass left them); once the pass gives
/// them back, the payment applies on a fresh copy, cancels them, and nothing is left to claim.
@Suite("A payment racing a send pass on a shared store", .ownThread, .serialized, .enabled(if: PostgresFixture.available))
struct SharedPaymentRaceTests {
    typealias Folder = SharedPickupTests.Folder


    @Test("the payment waits for the pass's leases, then applies whole; the pass finds nothing left to send")
    func paymentAgainstLeasedReminders() async throws {
        let fixture = try await PostgresFixture()
        let folder = try Folder()
        let zone = TimeZone(identifier: "Europe/Paris")!
        let intakeDay = ZonedDateTime.instant(of: LocalDate(iso: "2026-11-03")!, at: WallClockTime(hour: 8, minute: 0)!, in: zone)
        let dueDay = ZonedDateTime.instant(of: LocalDate(iso: "2026-12-02")!, at: WallClockTime(hour: 10, minute: 0)!, in: zone)
        try folder.drop("R-1.json", SharedPickupTests.invoice("R-1", total: "800.00", customer: "C-R"))
        let intake = try folder.pickup(fixture.store, at: intakeDay)
        #expect(try await PostgresFixture.offThePool { intake.scan() }.taken == 1)
        // Another instance's send pass claims the invoice's due reminders.
        let pass = SharedQueue(owner: "other", leaseSeconds: 600)
        let claimed = try await fixture.store.transaction("claim") { connection in
            try await pass.claimDueCustomers(at: dueDay, limit: 32, groupByCustomer: true, on: connection)
        }
        #expect(!claimed.leases.isEmpty)
        let leased = try await fixture.scalar("SELECT COUNT(*)::text FROM reminders WHERE lease_owner = 'other'")

        // The payment file arrives meanwhile.
        let payments = folder.configuration.paths.payments
        try FileManager.default.createDirectory(atPath: payments, withIntermediateDirectories: true)
        try "invoice;amount;date;reference\nR-1;800,00;2026-12-01;VIR R\n".write(toFile: payments + "/virements.csv", atomically: true, encoding: .utf8)
        let pickup = try SharedPaymentPickup(configuration: folder.configuration, store: fixture.store, sendLog: try SendLog(path: folder.configuration.paths.sendLog),
                                             clock: SharedPickupTests.FixedClock(dueDay), logger: Logger(label: "test"),
                                             workingSetPath: folder.path + "/state/shared-payments.sqlite")
        async let taken = PostgresFixture.offThePool { pickup.scan() }
        try await Task.sleep(for: .milliseconds(300))
        // While the leases are held: nothing of the payment is written, the leased rows are the pass's.
        #expect(try await fixture.scalar("SELECT state FROM invoices WHERE id = 'R-1'") == "open")
        #expect(try await fixture.scalar("SELECT COUNT(*)::text FROM payments") == "0")
        #expect(try await fixture.scalar("SELECT COUNT(*)::text FROM reminders WHERE lease_owner = 'other' AND state = 'planned'") == leased)
        // The pass gives its claims back (it decided to send nothing): the payment goes through on its next try.
        for lease in claimed.leases {
            _ = try await fixture.store.connection("give back") { try await pass.release(lease, at: dueDay, on: $0) }
        }
        #expect(try await taken == 1)
        #expect(try await fixture.scalar("SELECT state FROM invoices WHERE id = 'R-1'") == "paid")
        #expect(try await fixture.scalar("SELECT SUM(amount_minor)::text FROM payments WHERE invoice_id = 'R-1'") == "80000")
        #expect(try await fixture.scalar("SELECT COUNT(*)::text FROM reminders WHERE invoice_id = 'R-1' AND state IN ('planned', 'deferred')") == "0")
        #expect(folder.files(in: payments).isEmpty)
        // The pass's next claim finds nothing due: the paid invoice is not chased.
        let again = try await fixture.store.transaction("claim again") { connection in
            try await pass.claimDueCustomers(at: dueDay, limit: 32, groupByCustomer: true, on: connection)
        }
        #expect(again.leases.isEmpty)
        #expect(folder.sendLog().contains { $0.contains(" event=paid ") && $0.contains("invoice=R-1") })
        await fixture.close()
    }
}
