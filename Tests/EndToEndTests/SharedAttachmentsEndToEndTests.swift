import Foundation
import RelanceTestSupport
import Testing

/// The documents invoices come with, on a shared PostgreSQL store, through the binary, a private
/// PostgreSQL server and a local SMTP server that keeps what it receives: a PDF dropped beside an
/// invoice on one instance goes, byte for byte, with the reminder another instance sends (whose
/// state directory never held it); `show` on that instance shows it; a file whose attachment
/// cannot be read is rejected with its reason; a Factur-X PDF is its own attachment; and
/// `relance migrate` moves a SQLite store's attachment files into the shared store.
@Suite("invoices' attachments on a shared PostgreSQL store", .ownThread, .serialized, .enabled(if: PSQL.available && TestServer.pythonAvailable))
struct SharedAttachmentsEndToEndTests {
    /// A PostgreSQL server, and an SMTP server that writes every message it accepts to `received`.
    static func servers() throws -> (store: ScriptedServer, scratch: ScratchFolder, smtp: TestServer, received: String) {
        let store = try ScriptedServer(script: "postgres-instance")
        let scratch = ScratchFolder()
        let received = scratch.path + "/received"
        try FileManager.default.createDirectory(atPath: received, withIntermediateDirectories: true)
        let smtp = try TestServer(script: "misbehaving_smtp.py", arguments: ["--mode", "ok", "--log", scratch.path + "/accepted.jsonl",
                                                                            "--save-dir", received], folder: scratch.path)
        return (store, scratch, smtp, received)
    }

    /// Bytes that look like a PDF and hold every byte value (a line of dots, CR and LF among them).
    static let document: Data = Data("%PDF-1.4\n.\r\n..\r\n".utf8) + Data((0..<4096).map { UInt8($0 % 256) })

