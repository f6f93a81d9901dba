import ArgumentParser
import Foundation
import Logging
import RelanceConfig
import RelanceCore
import RelanceDaemon
import RelanceStore
import RelanceTransport

/// Opens the `[store]` PostgreSQL store for a command, by the rules `migrate` and the daemon
/// follow: TLS unless `tls = "none"` towards loopback, no password in the URL, the password from
/// `password_file`, the credential `store-password` or `$RELANCE_STORE_PASSWORD`. Exists so that
/// every command says the same thing about a store it cannot use.
enum SharedStoreAccess {
    /// The settings' URL and TLS rule as a location; one it cannot use exits with the reason
    /// (2, a usage error, by default; `check` says 1, "invalid").
    static func location(_ settings: StoreSettings, exitCode: Int32 = 2) throws -> PostgresLocation {
        do {
            return try PostgresLocation(url: settings.url, tls: settings.tls)
        } catch {
            Console.error("relance: the store's URL \(settings.url): \(error.description)")
            throw ExitCode(exitCode)
        }
    }

    /// The store, connected lazily; a problem with the settings or the password exits with its reason.
    static func open(_ settings: StoreSettings, maximumConnections: Int = 1, deadline: Duration = .seconds(15)) throws -> PostgresStore {
        let location = try location(settings)
        let password: String?
        do {
            password = try SecretSource(file: settings.passwordFile, credentialName: "store-password", environmentVariable: "RELANCE_STORE_PASSWORD").read()
        } catch {
            Console.error("relance: the store's password: \(error)")
            throw ExitCode(1)
        }
        do {
            return try PostgresStore(location: location, password: password, caFile: settings.caFile, maximumConnections: maximumConnections,
                                     deadline: deadline)
        } catch {
            Console.error("relance: \(error)")
            throw ExitCode(1)
        }
    }

    /// The instances sharing `store`, read without changing anything; a store without relance's
    /// schema at this version is an error in words.
    static func instances(of store: PostgresStore) throws -> [InstanceRecord] {
        try reading(store, "list the instances") { try await store.transaction("list the instances") { try await SharedQueue.instances(on: $0) } }
    }

    /// The invoices `selection` names, copied from `store` into a new SQLite store at `path`
    /// (`SharedSnapshot`), for the commands that show invoices; returns how many were copied.
    static func snapshot(_ selection: SharedSnapshot.Selection, of store: PostgresStore, into path: String) throws -> Int {
        try reading(store, "read the invoices") { try await SharedSnapshot.copy(selection, from: store, into: path) }
    }

    /// `body` with the store open (its schema checked), closed after: for a command that reads
    /// from it beside a local copy (`show` reads the held message's attachment).
    static func withStore<T>(_ settings: StoreSettings, _ body: (PostgresStore) throws -> T) throws -> T {
        let store = try open(settings)
        return try using(store, passing: InvoiceActions.Refusal.self) { try body(store) }
    }

    /// The invoice task `id` is about, read from `store`; nil when there is no such task.
    static func invoice(ofTask id: Int64, in store: PostgresStore) throws -> String? {
        try reading(store, "find task \(id)") { try await store.transaction("find task \(id)") { try await SharedTasks.invoice(ofTask: id, on: $0) } }
    }

    /// The bank entries waiting for a person, copied from `store` into a new SQLite store at
    /// `path` (`SharedSnapshot.copyWaitingBankEntries`); returns how many.
    static func waitingBankEntries(of store: PostgresStore, into path: String) throws -> Int {
        try reading(store, "read the waiting bank entries") { try await SharedSnapshot.copyWaitingBankEntries(from: store, into: path) }
    }

    /// Runs `work` on `store` once its schema is known to be this relance's, then closes it; every
    /// failure is an error in words (exit 1).
    private static func reading<T: Sendable>(_ store: PostgresStore, _ operation: String, _ work: @escaping @Sendable () async throws -> T) throws -> T {
        try using(store) { try store.waitFor(operation, work) }
    }

    /// A command that changes an invoice, on the shared store (`SharedInvoiceAction`): the
    /// action's refusal is said as on one machine (`ActionRunner`), any other failure in words.
    static func changing(_ settings: StoreSettings, _ copy: SharedInvoiceAction.Copy, configuration: RelanceConfiguration, clock: any WallClock,
                         _ action: @escaping @Sendable (DaemonContext) throws -> String) throws -> String {
        let store = try open(settings)
        LoggingBootstrap.once()
        let sendLog: SendLog
        do { sendLog = try SendLog(path: configuration.paths.sendLog) } catch {
            Console.error("relance: \(error)")
            throw ExitCode(1)
        }
        return try using(store, passing: InvoiceActions.Refusal.self) {
            try SharedInvoiceAction.perform(copy, configuration: configuration, store: store, sendLog: sendLog, clock: clock,
                                            logger: Logger(label: "relance"), action)
        }
    }

    /// `body` once the store's schema is known to be this relance's, then the store closed; every
    /// failure but one of type `passing` is an error in words (exit 1).
    private static func using<T>(_ store: PostgresStore, passing: (any Error.Type)? = nil, _ body: () throws -> T) throws -> T {
        defer { _ = try? store.waitFor("close the connection") { await store.close() } }
        do {
            let versions = try store.waitFor("read the schema version") { try await store.schemaVersions() }
            let expected = PostgresStore.schemaVersions
            guard Set(expected).isSubset(of: versions) else {
                let have = versions.last.map { "is at version \($0)" } ?? "has no relance schema"
                Console.error("relance: the store \(store.location) \(have); this relance needs version \(expected.last ?? 0) "
                    + "(relance migrate --to creates it in an empty store)")
                throw ExitCode(1)
            }
            return try body()
        } catch let exit as ExitCode {
            throw exit
        } catch where passing.map({ type(of: error) == $0 }) ?? false {
            throw error
        } catch {
            Console.error("relance: \(error)")
            throw ExitCode(1)
        }
    }
}
