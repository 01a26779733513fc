import XCTest
@testable import TallyCore

final class ManufacturerLabelTests: XCTestCase {
    private let normalizer = ScanNormalizer()

    private func read(_ raw: String, _ normalizer: ScanNormalizer = ScanNormalizer()) -> (String?, LabelConvention?) {
        let scan = assertValid(raw, normalizer)
        XCTAssertEqual(scan.kind, .plainText, raw)
        XCTAssertEqual(scan.raw, raw, "the raw scan is kept")
        return (scan.matchKey, scan.label?.convention)
    }

    func testLenovoSystemLabel1S() {
        XCTAssertTrue(read("1S20XW0000USPF3K9XZ1") == ("PF3K9XZ1", .lenovoSystem))
        XCTAssertTrue(read("1S20XW0000US PF3K9XZ1") == ("PF3K9XZ1", .lenovoSystem))
        XCTAssertTrue(read("1s7X06CTO1WWJ300ABCD") == ("J300ABCD", .lenovoSystem), "prefix in any case")
        XCTAssertTrue(read("  1S20XW0000USPF3K9XZ1\t") == ("PF3K9XZ1", .lenovoSystem))
        XCTAssertEqual(normalizer.normalize("1S20XW0000USPF3K9XZ1").label?.machineTypeModel, "20XW0000US")
        XCTAssertEqual(normalizer.normalize("1S2516 L3A1234").label?.machineTypeModel, "2516")
        // Not the 1S layout: kept whole as plain text, never guessed at.
        XCTAssertTrue(read("1SABC") == ("1SABC", nil))
        XCTAssertTrue(read("1S20XW0000USPF3K9XZ") == ("1S20XW0000USPF3K9XZ", nil))
        assertFault("1S", .emptySerial, at: 2)
    }

    func testLenovoPartLabel11S() {
        XCTAssertTrue(read("11S5B20S43839ZZ1234567") == ("5B20S43839ZZ1234567", .lenovoPart))
        XCTAssertTrue(read("11s01YU123YC10GD0123") == ("01YU123YC10GD0123", .lenovoPart))
        assertFault("11S", .emptySerial, at: 3)
    }

    func testSerialPrefixes() {
        for raw in ["S/N: ABC123", "S/N:ABC123", "S/N ABC123", "s/n: ABC123", "S/NABC123", "SN:ABC123", "SN: ABC123",
                    "sn:ABC123", "Serial: ABC123", "SERIAL:ABC123", "Serial No: ABC123", "Serial No.: ABC123",
                    "Serial Number: ABC123", "serial number :ABC123", "  S/N: ABC123  "] {
            XCTAssertTrue(read(raw) == ("ABC123", .serialPrefix), raw)
        }
        // "SN" without its colon is an ordinary serial.
        XCTAssertTrue(read("SNX12345") == ("SNX12345", nil))
        XCTAssertTrue(read("Serial") == ("Serial", nil))
        assertFault("S/N:", .emptySerial, at: 4)
        assertFault("SN:   ", .emptySerial, at: 3)
        assertFault("Serial Number:", .emptySerial, at: 14)
    }

    func testWesternDigitalSerialIsKeptWhole() {
        XCTAssertTrue(read("WD-WX12D45E6789") == ("WD-WX12D45E6789", .westernDigital))
        XCTAssertTrue(read("wd-wx12d45e6789") == ("wd-wx12d45e6789", .westernDigital))
        XCTAssertTrue(read("S/N: WD-WCC4N1234567") == ("WD-WCC4N1234567", .serialPrefix))
        XCTAssertTrue(read("WD-") == ("WD-", nil))
    }

    func testATAAndNVMeSerialsPaddedToTwenty() {
        // ATA IDENTIFY serials are right-aligned in 20 characters, NVMe serials left-aligned.
        XCTAssertTrue(read("     WD-WCC4N1234567") == ("WD-WCC4N1234567", .westernDigital))
        XCTAssertTrue(read("        S3Z9NB0K1234") == ("S3Z9NB0K1234", .paddedDriveSerial))
        XCTAssertTrue(read("S4EWNX0R123456      ") == ("S4EWNX0R123456", .paddedDriveSerial))
        XCTAssertTrue(read("  S4EWNX0R123456  ") == ("S4EWNX0R123456", nil), "18 characters: ordinary whitespace")
    }

    func testLookAlikesAreNeverRewritten() {
        for serial in ["PF3K9XZI", "PF3K9XZ1", "0O0O", "B8S5Z2", "l1I|"] {
            XCTAssertTrue(read(serial) == (serial, nil), serial)
        }
        XCTAssertTrue(read("S/N: PF3K9XZO") == ("PF3K9XZO", .serialPrefix))
    }

    func testCaseIsKeptUnlessTheProfileFoldsIt() {
        XCTAssertTrue(read("pf3k9xz1") == ("pf3k9xz1", nil))
        let upper = ScanNormalizer(options: ScanProfileOptions(caseFolding: .upper))
        XCTAssertTrue(read("pf3k9xz1", upper) == ("PF3K9XZ1", nil))
        XCTAssertTrue(read("s/n: pf3k9xz1", upper) == ("PF3K9XZ1", .serialPrefix))
        XCTAssertEqual(upper.normalize("s/n: pf3k9xz1").label?.serial, "PF3K9XZ1")
        let lower = ScanNormalizer(options: ScanProfileOptions(caseFolding: .lower))
        XCTAssertTrue(read("WD-WX12", lower) == ("wd-wx12", .westernDigital))
        // GS1 values are case-sensitive: never folded.
        XCTAssertEqual(upper.normalize("]C101" + GS1Samples.gtin + "21abc").serial, "abc")
        XCTAssertEqual(upper.normalize("ÄÖü-1").matchKey, "ÄÖü-1", "only ASCII letters are folded")
    }
}
