import CCurlShim
import Foundation

/// Where the reply mailbox is: `imap://host:port` (STARTTLS required unless
/// `tls` is `none`, which only a loopback host may use) or `imaps://host:993`.
public struct IMAPSettings: Sendable, Equatable {
    public var url: String
    public var tls: SMTPSettings.TLS
    public var username: String
    public var caFile: String?
    public var timeoutSeconds: Int

    public init(url: String, tls: SMTPSettings.TLS = .required, username: String, caFile: String? = nil, timeoutSeconds: Int = 60) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.tls = tls
        self.username = username
        self.caFile = caFile
        self.timeoutSeconds = timeoutSeconds
    }

    public var problems: [String] {
        var found: [String] = []
        let lower = url.lowercased()
        if !(lower.hasPrefix("imap://") || lower.hasPrefix("imaps://")) { found.append("url must start with imap:// or imaps://") }
        if url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) { found.append("url contains a space or control character") }
        let loopback = SMTPSettings(url: url.replacingOccurrences(of: "imap", with: "smtp")).isLoopback
        if tls == .none, !loopback { found.append("tls = \"none\" is accepted only towards a loopback address") }
        return found
    }
}

/// Why an IMAP command failed.
public struct IMAPError: Error, CustomStringConvertible, Sendable {
    public let command: String
    public let reason: String
    public var description: String { "IMAP \(command): \(reason)" }
}

/// The few IMAP operations relance needs, through the system libcurl on one
/// reused connection: a folder's UIDVALIDITY and next UID, the UIDs above a
/// mark, a message's bytes (its \Seen flag left as it was unless asked), and
/// moving a handled message. Blocking: call it from a thread of its own.
public final class IMAPClient: Sendable {
    private let settings: IMAPSettings
    private let secret: String?
    private let session = CurlSession()

    public init(settings: IMAPSettings, secret: String?) throws {
        let problems = settings.problems
        guard problems.isEmpty else { throw SMTPConfigurationError(problems: problems) }
        self.settings = settings
        self.secret = secret
    }

    /// `EXAMINE folder` (read-only): the folder's UIDVALIDITY and UIDNEXT.
    public func status(folder: String) throws(IMAPError) -> (uidValidity: UInt64, uidNext: UInt64) {
        let lines = try run(path: "", command: "EXAMINE \(quoted(folder))")
        func value(_ key: String) -> UInt64? {
            for line in lines {
                guard let range = line.range(of: "[\(key) ") else { continue }
                return UInt64(line[range.upperBound...].prefix { $0.isNumber })
            }
            return nil
        }
        guard let validity = value("UIDVALIDITY") else { throw IMAPError(command: "EXAMINE", reason: "no UIDVALIDITY in the answer") }
        return (validity, value("UIDNEXT") ?? 0)
    }

    /// UIDs of the messages with a UID of at least `from`, in order.
    public func uids(folder: String, from: UInt64) throws(IMAPError) -> [UInt64] {
        let lines = try run(path: "/" + escaped(folder), command: "UID SEARCH UID \(max(1, from)):*")
        let found = lines.filter { $0.hasPrefix("* SEARCH") }
            .flatMap { $0.dropFirst(8).split(separator: " ").compactMap { UInt64($0) } }
        // "n:*" also matches the last message when n is above every UID.
        return found.filter { $0 >= from }.sorted()
    }

    /// The flags of the given messages (`\Seen`, …).
    public func flags(folder: String, uids: [UInt64]) throws(IMAPError) -> [UInt64: Set<String>] {
        guard !uids.isEmpty else { return [:] }
        let lines = try run(path: "/" + escaped(folder), command: "UID FETCH \(uids.map(String.init).joined(separator: ",")) (UID FLAGS)")
        var result: [UInt64: Set<String>] = [:]
        for line in lines {
            guard let uidRange = line.range(of: "UID "), let uid = UInt64(line[uidRange.upperBound...].prefix { $0.isNumber }),
                  let open = line.range(of: "FLAGS ("), let close = line[open.upperBound...].firstIndex(of: ")") else { continue }
            result[uid] = Set(line[open.upperBound..<close].split(separator: " ").map(String.init))
        }
        return result
    }

    /// The whole message. Fetching sets \Seen on the server; unless `markRead`, a message that was unread is put back unread.
    public func fetch(folder: String, uid: UInt64, markRead: Bool) throws(IMAPError) -> [UInt8] {
        let wasSeen = try flags(folder: folder, uids: [uid])[uid]?.contains("\\Seen") ?? false
        let bytes = try transfer(path: "/\(escaped(folder));UID=\(uid)", command: nil).body
        if !markRead, !wasSeen {
            _ = try run(path: "/" + escaped(folder), command: "UID STORE \(uid) -FLAGS.SILENT (\\Seen)")
        }
        return bytes
    }

    /// Creates a folder; one that already exists is fine.
    public func create(folder: String) throws(IMAPError) {
        do {
            _ = try run(path: "", command: "CREATE \(quoted(folder))")
        } catch {
            if !error.reason.contains("ALREADYEXISTS") && !error.reason.lowercased().contains("already exists") { throw error }
        }
    }

    /// Moves a handled message to another folder (UID MOVE, RFC 6851).
    public func move(folder: String, uid: UInt64, to destination: String) throws(IMAPError) {
        _ = try run(path: "/" + escaped(folder), command: "UID MOVE \(uid) \(quoted(destination))")
    }

    // MARK: - libcurl

    private func run(path: String, command: String) throws(IMAPError) -> [String] {
        let body = try transfer(path: path, command: command).body
        return String(decoding: body, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
    }

    private func transfer(path: String, command: String?) throws(IMAPError) -> (body: [UInt8], replies: [String]) {
        let common = CurlSession.Common(url: settings.url + path, requireTLS: settings.tls == .required, caFile: settings.caFile,
                                        username: settings.username, secret: secret, connectTimeoutSeconds: 15,
                                        timeoutSeconds: settings.timeoutSeconds)
        let result = session.perform(common) { easy, _ in
            guard let command else { return [] }
            return relance_curl_setopt_string(easy, CURLOPT_CUSTOMREQUEST, command) == CURLE_OK ? [] : ["custom request"]
        }
        guard let result else { throw IMAPError(command: command ?? "FETCH", reason: "libcurl: cannot create a handle") }
        guard result.code == CURLE_OK else {
            // The server's refusal (a tagged NO or BAD), else its last words.
            let lines = result.state.replyLines
            let last = lines.first { $0.contains(" NO ") || $0.contains(" BAD ") } ?? lines.last ?? ""
            throw IMAPError(command: command ?? "FETCH", reason: "\(result.message)\(last.isEmpty ? "" : ": \(last)")")
        }
        return (result.state.download, result.state.replyLines)
    }

    private func quoted(_ folder: String) -> String {
        "\"" + folder.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    private func escaped(_ folder: String) -> String {
        folder.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? folder
    }
}
