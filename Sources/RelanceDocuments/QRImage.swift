import CPangoCairo
import CPNG

/// A QR symbol as a PNG image (black on white, with its quiet zone), for the HTML email: mail
/// clients show an inline PNG; they do not draw vector graphics. Written by libpng as a
/// two-colour palette image at one bit per pixel, compressed for speed: a few hundred bytes,
/// and a small part of composing a message (an RGB image through cairo cost more than the rest
/// of the message together).
public enum QRImage {
    /// `modulePixels` pixels per module; 3 gives the 147 px an EPC payload's symbol (version 6,
    /// 41 modules and the quiet zone) is shown at in the HTML part, one pixel per pixel.
    public static func png(_ matrix: QRMatrix, modulePixels: Int = 3) throws(RenderingError) -> [UInt8] {
        try DocumentLibraries.ensureLoaded()
        let quiet = 4
        let side = (matrix.size + 2 * quiet) * modulePixels
        // One byte per pixel, the palette index: 1 (white) for light modules and the quiet zone, 0 (black) for dark ones.
        var pixels = [UInt8](repeating: 1, count: side * side)
        pixels.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<matrix.size {
                // One row of pixels, then copied down for the module's height.
                let top = (row + quiet) * modulePixels * side
                for column in 0..<matrix.size where matrix.isDark(row: row, column: column) {
                    let left = top + (column + quiet) * modulePixels
                    for x in left..<(left + modulePixels) { buffer[x] = 0 }
                }
                for y in 1..<modulePixels {
                    for x in 0..<side { buffer[top + y * side + x] = buffer[top + x] }
                }
            }
        }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(side)
        image.height = UInt32(side)
        image.format = UInt32(PNG_FORMAT_FLAG_COLORMAP)  // a palette of 8-bit grays
        image.colormap_entries = 2
        image.flags = UInt32(PNG_IMAGE_FLAG_FAST)
        let palette: [UInt8] = [0, 255]
        // One pass into a buffer that holds any such image (a 1-bit row per pixel row, uncompressed, plus
        // the chunks); libpng says the size it needed when a buffer is short, and a second pass uses it.
        var size = side * (side / 8 + 2) + 1_024
        var out = [UInt8](repeating: 0, count: size)
        func write() -> Int32 {
            out.withUnsafeMutableBytes { target in
                pixels.withUnsafeBytes { raw in
                    palette.withUnsafeBytes { map in
                        png_image_write_to_memory(&image, target.baseAddress, &size, 0, raw.baseAddress, Int32(side), map.baseAddress)
                    }
                }
            }
        }
        var written = write()
        if written == 0, size > out.count {
            out = [UInt8](repeating: 0, count: size)
            image.warning_or_error = 0
            written = write()
        }
        defer { png_image_free(&image) }
        guard written != 0 else { throw RenderingError("libpng: \(message(image))") }
        return Array(out.prefix(size))
    }

    private static func message(_ image: png_image) -> String {
        withUnsafeBytes(of: image.message) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
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
