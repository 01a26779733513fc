import XCTest
@testable import TallyCore

final class AIMIdentifierTests: XCTestCase {
    private let normalizer = ScanNormalizer()
    private let gs = "\u{1D}"

    /// Data each kind of identifier is fed in the table test.
    private func sample(for entry: AIMIdentifier) -> String {
        switch entry.payload {
        case .gs1ElementString: "00106141412345678908"
        case .ean13: "4006381333931"
        case .ean8: "96385074"
        case .itf: "10614141000415"
        case .data: "ABC123"
        }
    }

    func testEveryIdentifierInTheTableIsRecognized() {
        XCTAssertGreaterThanOrEqual(AIMIdentifier.table.count, 60)
        for entry in AIMIdentifier.table {
            let raw = entry.identifier + sample(for: entry)
            let scan = normalizer.normalize(raw)
            XCTAssertEqual(scan.aim, entry.identifier, raw)
            XCTAssertEqual(scan.symbology?.identifier, entry.identifier, raw)
            XCTAssertEqual(scan.raw, raw)
            XCTAssertTrue(scan.isValid, "\(raw): \(scan.errors)")
            switch entry.payload {
            case .gs1ElementString:
                XCTAssertEqual(scan.content, .sscc(SSCC("106141412345678908")!), raw)
                XCTAssertEqual(scan.kind, .gs1ElementString, raw)
            case .ean13, .ean8, .itf:
                XCTAssertEqual(scan.kind, .gs1ElementString, raw)
                XCTAssertEqual(scan.gtin?.count, 14, raw)
                XCTAssertNil(scan.matchKey, "\(raw): a GTIN alone is not one asset")
            case .data:
                XCTAssertEqual(scan.content, .text("ABC123"), raw)
                XCTAssertEqual(scan.kind, .plainText, raw)
            }
            XCTAssertEqual(AIMIdentifier.lookup(entry.identifier), entry)
        }
    }

    func testIdentifiersAreUniqueAndWellFormed() {
        let identifiers = AIMIdentifier.table.map(\.identifier)
        XCTAssertEqual(Set(identifiers).count, identifiers.count)
        for identifier in identifiers {
            let bytes = Array(identifier.utf8)
            XCTAssertEqual(bytes.count, 3, identifier)
            XCTAssertEqual(bytes[0], UInt8(ascii: "]"), identifier)
            XCTAssertTrue(AIMIdentifier.isWellFormed(bytes[1], bytes[2]), identifier)
        }
    }

    func testUnifiedPOSScanDataTypes() {
        // UnifiedPOS Scanner ScanDataType constants (SCAN_SDT_*).
        let expected: [String: Int?] = [
            "]A0": 108, "]A1": 137, "]C0": 110, "]C1": 120, "]C4": 141, "]E0": 104, "]E3": 119, "]E4": 103,
            "]F0": 107, "]G0": 109, "]H0": 142, "]I0": 106, "]I1": 133, "]K0": 211, "]L0": 201, "]M0": 143,
            "]P0": 144, "]Q1": 204, "]Q3": 209, "]S0": 105, "]T0": 210, "]U0": 202, "]X0": 501, "]d1": 203,
            "]d2": 208, "]e0": 131, "]h0": 215, "]z0": 206, "]B0": 145, "]J1": nil, "]E1": nil,
        ]
        for (identifier, type) in expected {
            XCTAssertEqual(AIMIdentifier.lookup(identifier)?.scanDataType, type, identifier)
        }
    }

    func testGS1Payloads() {
        let gs1 = Set(AIMIdentifier.table.filter { $0.payload == .gs1ElementString }.map(\.identifier))
        XCTAssertEqual(gs1, ["]C1", "]e0", "]d2", "]Q3", "]J1", "]z1"])
        XCTAssertEqual(AIMIdentifier.lookup("]E0")?.payload, .ean13)
        XCTAssertEqual(AIMIdentifier.lookup("]E4")?.payload, .ean8)
        XCTAssertEqual(AIMIdentifier.lookup("]I1")?.payload, .itf)
        XCTAssertTrue(AIMIdentifier.lookup("]C1")!.carriesGS1)
        XCTAssertFalse(AIMIdentifier.lookup("]C0")!.carriesGS1)
    }

    func testDataBarExpandedIsToldApartByItsData() {
        XCTAssertEqual(normalizer.normalize("]e00110614141000415").symbology?.scanDataType, 131)
        let expanded = normalizer.normalize("]e00110614141000415" + "21ABC")
        XCTAssertEqual(expanded.symbology?.scanDataType, 132)
        XCTAssertEqual(expanded.symbology?.symbology, "GS1 DataBar Expanded")
    }

    func testUnknownModifierOfAKnownSymbology() {
        let scan = normalizer.normalize("]C9ABC")
        XCTAssertEqual(scan.aim, "]C9")
        XCTAssertEqual(scan.symbology?.symbology, "Code 128")
        XCTAssertEqual(scan.symbology?.scanDataType, 110)
        XCTAssertEqual(scan.content, .text("ABC"))
        let unknown = normalizer.normalize("]W0ABC")
        XCTAssertEqual(unknown.aim, "]W0")
        XCTAssertEqual(unknown.symbology?.symbology, "unknown symbology")
        XCTAssertNil(unknown.symbology?.scanDataType)
    }

    func testNotAnIdentifier() {
        XCTAssertNil(AIMIdentifier.lookup("]C"))
        XCTAssertNil(AIMIdentifier.lookup("C10"))
        XCTAssertNil(AIMIdentifier.lookup("]1C"), "the code is a letter")
        XCTAssertNil(AIMIdentifier.lookup("]C-"), "the modifier is a letter or digit")
        let scan = normalizer.normalize("]-ABC")
        XCTAssertNil(scan.aim)
        XCTAssertEqual(scan.content, .text("]-ABC"))
    }

    func testEANUPCErrors() {
        func first(_ raw: String) -> ScanError? { normalizer.normalize(raw).errors.first }
        XCTAssertEqual(first("]E04006381333932")?.code, .badCheckDigit)
        XCTAssertEqual(first("]E04006381333932")?.position, 15)
        XCTAssertEqual(first("]E0400638133393")?.code, .tooShort)
        XCTAssertEqual(first("]E040063813339310")?.code, .tooLong)
        XCTAssertEqual(first("]E040063813339310")?.position, 16)
        XCTAssertEqual(first("]E04006381333O31")?.code, .badCharacter)
        XCTAssertEqual(first("]E04006381333O31")?.position, 13)
        XCTAssertEqual(first("]E49638507")?.code, .tooShort)
        XCTAssertEqual(normalizer.normalize("]E496385074").gtin, "00000096385074")
        XCTAssertEqual(first("]I110614141000416")?.code, .badCheckDigit)
        // ITF of another length is plain data.
        XCTAssertEqual(normalizer.normalize("]I1123457").content, .text("123457"))
    }
}
