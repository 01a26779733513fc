import XCTest
@testable import TallyCore

final class GS1DigitalLinkTests: XCTestCase {
    private let G = GS1Samples.gtin
    private let S = GS1Samples.sscc
    private let normalizer = ScanNormalizer()

    private func ais(_ raw: String) -> [String] { assertValid(raw).elements.map { "(\($0.ai))\($0.value)" } }

    func testPathAndQueryMapToTheSameAIs() {
        XCTAssertEqual(ais("https://id.gs1.org/01/" + G + "/21/ABC123"), ["(01)" + G, "(21)ABC123"])
        XCTAssertEqual(ais("https://id.gs1.org/01/" + G + "/10/LOT1/21/ABC?17=251231&3103=000189"),
                       ["(01)" + G, "(10)LOT1", "(21)ABC", "(17)251231", "(3103)000189"])
        XCTAssertEqual(ais("https://id.gs1.org/00/" + S), ["(00)" + S])
        XCTAssertEqual(ais("https://id.gs1.org/8004/9506000ASSET1"), ["(8004)9506000ASSET1"])
        XCTAssertEqual(ais("https://id.gs1.org/414/" + GS1Samples.gln + "/254/EXT1"), ["(414)" + GS1Samples.gln, "(254)EXT1"])
    }

    func testAnyHostStemAndScheme() {
        for uri in ["https://example.com/01/" + G + "/21/X", "http://example.com/01/" + G + "/21/X",
                    "HTTPS://EXAMPLE.COM/01/" + G + "/21/X", "https://dl.example.com:8443/products/it/01/" + G + "/21/X",
                    "https://192.0.2.1/01/" + G + "/21/X", "https://example.com/01/" + G + "/21/X#fragment",
                    "https://a/00/faux/01/" + G + "/21/X"] {
            let scan = assertValid(uri)
            XCTAssertEqual(scan.kind, .gs1DigitalLink, uri)
            XCTAssertEqual(scan.content, .gtinSerial(gtin: G, serial: "X"), uri)
        }
    }

    func testScanWithAIMIdentifier() {
        let scan = assertValid("]Q1https://id.gs1.org/01/" + G + "/21/SN-7")
        XCTAssertEqual(scan.aim, "]Q1")
        XCTAssertEqual(scan.serial, "SN-7")
        XCTAssertEqual(assertValid("]d1https://id.gs1.org/00/" + S).content, .sscc(SSCC(S)!))
    }

    func testPercentEncodingAndPlus() {
        XCTAssertEqual(ais("https://id.gs1.org/01/" + G + "/21/A%2FB%25C"), ["(01)" + G, "(21)A/B%C"])
        // '+' is a space in the query (and a space is not in GS1 character set 82).
        assertFault("https://id.gs1.org/01/" + G + "?400=A+B", .badCharacter, naming: "(400)")
        XCTAssertEqual(ais("https://id.gs1.org/01/" + G + "/21/A+B"), ["(01)" + G, "(21)A+B"])
        assertFault("https://id.gs1.org/01/" + G + "/21/A%00B", .badCharacter, naming: "(21)")
    }

    func testNonAIQueryParametersAreIgnored() {
        XCTAssertEqual(ais("https://id.gs1.org/01/" + G + "/21/X?linkType=gs1:pip&17=251231&flag"),
                       ["(01)" + G, "(21)X", "(17)251231"])
    }

    func testErrors() {
        assertFault("https://example.com/products/123", .badDigitalLink, at: 19)
        assertFault("https://example.com/01/" + G + "/21/X/10/L", .badKeyQualifiers, naming: "/01/…/21/…/10/…")
        assertFault("https://example.com/01/" + G + "?10=X", .badKeyQualifiers, naming: "(10)")
        assertFault("https://example.com/01/" + G + "?21=X", .badDigitalLink, naming: "(21)")
        assertFault("https://example.com/00/" + S + "?21=X", .badDigitalLink, naming: "(21)")
        assertFault("https://example.com/01/" + G + "?17=251231&17=251231", .badDigitalLink, naming: "(17)")
        assertFault("https://example.com/01/" + G + "?99999=1", .unknownAI, at: 38)
        assertFault("https://example.com/01/" + G + "?17=", .tooShort, naming: "(17)")
        assertFault("HtTpS://example.com/01/" + G, .badDigitalLink, at: 0)
        assertFault("https://exa mple.com/01/" + G, .badDigitalLink, at: 11)
        assertFault("https://ex$ample.com/01/" + G, .badDigitalLink, at: 10)
        assertFault("https:///01/" + G, .badDigitalLink)
        assertFault("https://example.com", .badDigitalLink)
        assertFault("https://example.com/01/", .tooShort, at: 23, naming: "(01)")
    }

    func testValuesAreValidatedWithPositionsInTheURI() {
        let uri = "https://id.gs1.org/01/" + GS1Samples.breakCheck(G)
        assertFault(uri, .badCheckDigit, at: uri.count - 1, naming: "(01)")
        let short = "https://id.gs1.org/01/0950600013435"
        assertFault(short, .tooShort, at: 22, naming: "(01)")
        let date = "https://id.gs1.org/01/" + G + "?17=251332"
        assertFault(date, .badDate, at: date.count - 4, naming: "(17)")
        let escaped = "https://id.gs1.org/01/" + G + "/21/A%20B"
        assertFault(escaped, .badCharacter, at: escaped.count - 4, naming: "(21)")
    }

    func testQueryGTINIsPaddedAndAssociationsApply() {
        // (01) is a path key; in a query (with another key in the path) a GTIN-13 is padded to 14 digits.
        let scan = normalizer.normalize("https://id.gs1.org/8006/" + G + "0102?01=9506000134352")
        XCTAssertEqual(scan.elements.map(\.ai), ["8006", "01"])
        XCTAssertEqual(scan.value(of: "01"), "09506000134352")
        XCTAssertEqual(scan.errors.first?.code, .invalidAIPair, "ITIP (8006) excludes GTIN (01)")
        assertFault("https://id.gs1.org/00/" + S + "?37=10", .missingRequiredAI, naming: "(37)")
    }
}
