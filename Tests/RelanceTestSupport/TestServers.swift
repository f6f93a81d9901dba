import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Shared by the test targets that need real servers.
/// A test server from `scripts/test-servers/`, run with Debian's /usr/bin/python3
/// on 127.0.0.1 with a port it picks itself, its output sent to a file (never
/// a pipe), stopped with SIGTERM when the test is done.
public final class TestServer {
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    public static var pythonAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
    }

    public let folder: String
    public let port: Int
    private let process = Process()

    public init(script: String, arguments: [String], folder: String) throws {
        self.folder = folder
        let portFile = folder + "/port-\(UUID().uuidString.prefix(6))"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Self.packageRoot + "/scripts/test-servers/" + script, "--port-file", portFile] + arguments
        let log = folder + "/\(script).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: log)
        process.standardError = FileHandle(forWritingAtPath: log)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date(timeIntervalSinceNow: 20)
        var found: Int?
        while found == nil, Date(timeIntervalSinceNow: 0) < deadline, process.isRunning {
            found = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
            if found == nil { usleep(20_000) }
        }
        guard let found else {
            process.terminate()
            throw TestServerError(log: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        }
        port = found
    }

    deinit {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date(timeIntervalSinceNow: 5)
        while process.isRunning, Date(timeIntervalSinceNow: 0) < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    struct TestServerError: Error, CustomStringConvertible {
        let log: String
        var description: String { "the test server did not start:\n\(log)" }
    }
}

/// A throw-away certificate authority and a server certificate for 127.0.0.1, made with openssl.
public struct TestCertificates {
    public let ca: String
    public let cert: String
    public let key: String

    public init(folder: String) throws {
        ca = folder + "/ca.pem"
        cert = folder + "/server.pem"
        key = folder + "/server.key"
        try Self.openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", folder + "/ca.key", "-out", ca,
                          "-days", "2", "-subj", "/CN=relance test CA"])
        try Self.openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", folder + "/server.csr",
                          "-subj", "/CN=127.0.0.1"])
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            .write(toFile: folder + "/ext.cnf", atomically: true, encoding: .utf8)
        try Self.openssl(["x509", "-req", "-in", folder + "/server.csr", "-CA", ca, "-CAkey", folder + "/ca.key",
                          "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", folder + "/ext.cnf"])
    }

    static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}

/// A temporary folder removed at the end of a test.
public final class ScratchFolder {
    public let path = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-\(UUID().uuidString)").path
    public init() { try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
