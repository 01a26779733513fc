import XCTest
@testable import TallyCore

final class GS1ApplicationIdentifierTableTests: XCTestCase {
    private let all = GS1ApplicationIdentifiers.all

    func testTableSizeAndOrder() {
        // 536 AIs once the ranges (3100-3105, ..., 91-99) are expanded.
        XCTAssertEqual(all.count, 536)
        XCTAssertEqual(all.map(\.ai), all.map(\.ai).sorted())
        XCTAssertEqual(Set(all.map(\.ai)).count, all.count, "no AI twice")
        for entry in all {
            XCTAssertTrue((2...4).contains(entry.ai.count) && entry.ai.allSatisfy(\.isASCIIDigit), entry.ai)
            XCTAssertFalse(entry.components.isEmpty, entry.ai)
            XCTAssertFalse(entry.title.isEmpty, entry.ai)
        }
    }

    func testAllAIsWithTheSameTwoDigitsHaveTheSameLength() {
        var lengths: [Substring: Int] = [:]
        for entry in all {
            let prefix = entry.ai.prefix(2)
            if let known = lengths[prefix] { XCTAssertEqual(known, entry.ai.count, entry.ai) }
            lengths[prefix] = entry.ai.count
        }
        XCTAssertEqual(lengths["23"], 3)
        XCTAssertEqual(lengths["31"], 4)
        XCTAssertEqual(lengths["41"], 3)
        XCTAssertEqual(lengths["71"], 3)
        XCTAssertEqual(lengths["72"], 4)
        XCTAssertEqual(lengths["91"], 2)
        XCTAssertNil(lengths["04"])
        XCTAssertNil(lengths["50"])
    }

    func testPredefinedLengthAIsAreTheGeneralSpecificationsList() {
        // GS1 General Specifications, "Pre-defined length element strings": first two digits 00-03, 11-20,
        // 31-36 and 41 (03 MTO GTIN); every such AI has a fixed length; nothing else is pre-defined.
        let predefinedPrefixes: Set<Substring> = ["00", "01", "02", "03", "11", "12", "13", "15", "16", "17", "20",
                                                  "31", "32", "33", "34", "35", "36", "41"]
        for entry in all {
            XCTAssertEqual(entry.isPredefinedLength, predefinedPrefixes.contains(entry.ai.prefix(2)), entry.ai)
            if entry.isPredefinedLength { XCTAssertTrue(entry.isFixedLength, entry.ai) }
        }
    }

    func testFormats() {
        let expected: [String: String] = [
            "00": "N18", "01": "N14", "02": "N14", "03": "N14", "10": "X..20", "11": "N6", "17": "N6", "20": "N2",
            "21": "X..20", "22": "X..20", "235": "X..28", "242": "N..6", "250": "X..30", "253": "N13 [X..17]",
            "254": "X..20", "255": "N13 [N..12]", "30": "N..8", "3100": "N6", "3103": "N6", "3205": "N6",
            "3303": "N6", "3402": "N6", "3695": "N6", "37": "N..8", "3900": "N..15", "3912": "N3 N..15",
            "3943": "N4", "3955": "N6", "400": "X..30", "402": "N17", "410": "N13", "414": "N13", "421": "N3 X..9",
            "423": "N3 [N3] [N3] [N3] [N3]", "4307": "X2", "4309": "N10 N10", "4324": "N6 N4", "4330": "N6 [X1]",
            "7003": "N6 N4", "7007": "N6 [N6]", "7011": "N6 [N4]", "7030": "N3 X..27", "7040": "N1 X1 X1 X1",
            "7041": "X..4", "716": "X..20", "7230": "X2 X..28", "7250": "N8", "7251": "N8 N4", "7258": "X3",
            "8001": "N4 N5 N3 N1 N1", "8003": "N1 N13 [X..16]", "8004": "X..30", "8006": "N14 N4",
            "8007": "X..34", "8008": "N6 N2 [N2] [N2]", "8010": "Y..30", "8011": "N..12", "8013": "X..25",
            "8017": "N18", "8019": "N..10", "8026": "N14 N4", "8030": "Z..90", "8110": "X..70", "8200": "X..70",
            "90": "X..30", "91": "X..90", "99": "X..90",
        ]
        for (ai, format) in expected {
            XCTAssertEqual(GS1ApplicationIdentifiers.definition(for: ai)?.format, format, ai)
        }
        XCTAssertEqual(GS1ApplicationIdentifiers.definition(for: "8003")?.minLength, 14)
        XCTAssertEqual(GS1ApplicationIdentifiers.definition(for: "8003")?.maxLength, 30)
        XCTAssertEqual(GS1ApplicationIdentifiers.definition(for: "4309")?.maxLength, 20)
    }

    func testAIsNotInTheTable() {
        for ai in ["04", "05", "14", "18", "19", "23", "231", "236", "24", "26", "27", "28", "29", "38", "3106", "3376",
                   "3944", "3956", "404", "418", "428", "4334", "50", "6", "7012", "7024", "7042", "717", "7243", "7260",
                   "8000", "8015", "8016", "8021", "8031", "8113", "8201", "89", "9", "12345", "0A", ""] {
            XCTAssertNil(GS1ApplicationIdentifiers.definition(for: ai), ai)
        }
    }

    func testTitlesAndRanges() {
        func title(_ ai: String) -> String? { GS1ApplicationIdentifiers.definition(for: ai)?.title }
        XCTAssertEqual(title("00"), "SSCC")
        XCTAssertEqual(title("01"), "GTIN")
        XCTAssertEqual(title("21"), "SERIAL")
        XCTAssertEqual(title("3102"), "NET WEIGHT (kg)")
        XCTAssertEqual(title("3405"), "GROSS WEIGHT (lb)")
        XCTAssertEqual(title("7030"), "PROCESSOR # 0")
        XCTAssertEqual(title("7039"), "PROCESSOR # 9")
        XCTAssertEqual(title("7230"), "CERT # 1")
        XCTAssertEqual(title("7239"), "CERT # 10")
        XCTAssertEqual(title("8004"), "GIAI")
        XCTAssertEqual(title("95"), "INTERNAL")
    }

