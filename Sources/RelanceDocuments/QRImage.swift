import CDocumentsLoader
import CPangoCairo
import Glibc

/// A QR symbol as a PNG image (black on white, with its quiet zone), for the HTML email: mail
/// clients show an inline PNG; they do not draw vector graphics. Written by libpng as a
/// two-colour palette image at one bit per pixel, compressed for speed
/// (`relance_png_write_bilevel`): some 660 bytes, and a small part of composing a message (an
/// RGB image through cairo cost more than the rest of the message together).
public enum QRImage {
    /// `modulePixels` pixels per module; 3 gives the 147 px an EPC payload's symbol (version 6,
    /// 41 modules and the quiet zone) is shown at in the HTML part, one pixel per pixel.
    public static func png(_ matrix: QRMatrix, modulePixels: Int = 3) throws(RenderingError) -> [UInt8] {
        try DocumentLibraries.ensureLoaded()
        let quiet = 4
        let side = (matrix.size + 2 * quiet) * modulePixels
        let rowBytes = (side + 7) / 8
        // One bit per pixel, most significant first: 1 (white) for light modules, the quiet zone and the
        // padding of the last byte, 0 (black) for dark modules.
        var rows = [UInt8](repeating: 0xFF, count: rowBytes * side)
        rows.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<matrix.size {
                // One row of pixels, then copied down for the module's height.
                let top = (row + quiet) * modulePixels * rowBytes
                for column in 0..<matrix.size where matrix.isDark(row: row, column: column) {
                    let left = (column + quiet) * modulePixels
                    for x in left..<(left + modulePixels) { buffer[top + x / 8] &= ~(UInt8(0x80) >> UInt8(x % 8)) }
                }
                for y in 1..<modulePixels {
                    for x in 0..<rowBytes { buffer[top + y * rowBytes + x] = buffer[top + x] }
                }
            }
        }
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        var message = [CChar](repeating: 0, count: 256)
        let written = rows.withUnsafeBufferPointer { buffer in
            relance_png_write_bilevel(buffer.baseAddress, Int32(side), Int32(side), Int32(rowBytes), &out, &length, &message, Int32(message.count))
        }
        guard written == 1, let out else {
            throw RenderingError("libpng: \(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        defer { free(out) }
        return Array(UnsafeBufferPointer(start: out, count: length))
    }

    /// Fills the dark modules, a rectangle per run of dark modules in a row (crisp edges, small output).
    static func draw(_ matrix: QRMatrix, in context: OpaquePointer, x: Double, y: Double, module: Double) {
        for row in 0..<matrix.size {
            var column = 0
            while column < matrix.size {
                guard matrix.isDark(row: row, column: column) else { column += 1; continue }
                let start = column
                while column < matrix.size, matrix.isDark(row: row, column: column) { column += 1 }
                cairo_rectangle(context, x + Double(start) * module, y + Double(row) * module, Double(column - start) * module, module)
            }
        }
        cairo_fill(context)
    }
}
