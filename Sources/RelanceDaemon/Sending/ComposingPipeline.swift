import Dispatch
import Foundation
import Glibc
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

    /// Starts composing on `queue` (one thread keeps batches in order, one after the other).
    /// `parallel`: heavy messages (a QR code, a letter) may be composed on two threads; `eager`:
    /// any messages are, for a caller that waits for the whole batch before it hands any off.
    init(_ messages: [DecidedMessage], templates: MessageTemplates, queue: ComposerThread, parallel: Bool = true, eager: Bool = false) {
        let inputs = messages.map { Input(facts: $0.facts, letterPath: $0.letterPath, qrPayload: $0.qrPayload, archivePath: $0.archivePath) }
        slots = Mutex(Array(repeating: nil, count: inputs.count))
        ready = inputs.map { _ in DispatchSemaphore(value: 0) }
        queue.async { [self] in
            let folders = Folders()
            // Messages with a QR code or a letter cost several times a plain one: two composers side by
            // side then, each taking every other message (a second core halves that work, which the
            // store's thread would otherwise wait for). Plain messages keep one composer, which stays
            // ahead of the store's thread without taking a core from it.
            let heavy = inputs.contains { $0.qrPayload != nil || $0.facts.formalNotice != nil }
            let workers = parallel && inputs.count > 1 && (heavy || eager) ? Self.workers : 1
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for index in stride(from: worker, to: inputs.count, by: workers) {
                    let result = Self.compose(inputs[index], templates: templates, folders: folders)
                    slots.withLock { $0[index] = result }
                    ready[index].signal()
                }
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

    /// Composing threads per batch: two when the machine has two cores or more.
    static let workers = min(2, max(1, ProcessInfo.processInfo.activeProcessorCount))

    /// What the composer needs of a decided message (sendable, copied once).
    private struct Input: Sendable {
        let facts: ReminderFacts
        let letterPath: String?
        let qrPayload: String?
        let archivePath: String
    }

    /// The message as it would go now, for a person to look at (`relance show`): composed the same
    /// way, nothing written.
    static func preview(_ message: DecidedMessage, templates: MessageTemplates) -> Result<ComposedMessage, CompositionFailure> {
        compose(Input(facts: message.facts, letterPath: message.letterPath, qrPayload: message.qrPayload, archivePath: message.archivePath),
                templates: templates, folders: nil)
    }

    private static func compose(_ input: Input, templates: MessageTemplates, folders: Folders?) -> Result<ComposedMessage, CompositionFailure> {
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
            if let path = input.letterPath, let folders { letterKept = folders.write(pdf, to: path) }
        }
        if let copy = facts.invoiceCopy {
            do {
                facts.attachment = MailAttachment(fileName: "\(FileNames.safe(facts.invoice.id)).pdf", contentType: "application/pdf",
                                                  bytes: try InvoiceCopyDocument.render(copy.statement, creditor: copy.creditor, language: facts.language,
                                                                                        iban: facts.payment.iban, bic: facts.payment.bic))
            } catch {
                return .failure(CompositionFailure(description: "the copy of the invoice could not be drawn: \(error)"))
            }
        }
        if let payload = input.qrPayload, let png = try? QRImage.png(try QRMatrix(encoding: payload)) {
            facts.paymentQR = MailAttachment(fileName: "qr-payment.png", contentType: "image/png", bytes: png)
        }
        let message: OutgoingMessage
        do { message = try MessageComposer.compose(facts, templates: templates) } catch {
            return .failure(CompositionFailure(description: error.description))
        }
        // The copy as sent, byte for byte, for the collection file (not synced per message: see docs/durability.md).
        let copy = folders?.append(message.data, to: input.archivePath)
        return .success(ComposedMessage(message: message, copy: copy, letterKept: letterKept))
    }

    /// The stored copy of the invoice's document, if it can be read (at compose time, outside any transaction).
    /// A path that is not absolute is a reference to bytes kept elsewhere (a shared store's
    /// `SharedAttachments`, fetched before composing), never a file looked up where relance runs.
    static func attachment(_ path: String) -> MailAttachment? {
        guard path.hasPrefix("/"), let data = FileManager.default.contents(atPath: path) else { return nil }
        return attachment(named: (path as NSString).lastPathComponent, bytes: Array(data))
    }

    /// An invoice's document as a message part, typed by its name.
    static func attachment(named name: String, bytes: [UInt8]) -> MailAttachment {
        let type = name.lowercased().hasSuffix(".pdf") ? "application/pdf" : "application/octet-stream"
        return MailAttachment(fileName: name, contentType: type, bytes: bytes)
    }
}

/// A composed message, where its copy is kept (nil when it could not be: a full disk does not stop
/// the message, it goes and the send log says the copy is missing), and whether its letter was kept.
struct ComposedMessage: Sendable {
    let message: OutgoingMessage
    let copy: SentCopy?
    let letterKept: Bool
}

/// Why a message could not be composed (a broken template, a letter that could not be drawn):
/// the reminder fails with this reason, before it is handed off.
struct CompositionFailure: Error, Sendable, CustomStringConvertible {
    let description: String
}

/// The folders the composers have already made, and their file writes: a letter as a whole file
/// (written, then renamed), a message's copy appended to the day's file of copies. Shared by the
/// composing threads of a batch, one at a time.
private final class Folders: @unchecked Sendable {
    private var made = Set<String>()
    private var open: [String: FileHandle] = [:]
    private let lock = NSLock()

    deinit { for handle in open.values { try? handle.close() } }

    /// Appends `bytes` to the file at `path` (one per day: a file per message would cost an inode
    /// each, the dearest part of writing thousands); nil when it cannot be written.
    func append(_ bytes: [UInt8], to path: String) -> SentCopy? {
        lock.lock()
        defer { lock.unlock() }
        let folder = (path as NSString).deletingLastPathComponent
        if !made.contains(folder) {
            guard (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)) != nil else { return nil }
            made.insert(folder)
        }
        if open[path] == nil {
            let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
            guard fd >= 0 else { return nil }
            open[path] = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        }
        guard let handle = open[path], let offset = try? handle.seekToEnd() else { return nil }
        do { try handle.write(contentsOf: bytes) } catch {
            // A short write on a full disk: cut the file back to where this copy began.
            try? handle.truncate(atOffset: offset)
            return nil
        }
        return SentCopy(file: path, offset: offset, length: UInt64(bytes.count))
    }

    func write(_ bytes: [UInt8], to path: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
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
