import Foundation
import RelanceCore
import RelanceMail
import RelanceTestSupport
import Testing

/// The sisimai corpus of real bounces, complaints and auto-replies in ../shared/corpus/mail/bounces.
enum MailCorpus {
    static let folder = Corpus.path("mail/bounces")
    static var available: Bool { FileManager.default.fileExists(atPath: folder) }
    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
    }

    static func analyze(_ name: String) throws -> ReplyAnalysis {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)))
        return ReplyClassifier.analyze(bytes, reference: LocalDate(iso: "2026-11-23")!)
    }
}

@Suite("Reply classification on the real corpus", .enabled(if: MailCorpus.available))
struct ReplyCorpusTests {
    @Test("every delivery-status notification is a bounce, with its recipient and status where it states them",
          arguments: MailCorpus.files.filter { $0.hasPrefix("lhost-") || $0.hasPrefix("rfc3464-") })
    func bounces(name: String) throws {
        let analysis = try MailCorpus.analyze(name)
        #expect(analysis.kind == .bounce, "\(name): \(analysis.kind)")
        // A standard report names the failed recipient; so do the non-standard ones that state an address.
        let text = try String(decoding: Data(contentsOf: URL(fileURLWithPath: MailCorpus.folder + "/" + name)), as: UTF8.self)
        if text.contains("Final-Recipient:") || text.contains("Original-Recipient:") {
            #expect(analysis.bounce?.recipient?.contains("@") == true, "\(name): no recipient")
        }
    }

    @Test("abuse feedback reports are complaints", arguments: MailCorpus.files.filter { $0.hasPrefix("arf-") })
    func complaints(name: String) throws {
        #expect(try MailCorpus.analyze(name).kind == .complaint)
    }

    @Test("RFC 3834 auto-replies are auto-replies", arguments: MailCorpus.files.filter { $0.hasPrefix("rfc3834-") })
    func autoReplies(name: String) throws {
        #expect(try MailCorpus.analyze(name).kind == .autoReply)
    }

    @Test("a message that is no bounce is not classified as one", arguments: MailCorpus.files.filter { $0.hasPrefix("is-not-bounce-") })
    func notBounce(name: String) throws {
        #expect(try MailCorpus.analyze(name).kind != .bounce)
    }

    @Test("known details: Postfix's user unknown is a hard 5.1.1 for its recipient; the away message says when")
    func details() throws {
        let postfix = try MailCorpus.analyze("lhost-postfix-01.eml")
        #expect(postfix.bounce?.hard == true)
        #expect(postfix.bounce?.status?.hasPrefix("5.") == true)
        let away = try MailCorpus.analyze("rfc3834-01.eml")
        #expect(away.returnDate?.month == 5 && away.returnDate?.day == 5)
    }
}
