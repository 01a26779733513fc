import Foundation
import XCTest
@testable import TallyCore

final class ScanNormalizerTests: XCTestCase {
    private let normalizer = ScanNormalizer()
    private let gs = "\u{1D}"
    private let ssccDigits = "106141412345678908"
    private let badSSCC = "106141412345678907"
    private let gtin = "10614141000415"
    private let badGTIN = "10614141000416"

    private func content(_ raw: String) -> ScanContent { normalizer.normalize(raw).content }

    private func sscc(_ digits: String) -> ScanContent { .sscc(SSCC(digits)!) }

    // MARK: - AIM + GS1 element strings

    func testAIMC1WithSSCC() {
        let scan = normalizer.normalize("]C100" + ssccDigits)
        XCTAssertEqual(scan.content, sscc(ssccDigits))
        XCTAssertEqual(scan.aim, "]C1")
        XCTAssertEqual(scan.raw, "]C100" + ssccDigits)
        XCTAssertEqual(scan.matchKey, ssccDigits)
    }

    func testSSCCUnderOtherGS1Symbologies() {
        for aim in ["]d2", "]Q3", "]e0", "]J1"] {
            XCTAssertEqual(content(aim + "00" + ssccDigits), sscc(ssccDigits), aim)
            XCTAssertEqual(normalizer.normalize(aim + "00" + ssccDigits).aim, aim)
        }
    }

    func testSSCCFollowedByOtherAIsStillIdentifiesThePallet() {
        XCTAssertEqual(content("]C100" + ssccDigits + "02" + gtin + "3712" + gs + "400PO-1"), sscc(ssccDigits))
        XCTAssertEqual(content("]C100" + ssccDigits + gs + "37" + "12"), sscc(ssccDigits))
    }

    func testLeadingFNC1AfterAIMIsTolerated() {
        XCTAssertEqual(content("]C1" + gs + "00" + ssccDigits), sscc(ssccDigits))
        // The stray GS counts toward positions.
        XCTAssertEqual(content("]C1" + gs + "00" + badSSCC), .unreadable(reason: "AI (00) check digit is wrong", position: 23))
    }

    func testBadSSCCCheckDigitNamesTheCheckDigitPosition() {
        // "]C1" is characters 0–2, the AI 3–4, the 18 digits 5–22: the check digit is at 22.
        XCTAssertEqual(content("]C100" + badSSCC), .unreadable(reason: "AI (00) check digit is wrong", position: 22))
        XCTAssertNil(normalizer.normalize("]C100" + badSSCC).matchKey)
    }

    func testShortOrNonDigitSSCC() {
        XCTAssertEqual(content("]C100" + "1234"), .unreadable(reason: "AI (00) needs 18 digits", position: 5))
        XCTAssertEqual(content("]C100" + "1061414123456789O8"), .unreadable(reason: "AI (00) needs 18 digits", position: 5))
        XCTAssertEqual(content("]C100"), .unreadable(reason: "AI (00) needs 18 digits", position: 5))
    }

    func testGTINAndSerialWithoutGS() {
        let scan = normalizer.normalize("]C101" + gtin + "21" + "ABC123")
        XCTAssertEqual(scan.content, .gtinSerial(gtin: gtin, serial: "ABC123"))
        XCTAssertEqual(scan.matchKey, "ABC123")
        XCTAssertEqual(scan.aim, "]C1")
    }

    func testGTINAndSerialWithGS() {
        XCTAssertEqual(content("]C101" + gtin + gs + "21" + "ABC123"), .gtinSerial(gtin: gtin, serial: "ABC123"))
        // Serial first: its variable-length value ends at GS.
        XCTAssertEqual(content("]C121" + "ABC123" + gs + "01" + gtin), .gtinSerial(gtin: gtin, serial: "ABC123"))
        XCTAssertEqual(content("]d221" + "ABC123" + gs + "01" + gtin), .gtinSerial(gtin: gtin, serial: "ABC123"))
        // A trailing GS after the serial is harmless.
        XCTAssertEqual(content("]C101" + gtin + "21" + "ABC123" + gs), .gtinSerial(gtin: gtin, serial: "ABC123"))
    }

    func testDataMatrixGTINAndSerial() {
        let scan = normalizer.normalize("]d201" + gtin + "21" + "SN-0O1l")
        XCTAssertEqual(scan.aim, "]d2")
        XCTAssertEqual(scan.content, .gtinSerial(gtin: gtin, serial: "SN-0O1l"), "serial kept exactly")
    }

    func testSerialLengthLimits() {
        let twenty = String(repeating: "A", count: 20)
        XCTAssertEqual(content("]C101" + gtin + "21" + twenty), .gtinSerial(gtin: gtin, serial: twenty))
        XCTAssertEqual(content("]C101" + gtin + "21" + twenty + "B"),
                       .unreadable(reason: "AI (21) serial must be 1 to 20 characters", position: 21))
        XCTAssertEqual(content("]C101" + gtin + "21"),
                       .unreadable(reason: "AI (21) serial must be 1 to 20 characters", position: 21))
        XCTAssertEqual(content("]C121" + gs + "01" + gtin),
                       .unreadable(reason: "AI (21) serial must be 1 to 20 characters", position: 5))
    }

