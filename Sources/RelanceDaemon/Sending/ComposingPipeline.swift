import Dispatch
import RelanceMail
import Synchronization

/// Composes a batch's messages on a background thread, in order, while the
/// caller's thread sends the ones already composed: rendering templates and
/// encoding bodies overlaps the SMTP round trips instead of adding to them.
/// `curl_easy_perform` itself stays on the caller's thread.
final class ComposingPipeline: Sendable {
    private let facts: [ReminderFacts]
    private let slots: Mutex<[Result<OutgoingMessage, TemplateError>?]>
    private let ready = DispatchSemaphore(value: 0)

    /// Starts composing on `queue` (a serial queue keeps batches in order, one after the other).
    init(_ facts: [ReminderFacts], templates: MessageTemplates, queue: DispatchQueue) {
        self.facts = facts
        slots = Mutex(Array(repeating: nil, count: facts.count))
        queue.async { [self] in
            for index in facts.indices {
                // The invoice's document is read here, outside any store transaction.
                var message = facts[index]
                if message.attachment == nil, let path = message.invoice.attachment { message.attachment = Cycle.attachment(path) }
                let result = Result { () throws(TemplateError) -> OutgoingMessage in try MessageComposer.compose(message, templates: templates) }
                slots.withLock { $0[index] = result }
                ready.signal()
            }
        }
    }

    /// The message at `index`, waiting for it to be composed. Call with 0, 1, 2… in order.
    func message(_ index: Int) -> Result<OutgoingMessage, TemplateError> {
        ready.wait()
        return slots.withLock { slots in
            defer { slots[index] = nil }
            return slots[index]!
        }
    }
}
