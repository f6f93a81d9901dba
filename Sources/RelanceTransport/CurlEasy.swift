import CCurlShim

/// State shared with libcurl's C callbacks for one transfer: the bytes to
/// upload and the server's reply lines. Passed as an `Unmanaged` pointer,
/// since a C callback captures nothing.
final class TransferState {
    let upload: [UInt8]
    var offset = 0
    /// The read callback handed over the last byte: the whole message went out.
    var uploadFinished = false
    var replyLines: [String] = []
    /// What the server sent as the transfer's content (an IMAP message, untagged answers).
    var download: [UInt8] = []

    init(upload: [UInt8]) { self.upload = upload }
}

/// libcurl's C callbacks, as plain functions.
enum CurlCallbacks {
    static let read: relance_curl_data_callback = { buffer, size, count, userdata in
        guard let buffer, let userdata else { return 0 }
        let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
        let length = min(size * count, state.upload.count - state.offset)
        if length == 0 {
            state.uploadFinished = true
            return 0
        }
        state.upload.withUnsafeBytes { raw in
            UnsafeMutableRawPointer(buffer).copyMemory(from: raw.baseAddress! + state.offset, byteCount: length)
        }
        state.offset += length
        // libcurl knows the size and may never ask again for the final 0: every byte handed over counts as sent.
        if state.offset == state.upload.count { state.uploadFinished = true }
        return length
    }

    static let write: relance_curl_data_callback = { buffer, size, count, userdata in
        guard let buffer, let userdata else { return 0 }
        let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
        let length = size * count
        guard state.download.count + length <= 64 * 1024 * 1024 else { return 0 }  // refuse absurd sizes
        state.download.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: length))
        return length
    }

    /// For SMTP and IMAP, libcurl hands the server's response lines to the header callback.
    static let header: relance_curl_data_callback = { buffer, size, count, userdata in
        guard let buffer, let userdata else { return size * count }
        let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
        var bytes = UnsafeRawBufferPointer(start: buffer, count: size * count)[...]
        // The line end cut on bytes: four reply lines a message go through here.
        while let last = bytes.last, last == 0x0D || last == 0x0A { bytes = bytes.dropLast() }
        if !bytes.isEmpty { state.replyLines.append(String(decoding: bytes, as: UTF8.self)) }
        return size * count
    }
}
