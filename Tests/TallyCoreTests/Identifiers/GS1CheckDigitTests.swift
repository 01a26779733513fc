import Foundation
import XCTest
@testable import TallyCore

final class GS1CheckDigitTests: XCTestCase {
    // Each expected digit below was worked by hand: weights 3,1,3,… from the rightmost data digit,
    // check = (10 − sum mod 10) mod 10.

    func testSSCCExample() {
        // 1·3 0·1 6·3 1·1 4·3 1·1 4·3 1·1 2·3 3·1 4·3 5·1 6·3 7·1 8·3 9·1 0·3 = 132 → 8
        XCTAssertEqual(GS1CheckDigit.compute("10614141234567890"), 8)
        XCTAssertTrue(GS1CheckDigit.isValid("106141412345678908"))
    }

    func testGTIN13Example() {
        // 4006381333931: sum 89 → 1
        XCTAssertEqual(GS1CheckDigit.compute("400638133393"), 1)
        XCTAssertTrue(GS1CheckDigit.isValid("4006381333931"))
        XCTAssertFalse(GS1CheckDigit.isValid("4006381333932"))
    }

    func testGTIN14Examples() {
        // 10614141000415: sum 55 → 5
        XCTAssertEqual(GS1CheckDigit.compute("1061414100041"), 5)
        XCTAssertTrue(GS1CheckDigit.isValid("10614141000415"))
        // 00012345678905 (UPC-A 012345678905 padded): sum 85 → 5
        XCTAssertEqual(GS1CheckDigit.compute("0001234567890"), 5)
        XCTAssertTrue(GS1CheckDigit.isValid("00012345678905"))
    }

    func testGTIN12Example() {
        // 036000291452: sum 58 → 2
        XCTAssertEqual(GS1CheckDigit.compute("03600029145"), 2)
        XCTAssertTrue(GS1CheckDigit.isValid("036000291452"))
    }

    func testCheckDigitZero() {
        // 5·3 + 5·1 = 20 → 0 (the (10 − 0) mod 10 case)
        XCTAssertEqual(GS1CheckDigit.compute("55"), 0)
        XCTAssertTrue(GS1CheckDigit.isValid("550"))
        XCTAssertEqual(GS1CheckDigit.compute("00000000000000000"), 0)
        XCTAssertEqual(GS1CheckDigit.compute(""), 0)
    }

    func testWeightsStartFromTheRight() {
        // A single data digit always carries weight 3.
        XCTAssertEqual(GS1CheckDigit.compute("1"), 7)
        XCTAssertEqual(GS1CheckDigit.compute("01"), 7, "leading zeros do not change the check digit")
        XCTAssertEqual(GS1CheckDigit.compute("10"), 9, "1·1 + 0·3 = 1 → 9")
    }

    func testNonDigitsAreRejected() {
        XCTAssertNil(GS1CheckDigit.compute("1061414123456789O"))
        XCTAssertNil(GS1CheckDigit.compute("12 3"))
        XCTAssertNil(GS1CheckDigit.compute("١٢٣"))
        XCTAssertFalse(GS1CheckDigit.isValid("10614141234567890X"))
        XCTAssertFalse(GS1CheckDigit.isValid("1O6141412345678908"))
    }

    func testTooShortIsInvalid() {
        XCTAssertFalse(GS1CheckDigit.isValid(""))
        XCTAssertFalse(GS1CheckDigit.isValid("0"), "one digit has no data to check")
        XCTAssertTrue(GS1CheckDigit.isValid("17"))
    }

    func testEveryWrongCheckDigitIsDetected() {
        for digit in 0...9 where digit != 8 {
            XCTAssertFalse(GS1CheckDigit.isValid("10614141234567890\(digit)"), "check digit \(digit)")
        }
    }

    func testSingleDigitErrorsAndAdjacentSwapsAreDetected() {
        XCTAssertFalse(GS1CheckDigit.isValid("106141412345678918"), "one digit changed")
        XCTAssertFalse(GS1CheckDigit.isValid("106141412345687908"), "adjacent 7 and 8 swapped")
    }
}

final class SSCCTests: XCTestCase {
    func testValidSSCC() {
        let sscc = SSCC("106141412345678908")
        XCTAssertEqual(sscc?.digits, "106141412345678908")
        XCTAssertEqual(sscc?.description, "106141412345678908")
        XCTAssertEqual(SSCC("106141411234567897")?.digits, "106141411234567897")
    }

    func testAcceptsSubstrings() {
        let text = "00106141412345678908"
        XCTAssertEqual(SSCC(text.dropFirst(2))?.digits, "106141412345678908")
    }

    func testRejectsWrongCheckDigit() {
        XCTAssertNil(SSCC("106141412345678907"))
    }

    func testRejectsWrongLength() {
        XCTAssertNil(SSCC("10614141234567898"), "17 digits")
        XCTAssertNil(SSCC("0106141412345678908"), "19 digits, even though the check digit holds")
        XCTAssertTrue(GS1CheckDigit.isValid("0106141412345678908"))
        XCTAssertNil(SSCC("10614141000415"), "a GTIN-14")
        XCTAssertNil(SSCC(""))
    }

    func testRejectsNonDigits() {
        XCTAssertNil(SSCC("1O6141412345678908"))
        XCTAssertNil(SSCC(" 06141412345678908"))
    }

    func testCodableRoundTrip() throws {
        let sscc = SSCC("106141412345678908")!
        let decoded = try JSONDecoder().decode(SSCC.self, from: JSONEncoder().encode(sscc))
        XCTAssertEqual(decoded, sscc)
        XCTAssertEqual(String(decoding: try JSONEncoder().encode(sscc), as: UTF8.self), #"{"digits":"106141412345678908"}"#)
    }

    func testRegression_decodingDoesNotValidateTheSSCC() throws {
        // Expected: decoding enforces the same rules as SSCC.init?(_:).
        XCTAssertThrowsError(try JSONDecoder().decode(SSCC.self, from: Data(#"{"digits":"106141412345678907"}"#.utf8)))
        XCTAssertThrowsError(try JSONDecoder().decode(SSCC.self, from: Data(#"{"digits":"ABC"}"#.utf8)))
    }
}
