import Dispatch
import Foundation
import RelanceDocuments
import RelanceMail
import Synchronization

/// Composes a batch's messages on a background thread, in order, while the caller's thread
/// sends the ones already composed: rendering templates, the formal notice's letter and the QR
/// image, encoding bodies and keeping a copy of each message overlap the SMTP round trips
/// instead of adding to them. `curl_easy_perform` itself stays on the caller's thread.
final class ComposingPipeline: Sendable {
    private let slots: Mutex<[Result<ComposedMessage, CompositionFailure>?]>
    /// One per message, signalled once it is composed: messages may be taken in any order.
    private let ready: [DispatchSemaphore]

    /// Starts composing on `queue` (a serial queue keeps batches in order, one after the other).
    init(_ messages: [DecidedMessage], templates: MessageTemplates, queue: DispatchQueue) {
        let inputs = messages.map { Input(facts: $0.facts, letterPath: $0.letterPath, qrPayload: $0.qrPayload, archivePath: $0.archivePath) }
        slots = Mutex(Array(repeating: nil, count: inputs.count))
        ready = inputs.map { _ in DispatchSemaphore(value: 0) }
        queue.async { [self] in
            let folders = Folders()
            for index in inputs.indices {
                let result = Self.compose(inputs[index], templates: templates, folders: folders)
                slots.withLock { $0[index] = result }
                ready[index].signal()
            }
        }
    }

    /// The message at `index`, waiting for it to be composed. Each index is taken once.
    func message(_ index: Int) -> Result<ComposedMessage, CompositionFailure> {
        ready[index].wait()
        return slots.withLock { slots in
            defer { slots[index] = nil }
            return slots[index]!
        }
    }

    /// What the composer needs of a decided message (sendable, copied once).
    private struct Input: Sendable {
        let facts: ReminderFacts
        let letterPath: String?
        let qrPayload: String?
        let archivePath: String
    }

    private static func compose(_ input: Input, templates: MessageTemplates, folders: Folders) -> Result<ComposedMessage, CompositionFailure> {
        var facts = input.facts
        // The invoice's document is read here, outside any store transaction.
        if facts.attachment == nil, let path = facts.invoice.attachment { facts.attachment = attachment(path) }
        var letterKept = false
        if let notice = facts.formalNotice {
            let pdf: [UInt8]
            do { pdf = try FormalNoticeLetter.render(notice) } catch {
                return .failure(CompositionFailure(description: "the formal notice letter could not be drawn: \(error)"))
            }
            let name = (input.letterPath.map { ($0 as NSString).lastPathComponent }) ?? "formal-notice.pdf"
            facts.letter = MailAttachment(fileName: name, contentType: "application/pdf", bytes: pdf)
            if let path = input.letterPath { letterKept = folders.write(pdf, to: path) }
        }
        if let payload = input.qrPayload, let png = try? QRImage.png(try QRMatrix(encoding: payload)) {
            facts.paymentQR = MailAttachment(fileName: "qr-payment.png", contentType: "image/png", bytes: png)
        }
        let message: OutgoingMessage
        do { message = try MessageComposer.compose(facts, templates: templates) } catch {
            return .failure(CompositionFailure(description: error.description))
        }
        // The copy as sent, byte for byte, for the collection file (not synced per message: see docs/durability.md).
        let archived = folders.write(message.data, to: input.archivePath)
        return .success(ComposedMessage(message: message, archived: archived, letterKept: letterKept))
    }

    /// The stored copy of the invoice's document, if it can be read (at compose time, outside any transaction).
    static func attachment(_ path: String) -> MailAttachment? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let name = (path as NSString).lastPathComponent
        let type = name.lowercased().hasSuffix(".pdf") ? "application/pdf" : "application/octet-stream"
        return MailAttachment(fileName: name, contentType: type, bytes: Array(data))
    }
}

/// A composed message, and whether its copy and its letter could be kept on disk (a full disk
/// does not stop the message: it goes, and the missing copy is said in the send log).
struct ComposedMessage: Sendable {
    let message: OutgoingMessage
    let archived: Bool
    let letterKept: Bool
}

/// Why a message could not be composed (a broken template, a letter that could not be drawn):
/// the reminder fails with this reason, before it is handed off.
struct CompositionFailure: Error, Sendable, CustomStringConvertible {
    let description: String
}

/// The folders the composer has already made, and its file writes (whole file, then renamed).
private final class Folders {
    private var made = Set<String>()

    func write(_ bytes: [UInt8], to path: String) -> Bool {
        let folder = (path as NSString).deletingLastPathComponent
        if !made.contains(folder) {
            guard (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)) != nil else { return false }
            made.insert(folder)
        }
        let temporary = folder + "/." + (path as NSString).lastPathComponent + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else { return false }
        guard rename(temporary, path) == 0 else { unlink(temporary); return false }
        return true
    }
}
