import Testing
@testable import RelanceDocuments

@Suite struct QRMatrixTests {
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