    func testCheckDigitsAndDatesAreAttached() {
        func linters(_ ai: String) -> [GS1Linter] { GS1ApplicationIdentifiers.definition(for: ai)!.components.flatMap(\.linters) }
        for ai in ["00", "01", "02", "03", "253", "255", "402", "410", "411", "412", "413", "414", "415", "416", "417",
                   "8003", "8006", "8017", "8018", "8026"] {
            XCTAssertTrue(linters(ai).contains(.checkDigit), ai)
        }
        for ai in ["11", "12", "13", "15", "16", "17"] { XCTAssertEqual(linters(ai), [.dateDay00], ai) }
        for ai in ["7006", "4326"] { XCTAssertEqual(linters(ai), [.date], ai) }
        XCTAssertEqual(linters("8013"), [.checkPair, .companyPrefix])
        XCTAssertEqual(linters("7250"), [.fullDate])
        XCTAssertTrue(linters("8004").contains(.companyPrefix))
    }

    func testPairingRules() {
        func entry(_ ai: String) -> GS1AIDefinition { GS1ApplicationIdentifiers.definition(for: ai)! }
        XCTAssertEqual(entry("21").requires, [[["01"], ["03"], ["8006"]]])
        XCTAssertEqual(entry("21").excludes, ["235"])
        XCTAssertEqual(entry("37").requires, [[["00"]], [["02"], ["8026"]]])
        XCTAssertEqual(entry("01").excludes, ["255", "37"])
        XCTAssertEqual(entry("3103").excludes, ["310n"])
        XCTAssertEqual(entry("3920").requires, [[["01"]], [["30"], ["31nn"], ["32nn"], ["35nn"], ["36nn"]]])
        XCTAssertEqual(entry("8030").requires.first?.contains(["01", "21"]), true)
        XCTAssertEqual(entry("7258").requires, [[["8018", "7259"]]])
        XCTAssertTrue(entry("8004").requires.isEmpty)
        XCTAssertTrue(entry("00").requires.isEmpty)
    }

    func testDigitalLinkPrimaryKeys() {
        let keys = Set(all.filter { $0.digitalLinkQualifiers != nil }.map(\.ai))
        XCTAssertEqual(keys, ["00", "01", "253", "255", "401", "402", "414", "415", "417", "8003", "8004", "8006", "8010",
                              "8013", "8017", "8018"])
        XCTAssertEqual(GS1ApplicationIdentifiers.definition(for: "01")?.digitalLinkQualifiers, [["22", "10", "21"], ["235"]])
        XCTAssertEqual(GS1ApplicationIdentifiers.definition(for: "414")?.digitalLinkQualifiers, [["254"], ["7040"]])
        XCTAssertEqual(GS1ApplicationIdentifiers.definition(for: "00")?.digitalLinkQualifiers, [[]])
    }

    func testCharacterSetsOfEveryComponent() {
        var seen: Set<GS1AIComponent.CharacterSet> = []
        for entry in all {
            for component in entry.components {
                seen.insert(component.characterSet)
                XCTAssertLessThanOrEqual(component.minLength, component.maxLength, entry.ai)
                XCTAssertLessThanOrEqual(component.maxLength, 90, entry.ai)
            }
            // Only the last component may vary in length; optional components come last.
            for component in entry.components.dropLast() where !component.isOptional {
                XCTAssertEqual(component.minLength, component.maxLength, entry.ai)
            }
            if let firstOptional = entry.components.firstIndex(where: \.isOptional) {
                XCTAssertTrue(entry.components[firstOptional...].allSatisfy(\.isOptional), entry.ai)
            }
        }
        XCTAssertEqual(seen, [.numeric, .cset82, .cset39, .cset64])
    }

    /// Every AI of the table, fed a value of the right shape, one character too many, and nothing.
    func testEveryAIRejectsAnOverlongValueAndAnEmptyOne() {
        let normalizer = ScanNormalizer(options: ScanProfileOptions(requireAssociatedAIs: false, forbidExclusiveAIs: false))
        for entry in all {
            let overlong = String(repeating: "1", count: entry.maxLength + 1)
            let scan = normalizer.normalize("(\(entry.ai))\(overlong)")
            XCTAssertEqual(scan.errors.first?.code, .tooLong, "(\(entry.ai)) with \(entry.maxLength + 1) characters")
            XCTAssertTrue(scan.errors.first?.message.contains("(\(entry.ai))") ?? false, entry.ai)
            let empty = normalizer.normalize("]C1" + entry.ai)
            XCTAssertEqual(empty.errors.first?.code, .tooShort, "(\(entry.ai)) with no data")
            XCTAssertEqual(empty.errors.first?.position, 3 + entry.ai.count, entry.ai)
        }
    }

    /// Every AI whose first component is numeric rejects a letter there, at its position.
    func testEveryNumericAIRejectsALetter() {
        let normalizer = ScanNormalizer(options: ScanProfileOptions(requireAssociatedAIs: false, forbidExclusiveAIs: false))
        for entry in all where entry.components[0].characterSet == .numeric {
            let value = "A" + String(repeating: "0", count: entry.minLength - 1)
            let scan = normalizer.normalize("]C1" + entry.ai + value)
            XCTAssertEqual(scan.errors.first?.code, .badCharacter, entry.ai)
            XCTAssertEqual(scan.errors.first?.position, 3 + entry.ai.count, entry.ai)
        }
    }
}
