import Foundation
import TallyTestSupport
import XCTest
@testable import TallyCore

final class ManifestJSONTests: XCTestCase {
    private let file = "loads/2026-11-29.json"

    private func parse(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Manifest? {
        do {
            return try ManifestJSON.parse(Array(text.utf8), file: self.file)
        } catch {
            XCTFail("unexpected manifest error: \(error)", file: file, line: line)
            return nil
        }
    }

    private func error(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> ManifestError? {
        do {
            let manifest = try ManifestJSON.parse(bytes, file: self.file)
            XCTFail("expected an error, got a manifest with \(manifest.assets.count) assets", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    /// Asserts the exact error: its line, its column and JSON path (`"COLUMN at PATH"`), and its reason.
    private func assertError(_ text: String, line: Int, column: Int, path: String, reason: String,
                             file: StaticString = #filePath, sourceLine: UInt = #line) {
        assertError(Array(text.utf8), line: line, column: column, path: path, reason: reason, file: file, sourceLine: sourceLine)
    }

    private func assertError(_ bytes: [UInt8], line: Int, column: Int, path: String, reason: String,
                             file: StaticString = #filePath, sourceLine: UInt = #line) {
        XCTAssertEqual(error(bytes, file: file, line: sourceLine),
                       ManifestError(file: self.file, line: line, column: "\(column) at \(path)", reason: reason),
                       file: file, line: sourceLine)
    }

    /// A one-asset document whose asset object (line 4, from column 7) and pallet members (line 3, from
    /// column 18, before "assets") are given.
    private func document(pallet: String = "", asset: String = #"{"serial": "S1"}"#) -> String {
        """
        {"loads": [
          {"id": "L1", "pallets": [
            {"id": "P1", \(pallet)"assets": [
              \(asset)
            ]}
          ]}
        ]}
        """
    }

    // MARK: - Good files

    private let csvEquivalent = """
    load,load_site,load_carrier,load_dock_door,pallet,pallet_expected_weight,pallet_weight_unit,pallet_tolerance,pallet_expected_count,serial,asset_tag,make,model,category,data_bearing,sanitization,evidence
    L-2611-A,Reno,Acme Freight,dock-3,306141410004510006,412.0,kg,2%,14,JX4K2M1,AT-100231,Dell,Latitude 5420,laptop,true,erased,BL-26-004511
    L-2611-A,,,,306141410004510006,,,,,8KQ7ZD3,AT-100232,Dell,Latitude 5420,laptop,yes,Erased,BL-26-004512
    L-2611-A,,,,PAL-B,912.4,lb,5,,SN3,,HP,,,false,pending,
    L-2611-B,,,dock-4,PAL-C,,,,0,SN4,,,,,,,
    """

    private let jsonEquivalent = """
    {"loads": [
      {"id": "L-2611-A", "site": "Reno", "carrier": "Acme Freight", "dock_door": "dock-3", "pallets": [
        {"id": "306141410004510006", "expected_weight": "412.0", "weight_unit": "kg", "tolerance": "2%", "expected_count": 14,
         "assets": [
          {"serial": "JX4K2M1", "asset_tag": "AT-100231", "make": "Dell", "model": "Latitude 5420", "category": "laptop",
           "data_bearing": true, "sanitization": "erased", "evidence": "BL-26-004511"},
          {"serial": "8KQ7ZD3", "asset_tag": "AT-100232", "make": "Dell", "model": "Latitude 5420", "category": "laptop",
           "data_bearing": true, "sanitization": "Erased", "evidence": "BL-26-004512"}
        ]},
        {"id": "PAL-B", "expected_weight": 912.4, "weight_unit": "lb", "tolerance": 5,
         "assets": [{"serial": "SN3", "asset_tag": null, "make": "HP", "model": "", "data_bearing": false, "sanitization": "pending"}]}
      ]},
      {"id": "L-2611-B", "dock_door": "dock-4", "pallets": [{"id": "PAL-C", "expected_count": 0, "assets": [{"serial": "SN4"}]}]}
    ]}
    """

    func testJSONEqualsTheEquivalentCSV() throws {
        let json = try XCTUnwrap(parse(jsonEquivalent))
        let csv = try ManifestCSV.parse(Array(csvEquivalent.utf8), file: "same.csv")
        XCTAssertEqual(json, csv)

        // And the content is what both files say (so that a field both parsers drop cannot pass).
        XCTAssertEqual(json.loads, [
            ExpectedLoad(id: "L-2611-A", site: "Reno", carrier: "Acme Freight", dockDoor: "dock-3", pallets: ["306141410004510006", "PAL-B"]),
            ExpectedLoad(id: "L-2611-B", dockDoor: "dock-4", pallets: ["PAL-C"]),
        ])
        XCTAssertEqual(json.pallets["306141410004510006"], ExpectedPallet(
            id: "306141410004510006", load: "L-2611-A", expectedWeight: Fixture.weight("412.0"),
            tolerance: .percent(Fixture.decimal("2")), declaredCount: 14, assets: ["JX4K2M1", "8KQ7ZD3"]))
        XCTAssertEqual(json.pallets["PAL-B"], ExpectedPallet(
            id: "PAL-B", load: "L-2611-A", expectedWeight: Fixture.weight("912.4", .pound),
            tolerance: .absolute(Fixture.decimal("5"), .pound), assets: ["SN3"]))
        XCTAssertEqual(json.pallets["PAL-C"], ExpectedPallet(id: "PAL-C", load: "L-2611-B", declaredCount: 0, assets: ["SN4"]))
        XCTAssertEqual(json.assets["JX4K2M1"], ExpectedAsset(
            serial: "JX4K2M1", assetTag: "AT-100231", make: "Dell", model: "Latitude 5420", category: "laptop",
            dataBearing: true, sanitization: .erased, evidence: "BL-26-004511", pallet: "306141410004510006", load: "L-2611-A"))
        XCTAssertEqual(json.assets["SN3"], ExpectedAsset(serial: "SN3", make: "HP", sanitization: .pending, pallet: "PAL-B", load: "L-2611-A"))
        XCTAssertEqual(json.assets["SN4"], ExpectedAsset(serial: "SN4", pallet: "PAL-C", load: "L-2611-B"))
        XCTAssertEqual(json.assets.count, 4)
    }

    func testImportChoosesTheFormat() throws {
        let csv = try ManifestCSV.parse(Array(csvEquivalent.utf8), file: "same.csv")
        XCTAssertEqual(try ManifestImport.parse(bytes: Array(jsonEquivalent.utf8), file: "m.json"), csv)
        XCTAssertEqual(try ManifestImport.parse(bytes: Array(jsonEquivalent.utf8), file: "M.JSON"), csv)
        XCTAssertEqual(try ManifestImport.parse(bytes: Array(jsonEquivalent.utf8), file: "manifest"), csv, "sniffed by its '{'")
        XCTAssertEqual(try ManifestImport.parse(bytes: Array(csvEquivalent.utf8), file: "m.csv"), csv)
        XCTAssertEqual(try ManifestImport.parse(bytes: Array(csvEquivalent.utf8), file: "manifest.txt"), csv)

        XCTAssertEqual(ManifestImport.format(of: [0xEF, 0xBB, 0xBF] + Array(" \r\n\t{".utf8), file: "-"), .json)
        XCTAssertEqual(ManifestImport.format(of: Array("load,pallet,serial".utf8), file: "-"), .csv)
        XCTAssertEqual(ManifestImport.format(of: [], file: "-"), .csv)
        XCTAssertEqual(ManifestImport.format(of: Array("{".utf8), file: "a.csv"), .csv, "the extension wins")
        XCTAssertEqual(ManifestImport.format(of: Array("load".utf8), file: "a.Json"), .json)

        // A JSON file named .csv is read as CSV, and its error says so.
        XCTAssertThrowsError(try ManifestImport.parse(bytes: Array(jsonEquivalent.utf8), file: "wrong.csv")) { error in
            XCTAssertEqual(error as? ManifestError,
                           ManifestError(file: "wrong.csv", line: 1, column: "1", reason: "quote inside an unquoted field"))
        }
    }

    func testKeysInAnyOrder() throws {
        let manifest = try XCTUnwrap(parse("""
        {"loads": [{"pallets": [{"assets": [{"evidence": "E1", "serial": "S1"}], "weight_unit": "kg", "tolerance": "1 kg",
                                 "expected_weight": "10.5", "id": "P1"}],
                    "dock_door": "dock-9", "id": "L1"}]}
        """))
        XCTAssertEqual(manifest.loads, [ExpectedLoad(id: "L1", dockDoor: "dock-9", pallets: ["P1"])])
        XCTAssertEqual(manifest.pallets["P1"], ExpectedPallet(
            id: "P1", load: "L1", expectedWeight: Fixture.weight("10.5"), tolerance: .absolute(Fixture.decimal("1"), .kilogram), assets: ["S1"]))
        XCTAssertEqual(manifest.assets["S1"], ExpectedAsset(serial: "S1", evidence: "E1", pallet: "P1", load: "L1"))
    }

    func testNumberDigitsAreKeptExactly() throws {
        let manifest = try XCTUnwrap(parse(document(pallet: #""expected_weight": 412.50, "weight_unit": "kg", "tolerance": 0.25, "#)))
        let weight = try XCTUnwrap(manifest.pallets["P1"]?.expectedWeight)
        XCTAssertEqual(weight, Weight(divisions: 41250, division: Division(multiplier: 1, exponent: -2)!, unit: .kilogram))
        XCTAssertEqual(weight.value.description, "412.50", "the trailing zero is kept: it sets the division")
        XCTAssertEqual(weight.division.description, "0.01")
        XCTAssertEqual(manifest.pallets["P1"]?.tolerance, .absolute(ExactDecimal(significand: 25, scale: 2), .kilogram))

        // Digits a Double would round are kept too (0.1 + 6 digits, 17 significant digits).
        let fine = try XCTUnwrap(parse(document(pallet: #""expected_weight": 12345678901.000001, "weight_unit": "g", "#)))
        let fineWeight = try XCTUnwrap(fine.pallets["P1"]?.expectedWeight)
        XCTAssertEqual(fineWeight.divisions, 12_345_678_901_000_001)
        XCTAssertEqual(fineWeight.value.description, "12345678901.000001")

        // The same as a string.
        let text = try XCTUnwrap(parse(document(pallet: #""expected_weight": " 412.50 ", "weight_unit": "KG", "#)))
        XCTAssertEqual(text.pallets["P1"]?.expectedWeight, weight)
        XCTAssertEqual(text.pallets["P1"]?.expectedWeight?.value.description, "412.50")
    }

    func testNullAndEmptyOptionalValuesMeanNotGiven() throws {
        let manifest = try XCTUnwrap(parse(document(
            pallet: #""expected_weight": null, "weight_unit": null, "tolerance": "", "expected_count": null, "#,
            asset: #"{"serial": " S1 ", "asset_tag": "", "make": null, "data_bearing": null, "sanitization": null, "evidence": "  "}"#)))
        XCTAssertEqual(manifest.pallets["P1"], ExpectedPallet(id: "P1", load: "L1", assets: ["S1"]))
        XCTAssertEqual(manifest.assets["S1"], ExpectedAsset(serial: "S1", pallet: "P1", load: "L1"), "values are trimmed like CSV values")
    }

    func testAPalletMayListNoAssets() throws {
        let manifest = try XCTUnwrap(parse("""
        {"loads": [{"id": "L1", "pallets": [{"id": "P0", "expected_count": 40, "assets": []}, {"id": "P1", "assets": [{"serial": "S1"}]}]}]}
        """))
        XCTAssertEqual(manifest.pallets["P0"], ExpectedPallet(id: "P0", load: "L1", declaredCount: 40, assets: []))
        XCTAssertEqual(manifest.loads, [ExpectedLoad(id: "L1", pallets: ["P0", "P1"])])
    }

    func testByteOrderMarkAndCRLF() throws {
        let text = document().replacingOccurrences(of: "\n", with: "\r\n")
        let manifest = try XCTUnwrap(ManifestJSON.parse([0xEF, 0xBB, 0xBF] + Array(text.utf8), file: file))
        XCTAssertEqual(manifest.assets["S1"]?.pallet, "P1")
        // Lines are still counted right after CRLF and the BOM does not count as a column.
        assertError([0xEF, 0xBB, 0xBF] + Array(document(asset: #"{"serial": 7}"#).replacingOccurrences(of: "\n", with: "\r\n").utf8),
                    line: 4, column: 18, path: "$.loads[0].pallets[0].assets[0].serial", reason: "expected a string, found a number")
    }

    // MARK: - Errors, each with its exact line, column and path

    func testSyntaxError() {
        assertError(document(asset: #"{"serial": "S1",}"#), line: 4, column: 23, path: "$.loads[0].pallets[0].assets[0]",
                    reason: "expected a key (a string in double quotes) after ',', found '}'")
        assertError(document(asset: #"{"serial" "S1"}"#), line: 4, column: 17, path: "$.loads[0].pallets[0].assets[0].serial",
                    reason: "expected ':' after the key, found '\"'")
        assertError(document(asset: #"{"serial": "S1"} {"serial": "S2"}"#), line: 4, column: 24, path: "$.loads[0].pallets[0].assets",
                    reason: "expected ',' or ']' after an array element, found '{'")
        assertError("{\"loads\": [\n", line: 2, column: 1, path: "$.loads[0]", reason: "unexpected end of the text: expected a value")
        assertError(document() + "\n}", line: 8, column: 1, path: "$", reason: "unexpected '}' after the end of the JSON value")
        assertError(document(asset: "{\"serial\": \"S1\n\"}"), line: 4, column: 21, path: "$.loads[0].pallets[0].assets[0].serial",
                    reason: "line break inside a string (write it as \\n), or the string is not closed")
        assertError(document(asset: #"{"serial": 'S1'}"#), line: 4, column: 18, path: "$.loads[0].pallets[0].assets[0].serial",
                    reason: "expected a value, found '''")
    }

    func testEmptyFile() {
        assertError("", line: 1, column: 1, path: "$", reason: "unexpected end of the text: expected a value")
        assertError(" \n ", line: 2, column: 2, path: "$", reason: "unexpected end of the text: expected a value")
    }

    func testInvalidUTF8() {
        let bytes = Array("{\"loads\": [{\"id\": \"L".utf8) + [0xC3, 0x28] + Array("\"}]}".utf8)
        assertError(bytes, line: 1, column: 21, path: "$.loads[0].id", reason: "not valid UTF-8 in a string")
    }

    func testColumnsCountCharactersNotBytes() {
        assertError(#"{"loads": [{"id": "Zürich-1", "sité": 1}]}"#, line: 1, column: 31, path: #"$.loads[0]["sité"]"#,
                    reason: "unknown key \"sité\" (known: id, site, carrier, dock_door, pallets)")
    }

    func testUnknownKey() {
        assertError(document(asset: #"{"serial": "S1", "serail": "S2"}"#), line: 4, column: 24,
                    path: "$.loads[0].pallets[0].assets[0].serail",
                    reason: "unknown key \"serail\" (known: serial, asset_tag, make, model, category, data_bearing, sanitization, evidence)")
        assertError(document(pallet: #""expected_wieght": "1", "#), line: 3, column: 18, path: "$.loads[0].pallets[0].expected_wieght",
                    reason: "unknown key \"expected_wieght\" (known: id, expected_weight, weight_unit, tolerance, expected_count, assets)")
        assertError(#"{"loads": [], "version": 2}"#, line: 1, column: 11, path: "$.loads", reason: "the manifest lists no loads")
        assertError(#"{"version": 2, "loads": []}"#, line: 1, column: 2, path: "$.version", reason: "unknown key \"version\" (known: loads)")
    }

    func testDuplicateKey() {
        assertError(document(asset: #"{"serial": "S1", "serial": "S2"}"#), line: 4, column: 24,
                    path: "$.loads[0].pallets[0].assets[0].serial", reason: "duplicate key \"serial\"")
        assertError(#"{"loads": [{"id": "L1", "id": "L2", "pallets": []}]}"#, line: 1, column: 25,
                    path: "$.loads[0].id", reason: "duplicate key \"id\"")
    }

    func testWrongType() {
        assertError(document(asset: #"{"serial": "S1", "data_bearing": "yes"}"#), line: 4, column: 40,
                    path: "$.loads[0].pallets[0].assets[0].data_bearing", reason: "expected true or false, found a string")
        assertError(document(asset: #"{"serial": 1234}"#), line: 4, column: 18,
                    path: "$.loads[0].pallets[0].assets[0].serial", reason: "expected a string, found a number")
        assertError(document(asset: #"{"serial": null}"#), line: 4, column: 18,
                    path: "$.loads[0].pallets[0].assets[0].serial", reason: "expected a string, found null")
        assertError(document(asset: #"["S1"]"#), line: 4, column: 7,
                    path: "$.loads[0].pallets[0].assets[0]", reason: "expected an asset object, found an array")
        assertError(document(pallet: #""expected_weight": true, "#), line: 3, column: 37,
                    path: "$.loads[0].pallets[0].expected_weight", reason: "expected a decimal weight (a string or a number), found a boolean")
        assertError(document(pallet: #""expected_count": "14", "#), line: 3, column: 36,
                    path: "$.loads[0].pallets[0].expected_count", reason: "expected a whole number, found a string")
        assertError(#"{"loads": {"id": "L1"}}"#, line: 1, column: 11, path: "$.loads", reason: "expected an array of loads, found an object")
        assertError(#"[{"id": "L1"}]"#, line: 1, column: 1, path: "$", reason: "expected a manifest object {\"loads\": [...]}, found an array")
        assertError(#"{"loads": [{"id": ["L1"], "pallets": []}]}"#, line: 1, column: 19, path: "$.loads[0].id",
                    reason: "expected a string, found an array")
    }

    func testBadWeight() {
        assertError(document(pallet: #""expected_weight": "4x", "weight_unit": "kg", "#), line: 3, column: 37,
                    path: "$.loads[0].pallets[0].expected_weight", reason: "'4x' is not a positive decimal weight")
        assertError(document(pallet: #""expected_weight": 4.125e2, "weight_unit": "kg", "#), line: 3, column: 37,
                    path: "$.loads[0].pallets[0].expected_weight", reason: "'4.125e2' is not a positive decimal weight")
        assertError(document(pallet: #""expected_weight": -412.5, "weight_unit": "kg", "#), line: 3, column: 37,
                    path: "$.loads[0].pallets[0].expected_weight", reason: "'-412.5' is not a positive decimal weight")
        assertError(document(pallet: #""expected_weight": 0, "weight_unit": "kg", "#), line: 3, column: 37,
                    path: "$.loads[0].pallets[0].expected_weight", reason: "'0' is not a positive decimal weight")
        assertError(document(pallet: #""expected_weight": "412.5", "#), line: 3, column: 37,
                    path: "$.loads[0].pallets[0].expected_weight", reason: "a pallet weight needs a unit (kg, lb, ...)")
        assertError(document(pallet: #""weight_unit": "stone", "#), line: 3, column: 33,
                    path: "$.loads[0].pallets[0].weight_unit", reason: "unknown unit 'stone'")
        assertError(document(pallet: #""expected_weight": 1, "weight_unit": "kg", "tolerance": "about 5", "#), line: 3, column: 74,
                    path: "$.loads[0].pallets[0].tolerance", reason: "'about 5' is not a tolerance (2%, 5, 5 kg)")
        assertError(document(pallet: #""tolerance": "2%", "#), line: 3, column: 31,
                    path: "$.loads[0].pallets[0].tolerance", reason: "a tolerance needs an expected_weight")
    }

    func testBadExpectedCount() {
        for text in ["14.0", "-1", "1e2"] {
            assertError(document(pallet: "\"expected_count\": \(text), "), line: 3, column: 36,
                        path: "$.loads[0].pallets[0].expected_count", reason: "'\(text)' is not a whole number of assets (0 or more)")
        }
    }

    func testBadStatus() {
        assertError(document(asset: #"{"serial": "S1", "sanitization": "wiped"}"#), line: 4, column: 40,
                    path: "$.loads[0].pallets[0].assets[0].sanitization", reason: "unknown status 'wiped' (erased, destroyed, pending, none)")
    }

    func testEmptyAndMissingRequiredValues() {
        assertError(document(asset: #"{"serial": "  "}"#), line: 4, column: 18,
                    path: "$.loads[0].pallets[0].assets[0].serial", reason: "empty value")
        assertError(document(asset: #"{"asset_tag": "T1"}"#), line: 4, column: 7,
                    path: "$.loads[0].pallets[0].assets[0]", reason: "missing required key \"serial\"")
        assertError(#"{"loads": [{"id": "L1", "pallets": [{"id": "P1"}]}]}"#, line: 1, column: 37,
                    path: "$.loads[0].pallets[0]", reason: "missing required key \"assets\"")
        assertError(#"{"loads": [{"pallets": [{"id": "P1", "assets": [{"serial": "S1"}]}]}]}"#, line: 1, column: 12,
                    path: "$.loads[0]", reason: "missing required key \"id\"")
        assertError(#"{"loads": [{"id": "L1", "pallets": []}]}"#, line: 1, column: 36,
                    path: "$.loads[0].pallets", reason: "a load lists no pallets")
        assertError(#"{}"#, line: 1, column: 1, path: "$", reason: "missing required key \"loads\"")
        assertError(#"{"loads": [{"id": "L1", "pallets": [{"id": "P1", "assets": []}]}]}"#, line: 1, column: 11,
                    path: "$.loads", reason: "the manifest lists no assets")
    }

    func testDuplicateSerialAcrossPallets() {
        let text = """
        {"loads": [
          {"id": "L1", "pallets": [
            {"id": "P1", "assets": [{"serial": "S1"}, {"serial": "S2"}]},
            {"id": "P2", "assets": [{"serial": "S3"}, {"serial": "S1"}]}
          ]}
        ]}
        """
        assertError(text, line: 4, column: 58, path: "$.loads[0].pallets[1].assets[1].serial", reason: "serial S1 appears twice")
    }

    func testDuplicateSerialInOnePallet() {
        assertError(document(asset: #"{"serial": "S1"}, {"serial": "S1"}"#), line: 4, column: 36,
                    path: "$.loads[0].pallets[0].assets[1].serial", reason: "serial S1 appears twice")
    }

    func testPalletInTwoLoads() {
        let text = """
        {"loads": [
          {"id": "L1", "pallets": [{"id": "P1", "assets": [{"serial": "S1"}]}]},
          {"id": "L2", "pallets": [{"id": "P2", "assets": [{"serial": "S2"}]}, {"id": "P1", "assets": [{"serial": "S3"}]}]}
        ]}
        """
        assertError(text, line: 3, column: 79, path: "$.loads[1].pallets[1].id", reason: "pallet P1 is in load L1 and load L2")
    }

    func testPalletInTwoLoadsWhenTheLoadIdComesLast() {
        let text = """
        {"loads": [
          {"id": "L1", "pallets": [{"id": "P1", "assets": [{"serial": "S1"}]}]},
          {"pallets": [{"assets": [{"serial": "S3"}], "id": "P1"}], "id": "L2"}
        ]}
        """
        assertError(text, line: 3, column: 53, path: "$.loads[1].pallets[0].id", reason: "pallet P1 is in load L1 and load L2")
    }

    func testPalletOrLoadListedTwice() {
        assertError("""
        {"loads": [{"id": "L1", "pallets": [
          {"id": "P1", "assets": [{"serial": "S1"}]},
          {"id": "P1", "assets": [{"serial": "S2"}]}]}]}
        """, line: 3, column: 10, path: "$.loads[0].pallets[1].id", reason: "pallet P1 is listed twice in load L1 (first at line 2)")
        assertError("""
        {"loads": [
          {"id": "L1", "pallets": [{"id": "P1", "assets": [{"serial": "S1"}]}]},
          {"id": "L1", "pallets": [{"id": "P2", "assets": [{"serial": "S2"}]}]}]}
        """, line: 3, column: 10, path: "$.loads[1].id", reason: "load L1 is listed twice (first at line 2)")
    }

    func testErrorDescriptionNamesFileLineColumnAndPath() {
        let error = error(Array(document(asset: #"{"serial": "S1", "sanitization": "wiped"}"#).utf8))
        XCTAssertEqual(error?.description,
                       "\(file):4 column 40 at $.loads[0].pallets[0].assets[0].sanitization: unknown status 'wiped' (erased, destroyed, pending, none)")
    }

    // MARK: - Progress

    func testProgressIsMonotonicAndEndsAtTheTotal() throws {
        var assets: [String] = []
        for i in 0..<3000 { assets.append(#"{"serial": "SN\#(i)", "make": "Dell", "data_bearing": true, "sanitization": "erased"}"#) }
        let text = #"{"loads": [{"id": "L1", "pallets": [{"id": "P1", "assets": ["# + assets.joined(separator: ",\n") + "]}]}]}"
        let bytes = Array(text.utf8)
        var calls: [(Int, Int)] = []
        let manifest = try ManifestJSON.parse(bytes, file: file) { read, total in calls.append((read, total)) }
        XCTAssertEqual(manifest.assets.count, 3000)
        XCTAssertGreaterThan(calls.count, 50, "a long file reports often")
        XCTAssertLessThanOrEqual(calls.count, 100)
        XCTAssertTrue(calls.allSatisfy { $0.1 == bytes.count })
        XCTAssertEqual(calls.map(\.0), calls.map(\.0).sorted())
        XCTAssertEqual(Set(calls.map(\.0)).count, calls.count, "strictly increasing")
        XCTAssertEqual(calls.last?.0, bytes.count)
    }
}

/// The examples in docs/manifest-format.md parse, and to the same manifest.
final class ManifestFormatDocTests: XCTestCase {
    private func block(_ language: String, in text: String) throws -> String {
        let start = try XCTUnwrap(text.range(of: "```\(language)\n"), "no \(language) example")
        let end = try XCTUnwrap(text.range(of: "\n```", range: start.upperBound..<text.endIndex))
        return String(text[start.upperBound..<end.lowerBound])
    }

    func testTheDocumentedExamplesAreTheSameManifest() throws {
        let doc = Checkout.file("docs/manifest-format.md")
        let text = try String(contentsOf: doc, encoding: .utf8)
        let csv = try ManifestCSV.parse(Array(try block("csv", in: text).utf8), file: "doc.csv")
        let json = try ManifestJSON.parse(Array(try block("json", in: text).utf8), file: "doc.json")
        XCTAssertEqual(json, csv)
        XCTAssertEqual(csv.assets.count, 3)
        XCTAssertEqual(csv.loads.first?.carrier, "Acme Freight")
        XCTAssertEqual(csv.pallets["306141410004510006"]?.declaredCount, 14)
    }
}
