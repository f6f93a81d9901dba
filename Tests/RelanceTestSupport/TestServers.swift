import Foundation
import Synchronization
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

    /// Runs openssl and waits for it with waitpid(2): Foundation's `Process.waitUntilExit` was once
    /// seen waiting forever on an openssl that had exited (a zombie nobody reaped) in a full test run.
    static func openssl(_ arguments: [String]) throws {
        let status = ScriptedServer.spawn(["-c", "exec /usr/bin/openssl \"$@\"", "openssl"] + arguments, log: "/dev/null")
        guard status == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}

/// A temporary folder removed at the end of a test.
public final class ScratchFolder {
    public let path = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-\(UUID().uuidString)").path
    public init() { try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A server started and stopped by one of the project's shell scripts
/// (`postfix-instance`, `dovecot-instance`), on 127.0.0.1 and a free port,
/// in a folder of its own that lives exactly as long as the server.
public final class ScriptedServer: Sendable {
    public let folder: String
    public let port: Int
    private let script: String
    /// The actions run (`restart`), whose logs go with the server.
    private let actions = Mutex<Set<String>>([])

    /// Root is needed (the daemons drop privileges) and the program must be installed.
    public static func available(_ program: String) -> Bool { getuid() == 0 && FileManager.default.isExecutableFile(atPath: program) }

    /// A start that fails is tried again, twice, on another port and folder: the port picked free
    /// may be taken by another test's server before this one binds it (the start log says why).
    public init(script: String, arguments: [String] = []) throws {
        let path = TestServer.packageRoot + "/scripts/test-servers/" + script
        self.script = path
        var logs: [String] = []
        for _ in 0..<3 {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(script)-\(UUID().uuidString.prefix(8))").path
            let port = try FreePort.pick()
            let log = folder + ".start.log"
            if Self.spawn([path, "start", folder, String(port)] + arguments, log: log) == 0 {
                self.folder = folder
                self.port = port
                return
            }
            logs.append((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
            _ = Self.spawn([path, "stop", folder], log: "/dev/null")
            try? FileManager.default.removeItem(atPath: folder)
            try? FileManager.default.removeItem(atPath: log)
        }
        throw TestServer.TestServerError(log: logs.joined(separator: "\n--- tried again:\n"))
    }

    /// Runs one of the script's other actions on this server (`restart` for PostgreSQL); true when it succeeded.
    @discardableResult
    public func run(_ action: String) -> Bool {
        _ = actions.withLock { $0.insert(action) }
        return Self.spawn([script, action, folder], log: folder + ".\(action).log") == 0
    }

    deinit {
        _ = Self.spawn([script, "stop", folder], log: "/dev/null")
        try? FileManager.default.removeItem(atPath: folder)
        try? FileManager.default.removeItem(atPath: folder + ".start.log")
        for action in actions.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: folder + ".\(action).log") }
    }

    /// Runs bash SCRIPT ARGS with its output in `log` and waits for it with waitpid(2). (Foundation's
    /// Process can wait forever here: the daemon the script starts keeps running after the script exits.)
    static func spawn(_ arguments: [String], log: String) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of the test process: a server that kept one of its sockets (PostgreSQL
        // restarted mid-test inherited an SMTP connection) would keep that connection open after the
        // test closed it.
        // (glibc's closefrom action is not visible to Swift: each descriptor open now is closed instead.)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            if let fd = Int32(name), fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        }
        // The test runner blocks signals and children inherit the mask: a daemon started with SIGTERM
        // blocked could never be stopped. Start the script with an empty mask and default handlers.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = (["/bin/bash"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        guard posix_spawn(&pid, "/bin/bash", &actions, &attributes, argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -1
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on right now.
public enum FreePort {
    public static func pick() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw CocoaError(.fileWriteUnknown) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
