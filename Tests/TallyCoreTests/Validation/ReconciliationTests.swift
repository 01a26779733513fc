import Foundation
import XCTest
@testable import TallyCore

final class ReconciliationTests: XCTestCase {
    /// A worked load L1: A1, A2 on PA; A3 scanned onto PAL-B (misplaced); B1 on PAL-B; B2 and N1 never scanned;
    /// ZZZ scanned while PAL-B was current; Q9 scanned with no current pallet; PA weighed in tolerance; sealed.
    private func workedLoad() -> Harness {
        var h = Harness()
        h.pallet(Dock.PA)
        h.scan("A1")
        h.scan("A2")
        h.weigh("415.0")
        h.pallet(Dock.PB)
        h.scan("A3")
        h.scan("B1")
        h.scan("ZZZ")
        h.scan("]C100" + Dock.strangerSSCC)
        h.scan("Q9")
        h.seal("L1", "SEAL-778")
        return h
    }

    func testUnknownLoadHasNoReconciliation() {
        XCTAssertNil(Reconciliation(load: "L9", engine: Harness().engine))
    }

    func testTotals() throws {
        let h = workedLoad()
        let r = try XCTUnwrap(Reconciliation(load: "L1", engine: h.engine))
        XCTAssertEqual(r.load, "L1")
        XCTAssertEqual(r.expected, 6)
        XCTAssertEqual(r.scanned, 4)
        XCTAssertEqual(r.missing, 2)
        XCTAssertEqual(r.unexpected, ["ZZZ", "Q9"])
        XCTAssertEqual(r.seal, SealRecord(seq: h.seq, at: h.now, seal: "SEAL-778", user: "bo",
                                          override: "harness override", overriddenAlerts: [2, 3, 5]))
        XCTAssertEqual(r.pallets.map(\.pallet), [Dock.PA, Dock.PB, Dock.PN], "manifest order")
    }

    func testPalletLines() throws {
        let r = try XCTUnwrap(Reconciliation(load: "L1", engine: workedLoad().engine))
        XCTAssertEqual(r.pallets[0], PalletReconciliation(
            pallet: Dock.PA, expected: 3, scanned: 3, missing: [], misplaced: ["A3"], foreign: [], unexpected: [],
            expectedWeight: Fixture.weight("412.5"), tolerance: .absolute(Fixture.decimal("5"), .kilogram),
            measuredWeight: Fixture.weight("415.0"), withinTolerance: true))
        XCTAssertEqual(r.pallets[1], PalletReconciliation(
            pallet: Dock.PB, expected: 2, scanned: 1, missing: ["B2"], misplaced: [], foreign: ["A3"], unexpected: ["ZZZ"],
            expectedWeight: Fixture.weight("1000", .pound), tolerance: .percent(Fixture.decimal("2")),
            measuredWeight: nil, withinTolerance: nil))
        XCTAssertEqual(r.pallets[2], PalletReconciliation(
            pallet: Dock.PN, expected: 1, scanned: 0, missing: ["N1"], misplaced: [], foreign: [], unexpected: [],
            expectedWeight: nil, tolerance: nil, measuredWeight: nil, withinTolerance: nil))
    }

    func testOpenLoadBeforeAnything() throws {
        let r = try XCTUnwrap(Reconciliation(load: "L2", engine: Harness().engine))
        XCTAssertNil(r.seal)
        XCTAssertEqual(r.expected, 3)
        XCTAssertEqual(r.scanned, 0)
        XCTAssertEqual(r.missing, 3)
        XCTAssertEqual(r.unexpected, [])
        XCTAssertEqual(r.pallets.map(\.missing), [["C1"], ["X1"], ["Y1"]])
        XCTAssertEqual(r.pallets.map(\.pallet), [Dock.PC, Dock.PX, Dock.PY])
    }