    /// Each message file of `folder` (or the one file given) as Python's `email` package reads it:
    /// its invoice header and its attachments' names and SHA-256, by file name.
    static func attachments(in path: String) throws -> [String: (invoice: String, attachments: [String: String])] {
        let script = """
            import sys, os, json, hashlib, email, email.policy
            path = sys.argv[1]
            names = sorted(os.listdir(path)) if os.path.isdir(path) else [os.path.basename(path)]
            folder = path if os.path.isdir(path) else os.path.dirname(path)
            out = {}
            for name in names:
                m = email.message_from_binary_file(open(os.path.join(folder, name), 'rb'), policy=email.policy.default)
                out[name] = {"invoice": str(m["X-Relance-Invoice"]),
                             "attachments": {a.get_filename(): hashlib.sha256(a.get_content()).hexdigest() for a in m.iter_attachments()}}
            print(json.dumps(out))
            """
        let output = try RelanceBinary.runTool("/usr/bin/python3", ["-c", script, path])
        let parsed = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: [String: Any]] ?? [:]
        return parsed.mapValues { ($0["invoice"] as? String ?? "", $0["attachments"] as? [String: String] ?? [:]) }
    }

    /// An invoice file's text with an attachment path added.
    static func attaching(_ path: String, to invoice: String) -> String {
        String(invoice.dropLast()) + ", \"attachment\": \"\(path)\"}"
    }

    static func sha256(_ data: Data) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("relance-sha-\(UUID().uuidString)")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return String(try RelanceBinary.runTool("/usr/bin/sha256sum", [file.path]).prefix(64))
    }

    @Test("a PDF dropped on one instance is shown and sent, byte for byte, by another; an attachment that cannot be read rejects its file")
    func droppedBesideAnInvoice() throws {
        let (store, scratch, smtp, received) = try Self.servers()
        defer { withExtendedLifetime(scratch) {} }
        let settings = "[review]\nenabled = true\n"
        let a = try Sandbox.sharedInstance("paris", storePort: store.port, smtpPort: smtp.port, extra: settings)
        let b = try Sandbox.sharedInstance("lyon", storePort: store.port, smtpPort: smtp.port, extra: settings)
        try FileManager.default.createDirectory(atPath: a.inbox + "/docs", withIntermediateDirectories: true)
        try Self.document.write(to: URL(fileURLWithPath: a.inbox + "/docs/Facture V-1.pdf"))
        let expected = try Self.sha256(Self.document)
        let invoice = Sandbox.invoice(id: "V-1", issued: "2026-10-02", due: "2026-11-02", customer: "C-1", email: "ap@c-1.example")
        try a.drop("V-1.json", Self.attaching("docs/Facture V-1.pdf", to: invoice))
        let broken = Sandbox.invoice(id: "V-2", issued: "2026-10-02", due: "2026-11-02", customer: "C-2", email: "ap@c-2.example")
        try a.drop("V-2.json", Self.attaching("docs/missing.pdf", to: broken))

        let intake = try a.run(["run", "--once", "--now", "2026-10-02T10:00:00+02:00"])
        #expect(intake.status == 0, "\(intake.stderr)")
        let lines = a.sendLogLines()
        #expect(lines.contains { $0.contains("event=ingested invoice=V-1") }, "\(lines)")
        #expect(lines.contains { $0.contains(" event=rejected ") && $0.contains("V-2.json") && $0.contains("attachment: docs/missing.pdf cannot be read") },
                "\(lines)")
        #expect(try PSQL.run(port: store.port, "SELECT COUNT(*) FROM invoices WHERE id = 'V-2'") == "0")
        // The bytes are in the store, the invoice names them, and no instance's state directory holds them.
        #expect(try PSQL.run(port: store.port, "SELECT key, encode(sha256(bytes), 'hex') FROM attachments")
            .hasSuffix("/Facture V-1.pdf|\(expected)"))
        #expect(try PSQL.run(port: store.port, "SELECT document::jsonb->>'attachment' LIKE 'shared-store:attachments/%/Facture V-1.pdf' FROM invoices WHERE id = 'V-1'") == "t")
        #expect(!FileManager.default.fileExists(atPath: a.state + "/attachments"))

        // Held on the due day by the other instance's pass, shown there with the document.
        let dueDay = try b.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"])
        #expect(dueDay.status == 0, "\(dueDay.stderr)")
        let listed = try b.run(["review", "--json", "--now", "2026-11-02T10:30:00+01:00"])
        let held = try #require((try listed.json()["held"] as? [[String: Any]])?.first, "\(listed.stdout)\(listed.stderr)")
        let id = String(held["id"] as? Int ?? 0)
        let eml = b.root + "/shown.eml"
        let shown = try b.run(["show", id, "--eml", eml, "--now", "2026-11-02T10:30:00+01:00"])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(try Self.attachments(in: eml)["shown.eml"]?.attachments == ["Facture V-1.pdf": expected])

        // Approved, it goes from that instance with the document, byte for byte.
        #expect(try b.run(["approve", id, "--now", "2026-11-02T10:30:00+01:00"]).status == 0)
        let sent = try b.run(["run", "--once", "--now", "2026-11-02T10:35:00+01:00"])
        #expect(sent.status == 0, "\(sent.stderr)")
        let messages = try Self.attachments(in: received)
        #expect(messages.count == 1 && messages.values.first?.invoice == "V-1", "\(messages)")
        #expect(messages.values.first?.attachments == ["Facture V-1.pdf": expected], "\(messages)")
        #expect(!FileManager.default.fileExists(atPath: b.state + "/attachments"))
    }

    @Test("a Factur-X PDF taken by one instance goes as the attachment of the reminder another sends",
          .enabled(if: Corpus.available("einvoices/facturx-pdf/MustangBeispiel20221026.pdf")))
    func facturX() throws {
        let (store, scratch, smtp, received) = try Self.servers()
        defer { withExtendedLifetime(scratch) {} }
        let a = try Sandbox.sharedInstance("paris", storePort: store.port, smtpPort: smtp.port)
        let b = try Sandbox.sharedInstance("lyon", storePort: store.port, smtpPort: smtp.port)
        let pdf = try Data(contentsOf: URL(fileURLWithPath: Corpus.path("einvoices/facturx-pdf/MustangBeispiel20221026.pdf")))
        try pdf.write(to: URL(fileURLWithPath: a.inbox + "/.incoming.pdf"))
        try FileManager.default.moveItem(atPath: a.inbox + "/.incoming.pdf", toPath: a.inbox + "/RE1001.pdf")
        let intake = try a.run(["run", "--once", "--now", "2022-11-01T10:00:00+01:00"])
        #expect(intake.status == 0, "\(intake.stderr)")
        #expect(a.sendLogLines().contains { $0.contains("event=ingested invoice=RE1001") && $0.contains("format=facturx-pdf") }, "\(a.sendLogLines())")
        // The sample names no e-mail address: one given as a reply redirecting the chase would give it.
        _ = try PSQL.run(port: store.port, """
            INSERT INTO contact_overrides (customer_key, address, source, at) SELECT customer_key, 'ap@buyer.example', 'test', 0
            FROM invoices WHERE id = 'RE1001'
            """)
        // Long past its due date, the other instance sends its reminder with the PDF itself.
        let later = try b.run(["run", "--once", "--now", "2023-01-16T10:00:00+01:00"])
        #expect(later.status == 0, "\(later.stderr)")
        let messages = try Self.attachments(in: received)
        #expect(messages.count == 1 && messages.values.first?.invoice == "RE1001", "\(messages)\(b.sendLogLines())")
        #expect(messages.values.first?.attachments == ["RE1001.pdf": try Self.sha256(pdf)], "\(messages)")
    }

    @Test("relance migrate moves a SQLite store's attachment files into the shared store; one that is gone is reported and kept")
    func migrated() throws {
        let local = try Sandbox(minGapDays: 0)
        try FileManager.default.createDirectory(atPath: local.inbox + "/docs", withIntermediateDirectories: true)
        try Self.document.write(to: URL(fileURLWithPath: local.inbox + "/docs/M-1.pdf"))
        try Self.document.prefix(100).write(to: URL(fileURLWithPath: local.inbox + "/docs/M-2.pdf"))
        for n in 1...2 {
            let invoice = Sandbox.invoice(id: "M-\(n)", issued: "2026-10-02", due: "2026-11-02", customer: "C-\(n)", email: "ap@c-\(n).example")
            try local.drop("M-\(n).json", Self.attaching("docs/M-\(n).pdf", to: invoice))
        }
        #expect(try local.run(["run", "--once", "--now", "2026-10-02T10:00:00+02:00"]).status == 0)
        let stored = local.files(in: local.state + "/attachments").sorted()
        #expect(stored.count == 2, "\(stored)")
        // One of the two files lost before the copy.
        let lost = try #require(stored.first { $0.hasSuffix("/M-2.pdf") })
        try FileManager.default.removeItem(atPath: local.state + "/attachments/" + lost)

        let (store, scratch, smtp, received) = try Self.servers()
        defer { withExtendedLifetime(scratch) {} }
        let copied = try RelanceBinary.run(["migrate", "--to", "postgresql://relance@127.0.0.1:\(store.port)/postgres", "--tls", "none",
                                            "--config", local.config], environment: ["RELANCE_STORE_PASSWORD": "s3cret"])
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(copied.stdout.contains("1 invoice document(s) moved into the store"), "\(copied.stdout)")
        #expect(copied.stderr.contains("M-2: its document \(local.state)/attachments/\(lost) cannot be read"), "\(copied.stderr)")
        let kept = try #require(stored.first { $0.hasSuffix("/M-1.pdf") })
        #expect(try PSQL.run(port: store.port, "SELECT key FROM attachments") == kept)
        #expect(try PSQL.run(port: store.port, "SELECT id, document::jsonb->>'attachment' FROM invoices ORDER BY id")
            == "M-1|shared-store:attachments/\(kept)\nM-2|\(local.state)/attachments/\(lost)")

        // An instance on another machine (another state directory) sends M-1 with its document.
        let b = try Sandbox.sharedInstance("lyon", storePort: store.port, smtpPort: smtp.port)
        let dueDay = try b.run(["run", "--once", "--now", "2026-11-02T10:00:00+01:00"])
        #expect(dueDay.status == 0, "\(dueDay.stderr)")
        let messages = try Self.attachments(in: received)
        let byInvoice = Dictionary(messages.values.map { ($0.invoice, $0.attachments) }, uniquingKeysWith: { first, _ in first })
        #expect(byInvoice["M-1"] == ["M-1.pdf": try Self.sha256(Self.document)], "\(messages)")
        #expect(byInvoice["M-2"] == [:], "\(messages)")
    }
}
