import Foundation
import RelanceMail
import RelanceStore

/// The invoices' documents a shared pass's messages carry, fetched from the shared store before
/// they are composed (outside any transaction, in one statement for the pass): exists because the
/// one-machine composer reads the document from a file in its state directory, and on a shared
/// store the bytes are in `SharedAttachments`. A reference whose bytes are missing leaves the
/// message without it, as a one-machine file that cannot be read does.
enum SharedMessageAttachments {
    /// Sets each message's attachment from the store, when its invoice names one kept there.
    static func fill(_ messages: inout [DecidedMessage], from store: PostgresStore) throws {
        let keys = messages.compactMap { message in message.facts.attachment == nil ? message.facts.invoice.attachment.flatMap(SharedAttachments.key(of:)) : nil }
        guard !keys.isEmpty else { return }
        let found = try store.blockingStatement("read \(keys.count) attachment(s)") { try await SharedAttachments.fetch(keys: keys, on: $0) }
        for index in messages.indices where messages[index].facts.attachment == nil {
            guard let key = messages[index].facts.invoice.attachment.flatMap(SharedAttachments.key(of:)), let bytes = found[key] else { continue }
            messages[index].facts.attachment = ComposingPipeline.attachment(named: SharedAttachments.fileName(of: key), bytes: bytes)
        }
    }
}
