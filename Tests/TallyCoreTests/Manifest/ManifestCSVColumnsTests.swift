import Foundation
import XCTest
@testable import TallyCore

/// The load and pallet-count columns, the progress callback, and the lean parser checked against a
/// manifest built by hand from the same rows.
final class ManifestCSVColumnsTests: XCTestCase {
    private let file = "loads/2026-11-30.csv"

    private func parse(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Manifest? {
        do {
            return try ManifestCSV.parse(Array(text.utf8), file: self.file)
        } catch {
            XCTFail("unexpected manifest error: \(error)", file: file, line: line)
            return nil
        }
    }

    private func assertError(_ text: String, line: Int, column: String?, reason: String,
                             file: StaticString = #filePath, sourceLine: UInt = #line) {
        do {
            let manifest = try ManifestCSV.parse(Array(text.utf8), file: self.file)
            XCTFail("expected an error, got a manifest with \(manifest.assets.count) assets", file: file, line: sourceLine)
        } catch {
            XCTAssertEqual(error, ManifestError(file: self.file, line: line, column: column, reason: reason), file: file, line: sourceLine)
        }
    }

    // MARK: - Load columns

    func testLoadDetailsOnOneRowOrRepeated() throws {
        let manifest = try XCTUnwrap(parse("""
        load,pallet,serial,load_site,load_carrier,load_dock_door
        L1,P1,S1,,,
        L1,P1,S2,Reno,Acme Freight,dock-3
        L2,P2,S3,Sparks,,
        L1,P2B,S4,Reno, Acme Freight ,
        L2,P2,S5,Sparks,,"dock-1"
        L1,P1,S6,,,dock-3
        """))
        XCTAssertEqual(manifest.loads, [
            ExpectedLoad(id: "L1", site: "Reno", carrier: "Acme Freight", dockDoor: "dock-3", pallets: ["P1", "P2B"]),
            ExpectedLoad(id: "L2", site: "Sparks", dockDoor: "dock-1", pallets: ["P2"]),
        ])
    }

    func testLoadWithoutDetails() throws {
        let manifest = try XCTUnwrap(parse("load,pallet,serial,load_site\nL1,P1,S1,\n"))
        XCTAssertEqual(manifest.loads, [ExpectedLoad(id: "L1", pallets: ["P1"])])
    }

    func testConflictingLoadDetailsNameBothLines() {
        let header = "load,pallet,serial,load_site,load_carrier,load_dock_door\n"
        assertError(header + "L1,P1,S1,Reno,,\nL2,P2,S2,Sparks,,\nL1,P3,S3,Sparks,,\n", line: 4, column: "load_site",
                    reason: "load L1 site 'Sparks' differs from 'Reno' on line 2")
        assertError(header + "L1,P1,S1,,Acme,\nL1,P1,S2,,,\nL1,P1,S3,,ACME,\n", line: 4, column: "load_carrier",
                    reason: "load L1 carrier 'ACME' differs from 'Acme' on line 2")
        assertError(header + "L1,P1,S1,,,dock-1\nL1,P1,S2,,,\"dock-2\"\n", line: 3, column: "load_dock_door",
                    reason: "load L1 dock door 'dock-2' differs from 'dock-1' on line 2")
    }

    // MARK: - Pallet count

    func testPalletExpectedCount() throws {
        let manifest = try XCTUnwrap(parse("""
        load,pallet,serial,pallet_expected_count
        L1,P1,S1,14
        L1,P1,S2,
        L1,P1,S3,014
        L1,P2,S4,
        L1,P3,S5,
        L1,P3,S6, 0
        """))
        XCTAssertEqual(manifest.pallets["P1"]?.declaredCount, 14)
        XCTAssertEqual(manifest.pallets["P1"]?.expectedCount, 14)
        XCTAssertNil(manifest.pallets["P2"]?.declaredCount)
        XCTAssertEqual(manifest.pallets["P2"]?.expectedCount, 1, "the listed assets when no count is declared")
        XCTAssertEqual(manifest.pallets["P3"]?.declaredCount, 0, "a count may come on a later row")
    }

    func testBadPalletExpectedCount() {
        for text in ["-1", "1.5", "x", "1e3", "+2", "1234567890123456789"] {
            assertError("load,pallet,serial,pallet_expected_count\nL1,P1,S1,\(text)\n", line: 2, column: "pallet_expected_count",
                        reason: "'\(text)' is not a whole number of assets (0 or more)")
        }
    }

    func testConflictingPalletExpectedCount() {
        assertError("load,pallet,serial,pallet_expected_count\nL1,P1,S1,14\nL1,P2,S2,3\nL1,P1,S3,15\n", line: 4,
                    column: "pallet_expected_count", reason: "pallet P1 expected count 15 differs from 14 on line 2")
    }

    func testCountAndWeightAreIndependent() throws {
        let manifest = try XCTUnwrap(parse("""
        load,pallet,serial,pallet_expected_weight,pallet_weight_unit,pallet_tolerance,pallet_expected_count
        L1,P1,S1,,,,3
        L1,P1,S2,412.5,kg,2%,
        L1,P1,S3,412.50,KG,2 %,3
        """))
        XCTAssertEqual(manifest.pallets["P1"], ExpectedPallet(
            id: "P1", load: "L1", expectedWeight: Fixture.weight("412.5"), tolerance: .percent(Fixture.decimal("2")),
            declaredCount: 3, assets: ["S1", "S2", "S3"]))
    }

    func testARepeatThatSpellsTheWeightDifferentlyIsStillCompared() {
        // The byte-for-byte shortcut must not hide a real difference in the tolerance.
        let header = "load,pallet,serial,pallet_expected_weight,pallet_weight_unit,pallet_tolerance\n"
        assertError(header + "L1,P1,S1,412.5,kg,2%\nL1,P1,S2,412.5,kg,2%\nL1,P1,S3,412.5,kg,\n", line: 4,
                    column: "pallet_expected_weight", reason: "pallet P1 weight differs from line 2")
        assertError(header + "L1,P1,S1,412.5,kg,\nL1,P1,S2,412.5,,\n", line: 3,
                    column: "pallet_weight_unit", reason: "a pallet weight needs a unit (kg, lb, ...)")
    }

    // MARK: - Progress

    private func bigFile(rows: Int) -> [UInt8] {
        var text = "load,pallet,serial,make,pallet_expected_weight,pallet_weight_unit\n"
        for i in 0..<rows { text += "L1,P\(i / 100),SN\(i),Dell,412.5,kg\n" }
        return Array(text.utf8)
    }

    func testProgressIsMonotonicAtMostAHundredCallsAndEndsAtTheTotal() throws {
        let bytes = bigFile(rows: 5000)
        var calls: [(read: Int, total: Int)] = []
        let manifest = try ManifestCSV.parse(bytes, file: file) { read, total in calls.append((read, total)) }
        XCTAssertEqual(manifest.assets.count, 5000)
        XCTAssertGreaterThanOrEqual(calls.count, 90, "about one call per percent")
        XCTAssertLessThanOrEqual(calls.count, 100)
        XCTAssertTrue(calls.allSatisfy { $0.total == bytes.count })
        for (earlier, later) in zip(calls, calls.dropFirst()) { XCTAssertLessThan(earlier.read, later.read) }
        XCTAssertEqual(calls.last?.read, bytes.count)
        XCTAssertGreaterThan(calls.first?.read ?? 0, 0)
    }

    func testProgressOnASmallFileAndThroughImport() throws {
        var calls: [(Int, Int)] = []
        _ = try ManifestImport.parse(bytes: Array("load,pallet,serial\nL1,P1,S1\n".utf8), file: "small.csv") { calls.append(($0, $1)) }
        XCTAssertEqual(calls.map(\.0), [28], "one call, at the end")
        XCTAssertEqual(calls.map(\.1), [28])
    }

    func testARejectedFileNeverReportsCompletion() {
        var bytes = bigFile(rows: 2000)
        bytes += Array("L1,P1,SN5,Dell,412.5,kg\n".utf8) // a duplicate serial on the last row
        var calls: [Int] = []
        XCTAssertThrowsError(try ManifestCSV.parse(bytes, file: file) { read, _ in calls.append(read) })
        XCTAssertFalse(calls.contains(bytes.count))
        XCTAssertFalse(calls.isEmpty, "progress was reported before the bad row")
    }

    func testNoProgressCallbackIsFine() throws {
        XCTAssertEqual(try ManifestCSV.parse(bigFile(rows: 10), file: file, progress: nil).assets.count, 10)
    }

    // MARK: - The lean parser against a manifest built by hand

    func testManyRowsWithEveryFieldFormMatchTheManifestBuiltByHand() throws {
        let makes = ["Dell", "HP", "", "Dell", "Lenovo"]
        let models = ["Latitude, 14\"", "EliteBook 840", "", "Latitude, 14\"", "Zürich \"X\""]
        let sites = ["Reno", "Sparks", "Zürich"]
        var expected = Manifest()
        var text = "LOAD, Pallet ,serial,asset_tag,make,model,category,data_bearing,sanitization,evidence,pallet_expected_weight,pallet_weight_unit,pallet_tolerance,pallet_expected_count,load_site,load_carrier,load_dock_door\r\n"

        func quoted(_ value: String) -> String { "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        func cell(_ value: String, _ i: Int) -> String {
            // Vary the spelling of the same value: plain, quoted, padded.
            if value.contains(",") || value.contains("\"") { return quoted(value) }
            switch i % 3 {
            case 0: return value
            case 1: return quoted(value)
            default: return value.isEmpty ? "" : "  \(value)\t"
            }
        }

        for i in 0..<3000 {
            let load = "L-\(i / 1000)"
            let pallet = i % 7 == 0 ? "PAL-\(i / 1000)-X" : "30614141000000\(String(1000 + i / 40))" // 18 digits
            let serial = "SN\(i)"
            let make = makes[i % makes.count], model = models[(i / 2) % models.count]
            let dataBearing = i % 4 == 0
            let sanitization = Sanitization.allCases[i % 4]
            let weightText = (i / 40) % 2 == 0 ? "412.5" : "98"
            let site = sites[i / 1000]

            let asset = ExpectedAsset(
                serial: serial, assetTag: i % 5 == 0 ? nil : "AT\(i)", make: make.isEmpty ? nil : make,
                model: model.isEmpty ? nil : model, category: i % 2 == 0 ? "laptop" : nil, dataBearing: dataBearing,
                sanitization: sanitization, evidence: i % 3 == 0 ? "ER \(i)" : nil, pallet: pallet, load: load)
            try expected.add(asset)
            if expected.pallets[pallet]?.assets.count == 1 {
                if !pallet.hasPrefix("PAL") {
                    expected.setExpectedWeight(pallet: pallet, weight: Fixture.weight(weightText),
                                               tolerance: .absolute(Fixture.decimal("1.5"), .kilogram))
                    expected.setDeclaredCount(pallet: pallet, count: 40)
                }
            }
            if i % 1000 == 0 { expected.setLoadDetails(load: load, site: site, carrier: "Acme", dockDoor: "dock-\(i / 1000)") }

            let weightCells: [String]
            if pallet.hasPrefix("PAL") {
                weightCells = ["", "", "", ""]
            } else if i % 40 < 2 {
                // The pallet's first row (one of its first two: the other may be a PAL row) as the builder spells it.
                weightCells = [weightText, "kg", "1.5", "40"]
            } else if i % 2 == 0 {
                // Repeated, spelled the same or differently (412.50 / KG / 1.5 kg / 040): equal by value.
                weightCells = i % 3 == 0 ? [weightText, "kg", "1.5", "40"] : [weightText + (weightText.contains(".") ? "0" : ".0"), "KG", "1.5 kg", "040"]
            } else {
                weightCells = ["", "", "", ""]
            }
            let loadCells = i % 1000 == 0 || i % 11 == 0 ? [site, "Acme", "dock-\(i / 1000)"] : ["", "", ""]
            let row = [cell(load, i), cell(pallet, i + 1), cell(serial, i + 2), cell(asset.assetTag ?? "", i),
                       cell(make, i + 1), cell(model, i), cell(asset.category ?? "", i + 2),
                       cell(dataBearing ? ["yes", "TRUE", "1", "Y"][i % 4] : ["no", "False", "0", "n"][i % 4], i),
                       cell(["ERASED", "destroyed", "Pending", "none"][i % 4], i + 1), cell(asset.evidence ?? "", i)]
                + weightCells.enumerated().map { cell($0.element, i + $0.offset) }
                + loadCells.enumerated().map { cell($0.element, i + $0.offset) }
            text += row.joined(separator: ",") + (i % 5 == 0 ? "\r\n" : "\n")
            if i % 500 == 0 { text += "\n" }
        }

        let manifest = try ManifestCSV.parse(Array(text.utf8), file: file)
        XCTAssertEqual(manifest.assets.count, 3000)
        XCTAssertEqual(manifest, expected)
        // Spot checks of the fields the builder above could get wrong in the same way as the parser.
        XCTAssertEqual(manifest.assets["SN0"]?.model, "Latitude, 14\"")
        XCTAssertEqual(manifest.assets["SN8"]?.model, "Zürich \"X\"")
        XCTAssertEqual(manifest.assets["SN1"]?.assetTag, "AT1")
        XCTAssertEqual(manifest.loads.map(\.site), ["Reno", "Sparks", "Zürich"])
    }
}
