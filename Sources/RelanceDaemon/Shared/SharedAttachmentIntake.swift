import Foundation
import RelanceConfig
import RelanceFormats
import RelanceStore

/// The documents a batch's invoices came with, read from the inbox before the batch's transaction
/// begins: exists because on a shared store an attachment cannot stay a file in one instance's
/// state directory (`SharedAttachments`). Each invoice's attachment path becomes a reference to
/// bytes the intake stores with the invoice; a file whose attachment cannot be read is rejected
/// with the one-machine intake's reason (`Pickup.storeAttachment`), never taken without it.
enum SharedAttachmentIntake {
    /// An accepted file's invoices with their attachments referenced, and the bytes to store.
    struct Prepared: Sendable {
        let read: InvoiceReader.Read
        let attachments: [(key: String, bytes: [UInt8])]
    }

    /// Reads the attachments of an accepted file's invoices; the reasons it cannot be taken when one
    /// cannot be read.
    static func prepare(_ read: InvoiceReader.Read, paths: PathSettings) -> Result<Prepared, Rejection> {
        var attachments: [(key: String, bytes: [UInt8])] = []
        var documents: [InvoiceReader.Document] = []
        for document in read.documents {
            guard case .invoice(var invoice) = document, let relative = invoice.attachment else {
                documents.append(document)
                continue
            }
            // The same containment and size checks as the invoice file itself.
            guard let bytes = try? InboxFile.read(paths.inbox + "/" + relative, inbox: paths.inbox, sizeLimit: paths.maxFileBytes) else {
                return .failure(Rejection(reasons: ["attachment: \(relative) cannot be read"]))
            }
            // The folder name the one-machine intake gives it, so a migrated store's keys and new ones agree.
            let key = String(SHA256.hex(Array(invoice.id.utf8) + bytes).prefix(16)) + "/" + (relative as NSString).lastPathComponent
            attachments.append((key, bytes))
            invoice.attachment = SharedAttachments.reference(key: key)
            documents.append(.invoice(invoice))
        }
        return .success(Prepared(read: InvoiceReader.Read(file: read.file, format: read.format, documents: documents), attachments: attachments))
    }

    /// Why a file cannot be taken.
    struct Rejection: Error {
        let reasons: [String]
    }
}