    func testBadGTIN() {
        // Check digit of the GTIN: 3 (AIM) + 2 (AI) + 13 = 18.
        XCTAssertEqual(content("]C101" + badGTIN + "21X"), .unreadable(reason: "AI (01) check digit is wrong", position: 18))
        XCTAssertEqual(content("]C101" + "1234567" + "21X"), .unreadable(reason: "AI (01) needs 14 digits", position: 5))
    }

    func testGTINWithoutSerialDoesNotIdentifyAnAsset() {
        XCTAssertEqual(content("]C101" + gtin),
                       .unreadable(reason: "AI (01) without a serial (21) does not identify one asset", position: 3))
    }

    func testSerialWithoutGTINOrEmptyElementString() {
        XCTAssertEqual(content("]C121ABC"), .unreadable(reason: "no GS1 key in the element string", position: 3))
        XCTAssertEqual(content("]C1"), .unreadable(reason: "no GS1 key in the element string", position: 3))
    }

    func testUnsupportedAI() {
        XCTAssertEqual(content("]C110LOT42"), .unreadable(reason: "GS1 AI (10) is not supported yet", position: 3))
        XCTAssertEqual(content("]C101" + gtin + "10LOT42" + gs + "21X"),
                       .unreadable(reason: "GS1 AI (10) is not supported yet", position: 19))
        XCTAssertEqual(content("]C1ABC123"), .unreadable(reason: "GS1 AI (AB) is not supported yet", position: 3),
                       "a GS1 symbology never falls back to plain text")
    }

    // MARK: - Bracketed (human readable) form

    func testBracketedSSCC() {
        let scan = normalizer.normalize("(00)" + ssccDigits)
        XCTAssertEqual(scan.content, sscc(ssccDigits))
        XCTAssertNil(scan.aim)
        XCTAssertEqual(scan.matchKey, ssccDigits)
    }

    func testBracketedGTINAndSerial() {
        XCTAssertEqual(content("(01)" + gtin + "(21)" + "ABC123"), .gtinSerial(gtin: gtin, serial: "ABC123"))
        XCTAssertEqual(content("(21)" + "ABC123" + "(01)" + gtin), .gtinSerial(gtin: gtin, serial: "ABC123"))
    }

    func testBracketedAfterNonGS1AIM() {
        let scan = normalizer.normalize("]A0(00)" + ssccDigits)
        XCTAssertEqual(scan.aim, "]A0")
        XCTAssertEqual(scan.content, sscc(ssccDigits))
    }

    func testBracketedBadCheckDigitIsUnreadable() {
        guard case .unreadable(let reason, _) = content("(00)" + badSSCC) else { return XCTFail("expected unreadable") }
        XCTAssertEqual(reason, "AI (00) check digit is wrong")
    }

    func testUnclosedBracket() {
        XCTAssertEqual(content("(00" + ssccDigits), .unreadable(reason: "unclosed bracket", position: 0))
        XCTAssertEqual(content("(01)" + gtin + "(21ABC"), .unreadable(reason: "unclosed bracket", position: 18))
    }

    func testRegression_bracketedFaultPositionIsInTheRebuiltElementStringNotTheScan() throws {
        // "(00)" is characters 0–3, the 18 digits 4–21: the wrong check digit is character 21 (the code says 19).
        XCTAssertEqual(content("(00)" + badSSCC), .unreadable(reason: "AI (00) check digit is wrong", position: 21))
        // "(01)" 0–3, GTIN 4–17: check digit at 17 (the code says 15).
        XCTAssertEqual(content("(01)" + badGTIN + "(21)X"), .unreadable(reason: "AI (01) check digit is wrong", position: 17))
    }

    func testRegression_bracketedAcceptsMalformedApplicationIdentifiers() throws {
        // Concatenating "(0)" + "0106…" gives "00106…": the code reads a valid SSCC out of a malformed label.
        guard case .unreadable = content("(0)0" + ssccDigits) else { return XCTFail("'(0)0…' must not be read as an SSCC") }
        guard case .unreadable = content("(001)" + ssccDigits.dropFirst()) else { return XCTFail("'(001)…' must not be read as an SSCC") }
        guard case .unreadable = content("()00" + ssccDigits) else { return XCTFail("'()00…' must not be read as an SSCC") }
    }

    // MARK: - Plain text

    func testPlainSerialIsKeptExactly() {
        for serial in ["SN-0O1l", "O0O0", "5CG1234XYZ", "abc-ABC", "C02XK0YZJGH5", "ÄÖÜ-123", "12345"] {
            let scan = normalizer.normalize(serial)
            XCTAssertEqual(scan.content, .text(serial), serial)
            XCTAssertEqual(scan.matchKey, serial)
            XCTAssertNil(scan.aim)
            XCTAssertEqual(scan.raw, serial)
        }
    }

