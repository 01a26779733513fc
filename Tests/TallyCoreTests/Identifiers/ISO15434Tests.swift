import XCTest
@testable import TallyCore

final class ISO15434Tests: XCTestCase {
    private let rs = "\u{1E}", gs = "\u{1D}", eot = "\u{04}"
    private let header = "[)>\u{1E}"
    private let G = GS1Samples.gtin

    func testFormat06DataIdentifiers() {
        let raw = header + "06" + gs + "SXYZ-123" + gs + "1PLEN-5B20S" + gs + "PCUST-9" + gs + "Q12" + gs + "1TLOT7" + gs
            + "25SLHBC12345ABC" + gs + "10D2547" + gs + "4LCN" + rs + eot
        let scan = assertValid(raw)
        XCTAssertEqual(scan.kind, .iso15434)
        XCTAssertEqual(scan.dataIdentifiers.map(\.identifier), ["S", "1P", "P", "Q", "1T", "25S", "10D", "4L"])
        XCTAssertEqual(scan.dataIdentifiers.map(\.value), ["XYZ-123", "LEN-5B20S", "CUST-9", "12", "LOT7", "LHBC12345ABC", "2547", "CN"])
        XCTAssertEqual(scan.serial, "XYZ-123")
        XCTAssertEqual(scan.assetTag, "LHBC12345ABC")
        XCTAssertEqual(scan.content, .text("XYZ-123"))
        XCTAssertEqual(scan.dataIdentifiers.first?.position, 7)
        XCTAssertEqual(scan.dataIdentifiers[1].position, 16)
        XCTAssertEqual(scan.dataIdentifiers[0].name, "serial number assigned by the supplier")
        XCTAssertEqual(scan.dataIdentifiers[5].name?.contains("unique item identifier"), true)
        XCTAssertTrue(scan.elements.isEmpty)
    }

    func testFormat06WithoutSerialUsesTheUniqueItemIdentifier() {
        let scan = assertValid(header + "06" + gs + "25SUN123456789" + gs + "1PPART" + rs + eot)
        XCTAssertEqual(scan.content, .text("UN123456789"))
        XCTAssertNil(scan.serial)
        let none = assertValid(header + "06" + gs + "1PPART" + gs + "Q1" + rs + eot)
        XCTAssertNil(none.matchKey)
    }

    func testFormat05GS1AIs() {
        let scan = assertValid(header + "05" + gs + "01" + G + gs + "21SN1" + gs + "3103000189" + rs + eot)
        XCTAssertEqual(scan.kind, .iso15434)
        XCTAssertEqual(scan.elements.map(\.ai), ["01", "21", "3103"])
        XCTAssertEqual(scan.content, .gtinSerial(gtin: G, serial: "SN1"))
        XCTAssertEqual(scan.weight?.value.description, "0.189")
        // The GS1 rules apply inside format 05, with positions in the whole message.
        assertFault(header + "05" + gs + "01" + GS1Samples.breakCheck(G) + rs + eot, .badCheckDigit, at: 22, naming: "(01)")
        assertFault(header + "05" + gs + "21SN1" + rs + eot, .missingRequiredAI, at: 7, naming: "(21)")
    }

    func testTwoFormatsInOneMessage() {
        let scan = assertValid(header + "06" + gs + "SABC" + gs + "1PX" + rs + "05" + gs + "01" + G + rs + eot)
        XCTAssertEqual(scan.dataIdentifiers.map(\.identifier), ["S", "1P"])
        XCTAssertEqual(scan.elements.map(\.ai), ["01"])
        XCTAssertEqual(scan.content, .text("ABC"))
    }

    func testWithAIMIdentifier() {
        let scan = assertValid("]d1" + header + "06" + gs + "SABC" + rs + eot)
        XCTAssertEqual(scan.aim, "]d1")
        XCTAssertEqual(scan.kind, .iso15434)
        XCTAssertEqual(scan.serial, "ABC")
        XCTAssertEqual(scan.dataIdentifiers.first?.position, 10)
    }

    func testEnvelopeErrors() {
        assertFault(header + "06" + gs + "SABC" + rs, .badEnvelope, at: 12)
        assertFault(header + "06" + gs + "SABC", .badEnvelope, at: 11)
        assertFault("[)>06" + gs + "SABC" + rs + eot, .badEnvelope, at: 3)
        assertFault(header + "6" + gs + "SABC" + rs + eot, .badEnvelope, at: 4)
        assertFault(header + "06SABC" + rs + eot, .badEnvelope, at: 6)
        assertFault(header + "12" + gs + "ABC" + rs + eot, .unsupportedFormat, at: 4)
        assertFault(header + "06" + gs + rs + eot, .badEnvelope, at: 7)
        assertFault(header + "06" + gs + "SABC" + rs + eot + "X", .badEnvelope, at: 13)
        assertFault(header + eot, .badEnvelope, at: 4)
    }

    func testDataElementErrors() {
        assertFault(header + "06" + gs + "SABC" + gs + gs + "1PX" + rs + eot, .badDataIdentifier, at: 12)
        assertFault(header + "06" + gs + "sABC" + rs + eot, .badDataIdentifier, at: 7)
        assertFault(header + "06" + gs + "1234SABC" + rs + eot, .badDataIdentifier, at: 7)
        assertFault(header + "06" + gs + "SABC" + gs + "1P" + rs + eot, .tooShort, at: 12, naming: "1P")
        assertFault(header + "06" + gs + "SA\u{07}C" + rs + eot, .badCharacter, at: 9, naming: "S")
    }

    func testDataIdentifierShape() {
        func length(_ text: String) -> Int? {
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBufferPointer { DataIdentifiers.identifierLength($0, start: 0, end: bytes.count) }
        }
        XCTAssertEqual(length("SABC"), 1)
        XCTAssertEqual(length("1PABC"), 2)
        XCTAssertEqual(length("25SABC"), 3)
        XCTAssertEqual(length("123SABC"), 4)
        XCTAssertNil(length("1234S"))
        XCTAssertNil(length("1pABC"))
        XCTAssertNil(length("12"))
    }
}
