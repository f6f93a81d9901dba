import Dispatch
import Foundation
import RelanceMail
import Synchronization

/// Composes a batch's messages on a background thread, in order, while the
/// caller's thread sends the ones already composed: rendering templates and
/// encoding bodies overlaps the SMTP round trips instead of adding to them.
/// `curl_easy_perform` itself stays on the caller's thread.
final class ComposingPipeline: Sendable {
    private let facts: [ReminderFacts]
    private let slots: Mutex<[Result<OutgoingMessage, TemplateError>?]>
    /// One per message, signalled once it is composed: messages may be taken in any order.
    private let ready: [DispatchSemaphore]

    /// Starts composing on `queue` (a serial queue keeps batches in order, one after the other).
    init(_ facts: [ReminderFacts], templates: MessageTemplates, queue: DispatchQueue) {
        self.facts = facts
        slots = Mutex(Array(repeating: nil, count: facts.count))
        ready = facts.map { _ in DispatchSemaphore(value: 0) }
        queue.async { [self] in
            for index in facts.indices {
                // The invoice's document is read here, outside any store transaction.
                var message = facts[index]
                if message.attachment == nil, let path = message.invoice.attachment { message.attachment = Self.attachment(path) }
                let result = Result { () throws(TemplateError) -> OutgoingMessage in try MessageComposer.compose(message, templates: templates) }
                slots.withLock { $0[index] = result }
                ready[index].signal()
            }
        }
    }

    /// The message at `index`, waiting for it to be composed. Each index is taken once.
    func message(_ index: Int) -> Result<OutgoingMessage, TemplateError> {
        ready[index].wait()
        return slots.withLock { slots in
            defer { slots[index] = nil }
            return slots[index]!
        }
    }

    /// The stored copy of the invoice's document, if it can be read (at compose time, outside any transaction).
    static func attachment(_ path: String) -> MailAttachment? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let name = (path as NSString).lastPathComponent
        let type = name.lowercased().hasSuffix(".pdf") ? "application/pdf" : "application/octet-stream"
        return MailAttachment(fileName: name, contentType: type, bytes: Array(data))
    }
}
