import Foundation
import RelanceTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension ScriptedServer {
    /// Messages a private Postfix has put in its Maildir, waiting up to `seconds` for `count` of them.
    func delivered(count: Int, seconds: Double) -> [String] {
        let inbox = folder + "/mail/inbox/new"
        let deadline = Date(timeIntervalSinceNow: seconds)
        var names: [String] = []
        repeat {
            names = ((try? FileManager.default.contentsOfDirectory(atPath: inbox)) ?? []).sorted()
            if names.count >= count { break }
            usleep(50_000)
        } while Date(timeIntervalSinceNow: 0) < deadline
        return names.map { inbox + "/" + $0 }
    }
}

@Suite("delivery through a real Postfix", .ownThread, .serialized, .enabled(if: ScriptedServer.available("/usr/sbin/postfix") && TestServer.pythonAvailable))
struct PostfixDeliveryTests {
    @Test("a time-travel run delivers threaded, localised reminders with the invoice attached")
    func timeTravel() throws {
        let postfix = try ScriptedServer(script: "postfix-instance")
        let box = try Sandbox(minGapDays: 0, extra: """

            [transport]
            url = "smtp://127.0.0.1:\(postfix.port)"
            tls = "none"
            """)
        try FileManager.default.createDirectory(atPath: box.inbox + "/docs", withIntermediateDirectories: true)
        var pdf = Array("%PDF-1.4\n%âãÏÓ\n".utf8)
        for i in 0..<20_000 { pdf.append(UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7)) }
        try Data(pdf).write(to: URL(fileURLWithPath: box.inbox + "/docs/Rechnung F-P1.pdf"))
        try box.drop("F-P1.json", #"""
            {"id": "F-P1", "issueDate": "2026-10-01", "terms": "net 30", "currency": "EUR", "total": "1250.00",
             "customer": {"id": "C-DE", "name": "Müller & Söhne GmbH", "email": "buchhaltung@customers.test", "language": "de"},
             "attachment": "docs/Rechnung F-P1.pdf"}
            """#)
        try box.drop("F-P2.json", Sandbox.invoice(id: "F-P2", issued: "2026-10-01", terms: "net 30", total: "980.50",
                                                 customer: "C-EN", email: "payables@customers.test", language: "en"))
        let days = ["2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16"]
        for day in days {
            let result = try box.run(["run", "--once", "--now", "\(day)T09:40:00+01:00"])
            #expect(result.status == 0, "\(result.stderr)")
        }
        #expect(box.sendLogLines().filter { $0.contains("event=sent") }.count == 8)
        #expect(box.sendLogLines().filter { $0.contains("event=sent") }.allSatisfy { $0.contains(#"smtp="250 2.0.0 Ok: queued as"#) })
        let files = postfix.delivered(count: 8, seconds: 30)
        #expect(files.count == 8)

        let script = """
            import sys, json, email, email.policy, hashlib
            out = []
            for path in sys.argv[1:]:
                m = email.message_from_binary_file(open(path, 'rb'), policy=email.policy.default)
                defects = list(m.defects) + [d for p in m.walk() for d in p.defects]
                attachments = [(a.get_filename(), hashlib.sha256(a.get_content()).hexdigest()) for a in m.iter_attachments()]
                out.append({"subject": str(m['subject']), "id": m['message-id'], "inReplyTo": m['in-reply-to'] or "",
                            "references": (m['references'] or "").split(), "invoice": m['x-relance-invoice'], "step": m['x-relance-step'],
                            "defects": len(defects), "text": m.get_body(('plain',)).get_content(), "attachments": attachments})
            print(json.dumps(out))
            """
        let json = try RelanceBinary.runTool("/usr/bin/python3", ["-c", script] + files)
        let messages = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(messages.count == 8)
        let pdfHash = try RelanceBinary.runTool("/usr/bin/sha256sum", [box.inbox + "/docs/Rechnung F-P1.pdf"]).split(separator: " ").first.map(String.init)
        for invoice in ["F-P1", "F-P2"] {
            let order = ["courtesy", "due", "first", "second"]
            let thread = messages.filter { $0["invoice"] as? String == invoice }
                .sorted { order.firstIndex(of: $0["step"] as? String ?? "") ?? 9 < order.firstIndex(of: $1["step"] as? String ?? "") ?? 9 }
            #expect(thread.map { $0["step"] as? String } == order)
            for (index, message) in thread.enumerated() {
                #expect(message["defects"] as? Int == 0)
                let earlier = thread[..<index].compactMap { $0["id"] as? String }
                #expect(message["references"] as? [String] == earlier, "\(invoice) \(message["step"] ?? "")")
                #expect(message["inReplyTo"] as? String == (earlier.last ?? ""))
                let text = message["text"] as? String ?? ""
                if invoice == "F-P1" {
                    #expect(text.contains("1.250,00\u{00A0}€"))
                    #expect(text.hasPrefix("Guten Tag Müller & Söhne GmbH,"))
                    let attachments = message["attachments"] as? [[Any]] ?? []
                    #expect(attachments.first?.first as? String == "Rechnung F-P1.pdf")
                    #expect(attachments.first?.last as? String == pdfHash)
                } else {
                    #expect(text.contains("€980.50"))
                    #expect(text.hasPrefix("Hello Client C-EN,"))
                    #expect((message["attachments"] as? [Any])?.isEmpty == true)
                }
            }
            let subjects = thread.compactMap { $0["subject"] as? String }
            if invoice == "F-P1" {
                // Due Saturday 31 October: the due-day reminder goes Monday and says "was due"; each level has its own words.
                #expect(subjects == ["Rechnung F-P1: fällig am 31. Oktober 2026", "Rechnung F-P1 war am 31. Oktober 2026 fällig",
                                     "1. Mahnung: Rechnung F-P1 ist überfällig", "2. Mahnung: Rechnung F-P1 weiterhin offen"])
            } else {
                #expect(subjects.last == "Second reminder: invoice F-P2 remains unpaid")
            }
        }
    }
}
