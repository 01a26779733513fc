import Foundation
import XCTest
@testable import TallyCore

final class JSONDocumentTests: XCTestCase {
    private func parse(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> JSONValue? {
        do {
            return try JSONValue.parse(Array(text.utf8))
        } catch {
            XCTFail("unexpected JSON error: \(error)", file: file, line: line)
            return nil
        }
    }

    private func error(_ bytes: [UInt8], maxDepth: Int = 512) -> JSONError? {
        do {
            let value = try JSONValue.parse(bytes, maxDepth: maxDepth)
            XCTFail("expected an error, got \(value)")
            return nil
        } catch {
            return error
        }
    }

    private func assertError(_ text: String, _ line: Int, _ column: Int, _ path: String, _ reason: String,
                             file: StaticString = #filePath, sourceLine: UInt = #line) {
        let error = error(Array(text.utf8))
        XCTAssertEqual(error?.position.line, line, "line", file: file, line: sourceLine)
        XCTAssertEqual(error?.position.column, column, "column", file: file, line: sourceLine)
        XCTAssertEqual(error?.path.description, path, "path", file: file, line: sourceLine)
        XCTAssertEqual(error?.reason, reason, "reason", file: file, line: sourceLine)
    }

    func testValuesWithPositions() throws {
        let value = try XCTUnwrap(parse("{\"a\": [1, -0.50e+3, true, false, null],\n  \"b\": {\"c\": \"x\"}, \"é\": \"\"}"))
        XCTAssertEqual(value.position, JSONPosition(line: 1, column: 1, offset: 0))
        let members = try XCTUnwrap(value.members)
        XCTAssertEqual(members.map(\.key), ["a", "b", "é"])
        XCTAssertEqual(members.map(\.keyPosition.description), ["1:2", "2:3", "2:20"])
        guard case .array(let elements) = value["a"]?.kind else { return XCTFail("not an array") }
        XCTAssertEqual(elements.map(\.kind), [.number("1"), .number("-0.50e+3"), .bool(true), .bool(false), .null])
        XCTAssertEqual(elements.map(\.position.column), [8, 11, 21, 27, 34])
        XCTAssertEqual(value["b"]?["c"], JSONValue(.string("x"), at: JSONPosition(line: 2, column: 14, offset: 53)))
        XCTAssertEqual(value["é"]?.kind, .string(""))
        XCTAssertNil(value["missing"])
    }

    func testNumbersKeepTheirLiteralText() throws {
        for literal in ["0", "-0", "412.50", "12345678901234567890.000000000000000001", "1E-7", "6.02e23"] {
            XCTAssertEqual(parse(literal)?.kind, .number(literal))
        }
    }

    func testStringEscapes() throws {
        let value = try XCTUnwrap(parse(#""a\"b\\c\/d\b\f\n\r\t\u0041\u00e9\u20AC\ud83d\ude00\u001d""#))
        XCTAssertEqual(value.kind, .string("a\"b\\c/d\u{8}\u{C}\n\r\tAé€😀\u{1D}"))
        XCTAssertEqual(parse("\"Zürich 東京\"")?.kind, .string("Zürich 東京"))
    }

    func testByteOrderMarkAndLineEnds() throws {
        let value = try XCTUnwrap(try JSONValue.parse([0xEF, 0xBB, 0xBF] + Array("[\r\n1,\r2,\n3]".utf8)))
        guard case .array(let elements) = value.kind else { return XCTFail("not an array") }
        XCTAssertEqual(value.position, JSONPosition(line: 1, column: 1, offset: 3))
        XCTAssertEqual(elements.map(\.position.description), ["2:1", "3:1", "4:1"])
    }

    func testSyntaxErrors() {
        assertError("[1, 2,]", 1, 7, "$", "expected a value after ',', found ']'")
        assertError("[1 2]", 1, 4, "$", "expected ',' or ']' after an array element, found '2'")
        assertError("{\"a\": 1,}", 1, 9, "$", "expected a key (a string in double quotes) after ',', found '}'")
        assertError("{a: 1}", 1, 2, "$", "expected a key (a string in double quotes) after '{', found 'a'")
        assertError("{\"a\" 1}", 1, 6, "$.a", "expected ':' after the key, found '1'")
        assertError("{\"a\": 1 \"b\": 2}", 1, 9, "$", "expected ',' or '}' after an object member, found '\"'")
        assertError("[01]", 1, 3, "$[0]", "a number may not have leading zeros")
        assertError("[1.]", 1, 4, "$[0]", "expected a digit after the decimal point, found ']'")
        assertError("[-]", 1, 3, "$[0]", "expected a digit in a number, found ']'")
        assertError("[1e]", 1, 4, "$[0]", "expected a digit in the exponent, found ']'")
        assertError("[+1]", 1, 2, "$[0]", "expected a value, found '+'")
        assertError("[.5]", 1, 2, "$[0]", "expected a value, found '.'")
        assertError("[NaN]", 1, 2, "$[0]", "expected a value, found 'N'")
        assertError("[tru]", 1, 2, "$[0]", "expected true or false, found 't'")
        assertError("[truex]", 1, 6, "$[0]", "unexpected 'x' after true")
        assertError("[nul]", 1, 2, "$[0]", "expected null, found 'n'")
        assertError("{\"k\": \"a\\x\"}", 1, 9, "$.k", "invalid escape in a string: '\\' followed by 'x'")
        assertError("[\"\\u12G4\"]", 1, 3, "$[0]", "\\u needs four hex digits")
        assertError("[\"\\ud83d\"]", 1, 3, "$[0]", "unpaired surrogate \\uD83D in a string")
        assertError("[\"\\ude00\"]", 1, 3, "$[0]", "unpaired surrogate \\uDE00 in a string")
        assertError("[\"\\ud83d\\u0041\"]", 1, 3, "$[0]", "unpaired surrogate \\uD83D in a string")
        assertError("[\"a\tb\"]", 1, 4, "$[0]", "control character 0x9 inside a string (escape it)")
        assertError("[\"open", 1, 2, "$[0]", "the string is not closed")
        assertError("[1] [2]", 1, 5, "$", "unexpected '[' after the end of the JSON value")
        assertError("", 1, 1, "$", "unexpected end of the text: expected a value")
        assertError("[", 1, 2, "$[0]", "unexpected end of the text: expected a value")
        assertError("{\"a\": [1, {\"b\": ]}}", 1, 17, "$.a[1].b", "expected a value, found ']'")
        assertError("{\"odd key\": {\"x\": }}", 1, 19, "$[\"odd key\"].x", "expected a value, found '}'")
    }

    func testDuplicateKeys() {
        assertError("{\"a\": 1,\n \"b\": 2, \"a\": 3}", 2, 10, "$.a", "duplicate key \"a\" (first at 1:2)")
        // Past eight members the check switches to a dictionary: still caught.
        let many = (0..<12).map { "\"k\($0)\": \($0)" }.joined(separator: ", ")
        assertError("{\(many), \"k3\": 0}", 1, 114, "$.k3", "duplicate key \"k3\" (first at 1:29)")
        assertError("{\(many), \"k10\": 0}", 1, 114, "$.k10", "duplicate key \"k10\" (first at 1:92)")
        XCTAssertNotNil(parse("{\(many), \"k12\": 0}"))
    }

    func testDepthLimit() {
        XCTAssertEqual(error(Array(String(repeating: "[", count: 5).utf8) + Array(String(repeating: "]", count: 5).utf8), maxDepth: 4)?.reason,
                       "nested deeper than 4 levels")
        XCTAssertNoThrow(try JSONValue.parse(Array("[[[[]]]]".utf8), maxDepth: 4))
        // The default limit turns a hostile input into an error, not a stack overflow.
        XCTAssertEqual(error(Array(String(repeating: "[", count: 100_000).utf8))?.reason, "nested deeper than 512 levels")
    }

    func testInvalidUTF8PointsAtTheBadByte() {
        let error = error(Array("[\"ab".utf8) + [0xE2, 0x82] + Array("\"]".utf8))
        XCTAssertEqual(error?.position, JSONPosition(line: 1, column: 5, offset: 4))
        XCTAssertEqual(error?.reason, "not valid UTF-8 in a string")
        XCTAssertEqual(self.error([0x5B, 0xFF, 0x5D])?.reason, "expected a value, found a byte that is not UTF-8")
    }

    func testReaderPullsWithoutATree() throws {
        var reader = JSONReader(bytes: Array(#"{"x": [1, "two", {"skip": [null, {"deep": true}]}], "y": false}"#.utf8))
        try reader.beginObject()
        XCTAssertEqual(try reader.nextKey(), "x")
        try reader.beginArray()
        XCTAssertTrue(try reader.nextElement())
        XCTAssertEqual(try reader.peek(), .number)
        XCTAssertEqual(reader.path.description, "$.x[0]")
        XCTAssertEqual(try reader.readNumber(), "1")
        XCTAssertTrue(try reader.nextElement())
        XCTAssertEqual(try reader.readString(), "two")
        XCTAssertTrue(try reader.nextElement())
        try reader.skipValue()
        XCTAssertFalse(try reader.nextElement())
        XCTAssertEqual(try reader.nextKey(), "y")
        XCTAssertThrowsError(try reader.readString()) { error in
            XCTAssertEqual((error as? JSONError)?.reason, "expected a string, found a boolean")
        }
        XCTAssertEqual(try reader.readBool(), false)
        XCTAssertNil(try reader.nextKey())
        XCTAssertNoThrow(try reader.finish())
    }

    func testPathDescriptions() {
        XCTAssertEqual(JSONPath().description, "$")
        XCTAssertEqual(JSONPath([.key("loads"), .index(3), .key("dock_door")]).description, "$.loads[3].dock_door")
        XCTAssertEqual(JSONPath([.key("a b"), .key("1x"), .key("q\"\n"), .key("")]).description, #"$["a b"]["1x"]["q\"\n"][""]"#)
    }
}
