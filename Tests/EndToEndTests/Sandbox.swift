import Foundation

/// A private relance installation in a temporary folder: configuration,
/// inbox, state, send log and outbox, removed when the test ends.
final class Sandbox {
    let root: String
    var config: String { root + "/relance.toml" }
    var inbox: String { root + "/inbox" }
    var state: String { root + "/state" }
    var sendLog: String { root + "/send.log" }
    var outbox: String { state + "/outbox/new" }
    var archive: String { state + "/archive" }
    var rejected: String { state + "/rejected" }

    /// `lateCharges`: lines of the `[late_charges]` table (the daemon's rate refresh is off in tests unless they say).
    /// `company`: more lines of the `[company]` table (an address, an IBAN).
    init(minGapDays: Int = 3, maxFileBytes: Int = 10_485_760, schedule: String = "", lateCharges: String = "refresh_days = 0",
         company: String = "", extra: String = "") throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("relance-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/inbox", withIntermediateDirectories: true)
        try configuration(minGapDays: minGapDays, maxFileBytes: maxFileBytes, schedule: schedule, lateCharges: lateCharges, company: company,
                          extra: extra)
            .write(toFile: config, atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func configuration(minGapDays: Int, maxFileBytes: Int, schedule: String = "", lateCharges: String = "refresh_days = 0",
                       company: String = "", extra: String = "") -> String {
        """
        [company]
        name = "Atelier Dupont SARL"
        email = "compta@atelier-dupont.example"
        reply_to = "relances@atelier-dupont.example"
        timezone = "Europe/Paris"
        country = "FR"
        language = "fr"
        \(company)

        [paths]
        inbox = "inbox"
        state_dir = "state"
        send_log = "send.log"
        max_file_bytes = \(maxFileBytes)

        [schedule]
        send_time = "09:30"
        send_days = ["mon", "tue", "wed", "thu", "fri"]
        holidays = ["FR"]
        extra_holidays = ["2026-12-24", "2026-12-31"]
        min_gap_days = \(minGapDays)
        \(schedule)

        [[policies]]
        name = "standard"
        default = true
        steps = [
          { name = "courtesy", at = "due-7" },
          { name = "discount-ending", at = "discount-2" },
          { name = "due", at = "due" },
          { name = "first", at = "due+7" },
          { name = "second", at = "due+15" },
          { name = "final", at = "due+30", kind = "final" },
        ]

        [late_charges]
        \(lateCharges)

        \(extra)
        """
    }

    /// Writes an invoice file into the inbox the way a careful producer does: a temporary name, then a rename.
    @discardableResult
    func drop(_ name: String, _ text: String) throws -> String {
        let temporary = inbox + "/." + name + ".tmp"
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
        try FileManager.default.moveItem(atPath: temporary, toPath: inbox + "/" + name)
        return inbox + "/" + name
    }

    static func invoice(id: String, issued: String, due: String? = nil, terms: String? = nil, total: String = "1000.00",
                        customer: String, email: String, language: String = "fr") -> String {
        var fields = [#""id": "\#(id)""#, #""issueDate": "\#(issued)""#, #""currency": "EUR""#, #""total": "\#(total)""#]
        if let due { fields.append(#""dueDate": "\#(due)""#) }
        if let terms { fields.append(#""terms": "\#(terms)""#) }
        fields.append(#""customer": {"id": "\#(customer)", "name": "Client \#(customer)", "email": "\#(email)", "language": "\#(language)"}"#)
        return "{" + fields.joined(separator: ", ") + "}"
    }

    func run(_ arguments: [String]) throws -> RelanceBinary.Result {
        try RelanceBinary.run(arguments + ["--config", config])
    }

    /// Every message in the outbox, parsed into the headers the tests look at.
    func outboxMessages() throws -> [OutboxMessage] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: outbox)) ?? []
        return try names.map { try OutboxMessage(path: outbox + "/" + $0) }
    }

    /// Every outbox message as a reader sees it, decoded by Python's `email` package (an
    /// independent MIME reader): subject, plain-text body, invoice, step and date, oldest first.
    func readMessages() throws -> [ReadMessage] {
        let script = """
            import sys, json, os, email, email.policy
            out = []
            folder = sys.argv[1]
            for name in (sorted(os.listdir(folder)) if os.path.isdir(folder) else []):
                m = email.message_from_binary_file(open(os.path.join(folder, name), 'rb'), policy=email.policy.default)
                body = m.get_body(preferencelist=('plain',))
                html = m.get_body(preferencelist=('html',))
                out.append({"subject": str(m["subject"]), "text": body.get_content() if body else "",
                            "html": html.get_content() if html else "", "invoice": str(m["X-Relance-Invoice"]),
                            "step": str(m["X-Relance-Step"]), "date": str(m["Date"])})
            print(json.dumps(out))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, outbox]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let list = (try JSONSerialization.jsonObject(with: data) as? [[String: String]]) ?? []
        return list.map { ReadMessage(subject: $0["subject"] ?? "", text: $0["text"] ?? "", html: $0["html"] ?? "",
                                      invoice: $0["invoice"] ?? "", step: $0["step"] ?? "", date: $0["date"] ?? "") }
            .sorted { ($0.sentOn, $0.invoice) < ($1.sentOn, $1.invoice) }
    }

    func sendLogLines() -> [String] {
        ((try? String(contentsOfFile: sendLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func files(in folder: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return [] }
        return enumerator.compactMap { $0 as? String }.filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }
}

/// One delivered message, decoded.
struct ReadMessage {
    let subject: String
    let text: String
    let html: String
    let invoice: String
    let step: String
    let date: String

    var sentOn: String { OutboxMessage.localDate(ofDateHeader: date) }
}

/// The headers of one delivered message.
struct OutboxMessage {
    let path: String
    let headers: [String: String]

    init(path: String) throws {
        self.path = path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var headers: [String: String] = [:]
        let head = text.components(separatedBy: "\r\n\r\n").first ?? ""
        for line in head.components(separatedBy: "\r\n") where !line.hasPrefix(" ") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[String(line[..<colon]).lowercased()] = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        }
        self.headers = headers
    }

    var invoice: String { headers["x-relance-invoice"] ?? "" }
    var step: String { headers["x-relance-step"] ?? "" }
    var messageID: String { headers["message-id"] ?? "" }
    /// The local date in the Date header (`Mon, 09 Nov 2026 09:30:00 +0100` → 2026-11-09).
    var localDate: String { Self.localDate(ofDateHeader: headers["date"] ?? "") }

    /// `2026-11-09` from `Mon, 09 Nov 2026 09:30:00 +0100` (a one-digit day is padded).
    static func localDate(ofDateHeader header: String) -> String {
        let parts = header.split(separator: " ")
        guard parts.count >= 4 else { return "" }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let month = (months.firstIndex(of: String(parts[2])) ?? 0) + 1
        let day = parts[1].count == 1 ? "0" + parts[1] : String(parts[1])
        return "\(parts[3])-\(month < 10 ? "0" : "")\(month)-\(day)"
    }
}
