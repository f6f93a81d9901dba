import Foundation
import RelanceTestSupport

/// psql against a private test server (`postgres-instance`: user relance, password s3cret), for
/// end-to-end tests that look at what relance wrote, or set the scene, behind the binary's back.
enum PSQL {
    /// A private server can be started and psql is there to look into it.
    static var available: Bool { PostgresFixture.available && FileManager.default.isExecutableFile(atPath: "/usr/bin/psql") }

    /// Runs `sql` (stopping at the first error) and returns its rows, unaligned, without headers.
    static func run(port: Int, _ sql: String) throws -> String {
        let output = try ProcessCapture.run("/usr/bin/psql", ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql,
                                                              "host=127.0.0.1 port=\(port) user=relance dbname=postgres"],
                                            environment: ["PGPASSWORD": "s3cret", "PATH": "/usr/bin:/bin"], directory: "/")
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
