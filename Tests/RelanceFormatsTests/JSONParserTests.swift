import RelanceFormats
import Testing

@Suite("Strict JSON parser")
struct JSONParserTests {
    func parse(_ text: String) throws(JSONParser.Failure) -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test("numbers keep their literal text; key order is kept")
    func literals() throws {
        let value = try parse(#"{"b": 1250.10, "a": [true, false, null, -0.5e3], "c": "x\u00e9\n"}"#)
        #expect(value == .object([
            ("b", .number("1250.10")), ("a", .array([.bool(true), .bool(false), .null, .number("-0.5e3")])), ("c", .string("xé\n")),
        ]))
    }

    @Test("surrogate pairs decode; lone surrogates are refused")
    func surrogates() throws {
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(throws: JSONParser.Failure.self) { try parse(#""\ud83d""#) }
        #expect(throws: JSONParser.Failure.self) { try parse(#""\ude00""#) }
    }

    @Test("malformed documents fail with a line and column", arguments: [
        "", "   ", "{", "{\"a\":}", "{\"a\" 1}", "[1,]", "{\"a\":1,}", "01", "1.", "-", "tru", "\"unterminated",
        "{\"a\":1}{", "\"tab\there\"", "{'a':1}", "{\"a\":1, \"a\":2}", "\"\\x\"", "NaN", "[1 2]",
    ])
    func malformed(text: String) {
        #expect(throws: JSONParser.Failure.self) { try parse(text) }
    }

    @Test("errors point at the right line")
    func position() {
        do {
            _ = try parse("{\n  \"a\": 1,\n  \"b\": ?\n}")
            Issue.record("expected a failure")
        } catch {
            #expect(error.line == 3)
            #expect(error.column == 8)
        }
    }

    @Test("invalid UTF-8 is refused")
    func invalidUTF8() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xE9, 0x22]) }  // Latin-1 é
    }

    @Test("nesting is bounded")
    func depth() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParser.Failure.self) { try parse(deep) }
        let fine = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        _ = try parse(fine)
    }

    @Test("the writer escapes what must be escaped and round-trips")
    func writer() throws {
        let value = JSONValue.object([("a\"b", .string("line\nbreak\u{2028}\u{01}")), ("n", .number("1.50")), ("e", .array([]))])
        let text = JSONWriter.serialize(value)
        #expect(text == #"{"a\"b":"line\nbreak\u2028\u0001","n":1.50,"e":[]}"#)
        #expect(try parse(text) == value)
        #expect(try parse(JSONWriter.serialize(value, pretty: true)) == value)
    }
}
