import Foundation
import Logging
import RelanceConfig
import RelanceStore
import RelanceTransport

/// Reads the reply mailbox over IMAP: the messages above the last UID seen
/// (all of them again after a UIDVALIDITY change; each is still recorded only
/// once), each handed to `ReplyProcessor`, left unread unless configured,
/// optionally moved to a folder once handled. One connection, reused.
public final class ReplyPoller {
    let context: DaemonContext
    let settings: RepliesSettings
    let client: IMAPClient

    public init?(context: DaemonContext) throws {
        guard let settings = context.configuration.replies else { return nil }
        self.context = context
        self.settings = settings
        let secret = try SecretSource(file: settings.passwordFile, credentialName: "imap-password",
                                      environmentVariable: "RELANCE_IMAP_PASSWORD").read()
        client = try IMAPClient(settings: IMAPSettings(url: settings.url, tls: settings.tls == "none" ? .none : .required,
                                                       username: settings.username, caFile: settings.caFile,
                                                       timeoutSeconds: min(60, DaemonContext.watchdogTimeoutCap(ProcessInfo.processInfo.environment))),
                                secret: secret)
    }

    /// One pass over the mailbox; returns how many new messages were handled.
    @discardableResult
    public func poll() -> Int {
        let folder = settings.folder
        do {
            let status = try client.status(folder: folder)
            let stored = try context.store.read { tx in try tx.mailboxState(folder: folder) }
            var last = stored?.uidValidity == status.uidValidity ? stored?.lastUID ?? 0 : 0
            if let stored, stored.uidValidity != status.uidValidity {
                context.logger.warning("replies: UIDVALIDITY of \(folder) changed (\(stored.uidValidity) → \(status.uidValidity)); reading it again")
            }
            if let moveTo = settings.moveTo { try client.create(folder: moveTo) }
            var handled = 0
            for uid in try client.uids(folder: folder, from: last + 1) {
                let bytes = try client.fetch(folder: folder, uid: uid, markRead: settings.markRead)
                if try ReplyProcessor(context: context).process(bytes) != nil { handled += 1 }
                if let moveTo = settings.moveTo { try client.move(folder: folder, uid: uid, to: moveTo) }
                last = uid
                try context.store.write { tx in try tx.setMailboxState(folder: folder, uidValidity: status.uidValidity, lastUID: last) }
            }
            if stored == nil || stored?.uidValidity != status.uidValidity {
                try context.store.write { tx in try tx.setMailboxState(folder: folder, uidValidity: status.uidValidity, lastUID: last) }
            }
            return handled
        } catch {
            context.logger.error("replies: \(error)")
            return 0
        }
    }
}
