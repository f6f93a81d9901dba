import RelanceCore
import Testing

@Suite("What counts as this machine for a plain-text connection")
struct LoopbackHostTests {
    @Test("loopback literals and localhost", arguments: ["127.0.0.1", "127.10.0.3", "localhost", "LOCALHOST", "::1", "[::1]"])
    func loopback(host: String) { #expect(LoopbackHost.contains(host)) }

    @Test("names and other addresses are not", arguments: ["127.0.0.1.example.com", "127.example.com", "128.0.0.1", "10.0.0.5",
                                                           "127.0.0", "127.0.0.256", "", "::2", "db.example.com"])
    func elsewhere(host: String) { #expect(!LoopbackHost.contains(host)) }
}
