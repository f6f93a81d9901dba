import Foundation
import RelanceCore
import RelanceFormats
import Testing

@Suite("Reference-rate series as the central banks publish them")
struct ReferenceRateReaderTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/rates").path

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: fixtures + "/" + name)))
    }

    @Test("each law's rule applied to the recorded series gives exactly the official half-year table built in", arguments: [
        ("ecb.csv", ReferenceRateReader.Source.ecb), ("bundesbank.csv", .bundesbank), ("boe.csv", .bankOfEngland),
    ])
    func matchesTheBuiltInTable(file: String, source: ReferenceRateReader.Source) throws {
        let observations = try ReferenceRateReader.read(try Self.bytes(file), source: source)
        let rates = ReferenceRateRule.halfYears(series: source.rawValue, observations: observations, retrievedOn: LocalDate(iso: "2025-09-01")!)
        let builtIn = ReferenceRates.builtIn.table[source.rawValue] ?? [:]
        #expect(!builtIn.isEmpty)
        for (start, rate) in builtIn { #expect(rates[start] == rate, "\(source.rawValue) \(start)") }
        // Nothing after the retrieval day's half-year, nothing before the series starts.
        #expect(rates.keys.max() == LocalDate(iso: "2025-07-01"))
        #expect(rates.keys.min() == LocalDate(iso: "2023-01-01"))
    }

    @Test("the Bank of England rule reads the rate in force on 30 June and 31 December; the ECB's on 1 July and 1 January")
    func referenceDays() {
        let observations = [RateObservation(date: LocalDate(iso: "2025-06-01")!, rate: Percent("4.25")!),
                            RateObservation(date: LocalDate(iso: "2025-07-01")!, rate: Percent("4.00")!)]
        let boe = ReferenceRateRule.halfYears(series: "BOE", observations: observations, retrievedOn: LocalDate(iso: "2025-08-01")!)
        let ecb = ReferenceRateRule.halfYears(series: "ECB", observations: observations, retrievedOn: LocalDate(iso: "2025-08-01")!)
        #expect(boe[LocalDate(iso: "2025-07-01")!] == Percent("4.25"))
        #expect(ecb[LocalDate(iso: "2025-07-01")!] == Percent("4.00"))
        // Retrieved on 30 June, the ECB's second half-year is not known yet; the Bank of England's is.
        let early = LocalDate(iso: "2025-06-30")!
        #expect(ReferenceRateRule.halfYears(series: "ECB", observations: observations, retrievedOn: early)[LocalDate(iso: "2025-07-01")!] == nil)
        #expect(ReferenceRateRule.halfYears(series: "BOE", observations: observations, retrievedOn: early)[LocalDate(iso: "2025-07-01")!] == Percent("4.25"))
    }

    func problem(_ text: String, _ source: ReferenceRateReader.Source) -> String? {
        problem(Array(text.utf8), source)
    }

    func problem(_ bytes: [UInt8], _ source: ReferenceRateReader.Source) -> String? {
        do {
            _ = try ReferenceRateReader.read(bytes, source: source)
            return nil
        } catch {
            return error.description
        }
    }

    @Test("empty, truncated, huge, wrongly encoded and hostile responses are refused with the reason")
    func hostile() throws {
        #expect(problem("", .ecb) == "the response is empty")
        #expect(problem(try Self.bytes("broken.csv"), .ecb)?.contains("no header naming TIME_PERIOD and OBS_VALUE") == true)
        #expect(problem(try Self.bytes("broken.csv"), .bankOfEngland)?.contains("no header DATE,IUDBEDR") == true)
        #expect(problem(try Self.bytes("broken.csv"), .bundesbank)?.contains("not the Bundesbank's BBK01.SU0115 series") == true)
        // Truncated in the middle of the last row's date.
        let ecb = String(decoding: try Self.bytes("ecb.csv"), as: UTF8.self)
        let cut = String(ecb[..<ecb.range(of: "2025-06-11")!.lowerBound]) + "2025-0"
        #expect(problem(cut, .ecb) == "line 19: has 9 fields, expected 22")
        #expect(problem([0xFF, 0xFE, 0x41, 0x00], .ecb) == "the response is not UTF-8 text")
        #expect(problem("DATE,IUDBEDR\n02 Jan 2025,4.75\u{0}\n", .bankOfEngland)?.contains("NUL") == true)
        #expect(problem([UInt8](repeating: 0x41, count: ReferenceRateReader.sizeLimit + 1), .ecb)?.contains("over") == true)
        #expect(problem("DATE,IUDBEDR\n02 Jan 2025,475000\n", .bankOfEngland) == "line 2: \"475000\" is not a rate")
        #expect(problem("DATE,IUDBEDR\n31 Feb 2025,4.5\n", .bankOfEngland)?.contains("is not a date") == true)
        #expect(problem("DATE,IUDBEDR\n", .bankOfEngland) == "no observation in the response")
        #expect(problem("TIME_PERIOD,OBS_VALUE\n2025-06-11,2.15,=cmd|' /C calc'!A0\n", .ecb) == nil)  // extra fields are ignored, never run
        #expect(problem("TIME_PERIOD,OBS_VALUE\n2025-06-11,NaN\n", .ecb) == "no observation in the response")
    }
}
