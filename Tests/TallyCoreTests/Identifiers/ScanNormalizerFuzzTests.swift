import TallyTestSupport
import XCTest
@testable import TallyCore

/// Arbitrary input never crashes or hangs the normalizer, and every result keeps its invariants.
final class ScanNormalizerFuzzTests: XCTestCase {
    /// Fragments that steer random input into every reader.
    static let fragments: [String] = [
        "]C1", "]d2", "]Q3", "]e0", "]J1", "]z1", "]E0", "]E4", "]I1", "]A0", "]Q1", "]d1", "]X", "]", "\u{1D}", "\u{1E}",
        "\u{04}", "[)>", "[)>\u{1E}06\u{1D}", "[)>\u{1E}05\u{1D}", "https://", "HTTP://", "/01/", "/21/", "?", "&", "=", "%",
        "%2", "%00", "(", ")", "(01)", "(21)", "\\(", "00", "01", "02", "10", "17", "21", "37", "3103", "8004", "8003",
        "8006", "8030", "7007", "4309", "423", "8007", "8013", "7258", "S/N:", "SN:", "Serial:", "1S", "11S", "WD-",
        GS1Samples.gtin, GS1Samples.sscc, GS1Samples.gln, "251231", "250100", "240229", "999999", "0", "9", "A", "z",
        " ", "\t", "\r", "\n", "é", "€", "😀", "\u{0}", "\u{7F}", "~", "<GS>",
    ]

    func randomScan(_ g: inout SplitMix64) -> String {
        var text = ""
        let parts = Int(g.next() % 12)
        for _ in 0..<parts {
            switch g.next() % 4 {
            case 0:
                // Arbitrary bytes, decoded as UTF-8 (invalid sequences become U+FFFD, as from a device).
                let count = Int(g.next() % 24)
                let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: g.next()) }
                text += String(decoding: bytes, as: UTF8.self)
            case 1:
                let count = Int(g.next() % 20)
                text += String((0..<count).map { _ in Character(UnicodeScalar(UInt8(0x20 + g.next() % 95))) })
            default:
                text += Self.fragments[Int(g.next() % UInt64(Self.fragments.count))]
            }
        }
        return text
    }

    func check(_ scan: NormalizedScan, raw: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(scan.raw, raw, file: file, line: line)
        XCTAssertEqual(scan.isValid, scan.errors.isEmpty, file: file, line: line)
        let length = raw.unicodeScalars.count
        for error in scan.errors {
            XCTAssertTrue((0...length).contains(error.position), "\(raw.debugDescription): \(error)", file: file, line: line)
            XCTAssertFalse(error.message.isEmpty, file: file, line: line)
        }
        for element in scan.elements {
            XCTAssertNotNil(GS1ApplicationIdentifiers.definition(for: element.ai), element.ai, file: file, line: line)
            XCTAssertTrue((0...length).contains(element.position), raw.debugDescription, file: file, line: line)
        }
        switch scan.content {
        case .unreadable(_, let position):
            XCTAssertNil(scan.matchKey, file: file, line: line)
            XCTAssertTrue((0...length).contains(position), raw.debugDescription, file: file, line: line)
        case .sscc(let sscc):
            XCTAssertTrue(scan.isValid, file: file, line: line)
            XCTAssertTrue(GS1CheckDigit.isValid(sscc.digits), file: file, line: line)
        case .gtinSerial, .text:
            XCTAssertTrue(scan.isValid, "\(raw.debugDescription) has errors but a match key", file: file, line: line)
            XCTAssertNotNil(scan.matchKey, file: file, line: line)
        }
        if !scan.isValid { XCTAssertNil(scan.matchKey, file: file, line: line) }
    }

    func testRandomInputNeverCrashesAndKeepsItsInvariants() {
        var g = SplitMix64(seed: 0x7A11_7A11_2026_1129)
        let normalizers = [
            ScanNormalizer(),
            ScanNormalizer(options: ScanProfileOptions(prefix: "]", suffix: "\u{1D}", fnc1Substitutes: ["~", "<GS>"],
                                                       aimIdentifiers: .required, caseFolding: .upper)),
            ScanNormalizer(options: ScanProfileOptions(aimIdentifiers: .absent, requireAssociatedAIs: false, forbidExclusiveAIs: false)),
        ]
        var valid = 0
        for n in 0..<60_000 {
            let raw = randomScan(&g)
            let scan = normalizers[n % normalizers.count].normalize(raw)
            check(scan, raw: raw)
            if scan.isValid { valid += 1 }
        }
        XCTAssertGreaterThan(valid, 1_000, "the generator reaches valid scans too")
    }

    func testMutatedValidScansNeverCrash() {
        var g = SplitMix64(seed: 42)
        let gs = GS1Samples.gs
        let seeds = [
            "]C100" + GS1Samples.sscc, "]d201" + GS1Samples.gtin + "17251231" + "10LOT" + gs + "21SN1",
            "https://id.gs1.org/01/" + GS1Samples.gtin + "/21/ABC?17=251231&3103=000189",
            "[)>\u{1E}06\u{1D}SABC\u{1D}1PX\u{1D}25SUN1\u{1E}05\u{1D}01" + GS1Samples.gtin + "\u{1E}\u{04}",
            "(01)" + GS1Samples.gtin + "(21)A\\(B", "1S20XW0000USPF3K9XZ1", "S/N: WD-WX12", "]E04006381333931",
        ]
        let normalizer = ScanNormalizer()
        for _ in 0..<40_000 {
            var scalars = Array(seeds[Int(g.next() % UInt64(seeds.count))].unicodeScalars)
            for _ in 0..<Int(1 + g.next() % 4) {
                let i = Int(g.next() % UInt64(scalars.count + 1))
                switch g.next() % 3 {
                case 0 where i < scalars.count: scalars.remove(at: i)
                case 1: scalars.insert(UnicodeScalar(UInt8(g.next() % 128)), at: i)
                default: if i < scalars.count { scalars[i] = UnicodeScalar(UInt8(0x20 + g.next() % 95)) }
                }
            }
            var raw = ""
            raw.unicodeScalars.append(contentsOf: scalars)
            check(normalizer.normalize(raw), raw: raw)
        }
    }

    func testLongInputsStayLinear() {
        // Megabyte-scale scans finish (no quadratic or unbounded work); no timing is asserted.
        let normalizer = ScanNormalizer()
        for raw in [String(repeating: "A", count: 1_000_000), "]C1" + String(repeating: "9", count: 200_000),
                    "]C1" + String(repeating: "10ABC\u{1D}", count: 20_000),
                    "https://a/" + String(repeating: "01/", count: 50_000),
                    "[)>\u{1E}06\u{1D}" + String(repeating: "SABC\u{1D}", count: 50_000) + "\u{1E}\u{04}",
                    String(repeating: "(", count: 100_000), String(repeating: "\u{1D}", count: 100_000)] {
            check(normalizer.normalize(raw), raw: raw)
        }
    }
}
