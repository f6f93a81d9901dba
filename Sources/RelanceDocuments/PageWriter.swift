import CPangoCairo
import RelanceCore

/// Draws text on A4 PDF pages through Pango, top to bottom, starting a new page when the next
/// block would not fit. Every text is set as plain text (never Pango markup), so nothing a
/// customer or an invoice file wrote can change the layout or inject formatting.
final class PageWriter {
    /// A4 in PostScript points (ISO 216: 210 × 297 mm).
    static let pageWidth = 595.2756
    static let pageHeight = 841.8898
    static let millimetre = 72.0 / 25.4

    let surface: OpaquePointer
    let context: OpaquePointer
    let left = 20 * PageWriter.millimetre
    let right = PageWriter.pageWidth - 20 * PageWriter.millimetre
    let top = 18 * PageWriter.millimetre
    let bottom = PageWriter.pageHeight - 22 * PageWriter.millimetre
    var y: Double
    private(set) var pageCount = 1
    /// Drawn at the foot of every page (the company's legal identifiers).
    var footer: String?
    /// Drawn at the top of every page after the first (a table's header row, for instance).
    var continuation: ((PageWriter) -> Void)?

    init(output: CairoOutput) throws(RenderingError) {
        try DocumentLibraries.ensureLoaded()
        guard let surface = cairo_pdf_surface_create_for_stream(CairoOutput.write, Unmanaged.passUnretained(output).toOpaque(),
                                                                 Self.pageWidth, Self.pageHeight) else { throw RenderingError("no PDF surface") }
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else { cairo_surface_destroy(surface); throw RenderingError(status, "creating the PDF") }
        self.surface = surface
        context = cairo_create(surface)
        y = top
    }

    /// Sets the document's title and author in its metadata (what `pdfinfo` shows).
    /// The creation date is the document's own date, never the wall clock's (cairo's default), so a
    /// letter rendered twice from the same facts is the same file.
    func metadata(title: String, author: String, date: LocalDate) {
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, "\(date.iso)T00:00:00")
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, author)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "relance")
    }

    /// Ends the document; the bytes are in the output afterwards.
    func finish() throws(RenderingError) {
        drawFooter()
        cairo_destroy(context)
        cairo_surface_finish(surface)
        let status = cairo_surface_status(surface)
        cairo_surface_destroy(surface)
        guard status == CAIRO_STATUS_SUCCESS else { throw RenderingError(status, "writing the PDF") }
    }

    /// The text's height when set `width` wide.
    func measure(_ text: String, style: TextStyle, width: Double) -> Double {
        withLayout(text, style: style, width: width) { _, height in height }
    }

    /// Draws `text` with its top-left corner at (x, y); returns its height.
    @discardableResult
    func draw(_ text: String, style: TextStyle, x: Double, y: Double, width: Double, alignment: TextAlignment = .left) -> Double {
        withLayout(text, style: style, width: width, alignment: alignment) { layout, height in
            cairo_set_source_rgb(context, style.gray, style.gray, style.gray)
            cairo_move_to(context, x, y)
            pango_cairo_show_layout(context, layout)
            return height
        }
    }

    /// A block of the full text width at the current position, moving down past it; a new page first when it would not fit.
    func paragraph(_ text: String, style: TextStyle = .body, spaceAfter: Double = 5.5, x: Double? = nil, width: Double? = nil) {
        let originX = x ?? left
        let blockWidth = width ?? (right - originX)
        let height = measure(text, style: style, width: blockWidth)
        ensure(height)
        draw(text, style: style, x: originX, y: y, width: blockWidth)
        y += height + spaceAfter
    }

    /// Starts a new page unless `height` more points fit above the bottom margin.
    func ensure(_ height: Double) {
        guard y + height > bottom else { return }
        drawFooter()
        cairo_show_page(context)
        pageCount += 1
        y = top
        continuation?(self)
    }

    func rule(from x1: Double, to x2: Double, width: Double = 0.5) {
        cairo_set_source_rgb(context, 0.35, 0.35, 0.35)
        cairo_set_line_width(context, width)
        cairo_move_to(context, x1, y)
        cairo_line_to(context, x2, y)
        cairo_stroke(context)
    }

    /// The QR symbol with its quiet zone, `side` points wide, top-left at (x, y).
    func qr(_ matrix: QRMatrix, x: Double, y: Double, side: Double) {
        let module = side / Double(matrix.size + 8)
        cairo_set_source_rgb(context, 0, 0, 0)
        QRImage.draw(matrix, in: context, x: x + 4 * module, y: y + 4 * module, module: module)
    }

    private func drawFooter() {
        guard let footer else { return }
        let height = measure(footer, style: .small, width: right - left)
        draw(footer, style: .small, x: left, y: Self.pageHeight - 12 * Self.millimetre - height, width: right - left, alignment: .center)
    }

    private func withLayout<T>(_ text: String, style: TextStyle, width: Double, alignment: TextAlignment = .left,
                               _ body: (OpaquePointer, Double) -> T) -> T {
        let layout = pango_cairo_create_layout(context)!
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        let font = pango_font_description_from_string(style.font)
        defer { pango_font_description_free(font) }
        pango_layout_set_font_description(layout, font)
        pango_layout_set_width(layout, Int32(width * 1024))
        pango_layout_set_wrap(layout, 2)  // PANGO_WRAP_WORD_CHAR: a long unbroken word still wraps
        pango_layout_set_alignment(layout, alignment.rawValue)
        pango_layout_set_spacing(layout, Int32(style.leading * 1024))
        pango_layout_set_text(layout, text, -1)
        var w: Int32 = 0
        var h: Int32 = 0
        pango_layout_get_size(layout, &w, &h)
        return body(layout, Double(h) / 1024)
    }
}

/// A font, its size and its gray level: the few styles a letter uses.
struct TextStyle {
    let font: String
    let gray: Double
    let leading: Double

    /// Sizes in `px`, which Pango takes as device units: PDF points here.
    static let body = TextStyle(font: "DejaVu Sans 9.5px", gray: 0, leading: 1.5)
    static let bold = TextStyle(font: "DejaVu Sans Bold 9.5px", gray: 0, leading: 1.5)
    static let heading = TextStyle(font: "DejaVu Sans Bold 12px", gray: 0, leading: 1)
    static let letterhead = TextStyle(font: "DejaVu Sans Bold 14px", gray: 0, leading: 1)
    static let table = TextStyle(font: "DejaVu Sans 8px", gray: 0, leading: 0.5)
    static let tableBold = TextStyle(font: "DejaVu Sans Bold 8px", gray: 0, leading: 0.5)
    static let small = TextStyle(font: "DejaVu Sans 7px", gray: 0.3, leading: 0.5)
}

/// Pango's alignments (PangoAlignment).
enum TextAlignment: Int32 {
    case left = 0
    case center = 1
    case right = 2
}
