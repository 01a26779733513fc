import Foundation
import XCTest
@testable import TallyCore

final class ExactDecimalTests: XCTestCase {
    // MARK: - Parsing

    private func assertParses(_ text: String, _ significand: Int64, _ scale: Int, file: StaticString = #filePath, line: UInt = #line) {
        guard let value = ExactDecimal(parsing: text) else {
            return XCTFail("'\(text)' did not parse", file: file, line: line)
        }
        XCTAssertEqual(value.significand, significand, "significand of '\(text)'", file: file, line: line)
        XCTAssertEqual(value.scale, scale, "scale of '\(text)'", file: file, line: line)
    }

    func testParsesIntegers() {
        assertParses("0", 0, 0)
        assertParses("412", 412, 0)
        assertParses("007", 7, 0)
    }

    func testParsesDecimalsKeepingTrailingZerosAsScale() {
        assertParses("412.5", 4125, 1)
        assertParses("412.50", 41250, 2)
        assertParses("0.001", 1, 3)
        assertParses("1.0", 10, 1)
    }

    func testParsesSigns() {
        assertParses("-412.50", -41250, 2)
        assertParses("+412.5", 4125, 1)
        assertParses("-0", 0, 0)
        assertParses("-0.5", -5, 1)
    }

    func testParsesPointAtEitherEnd() {
        assertParses(".5", 5, 1)
        assertParses("5.", 5, 0)
        assertParses("-.25", -25, 2)
    }

    func testIgnoresSurroundingSpacesOnly() {
        assertParses("  412.5  ", 4125, 1)
        assertParses(" -3 ", -3, 0)
        XCTAssertNil(ExactDecimal(parsing: "41 2"))
        XCTAssertNil(ExactDecimal(parsing: "- 5"))
        XCTAssertNil(ExactDecimal(parsing: "\t5"), "only spaces are trimmed")
    }

    func testRejectsBadText() {
        for text in ["", " ", ".", "-", "+", "-.", "+-1", "--1", "1.2.3", "1e3", "1E3", "0x10", "12a", "a12",
                     "1,5", "١٢", "１２", "inf", "nan", "5%", "5 kg"] {
            XCTAssertNil(ExactDecimal(parsing: text), "'\(text)' must not parse")
        }
    }

    func testParsesFromSubstring() {
        let text = "w=412.5;"
        let slice = text.dropFirst(2).dropLast()
        XCTAssertEqual(ExactDecimal(parsing: slice)?.description, "412.5")
    }

    func testLargestAndOverflow() {
        assertParses("9223372036854775807", Int64.max, 0)
        assertParses("-9223372036854775807", -Int64.max, 0)
        assertParses("922337203.6854775807", Int64.max, 10)
        XCTAssertNil(ExactDecimal(parsing: "9223372036854775808"))
        XCTAssertNil(ExactDecimal(parsing: "92233720368547758070"))
        XCTAssertNil(ExactDecimal(parsing: "99999999999999999999999"))
        XCTAssertNil(ExactDecimal(parsing: "922337203.6854775808"))
    }

    func testScaleLimitIsEighteen() {
        assertParses("0.000000000000000001", 1, 18)
        XCTAssertNil(ExactDecimal(parsing: "0.0000000000000000001"), "19 decimals exceed the scale limit")
    }

    // MARK: - Rescaling

    func testRescaleUp() {
        let value = Fixture.decimal("412.5")
        XCTAssertEqual(value.rescaled(to: 3).map { [$0.significand, Int64($0.scale)] }, [412500, 3])
        XCTAssertEqual(value.rescaled(to: 1).map { [$0.significand, Int64($0.scale)] }, [4125, 1])
        XCTAssertEqual(value.rescaled(to: 3)?.description, "412.500")
    }

    func testRescaleDownOnlyWhenNoDigitsAreLost() {
        let value = Fixture.decimal("412.500")
        XCTAssertEqual(value.rescaled(to: 1)?.significand, 4125)
        XCTAssertEqual(value.rescaled(to: 1)?.scale, 1)
        XCTAssertNil(value.rescaled(to: 0), "412.5 has a non-zero tenth")
        XCTAssertEqual(Fixture.decimal("-20.00").rescaled(to: 0)?.significand, -20)
    }

