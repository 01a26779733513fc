import Foundation
import XCTest
@testable import TallyCore

final class ManifestTests: XCTestCase {
    func testAddBuildsLoadsPalletsAndAssetsInOrder() throws {
        var manifest = Manifest()
        try manifest.add(ExpectedAsset(serial: "S1", pallet: "P1", load: "L1"))
        try manifest.add(ExpectedAsset(serial: "S2", pallet: "P2", load: "L2"))
        try manifest.add(ExpectedAsset(serial: "S3", pallet: "P1", load: "L1"))
        try manifest.add(ExpectedAsset(serial: "S4", pallet: "P3", load: "L1"))

        XCTAssertEqual(manifest.loads, [ExpectedLoad(id: "L1", pallets: ["P1", "P3"]), ExpectedLoad(id: "L2", pallets: ["P2"])])
        XCTAssertEqual(manifest.load("L1"), ExpectedLoad(id: "L1", pallets: ["P1", "P3"]))
        XCTAssertNil(manifest.load("L9"))
        XCTAssertEqual(manifest.pallets["P1"]?.assets, ["S1", "S3"])
        XCTAssertEqual(manifest.pallets["P1"]?.load, "L1")
        XCTAssertEqual(manifest.pallets["P2"]?.assets, ["S2"])
        XCTAssertEqual(manifest.assets.keys.sorted(), ["S1", "S2", "S3", "S4"])
    }

    func testDuplicateSerialIsRefusedAndLeavesTheManifestUnchanged() throws {
        var manifest = Manifest()
        try manifest.add(ExpectedAsset(serial: "S1", pallet: "P1", load: "L1"))
        let before = manifest
        XCTAssertThrowsError(try manifest.add(ExpectedAsset(serial: "S1", pallet: "P2", load: "L2"))) { error in
            XCTAssertEqual(error as? Manifest.Conflict, .duplicateSerial("S1"))
            XCTAssertEqual((error as? Manifest.Conflict)?.description, "serial S1 appears twice")
        }
        XCTAssertEqual(manifest, before)
    }

    func testPalletInTwoLoadsIsRefused() throws {
        var manifest = Manifest()
        try manifest.add(ExpectedAsset(serial: "S1", pallet: "P1", load: "L1"))
        XCTAssertThrowsError(try manifest.add(ExpectedAsset(serial: "S2", pallet: "P1", load: "L2"))) { error in
            XCTAssertEqual(error as? Manifest.Conflict, .palletInTwoLoads(pallet: "P1", first: "L1", second: "L2"))
            XCTAssertEqual((error as? Manifest.Conflict)?.description, "pallet P1 is in load L1 and load L2")
        }
        XCTAssertNil(manifest.assets["S2"])
        XCTAssertNil(manifest.load("L2"))
    }

    func testAddPalletIsIdempotent() throws {
        var manifest = Manifest()
        try manifest.addPallet(id: "P1", load: "L1")
        try manifest.addPallet(id: "P1", load: "L1")
        XCTAssertEqual(manifest.loads, [ExpectedLoad(id: "L1", pallets: ["P1"])])
        XCTAssertEqual(manifest.pallets["P1"], ExpectedPallet(id: "P1", load: "L1"))
    }

    func testSetExpectedWeight() throws {
        var manifest = Manifest()
        try manifest.addPallet(id: "P1", load: "L1")
        manifest.setExpectedWeight(pallet: "P1", weight: Fixture.weight("412.5"), tolerance: .percent(Fixture.decimal("2")))
        XCTAssertEqual(manifest.pallets["P1"]?.expectedWeight, Fixture.weight("412.5"))
        XCTAssertEqual(manifest.pallets["P1"]?.tolerance, .percent(Fixture.decimal("2")))
        manifest.setExpectedWeight(pallet: "nope", weight: Fixture.weight("1"), tolerance: nil)
        XCTAssertNil(manifest.pallets["nope"], "setting a weight does not create a pallet")
    }

    func testSanitizationBlocksShipment() {
        XCTAssertTrue(Sanitization.pending.blocksShipment)
        XCTAssertTrue(Sanitization.none.blocksShipment)
        XCTAssertFalse(Sanitization.erased.blocksShipment)
        XCTAssertFalse(Sanitization.destroyed.blocksShipment)
    }

