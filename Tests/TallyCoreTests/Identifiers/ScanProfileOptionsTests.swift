import XCTest
@testable import TallyCore

final class ScanProfileOptionsTests: XCTestCase {
    private let gs = GS1Samples.gs
    private let G = GS1Samples.gtin
    private let S = GS1Samples.sscc

    func testFactoryDefaults() {
        let defaults = ScanProfileOptions.factoryDefaults
        XCTAssertEqual(defaults.prefix, "")
        XCTAssertEqual(defaults.suffix, "")
        XCTAssertEqual(defaults.fnc1Substitutes, [])
        XCTAssertEqual(defaults.aimIdentifiers, .auto)
        XCTAssertEqual(defaults.caseFolding, .none)
        XCTAssertTrue(defaults.requireAssociatedAIs)
        XCTAssertTrue(defaults.forbidExclusiveAIs)
        XCTAssertEqual(ScanNormalizer().options, defaults)
    }

    func testPrefixAndSuffixAreStripped() {
        let normalizer = ScanNormalizer(options: ScanProfileOptions(prefix: "#", suffix: "$$"))
        let scan = assertValid("#]C100" + S + "$$\r\n", normalizer)
        XCTAssertEqual(scan.content, .sscc(SSCC(S)!))
        XCTAssertEqual(scan.raw, "#]C100" + S + "$$\r\n")
        XCTAssertEqual(assertValid("#PF3K9XZ1$$", normalizer).matchKey, "PF3K9XZ1")
        // Positions still count from the raw scan, prefix included.
        assertFault("#]C100" + GS1Samples.breakCheck(S) + "$$", .badCheckDigit, at: 23, naming: "(00)", normalizer)
        assertFault("PF3K9XZ1$$", .missingPrefix, at: 0, normalizer)
        assertFault("#PF3K9XZ1", .missingSuffix, at: 9, normalizer)
        assertFault("#$", .missingSuffix, normalizer)
    }

    func testFNC1Substitute() {
        let tilde = ScanNormalizer(options: ScanProfileOptions(fnc1Substitutes: ["~"]))
        let scan = assertValid("]C101" + G + "10LOT~21SN1", tilde)
        XCTAssertEqual(scan.elements.map(\.ai), ["01", "10", "21"])
        XCTAssertEqual(scan.value(of: "10"), "LOT")
        // In first position, and without an AIM identifier.
        assertValid("]C1~01" + G + "21SN1", tilde)
        XCTAssertEqual(assertValid("01" + G + "10LOT~21SN1", tilde).serial, "SN1")
        // A multi-character substitute; positions after it still point into the raw scan.
        let word = ScanNormalizer(options: ScanProfileOptions(fnc1Substitutes: ["<GS>"]))
        XCTAssertEqual(assertValid("]d201" + G + "10LOT<GS>21SN1", word).serial, "SN1")
        assertFault("]d201" + G + "10LOT<GS>17251332", .badDate, at: 32, naming: "(17)", word)
        // Without the option the substitute is data: '~' is not in GS1 character set 82.
        assertFault("]C101" + G + "10LOT~21SN1", .badCharacter, at: 24)
        // The real GS still works with a substitute configured.
        assertValid("]C101" + G + "10LOT" + gs + "21SN1", tilde)
    }

    func testAIMIdentifierSettings() {
        let required = ScanNormalizer(options: ScanProfileOptions(aimIdentifiers: .required))
        assertValid("]C100" + S, required)
        assertValid("]A0PF3K9XZ1", required)
        assertFault("PF3K9XZ1", .missingAIMIdentifier, at: 0, required)
        let absent = ScanNormalizer(options: ScanProfileOptions(aimIdentifiers: .absent))
        let literal = absent.normalize("]A0PF3K9XZ1")
        XCTAssertNil(literal.aim)
        XCTAssertEqual(literal.matchKey, "]A0PF3K9XZ1")
        XCTAssertEqual(ScanNormalizer().normalize("]A0PF3K9XZ1").matchKey, "PF3K9XZ1")
    }

    func testFastPathAgreesWithTheFullReader() {
        // The plain-text fast path is only an optimization: the full reader gives the same result.
        let fast = ScanNormalizer()
        let full = ScanNormalizer(options: ScanProfileOptions(fnc1Substitutes: ["\u{1F}"]))
        XCTAssertFalse(full.fastPathAllowed)
        for raw in ["PF3K9XZ1", "5CD1ABC", "WD-WX1ABC", "UNEXPECTED-7", "C02FX", "JX4K2M1", "a", "S3Z9", "1X", "hX",
                    "0123456789", "ABC-/.,;", "00" + S] {
            XCTAssertEqual(fast.normalize(raw), full.normalize(raw), raw)
        }
    }
}