    func testRescaleOverflowIsNil() {
        XCTAssertNil(ExactDecimal(significand: Int64.max, scale: 0).rescaled(to: 1))
        XCTAssertNil(ExactDecimal(significand: 10, scale: 0).rescaled(to: 18), "10 × 10^18 overflows Int64")
        XCTAssertEqual(ExactDecimal(significand: 9, scale: 0).rescaled(to: 18)?.significand, 9_000_000_000_000_000_000)
        XCTAssertNil(ExactDecimal(significand: 1, scale: 0).rescaled(to: 19), "scale beyond 18")
    }

    // MARK: - Comparison and hashing

    func testEqualityAcrossScales() {
        XCTAssertEqual(Fixture.decimal("412.5"), Fixture.decimal("412.50"))
        XCTAssertEqual(Fixture.decimal("1"), Fixture.decimal("1.000000000000000000"))
        XCTAssertEqual(Fixture.decimal("0"), Fixture.decimal("-0.00"))
        XCTAssertNotEqual(Fixture.decimal("412.5"), Fixture.decimal("412.51"))
        XCTAssertNotEqual(Fixture.decimal("-1"), Fixture.decimal("1"))
    }

    func testOrderingAcrossScales() {
        XCTAssertLessThan(Fixture.decimal("412.49"), Fixture.decimal("412.5"))
        XCTAssertLessThan(Fixture.decimal("-1"), Fixture.decimal("0.001"))
        XCTAssertLessThan(Fixture.decimal("-0.5"), Fixture.decimal("-0.49"))
        XCTAssertFalse(Fixture.decimal("412.50") < Fixture.decimal("412.5"))
        XCTAssertFalse(Fixture.decimal("412.5") < Fixture.decimal("412.50"))
        XCTAssertLessThanOrEqual(Fixture.decimal("412.50"), Fixture.decimal("412.5"))
        XCTAssertGreaterThan(Fixture.decimal("10"), Fixture.decimal("9.99999999999999999"))
    }

    func testComparisonIsExactEvenWhereRescalingWouldOverflow() {
        let huge = ExactDecimal(significand: Int64.max, scale: 0)
        let tiny = ExactDecimal(significand: 1, scale: 18)
        XCTAssertLessThan(tiny, huge)
        XCTAssertNotEqual(tiny, huge)
        XCTAssertLessThan(ExactDecimal(significand: Int64.min, scale: 0), ExactDecimal(significand: -1, scale: 18))
    }

    func testEqualValuesHashAlike() {
        let set: Set<ExactDecimal> = [Fixture.decimal("412.5"), Fixture.decimal("412.50"), Fixture.decimal("412.500"), Fixture.decimal("0"), Fixture.decimal("0.00")]
        XCTAssertEqual(set.count, 2)
        XCTAssertEqual(Fixture.decimal("2.0").hashValue, Fixture.decimal("2").hashValue)
    }

    // MARK: - Description

    func testDescriptionKeepsScale() {
        XCTAssertEqual(Fixture.decimal("412.50").description, "412.50")
        XCTAssertEqual(Fixture.decimal("412.5").description, "412.5")
        XCTAssertEqual(Fixture.decimal("412").description, "412")
        XCTAssertEqual(Fixture.decimal("0.5").description, "0.5")
        XCTAssertEqual(Fixture.decimal(".05").description, "0.05")
        XCTAssertEqual(Fixture.decimal("-0.005").description, "-0.005")
        XCTAssertEqual(Fixture.decimal("-12.30").description, "-12.30")
        XCTAssertEqual(Fixture.decimal("0").description, "0")
        XCTAssertEqual(Fixture.decimal("-0").description, "0")
        XCTAssertEqual(Fixture.decimal("0.000").description, "0.000")
        XCTAssertEqual(Fixture.decimal("-0.000").description, "0.000")
        XCTAssertEqual(ExactDecimal(significand: 45_359_237, scale: 8).description, "0.45359237")
        XCTAssertEqual(ExactDecimal(significand: Int64.min, scale: 0).description, "-9223372036854775808")
        XCTAssertEqual(ExactDecimal(significand: Int64.min, scale: 18).description, "-9.223372036854775808")
        XCTAssertEqual(ExactDecimal(significand: 1, scale: 18).description, "0.000000000000000001")
    }