    func testOutOfToleranceWeightIsReported() throws {
        var h = Harness()
        h.pallet(Dock.PC)
        h.weigh("301", .kilogram)
        let r = try XCTUnwrap(Reconciliation(load: "L2", engine: h.engine))
        XCTAssertEqual(r.pallets[0].measuredWeight, Fixture.weight("301"))
        XCTAssertEqual(r.pallets[0].withinTolerance, false)
        XCTAssertEqual(r.pallets[0].expectedWeight, Fixture.weight("300"))
    }

    func testNetReadingIsReportedAsGross() throws {
        var h = Harness()
        h.pallet(Dock.PA)
        h.weigh("390.0", kind: .net, tare: "22.5")
        let r = try XCTUnwrap(Reconciliation(load: "L1", engine: h.engine))
        XCTAssertEqual(r.pallets[0].measuredWeight, Fixture.weight("412.5"))
        XCTAssertEqual(r.pallets[0].withinTolerance, true)
    }

    func testForeignAssetsAreListedInScanOrder() throws {
        var h = Harness()
        h.pallet(Dock.PN)
        h.scan("B2")
        h.scan("A3")
        h.scan("N1")
        h.scan("A1")
        let r = try XCTUnwrap(Reconciliation(load: "L1", engine: h.engine))
        XCTAssertEqual(r.pallets.map(\.pallet), [Dock.PA, Dock.PB, Dock.PN])
        XCTAssertEqual(r.pallets.map(\.foreign), [[], [], ["B2", "A3", "A1"]])
        XCTAssertEqual(r.pallets.map(\.misplaced), [["A1", "A3"], ["B2"], []], "misplaced follows manifest order")
        XCTAssertEqual(r.pallets.map(\.scanned), [2, 1, 1])
    }

    func testAssetsScannedWithoutAPalletAreNotMisplaced() throws {
        var h = Harness()
        h.assign("L1")
        h.scan("A1")
        h.scan("B2")
        let r = try XCTUnwrap(Reconciliation(load: "L1", engine: h.engine))
        XCTAssertEqual(r.scanned, 2)
        XCTAssertEqual(r.pallets.map(\.misplaced), [[], [], []])
        XCTAssertEqual(r.pallets.map(\.scanned), [1, 1, 0])
    }

    func testRejectedScansDoNotCount() throws {
        var h = Harness()
        h.pallet(Dock.PC)
        h.scan("A1")              // wrong load: not counted for L1
        h.scan("A2", station: "dock-9") // no active load
        h.scan("ZZZ", station: "dock-9") // no active load: not an unexpected scan of any load
        let l1 = try XCTUnwrap(Reconciliation(load: "L1", engine: h.engine))
        XCTAssertEqual(l1.scanned, 0)
        XCTAssertEqual(l1.missing, 6)
        XCTAssertEqual(l1.unexpected, [])
        let l2 = try XCTUnwrap(Reconciliation(load: "L2", engine: h.engine))
        XCTAssertEqual(l2.unexpected, [])
        XCTAssertEqual(l2.scanned, 0)
    }

    func testUnexpectedScansStayWithTheirLoad() throws {
        var h = Harness()
        h.pallet(Dock.PA, station: "dock-1")
        h.pallet(Dock.PC, station: "dock-2")
        h.scan("ZZZ", station: "dock-1")
        h.scan("YYY", station: "dock-2")
        XCTAssertEqual(Reconciliation(load: "L1", engine: h.engine)?.unexpected, ["ZZZ"])
        XCTAssertEqual(Reconciliation(load: "L1", engine: h.engine)?.pallets.first?.unexpected, ["ZZZ"])
        XCTAssertEqual(Reconciliation(load: "L2", engine: h.engine)?.unexpected, ["YYY"])
        XCTAssertEqual(Reconciliation(load: "L2", engine: h.engine)?.pallets.first?.unexpected, ["YYY"])
    }

    func testReconciliationRoundTripsThroughJSON() throws {
        let r = try XCTUnwrap(Reconciliation(load: "L1", engine: workedLoad().engine))
        XCTAssertEqual(try JSONDecoder().decode(Reconciliation.self, from: JSONEncoder().encode(r)), r)
    }
}
