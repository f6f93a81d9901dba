import CQRencode

/// The modules of a QR code symbol, made by libqrencode: what the letter draws and the HTML
/// email shows as an image. The quiet zone (four modules, ISO/IEC 18004 §6.3.8) is added by
/// whoever draws it.
public struct QRMatrix: Sendable, Equatable {
    /// Modules per side.
    public let size: Int
    /// Row-major, `true` for a dark module.
    public let modules: [Bool]

    /// Why no symbol could be made.
    public struct EncodingFailure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Encodes `text` as UTF-8 bytes (8-bit mode, as EPC069-12 requires for character set 1) at
    /// error-correction level M, the smallest version that holds it.
    public init(encoding text: String) throws(EncodingFailure) {
        guard !text.isEmpty else { throw EncodingFailure(description: "nothing to encode") }
        do { try DocumentLibraries.ensureLoaded() } catch { throw EncodingFailure(description: error.description) }
        var bytes = Array(text.utf8)
        let symbol = bytes.withUnsafeMutableBufferPointer { buffer in
            QRcode_encodeData(Int32(buffer.count), buffer.baseAddress, 0, QR_ECLEVEL_M)
        }
        guard let symbol else { throw EncodingFailure(description: "libqrencode could not encode \(bytes.count) bytes") }
        defer { QRcode_free(symbol) }
        let width = Int(symbol.pointee.width)
        var modules = [Bool](repeating: false, count: width * width)
        for index in 0..<(width * width) {
            modules[index] = symbol.pointee.data[index] & 1 == 1
        }
        size = width
        self.modules = modules
    }

    public func isDark(row: Int, column: Int) -> Bool { modules[row * size + column] }
}