    func testManifestRoundTripsThroughJSON() throws {
        var manifest = Manifest()
        try manifest.add(ExpectedAsset(serial: "S1", assetTag: "T1", dataBearing: true, sanitization: .erased, evidence: "E1", pallet: "P1", load: "L1"))
        try manifest.add(ExpectedAsset(serial: "S2", pallet: "P2", load: "L2"))
        manifest.setExpectedWeight(pallet: "P1", weight: Fixture.weight("412.5"), tolerance: .absolute(Fixture.decimal("5"), .pound))
        let decoded = try JSONDecoder().decode(Manifest.self, from: JSONEncoder().encode(manifest))
        XCTAssertEqual(decoded, manifest)
        XCTAssertEqual(decoded.load("L2"), ExpectedLoad(id: "L2", pallets: ["P2"]), "the load index survives coding")
    }
}

final class WeightToleranceTests: XCTestCase {
    func testParsesPercent() {
        XCTAssertEqual(WeightTolerance(parsing: "2%", defaultUnit: .kilogram), .percent(Fixture.decimal("2")))
        XCTAssertEqual(WeightTolerance(parsing: " 2.5 % ", defaultUnit: .kilogram), .percent(Fixture.decimal("2.5")))
        XCTAssertEqual(WeightTolerance(parsing: "0%", defaultUnit: .kilogram), .percent(Fixture.decimal("0")))
    }

    func testParsesAbsolute() {
        XCTAssertEqual(WeightTolerance(parsing: "5", defaultUnit: .kilogram), .absolute(Fixture.decimal("5"), .kilogram))
        XCTAssertEqual(WeightTolerance(parsing: "5", defaultUnit: .pound), .absolute(Fixture.decimal("5"), .pound))
        XCTAssertEqual(WeightTolerance(parsing: "5 kg", defaultUnit: .pound), .absolute(Fixture.decimal("5"), .kilogram))
        XCTAssertEqual(WeightTolerance(parsing: "5kg", defaultUnit: .pound), .absolute(Fixture.decimal("5"), .kilogram))
        XCTAssertEqual(WeightTolerance(parsing: "0.5 LBS", defaultUnit: .kilogram), .absolute(Fixture.decimal("0.5"), .pound))
        XCTAssertEqual(WeightTolerance(parsing: "  12  ", defaultUnit: .kilogram), .absolute(Fixture.decimal("12"), .kilogram))
    }

    func testRejectsBadText() {
        for text in ["", "%", "-2%", "-5", "+5", "abc", "5 stone", "kg", "5 kg kg", "2%%", "1.2.3"] {
            XCTAssertNil(WeightTolerance(parsing: text, defaultUnit: .kilogram), "'\(text)'")
        }
    }

    func testAbsoluteAllowanceIsExactInKilograms() {
        let expected = Fixture.weight("412.5")
        XCTAssertEqual(WeightTolerance.absolute(Fixture.decimal("5"), .kilogram).allowanceInKilograms(around: expected), Fixture.decimal("5"))
        XCTAssertEqual(WeightTolerance.absolute(Fixture.decimal("5"), .pound).allowanceInKilograms(around: expected), Fixture.decimal("2.26796185"))
        XCTAssertEqual(WeightTolerance.absolute(Fixture.decimal("250"), .gram).allowanceInKilograms(around: expected), Fixture.decimal("0.25"))
    }

    func testPercentAllowanceIsExactInKilograms() {
        XCTAssertEqual(WeightTolerance.percent(Fixture.decimal("2")).allowanceInKilograms(around: Fixture.weight("412.5")), Fixture.decimal("8.25"))
        XCTAssertEqual(WeightTolerance.percent(Fixture.decimal("2")).allowanceInKilograms(around: Fixture.weight("1000", .pound)),
                       Fixture.decimal("9.0718474"))
        XCTAssertEqual(WeightTolerance.percent(Fixture.decimal("0.5")).allowanceInKilograms(around: Fixture.weight("300")), Fixture.decimal("1.5"))
    }

    func testDescription() {
        XCTAssertEqual(WeightTolerance.percent(Fixture.decimal("2")).description, "±2%")
        XCTAssertEqual(WeightTolerance.absolute(Fixture.decimal("5.0"), .pound).description, "±5.0 lb")
    }
}
