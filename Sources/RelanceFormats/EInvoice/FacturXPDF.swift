import CZlib
import Foundation

/// Finds the invoice XML embedded in a Factur-X / ZUGFeRD PDF. Rather than
/// trusting the attachment's name (`factur-x.xml`, `zugferd-invoice.xml`,
/// `ZUGFeRD-invoice.xml`, `xrechnung.xml`, and producers misspell them), every
/// stream of the file is examined, the Flate-compressed ones inflated
/// (bounded), and the first whose root element is a CII or UBL invoice is the
/// invoice. The PDF itself is kept as the reminder's attachment.
enum FacturXPDF {    static let maximumInflated = 20 * 1024 * 1024
    static let maximumStreams = 5_000

    enum Failure: Error {
        case notAPDF, broken, noInvoice
    }

    static func isPDF(_ bytes: [UInt8]) -> Bool { bytes.starts(with: Array("%PDF-".utf8)) }

    /// The embedded invoice XML.
    static func embeddedInvoice(_ bytes: [UInt8]) throws(Failure) -> [UInt8] {
        guard isPDF(bytes) else { throw .notAPDF }
        let streamMarker = Array("stream".utf8), endMarker = Array("endstream".utf8)
        var index = 0
        var found = 0
        var candidates: [[UInt8]] = []
        while let start = find(streamMarker, in: bytes, from: index), found < maximumStreams {
            // "endstream" also contains "stream": skip it.
            if start >= 3, bytes[(start - 3)..<start].elementsEqual(Array("end".utf8)) { index = start + streamMarker.count; continue }
            var dataStart = start + streamMarker.count
            if dataStart < bytes.count, bytes[dataStart] == 0x0D { dataStart += 1 }
            if dataStart < bytes.count, bytes[dataStart] == 0x0A { dataStart += 1 }
            guard let end = find(endMarker, in: bytes, from: dataStart) else { break }
            found += 1
            let dictionary = String(decoding: bytes[max(0, start - 400)..<start], as: UTF8.self)
            let data = Array(bytes[dataStart..<end])
            let content: [UInt8]? = dictionary.contains("/FlateDecode") ? inflate(data) : data
            if let content, looksLikeInvoice(content) { candidates.append(content) }
            index = end + endMarker.count
        }
        if found == 0 { throw .broken }
        guard let invoice = candidates.first else { throw .noInvoice }
        return invoice
    }

    /// True when the first element (after the XML declaration and comments) is an invoice's root.
    static func looksLikeInvoice(_ content: [UInt8]) -> Bool {
        let head = String(decoding: content.prefix(65_536), as: UTF8.self)
        var rest = Substring(head)
        while let open = rest.firstIndex(of: "<") {
            let after = rest[rest.index(after: open)...]
            if after.hasPrefix("!--") {
                // A comment (ZUGFeRD samples open with a long disclaimer) ends only at "-->".
                guard let close = after.range(of: "-->") else { return false }
                rest = after[close.upperBound...]
                continue
            }
            if after.hasPrefix("?") || after.hasPrefix("!") {
                rest = after.drop { $0 != ">" }
                continue
            }
            let name = after.prefix { !$0.isWhitespace && $0 != ">" && $0 != "/" }
            let local = name.split(separator: ":").last.map(String.init) ?? ""
            return ["CrossIndustryInvoice", "CrossIndustryDocument", "Invoice", "CreditNote"].contains(local)
        }
        return false
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var index = max(0, from)
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    /// zlib inflate, refusing output beyond `maximumInflated` (a compression bomb) and damaged data.
    static func inflate(_ input: [UInt8]) -> [UInt8]? {
        guard !input.isEmpty else { return nil }
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var source = input
        let status: Int32 = source.withUnsafeMutableBufferPointer { inBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = uInt(inBuffer.count)
            while true {
                let result: Int32 = chunk.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = uInt(outBuffer.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                output.append(contentsOf: chunk[0..<produced])
                if output.count > maximumInflated { return Z_DATA_ERROR }
                if result == Z_STREAM_END { return Z_STREAM_END }
                if result != Z_OK { return result }
                if stream.avail_in == 0, produced == 0 { return Z_BUF_ERROR }
            }
        }
        return status == Z_STREAM_END ? output : nil
    }
}
