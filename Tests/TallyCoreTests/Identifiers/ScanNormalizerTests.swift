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

    /// The first error's code and position.
    private func fault(_ raw: String, _ normalizer: ScanNormalizer = ScanNormalizer()) -> (ScanError.Code, Int)? {
        normalizer.normalize(raw).errors.first.map { ($0.code, $0.position) }
    }

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
        // Changed with the full AI table: GS1 says a count (37) goes with the content GTIN (02) or (8026),
        // so "00 + 37" alone is an invalid label by default; the pairing rules can be switched off.
        XCTAssertEqual(fault("]C100" + ssccDigits + gs + "37" + "12")?.0, .missingRequiredAI)
        let lenient = ScanNormalizer(options: ScanProfileOptions(requireAssociatedAIs: false))
        XCTAssertEqual(lenient.normalize("]C100" + ssccDigits + gs + "37" + "12").content, sscc(ssccDigits))
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
        // Too short: the value starts at 5. A bad character is reported where it is (the 'O' at 21).
        XCTAssertTrue(fault("]C100" + "1234")! == (.tooShort, 5))
        XCTAssertTrue(fault("]C100" + "1061414123456789O8")! == (.badCharacter, 21))
        XCTAssertTrue(fault("]C100")! == (.tooShort, 5))
        XCTAssertNil(normalizer.normalize("]C100" + "1234").matchKey)
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
        // The 21st character (position 41) is the one too many; an empty serial is too short where it starts.
        XCTAssertTrue(fault("]C101" + gtin + "21" + twenty + "B")! == (.tooLong, 41))
        XCTAssertTrue(fault("]C101" + gtin + "21")! == (.tooShort, 21))
        XCTAssertTrue(fault("]C121" + gs + "01" + gtin)! == (.tooShort, 5))
    }

    func testBadGTIN() {
        // Check digit of the GTIN: 3 (AIM) + 2 (AI) + 13 = 18.
        XCTAssertEqual(content("]C101" + badGTIN + "21X"), .unreadable(reason: "AI (01) check digit is wrong", position: 18))
        XCTAssertTrue(fault("]C101" + "1234567" + "21X")! == (.tooShort, 5))
    }

    func testGTINWithoutSerialDoesNotIdentifyAnAsset() {
        XCTAssertEqual(content("]C101" + gtin),
                       .unreadable(reason: "AI (01) without a serial (21) does not identify one asset", position: 3))
    }

    func testSerialWithoutGTINOrEmptyElementString() {
        // Changed with the full AI table: GS1 says (21) goes with (01), (03) or (8006).
        XCTAssertTrue(fault("]C121ABC")! == (.missingRequiredAI, 3))
        let singleLabel = ScanNormalizer(options: ScanProfileOptions(requireAssociatedAIs: false))
        XCTAssertEqual(singleLabel.normalize("]C121ABC").content, .text("ABC"), "a lone serial, with the pairing rules off")
        XCTAssertTrue(fault("]C1")! == (.tooShort, 3))
    }

    func testEveryAIOfTheTableIsRead() {
        // The first slice rejected AI (10); it is now read, and needs a GTIN like every batch number.
        XCTAssertTrue(fault("]C110LOT42")! == (.missingRequiredAI, 3))
        XCTAssertEqual(content("]C101" + gtin + "10LOT42" + gs + "21X"), .gtinSerial(gtin: gtin, serial: "X"))
        XCTAssertTrue(fault("]C1ABC123")! == (.unknownAI, 3), "a GS1 symbology never falls back to plain text")
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
    }

    func testEANUPCIsAGTIN() {
        // Changed: ]E0 is EAN/UPC, whose data is a GTIN (AI 01) of 13 digits (UPC-A with its leading 0).
        // A GTIN alone identifies a product, not one asset, so the core gets no match key.
        let scan = normalizer.normalize("]E00036000291452")
        XCTAssertEqual(scan.kind, .gs1ElementString)
        XCTAssertEqual(scan.gtin, "00036000291452")
        XCTAssertTrue(scan.isValid)
        XCTAssertNil(scan.matchKey)
        // Twelve digits are not what ISO/IEC 15420 transmits after ]E0: an error, not a guess.
        XCTAssertTrue(fault("]E0036000291452")! == (.tooShort, 3))
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

    func testEveryKindOfScanRoundTripsThroughJSON() throws {
        let scans = [
            "]d201" + gtin + "21ABC" + gs + "3102001250", "https://id.gs1.org/01/" + gtin + "/21/X?17=251200",
            "[)>\u{1E}06\u{1D}SABC\u{1D}25SUN1\u{1E}\u{04}", "1S20XW0000USPF3K9XZ1", "]C121ABC", "]e00110614141000415" + "21A",
        ].map(normalizer.normalize)
        let decoded = try JSONDecoder().decode([NormalizedScan].self, from: JSONEncoder().encode(scans))
        XCTAssertEqual(decoded, scans)
        XCTAssertEqual(decoded[0].weight?.value.description, "12.50")
        XCTAssertEqual(decoded[2].dataIdentifiers.count, 2)
        XCTAssertEqual(decoded[3].label?.convention, .lenovoSystem)
        XCTAssertEqual(decoded[4].errors.first?.code, .missingRequiredAI)
    }
}
