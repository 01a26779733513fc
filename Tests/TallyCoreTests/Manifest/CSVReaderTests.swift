import Foundation
import XCTest
@testable import TallyCore

final class CSVReaderTests: XCTestCase {
    private struct Record: Equatable, CustomStringConvertible {
        var line: Int
        var fields: [String]
        init(_ line: Int, _ fields: [String]) { self.line = line; self.fields = fields }
        var description: String { "\(line): \(fields)" }
    }

    private func records(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> [Record] {
        var reader = CSVReader(bytes: bytes)
        var result: [Record] = []
        do {
            while let record = try reader.next() { result.append(Record(record.line, record.fields)) }
        } catch {
            XCTFail("unexpected syntax error \(error)", file: file, line: line)
        }
        return result
    }

    private func records(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [Record] {
        records(Array(text.utf8), file: file, line: line)
    }

    /// The error reading `bytes` stops at, with the records read before it.
    private func failure(_ bytes: [UInt8]) -> (error: CSVReader.SyntaxError?, before: [Record]) {
        var reader = CSVReader(bytes: bytes)
        var before: [Record] = []
        do {
            while let record = try reader.next() { before.append(Record(record.line, record.fields)) }
            return (nil, before)
        } catch {
            return (error, before)
        }
    }

    private func failure(_ text: String) -> (error: CSVReader.SyntaxError?, before: [Record]) { failure(Array(text.utf8)) }

    // MARK: - Records

    func testSimpleRecordsWithLineNumbers() {
        XCTAssertEqual(records("load,pallet,serial\nL1,P1,S1\nL1,P1,S2\n"), [
            Record(1, ["load", "pallet", "serial"]), Record(2, ["L1", "P1", "S1"]), Record(3, ["L1", "P1", "S2"]),
        ])
    }

    func testLastRecordWithoutNewline() {
        XCTAssertEqual(records("a,b\nc,d"), [Record(1, ["a", "b"]), Record(2, ["c", "d"])])
    }

    func testEmptyInput() {
        XCTAssertEqual(records(""), [])
        XCTAssertEqual(records("\n\n\r\n"), [])
    }

    func testNextKeepsReturningNilAtTheEnd() throws {
        var reader = CSVReader(bytes: Array("a".utf8))
        XCTAssertEqual(try reader.next()?.fields, ["a"])
        XCTAssertNil(try reader.next())
        XCTAssertNil(try reader.next())
    }

    func testEmptyFieldsAndSpacesAreKept() {
        XCTAssertEqual(records("a,,c,\n,\n b , c "), [
            Record(1, ["a", "", "c", ""]), Record(2, ["", ""]), Record(3, [" b ", " c "]),
        ])
    }

    func testQuotedFields() {
        XCTAssertEqual(records("\"a,b\",c,\"\"\n"), [Record(1, ["a,b", "c", ""])])
    }

    func testDoubledQuotes() {
        XCTAssertEqual(records("\"say \"\"hi\"\"\",x\n\"\"\"\"\n"), [Record(1, ["say \"hi\"", "x"]), Record(2, ["\""])])
    }

    func testEmbeddedNewlinesKeepRecordLineNumbers() {
        let text = "h1,h2\n\"line one\nline two\",x\nnext,y\n\"a\n\nb\",z\nlast,w"
        XCTAssertEqual(records(text), [
            Record(1, ["h1", "h2"]),
            Record(2, ["line one\nline two", "x"]),
            Record(4, ["next", "y"]),
            Record(5, ["a\n\nb", "z"]),
            Record(8, ["last", "w"]),
        ])
    }

    func testCRLF() {
        XCTAssertEqual(records("a,b\r\nc,\"d\"\r\ne,f"), [Record(1, ["a", "b"]), Record(2, ["c", "d"]), Record(3, ["e", "f"])])
    }

    func testCRLFInsideQuotesIsKept() {
        XCTAssertEqual(records("\"x\r\ny\",z\r\nnext\r\n"), [Record(1, ["x\r\ny", "z"]), Record(3, ["next"])])
    }

    func testLoneCREndsARecord() {
        XCTAssertEqual(records("a\rb"), [Record(1, ["a"]), Record(2, ["b"])])
    }

    func testByteOrderMarkIsSkipped() {
        XCTAssertEqual(records([0xEF, 0xBB, 0xBF] + Array("load,pallet\nL,P\n".utf8)), [
            Record(1, ["load", "pallet"]), Record(2, ["L", "P"]),
        ])
        XCTAssertEqual(records([0xEF, 0xBB, 0xBF]), [])
        XCTAssertEqual(records([0xEF, 0xBB, 0xBF, 0x22, 0x61, 0x22]), [Record(1, ["a"])], "a quoted first field after the BOM")
    }

    func testByteOrderMarkOnlyAtTheStartIsSkipped() {
        XCTAssertEqual(records(Array("a\n".utf8) + [0xEF, 0xBB, 0xBF] + Array("b".utf8)), [Record(1, ["a"]), Record(2, ["\u{FEFF}b"])])
    }

    func testBlankLinesAreSkippedAndCounted() {
        XCTAssertEqual(records("\n\na,b\n\n\nc,d\n\n"), [Record(3, ["a", "b"]), Record(6, ["c", "d"])])
        XCTAssertEqual(records("a\r\n\r\n\r\nb\r\n"), [Record(1, ["a"]), Record(4, ["b"])])
    }

    func testUTF8Text() {
        XCTAssertEqual(records("Müller,東京,\"ß,é\""), [Record(1, ["Müller", "東京", "ß,é"])])
    }

    // MARK: - Errors

    func testQuoteInsideUnquotedField() {
        let result = failure("a,b\nc,d\"e\n")
        XCTAssertEqual(result.error, CSVReader.SyntaxError(line: 2, field: 2, reason: "quote inside an unquoted field"))
        XCTAssertEqual(result.before, [Record(1, ["a", "b"])])
    }

    func testTextAfterClosingQuote() {
        XCTAssertEqual(failure("x\n\"ab\"c,d").error, CSVReader.SyntaxError(line: 2, field: 1, reason: "text after a closing quote"))
        XCTAssertEqual(failure("x,\"ab\" ,d").error, CSVReader.SyntaxError(line: 1, field: 2, reason: "text after a closing quote"))
    }

    func testTextAfterClosingQuoteOfAMultiLineFieldNamesTheLineOfTheFault() {
        XCTAssertEqual(failure("\"a\nb\"x").error, CSVReader.SyntaxError(line: 2, field: 1, reason: "text after a closing quote"))
    }

    func testUnclosedQuoteNamesTheRecordLine() {
        XCTAssertEqual(failure("h\nx,\"open\nmore\nstill").error, CSVReader.SyntaxError(line: 2, field: 2, reason: "quoted field is not closed"))
    }

    func testInvalidUTF8() {
        XCTAssertEqual(failure(Array("h\na,".utf8) + [0xFF, 0x62] + Array(",c\n".utf8)).error,
                       CSVReader.SyntaxError(line: 2, field: 2, reason: "not valid UTF-8"))
        XCTAssertEqual(failure(Array("a,".utf8) + [0xC3]).error, CSVReader.SyntaxError(line: 1, field: 2, reason: "not valid UTF-8"),
                       "a truncated sequence in the last field")
        XCTAssertEqual(failure(Array("a,b,".utf8) + [0xC3, 0x0A]).error, CSVReader.SyntaxError(line: 1, field: 3, reason: "not valid UTF-8"))
    }
}
