import Foundation
import XCTest
@testable import TallyCore

final class ManifestCSVTests: XCTestCase {
    private let file = "loads/2026-11-29.csv"
    private let fullHeader = "load,pallet,serial,asset_tag,make,model,category,data_bearing,sanitization,evidence,pallet_expected_weight,pallet_weight_unit,pallet_tolerance"

    private func parse(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Manifest? {
        do {
            return try ManifestCSV.parse(Array(text.utf8), file: self.file)
        } catch {
            XCTFail("unexpected manifest error: \(error)", file: file, line: line)
            return nil
        }
    }

    private func error(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> ManifestError? {
        do {
            let manifest = try ManifestCSV.parse(bytes, file: self.file)
            XCTFail("expected an error, got a manifest with \(manifest.assets.count) assets", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    private func error(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> ManifestError? {
        error(Array(text.utf8), file: file, line: line)
    }

    private func assertError(_ text: String, line: Int, column: String?, reason: String,
                             file: StaticString = #filePath, sourceLine: UInt = #line) {
        XCTAssertEqual(error(text, file: file, line: sourceLine),
                       ManifestError(file: self.file, line: line, column: column, reason: reason), file: file, line: sourceLine)
    }

    // MARK: - Good files

    func testFullFileWithPalletWeightsOnOneRow() throws {
        let text = """
        \(fullHeader)
        L1,106141412345678908,SN1,TAG1,Dell,Latitude 5420,laptop,yes,erased,ER-1,412.5,kg,2%
        L1,106141412345678908,SN2,,HP,,,no,,,,,
        L1,PAL-B,SN3,,,,,1,pending,,912.4,lb,5
        L2,PAL-C,SN4,,,,,,,,,,
        L1,PAL-B,SN5,,,,,TRUE,DESTROYED,CERT 9,,,

        """
        let manifest = try XCTUnwrap(parse(text))

        XCTAssertEqual(manifest.loads, [
            ExpectedLoad(id: "L1", pallets: ["106141412345678908", "PAL-B"]),
            ExpectedLoad(id: "L2", pallets: ["PAL-C"]),
        ])
        XCTAssertEqual(manifest.pallets["106141412345678908"], ExpectedPallet(
            id: "106141412345678908", load: "L1",
            expectedWeight: Weight(divisions: 4125, division: Division(multiplier: 1, exponent: -1)!, unit: .kilogram),
            tolerance: .percent(Fixture.decimal("2")), assets: ["SN1", "SN2"]))
        XCTAssertEqual(manifest.pallets["PAL-B"], ExpectedPallet(
            id: "PAL-B", load: "L1",
            expectedWeight: Weight(divisions: 9124, division: Division(multiplier: 1, exponent: -1)!, unit: .pound),
            tolerance: .absolute(Fixture.decimal("5"), .pound), assets: ["SN3", "SN5"]))
        XCTAssertEqual(manifest.pallets["PAL-C"], ExpectedPallet(id: "PAL-C", load: "L2", assets: ["SN4"]))

        XCTAssertEqual(manifest.assets["SN1"], ExpectedAsset(
            serial: "SN1", assetTag: "TAG1", make: "Dell", model: "Latitude 5420", category: "laptop",
            dataBearing: true, sanitization: .erased, evidence: "ER-1", pallet: "106141412345678908", load: "L1"))
        XCTAssertEqual(manifest.assets["SN2"], ExpectedAsset(
            serial: "SN2", make: "HP", dataBearing: false, sanitization: .none, pallet: "106141412345678908", load: "L1"))
        XCTAssertEqual(manifest.assets["SN3"]?.dataBearing, true)
        XCTAssertEqual(manifest.assets["SN3"]?.sanitization, .pending)
        XCTAssertEqual(manifest.assets["SN4"], ExpectedAsset(serial: "SN4", pallet: "PAL-C", load: "L2"))
        XCTAssertEqual(manifest.assets["SN5"]?.sanitization, .destroyed)
        XCTAssertEqual(manifest.assets["SN5"]?.evidence, "CERT 9")
        XCTAssertEqual(manifest.assets.count, 5)
    }

    func testPalletWeightRepeatedOnEveryRowMustAgree() throws {
        let text = """
        load,pallet,serial,pallet_expected_weight,pallet_weight_unit,pallet_tolerance
        L1,P1,S1,412.5,kg,5 kg
        L1,P1,S2,412.50,KG,5kg
        L1,P1,S3,,,
        L1,P1,S4,412.5,kg,5
        """
        let manifest = try XCTUnwrap(parse(text))
        XCTAssertEqual(manifest.pallets["P1"]?.expectedWeight, Fixture.weight("412.5"), "the first row's weight is kept")
        XCTAssertEqual(manifest.pallets["P1"]?.tolerance, .absolute(Fixture.decimal("5"), .kilogram))
        XCTAssertEqual(manifest.pallets["P1"]?.assets, ["S1", "S2", "S3", "S4"])
    }

    func testPalletWeightMayBeOnALaterRowOfThePallet() throws {
        let manifest = try XCTUnwrap(parse("load,pallet,serial,pallet_expected_weight,pallet_weight_unit\nL1,P1,S1,,\nL1,P1,S2,300,lb\n"))
        XCTAssertEqual(manifest.pallets["P1"]?.expectedWeight, Fixture.weight("300", .pound))
        XCTAssertNil(manifest.pallets["P1"]?.tolerance)
    }

    func testMinimalColumnsInAnyOrderCaseAndSpacing() throws {
        let manifest = try XCTUnwrap(parse(" Serial ,LOAD,pallet\r\n  SN-0O1l , L1 ,P1\r\n"))
        XCTAssertEqual(manifest.assets["SN-0O1l"], ExpectedAsset(serial: "SN-0O1l", pallet: "P1", load: "L1"), "values are trimmed, never rewritten")
        XCTAssertEqual(manifest.loads, [ExpectedLoad(id: "L1", pallets: ["P1"])])
    }

    func testQuotedFieldsBOMAndBlankLines() throws {
        let text = "load,pallet,serial,model\n\n\"L1\",P1,S1,\"Latitude, 14\"\"\"\n\n"
        let manifest = try XCTUnwrap(ManifestCSV.parse([0xEF, 0xBB, 0xBF] + Array(text.utf8), file: file))
        XCTAssertEqual(manifest.assets["S1"]?.model, "Latitude, 14\"")
    }

    func testDataBearingSpellings() throws {
        let text = """
        load,pallet,serial,data_bearing
        L,P,A,true
        L,P,B,Y
        L,P,C,1
        L,P,D,Yes
        L,P,E,false
        L,P,F,N
        L,P,G,0
        L,P,H,no
        L,P,I,
        """
        let manifest = try XCTUnwrap(parse(text))
        let bearing = ["A", "B", "C", "D", "E", "F", "G", "H", "I"].map { manifest.assets[$0]?.dataBearing }
        XCTAssertEqual(bearing, [true, true, true, true, false, false, false, false, false])
    }

    // MARK: - Header errors

    func testMissingRequiredColumn() {
        assertError("load,serial\nL1,S1\n", line: 1, column: "pallet", reason: "missing required column")
        assertError("pallet,serial\nP1,S1\n", line: 1, column: "load", reason: "missing required column")
        assertError("load,pallet,asset_tag\nL1,P1,T1\n", line: 1, column: "serial", reason: "missing required column")
    }

    func testUnknownColumn() {
        let error = error("load,pallet,serial,colour\nL1,P1,S1,red\n")
        XCTAssertEqual(error?.file, file)
        XCTAssertEqual(error?.line, 1)
        XCTAssertEqual(error?.column, "colour")
        XCTAssertEqual(error?.reason, "unknown column (known: \(ManifestCSV.columns.joined(separator: ", ")))")
        XCTAssertEqual(error?.description, "\(file):1 column colour: unknown column (known: load, pallet, serial, asset_tag, make, model, category, data_bearing, sanitization, evidence, pallet_expected_weight, pallet_weight_unit, pallet_tolerance, pallet_expected_count, load_site, load_carrier, load_dock_door)")
    }

    func testEmptyHeaderNameIsAnUnknownColumn() {
        XCTAssertEqual(error("load,pallet,serial,\nL1,P1,S1,\n")?.column, "")
    }

    func testColumnTwice() {
        assertError("load,pallet,serial,Serial\nL1,P1,S1,S2\n", line: 1, column: "serial", reason: "column appears twice")
    }

    func testSyntaxErrorInHeaderNamesTheFieldNumber() {
        assertError("load,pal\"let,serial\n", line: 1, column: "2", reason: "quote inside an unquoted field")
    }

    func testRegression_headerErrorsAfterBlankLinesNameLineOne() throws {
        // The header is on line 3 (two blank lines are skipped before it).
        assertError("\n\nload,pallet,serial,colour\nL1,P1,S1,red\n", line: 3, column: "colour",
                    reason: "unknown column (known: \(ManifestCSV.columns.joined(separator: ", ")))")
        assertError("\n\nload,serial\nL1,S1\n", line: 3, column: "pallet", reason: "missing required column")
        assertError("\r\nload,pallet,serial,load\n", line: 2, column: "load", reason: "column appears twice")
    }

    // MARK: - Row errors

    func testEmptyRequiredValues() {
        assertError("load,pallet,serial\nL1,P1,S1\nL1,P1,  \n", line: 3, column: "serial", reason: "empty value")
        assertError("load,pallet,serial\n,P1,S1\n", line: 2, column: "load", reason: "empty value")
        assertError("load,pallet,serial\nL1,\"\",S1\n", line: 2, column: "pallet", reason: "empty value")
    }

    func testDuplicateSerialNamesTheLineOfTheSecond() {
        let error = error("load,pallet,serial\nL1,P1,SN1\nL1,P1,SN2\nL1,P2,SN1\n")
        XCTAssertEqual(error, ManifestError(file: file, line: 4, column: "serial", reason: "serial SN1 appears twice"))
        XCTAssertEqual(error?.description, "\(file):4 column serial: serial SN1 appears twice")
    }

    func testDuplicateSerialAfterAMultiLineFieldNamesTheRecordLine() {
        assertError("load,pallet,serial,model\nL1,P1,SN1,\"two\nlines\"\nL1,P1,SN1,x\n", line: 4, column: "serial", reason: "serial SN1 appears twice")
    }

    func testPalletInTwoLoads() {
        assertError("load,pallet,serial\nL1,P1,S1\nL2,P2,S2\nL2,P1,S3\n", line: 4, column: "pallet", reason: "pallet P1 is in load L1 and load L2")
    }

    func testBadWeight() {
        let header = "load,pallet,serial,pallet_expected_weight,pallet_weight_unit\n"
        assertError(header + "L1,P1,S1,heavy,kg\n", line: 2, column: "pallet_expected_weight", reason: "'heavy' is not a positive decimal weight")
        assertError(header + "L1,P1,S1,0,kg\n", line: 2, column: "pallet_expected_weight", reason: "'0' is not a positive decimal weight")
        assertError(header + "L1,P1,S1,-412.5,kg\n", line: 2, column: "pallet_expected_weight", reason: "'-412.5' is not a positive decimal weight")
        assertError(header + "L1,P1,S1,1e3,kg\n", line: 2, column: "pallet_expected_weight", reason: "'1e3' is not a positive decimal weight")
        assertError(header + "L1,P1,S1,412.1234567,kg\n", line: 2, column: "pallet_expected_weight", reason: "'412.1234567' is not a positive decimal weight")
    }

    func testMissingUnit() {
        assertError("load,pallet,serial,pallet_expected_weight,pallet_weight_unit\nL1,P1,S1,412.5,\n", line: 2,
                    column: "pallet_weight_unit", reason: "a pallet weight needs a unit (kg, lb, ...)")
        assertError("load,pallet,serial,pallet_expected_weight\nL1,P1,S1,412.5\n", line: 2,
                    column: "pallet_weight_unit", reason: "a pallet weight needs a unit (kg, lb, ...)")
    }

    func testUnknownUnit() {
        assertError("load,pallet,serial,pallet_expected_weight,pallet_weight_unit\nL1,P1,S1,412.5,stone\n", line: 2,
                    column: "pallet_weight_unit", reason: "unknown unit 'stone'")
    }

    func testBadTolerance() {
        assertError("load,pallet,serial,pallet_expected_weight,pallet_weight_unit,pallet_tolerance\nL1,P1,S1,412.5,kg,about 5\n", line: 2,
                    column: "pallet_tolerance", reason: "'about 5' is not a tolerance (2%, 5, 5 kg)")
        assertError("load,pallet,serial,pallet_expected_weight,pallet_weight_unit,pallet_tolerance\nL1,P1,S1,,,2%\n", line: 2,
                    column: "pallet_tolerance", reason: "a tolerance needs pallet_expected_weight on the same row")
    }

    func testUnknownSanitizationStatus() {
        assertError("load,pallet,serial,sanitization\nL1,P1,S1,erased\nL1,P1,S2,Wiped\n", line: 3,
                    column: "sanitization", reason: "unknown status 'Wiped' (erased, destroyed, pending, none)")
    }

    func testBadDataBearing() {
        assertError("load,pallet,serial,data_bearing\nL1,P1,S1,maybe\n", line: 2,
                    column: "data_bearing", reason: "'maybe' is not true/false/yes/no/1/0")
    }

    func testConflictingRepeatedPalletWeight() {
        let header = "load,pallet,serial,pallet_expected_weight,pallet_weight_unit,pallet_tolerance\n"
        assertError(header + "L1,P1,S1,412.5,kg,\nL1,P2,S2,100,kg,\nL1,P1,S3,413,kg,\n", line: 4,
                    column: "pallet_expected_weight", reason: "pallet P1 weight differs from line 2")
        assertError(header + "L1,P1,S1,412.5,kg,\nL1,P1,S2,412.5,lb,\n", line: 3,
                    column: "pallet_expected_weight", reason: "pallet P1 weight differs from line 2")
        assertError(header + "L1,P1,S1,412.5,kg,2%\nL1,P1,S2,412.5,kg,3%\n", line: 3,
                    column: "pallet_expected_weight", reason: "pallet P1 weight differs from line 2")
    }

    func testWrongFieldCount() {
        let short = error("load,pallet,serial\nL1,P1,S1\nL1,P1\n")
        XCTAssertEqual(short?.file, file)
        XCTAssertEqual(short?.line, 3)
        XCTAssertEqual(short?.reason, "expected 3 fields, found 2")
        let long = error("load,pallet,serial\nL1,P1,S1,extra\n")
        XCTAssertEqual(long?.line, 2)
        XCTAssertEqual(long?.reason, "expected 3 fields, found 4")
    }

    func testRegression_wrongFieldCountNamesNoColumn() throws {
        XCTAssertEqual(error("load,pallet,serial\nL1,P1,S1\nL1,P1\n")?.column, "serial", "the first column the short row lacks")
        XCTAssertEqual(error("load,pallet,serial\nL1,P1,S1,extra\n")?.column, "4", "the first field beyond the header")
    }

    func testSyntaxErrorInARowNamesTheColumn() {
        assertError("load,pallet,serial\nL1,P\"1,S1\n", line: 2, column: "pallet", reason: "quote inside an unquoted field")
        assertError("load,pallet,serial\nL1,P1,\"S1\n", line: 2, column: "serial", reason: "quoted field is not closed")
        assertError("load,pallet,serial\nL1,P1,S1,\"x\"y\n", line: 2, column: "4", reason: "text after a closing quote")
    }

    func testInvalidUTF8NamesTheColumn() {
        XCTAssertEqual(error(Array("load,pallet,serial\nL1,".utf8) + [0xFF] + Array(",S1\n".utf8)),
                       ManifestError(file: file, line: 2, column: "pallet", reason: "not valid UTF-8"))
    }

    func testEmptyFile() {
        let expected = ManifestError(file: file, line: 0, column: nil, reason: "the file is empty: expected a header row")
        XCTAssertEqual(error([]), expected)
        XCTAssertEqual(error([0xEF, 0xBB, 0xBF, 0x0A, 0x0D, 0x0A]), expected)
        XCTAssertEqual(expected.description, "\(file): the file is empty: expected a header row")
    }

    func testHeaderOnly() {
        let expected = ManifestError(file: file, line: 0, column: nil, reason: "the manifest has a header but no rows")
        XCTAssertEqual(error("load,pallet,serial"), expected)
        XCTAssertEqual(error("load,pallet,serial\r\n\r\n\n"), expected)
    }

    func testTheFirstBadRowRejectsTheWholeFile() {
        assertError("load,pallet,serial,data_bearing\nL1,P1,S1,yes\nL1,P1,S2,maybe\nL1,P1,,no\n", line: 3,
                    column: "data_bearing", reason: "'maybe' is not true/false/yes/no/1/0")
    }

    func testErrorDescriptionWithoutColumn() {
        XCTAssertEqual(ManifestError(file: "m.csv", line: 7, column: nil, reason: "boom").description, "m.csv:7: boom")
    }
}
