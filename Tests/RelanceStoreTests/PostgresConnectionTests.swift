import Foundation
import PostgresNIO
import RelanceStore
import RelanceTestSupport
import Testing

@Suite("Where the shared store is: [store] url and tls", .ownThread)
struct PostgresLocationTests {
    @Test("A postgresql:// URL gives host, port, user and database; TLS is required by default")
    func reads() throws {
        let location = try PostgresLocation(url: "postgresql://relance@db.example.com:6432/credit%20control")
        #expect(location.host == "db.example.com")
        #expect(location.port == 6432)
        #expect(location.username == "relance")
        #expect(location.database == "credit control")
        #expect(location.tls == .required)
        #expect(location.description == "postgresql://relance@db.example.com:6432/credit control")
        #expect(try PostgresLocation(url: "postgres://r@h/d").port == 5432)
        #expect(PostgresLocation.isPostgres("POSTGRESQL://r@h/d"))
        #expect(!PostgresLocation.isPostgres("state/relance.sqlite"))
    }

    @Test("tls = none only towards this machine", arguments: [
        ("127.0.0.1", true), ("127.10.0.3", true), ("localhost", true), ("[::1]", true),
        ("10.0.0.5", false), ("db.example.com", false), ("127.0.0.1.example.com", false), ("128.0.0.1", false),
    ])
    func plainOnlyOnLoopback(host: String, accepted: Bool) {
        let result = Result { () throws(PostgresLocation.Problem) in try PostgresLocation(url: "postgresql://r@\(host)/d", tls: "none") }
        switch result {
        case .success: #expect(accepted)
        case .failure(let problem):
            #expect(!accepted)
            #expect(problem.description.contains("only towards this machine"))
        }
    }

    @Test("A URL relance cannot use is refused with a reason, and a password in it is never echoed", arguments: [
        ("postgresql://relance:hunter2@db/x", "holds a password"),
        ("mysql://relance@db/x", "is not a postgresql://"),
        ("postgresql://db/x", "names no user"),
        ("postgresql://relance@db", "names no database"),
        ("postgresql://relance@db/", "names no database"),
        ("postgresql://relance@db/x?sslmode=disable", "query parameters"),
        ("postgresql://relance@db:0/x", "out of range"),
        ("", "is not a postgresql://"),
    ])
    func refuses(url: String, reason: String) {
        let result = Result { () throws(PostgresLocation.Problem) in try PostgresLocation(url: url) }
        guard case .failure(let problem) = result else {
            Issue.record("\(url) was accepted")
            return
        }
        #expect(problem.description.contains(reason), "\(problem)")
        #expect(!problem.description.contains("hunter2"))
    }

    @Test("An unknown tls value is refused")
    func unknownTLS() {
        #expect(throws: PostgresLocation.Problem.self) { try PostgresLocation(url: "postgresql://r@127.0.0.1/d", tls: "prefer") }
    }
}

@Suite("Connecting to the shared store: TLS, passwords, a dead server", .ownThread, .serialized, .enabled(if: PostgresFixture.available))
struct PostgresConnectionTests {
    @Test("TLS by default: the server's certificate is checked against ca_file, and the session is encrypted")
    func tlsVerified() async throws {
        let fixture = try await PostgresFixture()
        let location = try PostgresLocation(url: "postgresql://relance@localhost:\(fixture.server.port)/postgres")
        let store = try PostgresStore(location: location, password: PostgresFixture.password, caFile: fixture.server.folder + "/ca.pem")
        let encrypted = try await store.transaction("ask") { connection in
            let rows = try await connection.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: PostgresFixture.logger)
            for try await ssl in rows.decode(Bool.self) { return ssl }
            return false
        }
        #expect(encrypted)
        await store.close()

        // The system's roots do not know the test CA: refused, with a reason, before any password is sent.
        let unverified = try PostgresStore(location: location, password: PostgresFixture.password, deadline: .seconds(5))
        let error = await #expect(throws: StoreError.self) {
            try await unverified.transaction("ask") { connection in try await connection.query("SELECT 1", logger: PostgresFixture.logger) }
        }
        #expect(error?.operation == "ask")
        #expect(error?.underlying.contains("CERTIFICATE_VERIFY_FAILED") == true, "\(String(describing: error))")
        await unverified.close()
        await fixture.close()
    }

    @Test("A ca_file that cannot be read is refused before any connection")
    func unreadableCA() throws {
        let location = try PostgresLocation(url: "postgresql://relance@db.example.com/x")
        #expect(throws: StoreError.self) { try PostgresStore(location: location, password: nil, caFile: "/nonexistent/ca.pem") }
    }

    @Test("A wrong password is the server's words, not a hang")
    func wrongPassword() async throws {
        let fixture = try await PostgresFixture()
        let store = try PostgresStore(location: fixture.location, password: "wrong", deadline: .seconds(5))
        let error = await #expect(throws: StoreError.self) {
            try await store.transaction("log in") { connection in try await connection.query("SELECT 1", logger: PostgresFixture.logger) }
        }
        #expect(error?.underlying.contains("SQLSTATE 28P01: password authentication failed") == true, "\(String(describing: error))")
        await store.close()
        await fixture.close()
    }

    @Test("A server restarted: the same store works again once it is back; nothing listening: an error at once")
    func deadServer() async throws {
        let fixture = try await PostgresFixture()
        let store = try PostgresStore(location: fixture.location, password: PostgresFixture.password, deadline: .seconds(3))
        #expect(try await store.schemaVersions() == PostgresStore.schemaVersions)
        // An immediate restart: the server dies with its sessions and comes back.
        #expect(await fixture.restartServer())
        var answered = false
        var last = ""
        for _ in 0..<50 where !answered {
            do {
                answered = try await store.schemaVersions() == PostgresStore.schemaVersions
            } catch {
                last = "\(error)"
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(answered, "the store connects again after the restart; last error: \(last)")
        await store.close()

        let port = try FreePort.pick()
        let nowhere = try PostgresStore(location: try PostgresLocation(url: "postgresql://relance@127.0.0.1:\(port)/postgres", tls: "none"),
                                    password: PostgresFixture.password, deadline: .seconds(2))
        let refused = await #expect(throws: StoreError.self) { try await nowhere.schemaVersions() }
        #expect(refused?.underlying.contains("onnection refused") == true, "\(String(describing: refused))")
        await nowhere.close()
        await fixture.close()
    }
}
