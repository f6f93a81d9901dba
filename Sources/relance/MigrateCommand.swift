import ArgumentParser
import Foundation
import RelanceConfig
import RelanceCore
import RelanceStore

/// `relance migrate --to postgresql://…`: the SQLite store copied into an empty PostgreSQL store
/// (docs/shared-store.md), every table's rows counted on both sides.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy the SQLite store into an empty PostgreSQL store and verify the counts.",
        discussion: """
            The password comes from --password-file, the systemd credential store-password, or $RELANCE_STORE_PASSWORD. \
            TLS is required unless --tls none and the server is on this machine. Without --to, the [store] table's url, \
            tls, ca_file and password_file are used.
            """)

    @Option(help: "The PostgreSQL store: postgresql://USER@HOST[:PORT]/DATABASE (default: [store] url).") var to: String?
    @Option(help: "required (the default) or none (loopback only).") var tls: String?
    @Option(help: "The certificate authority that signed the server's certificate (default: [store] ca_file, else the system's).") var caFile: String?
    @Option(help: "A file holding the password (default: [store] password_file).") var passwordFile: String?
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func run() throws {
        let configuration = try options.load()
        let now = try ClockOption.clock(clock.now, zone: configuration.company.timeZone).now()
        let shared = configuration.store
        guard let to = to ?? shared?.url else {
            Console.error("relance: migrate: say where to with --to postgresql://… or a [store] table")
            throw ExitCode(2)
        }
        // The flags speak for the URL they come with; [store]'s settings only for its own URL.
        let fromTable = self.to == nil
        let settings = StoreSettings(url: to, tls: tls ?? (fromTable ? shared?.tls : nil) ?? "required",
                                     caFile: caFile ?? (fromTable ? shared?.caFile : nil),
                                     passwordFile: passwordFile ?? (fromTable ? shared?.passwordFile : nil))
        let source = try Store(path: configuration.paths.stateDirectory + "/relance.sqlite", readOnly: true)
        // A large store takes minutes: the deadline is the copy's, not one statement's.
        let target = try SharedStoreAccess.open(settings, deadline: .seconds(3600))
        let location = target.location
        let started = ContinuousClock.now
        let outcome = Result {
            defer { _ = try? target.waitFor("close the connection") { await target.close() } }
            return try target.waitFor("copy \(source.path)") { try await StoreCopy.copy(from: source, to: target, at: now) }
        }
        switch outcome {
        case .success(let copied):
            let counts = copied.counts
            let width = counts.map(\.table.count).max() ?? 0
            for count in counts where count.rows > 0 {
                Console.out(count.table.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + String(count.rows))
            }
            let elapsed = (ContinuousClock.now - started).components
            let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
            Console.out("copied \(counts.reduce(0) { $0 + $1.rows }) rows of \(counts.count) tables into \(location) in "
                + String(format: "%.1f", seconds) + " s; every table's count verified")
            if copied.attachmentsStored > 0 { Console.out("\(copied.attachmentsStored) invoice document(s) moved into the store") }
            for missing in copied.attachmentsNotFound {
                Console.error("relance: migrate: \(missing.invoice): its document \(missing.path) cannot be read; its reminders go without it, as they did")
            }
        case .failure(let error):
            Console.error("relance: migrate: \(error)")
            throw ExitCode(1)
        }
    }
}
