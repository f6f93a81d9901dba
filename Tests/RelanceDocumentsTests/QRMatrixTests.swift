import Testing
@testable import RelanceDocuments

@Suite(.ownThread) struct QRMatrixTests {
    @Test func encodesAtLevelMWithFinderPatterns() throws {
        let matrix = try QRMatrix(encoding: "BCD\n002\n1\nSCT\n\nAtelier Dupont\nFR7630006000011234567890189\nEUR10.00\n\nRF18539007547034")
        #expect(matrix.size >= 21 && (matrix.size - 17) % 4 == 0)
        // The top-left finder pattern: a dark 7×7 ring around a light ring around a dark 3×3 core.
        #expect(matrix.isDark(row: 0, column: 0) && matrix.isDark(row: 0, column: 6) && matrix.isDark(row: 6, column: 0))
        #expect(!matrix.isDark(row: 1, column: 1) && matrix.isDark(row: 3, column: 3))
    }

    @Test func refusesEmptyText() {
        #expect(throws: QRMatrix.EncodingFailure.self) { try QRMatrix(encoding: "") }
    }

    @Test func pngStartsWithItsSignature() throws {
        let png = try QRImage.png(try QRMatrix(encoding: "hello"))
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }
}

import Foundation
import RelanceTestSupport

@Suite(.ownThread) struct QRImageDecodingTests {
    @Test(.enabled(if: ExternalTool.available("zbarimg") || ProcessInfo.processInfo.environment["CI"] == "true"))
    func pngDecodesToItsText() throws {
        let payload = "BCD\n002\n1\nSCT\nAGRIFRPP\nAtelier Dupont SARL\nFR7630006000011234567890189\nEUR1250.00\n\nRF18539007547034"
        let png = try QRImage.png(try QRMatrix(encoding: payload))
        let folder = ScratchFolder()
        try Data(png).write(to: URL(fileURLWithPath: folder.path + "/qr.png"))
        let decoded = try ExternalTool.run("zbarimg", ["--raw", "-q", "-Sbinary", folder.path + "/qr.png"])
        #expect(decoded == payload || decoded == payload + "\n")
        #expect(png.count < 2_000, "\(png.count) bytes")
        // IHDR: 147 × 147 pixels (41 modules and the quiet zone, 3 pixels each), 1 bit, a palette (colour type 3).
        let header = Array(png[16..<26])
        #expect(header == [0, 0, 0, 147, 0, 0, 0, 147, 1, 3])
        if let keep = ProcessInfo.processInfo.environment["RELANCE_KEEP_QR"] { try Data(png).write(to: URL(fileURLWithPath: keep)) }
    }
}