    func testDescriptionParsesBackToTheSameDigits() {
        for text in ["412.50", "-0.005", "7", "0.45359237", "-9223372036854775807", "0.000000000000000001"] {
            let value = Fixture.decimal(text)
            let again = ExactDecimal(parsing: value.description)
            XCTAssertEqual(again?.significand, value.significand, text)
            XCTAssertEqual(again?.scale, value.scale, text)
        }
    }

    // MARK: - Arithmetic

    func testAddingAndSubtractingAlignScales() {
        XCTAssertEqual(Fixture.decimal("412.5").adding(Fixture.decimal("0.25"))?.description, "412.75")
        XCTAssertEqual(Fixture.decimal("412.5").subtracting(Fixture.decimal("412.75"))?.description, "-0.25")
        XCTAssertEqual(Fixture.decimal("1").subtracting(Fixture.decimal("1.00"))?.description, "0.00")
    }

    func testArithmeticOverflowIsNil() {
        let max = ExactDecimal(significand: Int64.max, scale: 0)
        XCTAssertNil(max.adding(ExactDecimal(significand: 1, scale: 0)))
        XCTAssertNil(ExactDecimal(significand: Int64.min, scale: 0).subtracting(ExactDecimal(significand: 1, scale: 0)))
        XCTAssertNil(max.adding(ExactDecimal(significand: 1, scale: 1)), "aligning Int64.max to scale 1 overflows")
        XCTAssertNil(max.multiplied(by: ExactDecimal(significand: 2, scale: 0)))
        XCTAssertNil(ExactDecimal(significand: 1, scale: 10).multiplied(by: ExactDecimal(significand: 1, scale: 9)), "scale 19")
    }

    func testMultiplicationIsExact() {
        let product = Fixture.decimal("100").multiplied(by: Fixture.decimal("0.45359237"))
        XCTAssertEqual(product?.significand, 4_535_923_700)
        XCTAssertEqual(product?.scale, 8)
        XCTAssertEqual(product?.description, "45.35923700")
        XCTAssertEqual(Fixture.decimal("-1.5").multiplied(by: Fixture.decimal("2.5"))?.description, "-3.75")
    }

    func testMagnitude() {
        XCTAssertEqual(Fixture.decimal("-412.50").magnitude.description, "412.50")
        XCTAssertEqual(Fixture.decimal("3.1").magnitude.description, "3.1")
    }

    // MARK: - Codable

    func testCodableAsString() throws {
        let data = try JSONEncoder().encode([Fixture.decimal("412.50"), Fixture.decimal("-0.45359237")])
        XCTAssertEqual(String(decoding: data, as: UTF8.self), #"["412.50","-0.45359237"]"#)
        let decoded = try JSONDecoder().decode([ExactDecimal].self, from: data)
        XCTAssertEqual(decoded.map(\.description), ["412.50", "-0.45359237"])
        XCTAssertEqual(decoded.map(\.scale), [2, 8])
    }

    func testDecodingRejectsNonDecimalText() {
        XCTAssertThrowsError(try JSONDecoder().decode([ExactDecimal].self, from: Data(#"["1e3"]"#.utf8)))
        XCTAssertThrowsError(try JSONDecoder().decode([ExactDecimal].self, from: Data(#"[412.5]"#.utf8)), "a JSON number is not accepted")
    }

    func testRegression_int64MinCannotBeParsedBackSoItsJSONDoesNotDecode() throws {
        let min = ExactDecimal(significand: Int64.min, scale: 2)
        XCTAssertEqual(ExactDecimal(parsing: min.description)?.significand, Int64.min)
        XCTAssertEqual(try JSONDecoder().decode([ExactDecimal].self, from: JSONEncoder().encode([min])), [min])
    }
}
