import CPangoCairo

/// A QR symbol as a PNG image (black on white, with its quiet zone), for the HTML email: mail
/// clients show an inline PNG; they do not draw vector graphics.
public enum QRImage {
    /// `modulePixels` pixels per module; 4 gives a ~150 px image for an EPC payload.
    public static func png(_ matrix: QRMatrix, modulePixels: Int = 4) throws(RenderingError) -> [UInt8] {
        let quiet = 4
        let side = Int32((matrix.size + 2 * quiet) * modulePixels)
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, side, side) else { throw RenderingError("no image surface") }
        defer { cairo_surface_destroy(surface) }
        guard let context = cairo_create(surface) else { throw RenderingError("no cairo context") }
        defer { cairo_destroy(context) }
        cairo_set_source_rgb(context, 1, 1, 1)
        cairo_paint(context)
        cairo_set_source_rgb(context, 0, 0, 0)
        let scale = Double(modulePixels)
        draw(matrix, in: context, x: Double(quiet) * scale, y: Double(quiet) * scale, module: scale)
        cairo_surface_flush(surface)
        let output = CairoOutput()
        let status = cairo_surface_write_to_png_stream(surface, CairoOutput.write, Unmanaged.passUnretained(output).toOpaque())
        guard status == CAIRO_STATUS_SUCCESS else { throw RenderingError(status, "writing the QR image") }
        return withExtendedLifetime(output) { output.bytes }
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