    func testSurroundingSpacesAndTabsAreTrimmedButRawIsKept() {
        let scan = normalizer.normalize("  ABC 123\t ")
        XCTAssertEqual(scan.content, .text("ABC 123"), "inner spaces are kept")
        XCTAssertEqual(scan.raw, "  ABC 123\t ")
    }

    func testTrailingCROrLFIsRemoved() {
        XCTAssertEqual(content("ABC123\r"), .text("ABC123"))
        XCTAssertEqual(content("ABC123\n"), .text("ABC123"))
        XCTAssertEqual(content("ABC123\n\n"), .text("ABC123"))
        XCTAssertEqual(normalizer.normalize("ABC123\n").raw, "ABC123\n")
    }

    func testRegression_trailingCRLFIsNotRemoved() throws {
        XCTAssertEqual(content("ABC123\r\n"), .text("ABC123"))
        XCTAssertEqual(content("]C100" + ssccDigits + "\r\n"), sscc(ssccDigits))
        XCTAssertEqual(content("]C101" + gtin + "21ABC123\r\n"), .gtinSerial(gtin: gtin, serial: "ABC123"))
        XCTAssertEqual(content("\r\n"), .unreadable(reason: "empty scan", position: 0))
    }

    func testControlCharactersAreUnreadable() {
        XCTAssertEqual(content("ABC\u{07}123"), .unreadable(reason: "control character 0x7 in plain text", position: 3))
        XCTAssertEqual(content(" A\u{01}B"), .unreadable(reason: "control character 0x1 in plain text", position: 2),
                       "the position counts the trimmed leading space")
        XCTAssertEqual(content("AB\u{1D}C"), .unreadable(reason: "control character 0x1d in plain text", position: 2))
        XCTAssertEqual(content("AB\u{7F}"), .unreadable(reason: "control character 0x7f in plain text", position: 2))
        XCTAssertEqual(content("A\tB"), .unreadable(reason: "control character 0x9 in plain text", position: 1))
        XCTAssertEqual(content("]A0X\u{1B}Y"), .unreadable(reason: "control character 0x1b in plain text", position: 4))
        XCTAssertEqual(content("A\rB"), .unreadable(reason: "control character 0xd in plain text", position: 1))
    }

    func testNonGS1AIMIsRemovedFromPlainText() {
        let scan = normalizer.normalize("]A0ABC123")
        XCTAssertEqual(scan.aim, "]A0")
        XCTAssertEqual(scan.content, .text("ABC123"))
        XCTAssertEqual(scan.raw, "]A0ABC123")
        XCTAssertEqual(normalizer.normalize("]E0036000291452").content, .text("036000291452"))
    }

    func testTwentyDigitSSCCWithoutAIM() {
        let scan = normalizer.normalize("00" + ssccDigits)
        XCTAssertEqual(scan.content, sscc(ssccDigits))
        XCTAssertNil(scan.aim)
        XCTAssertEqual(normalizer.normalize(" 00" + ssccDigits + " ").content, sscc(ssccDigits))
        XCTAssertEqual(normalizer.normalize("]A000" + ssccDigits).content, sscc(ssccDigits))
    }

    func testDigitStringsThatAreNotSSCCsStayText() {
        XCTAssertEqual(content("00" + badSSCC), .text("00" + badSSCC), "wrong check digit: not an SSCC, kept as text")
        XCTAssertEqual(content(ssccDigits), .text(ssccDigits), "18 digits without AI 00 are plain text")
        XCTAssertEqual(content("01" + ssccDigits), .text("01" + ssccDigits))
        XCTAssertEqual(content("000" + ssccDigits), .text("000" + ssccDigits))
    }

    func testEmptyScans() {
        XCTAssertEqual(content(""), .unreadable(reason: "empty scan", position: 0))
        XCTAssertEqual(content("   "), .unreadable(reason: "empty scan", position: 0))
        XCTAssertEqual(content("\n"), .unreadable(reason: "empty scan", position: 0))
        XCTAssertEqual(content("]A0"), .unreadable(reason: "empty scan", position: 3))
        XCTAssertNil(normalizer.normalize("").matchKey)
    }

    func testShortTextStartingWithBracketIsNotAnAIM() {
        let scan = normalizer.normalize("]C")
        XCTAssertNil(scan.aim)
        XCTAssertEqual(scan.content, .text("]C"))
    }

    // MARK: - Codable

    func testNormalizedScanRoundTripsThroughJSON() throws {
        let scans = ["]C100" + ssccDigits, "]C101" + gtin + "21ABC", "  SN-1 ", "", "ABC\u{07}"].map(normalizer.normalize)
        let decoded = try JSONDecoder().decode([NormalizedScan].self, from: JSONEncoder().encode(scans))
        XCTAssertEqual(decoded, scans)
    }
}
