import CPangoCairo

/// Bytes cairo writes through a stream callback (PDF or PNG), collected in memory: a letter is
/// attached to an email and saved, so it never needs a temporary file.
final class CairoOutput {
    var bytes: [UInt8] = []

    /// The callback cairo calls; it captures nothing and finds its buffer through `closure`.
    static let write: cairo_write_func_t = { closure, data, length in
        guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
        let output = Unmanaged<CairoOutput>.fromOpaque(closure).takeUnretainedValue()
        output.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
        return CAIRO_STATUS_SUCCESS
    }
}

/// A failure of cairo or Pango while drawing, with cairo's own words.
public struct RenderingError: Error, Sendable, CustomStringConvertible {
    public let description: String

    init(_ status: cairo_status_t, _ what: String) {
        description = "\(what): \(String(cString: cairo_status_to_string(status)))"
    }

    init(_ message: String) { description = message }
}
