import CDocumentsLoader

/// The document libraries (cairo, Pango, libpng, libqrencode), opened the first time a letter or a
/// QR code is drawn instead of at every start of relance (CDocumentsLoader). Every entry point of
/// this module checks them first, so a machine without them gets a clear reason, not a crash.
enum DocumentLibraries {
    static func ensureLoaded() throws(RenderingError) {
        var message = [CChar](repeating: 0, count: 512)
        guard relance_documents_load(&message, Int32(message.count)) == 0 else { return }
        let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw RenderingError("the document libraries (cairo, Pango, libpng, libqrencode) cannot be loaded: \(reason)")
    }
}
