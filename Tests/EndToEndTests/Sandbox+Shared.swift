import Foundation

extension Sandbox {
    /// An instance of a shared PostgreSQL store (the test server's user `relance`, its password in
    /// a file of the sandbox), with its own state, inbox, payments folder and send log.
    /// `transport`: more lines of `[transport]`; `extra`: more tables, after `[store]`; `company`:
    /// more lines of `[company]`.
    /// With `smtpPort` nil, the instance writes its messages to its outbox folder.
    static func sharedInstance(_ name: String, storePort: Int, smtpPort: Int?, leaseSeconds: Int = 60, transport: String = "",
                               extra: String = "", company: String = "", lateCharges: String = "refresh_days = 0") throws -> Sandbox {
        let smtp = smtpPort.map { port in
            """
            [transport]
            url = "smtp://127.0.0.1:\(port)"
            tls = "none"
            timeout_seconds = 10
            \(transport)
            """
        } ?? ""
        let box = try Sandbox(minGapDays: 0, lateCharges: lateCharges, company: company, extra: """
            \(smtp)

            [store]
            url = "postgresql://relance@127.0.0.1:\(storePort)/postgres"
            tls = "none"
            password_file = "store-password"
            instance = "\(name)"
            lease_seconds = \(leaseSeconds)

            \(extra)
            """)
        let password = box.root + "/store-password"
        try "s3cret\n".write(toFile: password, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: password)
        try FileManager.default.createDirectory(atPath: box.root + "/payments", withIntermediateDirectories: true)
        return box
    }
}
