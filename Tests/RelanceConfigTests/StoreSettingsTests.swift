import Foundation
import RelanceConfig
import Testing

/// `[store]`: absent means the SQLite store; present, its URL scheme and TLS word are checked, and relative files resolve against the configuration's folder.
@Suite("Configuration: [store]")
struct StoreSettingsTests {
    func parse(_ store: String) throws -> RelanceConfiguration {
        try ConfigurationLoader.parse(ConfigurationLoaderTests.minimal + "\n" + store, file: "/etc/relance/relance.toml")
    }

    func problems(_ store: String) -> [String] {
        do {
            _ = try ConfigurationLoader.parse(ConfigurationLoaderTests.minimal + "\n" + store, file: "/etc/relance/relance.toml")
            return []
        } catch {
            return error.problems.map { "\($0.path): \($0.message)" }
        }
    }

    @Test("without [store] the SQLite store is used")
    func absent() throws {
        #expect(try parse("").store == nil)
    }

    @Test("a PostgreSQL store with its password file and CA")
    func present() throws {
        let settings = try #require(try parse("""
            [store]
            url = "postgresql://relance@db.internal:5433/relance"
            ca_file = "/etc/relance/db-ca.pem"
            password_file = "secrets/store-password"
            """).store)
        #expect(settings == StoreSettings(url: "postgresql://relance@db.internal:5433/relance", tls: "required", caFile: "/etc/relance/db-ca.pem",
                                          passwordFile: "/etc/relance/secrets/store-password"))
    }

    @Test("a wrong scheme, TLS word or key is refused with its path")
    func refused() {
        #expect(problems("[store]\nurl = \"mysql://x@y/z\"").contains { $0.hasPrefix("store.url: must start with postgresql://") })
        #expect(problems("[store]\nurl = \"postgresql://x@y/z\"\ntls = \"off\"").contains { $0.hasPrefix("store.tls:") })
        #expect(problems("[store]\nurl = \"postgresql://x@y/z\"\npassword = \"secret\"").contains { $0.hasPrefix("store.password") })
        #expect(problems("[store]\ntls = \"none\"").contains { $0.hasPrefix("store.url") })
        #expect(problems("[store]\nurl = \"postgres://x@y/z\"").isEmpty)
    }
}
