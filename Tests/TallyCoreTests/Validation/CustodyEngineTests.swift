import Foundation
import XCTest
@testable import TallyCore

final class CustodyEngineTests: XCTestCase {
    private var h = Harness()

    override func setUp() {
        super.setUp()
        h = Harness()
    }

    // MARK: - Assign and pallet labels

    func testAssignSetsTheActiveLoad() {
        let outcome = h.assign("L1")
        XCTAssertEqual(outcome, Outcome(effect: .assigned(station: "dock-1", load: "L1"), alerts: []))
        XCTAssertEqual(h.engine.stations["dock-1"], StationContext(activeLoad: "L1", currentPallet: nil))
        XCTAssertEqual(h.engine.lastSeq, 1)
    }

    func testReassignClearsTheCurrentPallet() {
        h.pallet(Dock.PA)
        h.assign("L2")
        XCTAssertEqual(h.engine.stations["dock-1"], StationContext(activeLoad: "L2", currentPallet: nil))
    }

    func testPalletLabelMakesThePalletCurrentAndSetsTheLoadWhenNone() {
        let outcome = h.scan("]C100" + Dock.PA)
        XCTAssertEqual(outcome, Outcome(effect: .palletCurrent(station: "dock-1", pallet: Dock.PA, load: "L1"), alerts: []))
        XCTAssertEqual(h.engine.stations["dock-1"], StationContext(activeLoad: "L1", currentPallet: Dock.PA))
    }

    func testPalletLabelInAnyFormMatches() {
        XCTAssertEqual(h.scan("(00)" + Dock.PA).effect, .palletCurrent(station: "dock-1", pallet: Dock.PA, load: "L1"))
        XCTAssertEqual(h.scan("00" + Dock.PC, station: "dock-2").effect, .palletCurrent(station: "dock-2", pallet: Dock.PC, load: "L2"))
        XCTAssertEqual(h.scan(" PAL-B ", station: "dock-3").effect, .palletCurrent(station: "dock-3", pallet: Dock.PB, load: "L1"))
        XCTAssertEqual(h.scan(Dock.PA, station: "dock-4").effect, .palletCurrent(station: "dock-4", pallet: Dock.PA, load: "L1"),
                       "18 plain digits match the pallet id as text")
    }

    func testPalletOfTheActiveLoadSwitchesTheCurrentPallet() {
        h.assign("L1")
        XCTAssertEqual(h.pallet(Dock.PA).effect, .palletCurrent(station: "dock-1", pallet: Dock.PA, load: "L1"))
        XCTAssertEqual(h.pallet(Dock.PB).effect, .palletCurrent(station: "dock-1", pallet: Dock.PB, load: "L1"))
        XCTAssertEqual(h.engine.stations["dock-1"], StationContext(activeLoad: "L1", currentPallet: Dock.PB))
    }

    func testStationsAreIndependent() {
        h.pallet(Dock.PA, station: "dock-1")
        h.pallet(Dock.PC, station: "dock-2")
        XCTAssertEqual(h.engine.stations["dock-1"], StationContext(activeLoad: "L1", currentPallet: Dock.PA))
        XCTAssertEqual(h.engine.stations["dock-2"], StationContext(activeLoad: "L2", currentPallet: Dock.PC))
        XCTAssertTrue(h.engine.alerts.isEmpty)
    }

    // MARK: - Assets

    func testAssetAccepted() {
        h.pallet(Dock.PA)
        let outcome = h.scan("A2")
        XCTAssertEqual(outcome, Outcome(effect: .assetAccepted(serial: "A2", pallet: Dock.PA, load: "L1"), alerts: []))
        XCTAssertEqual(h.engine.scans["A2"], AssetScan(seq: 2, at: h.now, station: "dock-1", device: "scanner-1", pallet: Dock.PA))
        XCTAssertEqual(h.engine.scans.count, 1)
    }

    func testAssetAcceptedFromGS1Serial() {
        h.pallet(Dock.PA)
        XCTAssertEqual(h.scan("]C101" + Dock.gtin + "21A2").effect, .assetAccepted(serial: "A2", pallet: Dock.PA, load: "L1"))
        XCTAssertEqual(h.scan("]C101" + Dock.gtin + "\u{1D}21A1").effect, .assetAccepted(serial: "A1", pallet: Dock.PA, load: "L1"))
    }

    func testAssetAcceptedWithoutACurrentPallet() {
        h.assign("L1")
        let outcome = h.scan("A2")
        XCTAssertEqual(outcome, Outcome(effect: .assetAccepted(serial: "A2", pallet: nil, load: "L1"), alerts: []))
        XCTAssertNil(h.engine.scans["A2"]?.pallet)
    }

    func testSerialsMatchExactly() {
        h.pallet(Dock.PA)
        let outcome = h.scan("a2")
        XCTAssertEqual(outcome.effect, .recorded)
        XCTAssertEqual(outcome.alertKeys, [AlertKey(.unexpectedAsset, load: "L1", pallet: Dock.PA, subject: "a2")])
        XCTAssertNil(h.engine.scans["A2"])
    }

    // MARK: - Double reads and duplicates

    func testDoubleReadWithinTheWindowRaisesNothing() {
        h.pallet(Dock.PA)
        h.scan("A2")
        XCTAssertEqual(h.scan("A2", after: 1), Outcome(effect: .doubleRead(subject: "A2"), alerts: []))
        XCTAssertEqual(h.scan("A2", after: 2), Outcome(effect: .doubleRead(subject: "A2"), alerts: []), "exactly 2 s is still a double read")
        XCTAssertEqual(h.engine.scans["A2"]?.seq, 2, "the first scan is the one kept")
        XCTAssertTrue(h.engine.alerts.isEmpty)
    }

    func testDoubleReadMatchesOnTheKeyNotTheRawText() {
        h.pallet(Dock.PA)
        h.scan("]C101" + Dock.gtin + "21A2")
        XCTAssertEqual(h.scan("A2", after: 0.5).effect, .doubleRead(subject: "A2"))
        XCTAssertEqual(h.scan("(00)" + Dock.PA, after: 0.5).effect, .palletCurrent(station: "dock-1", pallet: Dock.PA, load: "L1"),
                       "the pallet label was last read 11 s earlier: not a double read")
    }

    func testDoubleReadWindowIsConfigurable() {
        h.engine = CustodyEngine(manifest: Dock.manifest, configuration: .init(doubleReadWindow: 5))
        h.pallet(Dock.PA)
        h.scan("A2")
        XCTAssertEqual(h.scan("A2", after: 4.5).effect, .doubleRead(subject: "A2"))
        XCTAssertEqual(h.scan("A2", after: 5.5).alertKeys.map(\.code), [.duplicateScan])
    }

    func testDoubleReadWindowIsMeasuredFromTheLatestRead() {
        h.pallet(Dock.PA)
        h.scan("A2")
        XCTAssertEqual(h.scan("A2", after: 1.5).effect, .doubleRead(subject: "A2"))
        XCTAssertEqual(h.scan("A2", after: 1.5).effect, .doubleRead(subject: "A2"), "3 s after the first read, 1.5 s after the last")
    }

    func testAnEarlierTimestampIsNotADoubleRead() {
        h.pallet(Dock.PA)
        h.scan("A2")
        XCTAssertEqual(h.scan("A2", after: -1).alertKeys.map(\.code), [.duplicateScan])
    }

    func testPalletLabelDoubleRead() {
        h.pallet(Dock.PA)
        XCTAssertEqual(h.scan("]C100" + Dock.PA, after: 1.5), Outcome(effect: .doubleRead(subject: Dock.PA), alerts: []))
    }

    func testDuplicateScanLater() {
        h.pallet(Dock.PA)
        h.scan("A2")
        let outcome = h.scan("A2", after: 2.5)
        XCTAssertEqual(outcome.effect, .recorded)
        XCTAssertEqual(outcome.alertKeys, [AlertKey(.duplicateScan, load: "L1", pallet: Dock.PA, subject: "A2")])
        XCTAssertEqual(outcome.alerts.first?.message, "A2 was already scanned (event 2 at dock-1)")
        XCTAssertEqual(outcome.alerts.first?.severity, .warning)
        XCTAssertEqual(outcome.alerts.first?.seq, 3)
        XCTAssertEqual(outcome.alerts.first?.device, "scanner-1")
        XCTAssertEqual(h.engine.scans["A2"]?.seq, 2)
    }

    func testSameBarcodeAtAnotherStationIsADuplicateNotADoubleRead() {
        h.pallet(Dock.PA, station: "dock-1")
        h.pallet(Dock.PA, station: "dock-2")
        h.scan("A2", station: "dock-1")
        let outcome = h.scan("A2", station: "dock-2", after: 0.5)
        XCTAssertEqual(outcome.alertKeys, [AlertKey(.duplicateScan, load: "L1", pallet: Dock.PA, subject: "A2", station: "dock-2")])
        XCTAssertEqual(outcome.alerts.first?.message, "A2 was already scanned (event 3 at dock-1)")
    }

    // MARK: - Unexpected, wrong pallet, wrong load, no active load

    func testUnexpectedAsset() {
        h.pallet(Dock.PB)
        let outcome = h.scan("ZZZ-999")
        XCTAssertEqual(outcome.effect, .recorded)
        XCTAssertEqual(outcome.alertKeys, [AlertKey(.unexpectedAsset, load: "L1", pallet: Dock.PB, subject: "ZZZ-999")])
        XCTAssertEqual(outcome.alerts.first?.message, "ZZZ-999 is not in the manifest")
        XCTAssertEqual(outcome.alerts.first?.severity, .critical)
        XCTAssertEqual(h.engine.unexpected, ["L1": [UnexpectedScan(seq: 2, subject: "ZZZ-999", pallet: Dock.PB, station: "dock-1")]])
    }

    func testUnexpectedGTINSerialUsesTheSerialAsSubject() {
        h.assign("L1")
        let outcome = h.scan("]C101" + Dock.gtin + "21Q77")
        XCTAssertEqual(outcome.alertKeys, [AlertKey(.unexpectedAsset, load: "L1", pallet: nil, subject: "Q77")])
        XCTAssertEqual(h.engine.unexpected["L1"], [UnexpectedScan(seq: 2, subject: "Q77", pallet: nil, station: "dock-1")])
    }

    func testWrongPallet() {
        h.pallet(Dock.PB)
        let outcome = h.scan("A1")
        XCTAssertEqual(outcome.effect, .assetAccepted(serial: "A1", pallet: Dock.PB, load: "L1"), "the asset is in the right load: accepted")
        XCTAssertEqual(outcome.alertKeys, [AlertKey(.wrongPallet, load: "L1", pallet: Dock.PB, subject: "A1")])
        XCTAssertEqual(outcome.alerts.first?.message, "A1 belongs on pallet \(Dock.PA), but was scanned onto pallet PAL-B")
        XCTAssertEqual(outcome.alerts.first?.severity, .warning)
        XCTAssertEqual(h.engine.scans["A1"]?.pallet, Dock.PB)
    }

    func testWrongLoadForAnAsset() {
        h.pallet(Dock.PC)
        let outcome = h.scan("A2")
        XCTAssertEqual(outcome.effect, .recorded)
        XCTAssertEqual(outcome.alertKeys, [AlertKey(.wrongLoad, load: "L2", pallet: Dock.PC, subject: "A2")])
        XCTAssertEqual(outcome.alerts.first?.message, "A2 belongs to load L1 (pallet \(Dock.PA)), not to load L2")
        XCTAssertEqual(outcome.alerts.first?.severity, .critical)
        XCTAssertNil(h.engine.scans["A2"], "a wrong-load scan is not an accepted scan")
    }

    func testWrongLoadForAPalletKeepsTheStationContext() {
        h.pallet(Dock.PA)
        let outcome = h.pallet(Dock.PC)
        XCTAssertEqual(outcome.effect, .recorded)
        XCTAssertEqual(outcome.alertKeys, [AlertKey(.wrongLoad, load: "L1", pallet: Dock.PC, subject: Dock.PC)])
        XCTAssertEqual(outcome.alerts.first?.message, "pallet \(Dock.PC) belongs to load L2, not to load L1 at dock-1")
        XCTAssertEqual(h.engine.stations["dock-1"], StationContext(activeLoad: "L1", currentPallet: Dock.PA))
    }

    func testAssignedLoadRejectsPalletsOfAnotherLoad() {
        h.assign("L2")
        XCTAssertEqual(h.pallet(Dock.PB).alertKeys, [AlertKey(.wrongLoad, load: "L2", pallet: Dock.PB, subject: Dock.PB)])
        XCTAssertEqual(h.engine.stations["dock-1"], StationContext(activeLoad: "L2", currentPallet: nil))
    }

    func testNoActiveLoadForAnExpectedAsset() {
        let outcome = h.scan("A2")
        XCTAssertEqual(outcome.effect, .recorded)
        XCTAssertEqual(outcome.alertKeys, [AlertKey(.noActiveLoad, load: "L1", pallet: Dock.PA, subject: "A2")])
        XCTAssertEqual(outcome.alerts.first?.message, "A2 scanned at dock-1, which has no active load: scan a pallet label or assign a load first")
        XCTAssertEqual(outcome.alerts.first?.severity, .warning)
        XCTAssertNil(h.engine.scans["A2"])
    }

    func testNoActiveLoadForAnUnknownSerial() {
        let outcome = h.scan("ZZZ")
        XCTAssertEqual(outcome.alertKeys, [AlertKey(.noActiveLoad, load: nil, pallet: nil, subject: "ZZZ")])
        XCTAssertEqual(outcome.alerts.first?.message, "ZZZ scanned at dock-1, which has no active load")
        XCTAssertTrue(h.engine.unexpected.isEmpty, "no load to record it against")
    }

    // MARK: - Sanitization

    func testNotSanitizedPending() {
        h.pallet(Dock.PB)
        let outcome = h.scan("B1")
        XCTAssertEqual(outcome.effect, .assetAccepted(serial: "B1", pallet: Dock.PB, load: "L1"))
        XCTAssertEqual(outcome.alertKeys, [AlertKey(.notSanitized, load: "L1", pallet: Dock.PB, subject: "B1")])
        XCTAssertEqual(outcome.alerts.first?.message, "B1 is data-bearing and its sanitization is pending (evidence TICKET-9)")
        XCTAssertEqual(outcome.alerts.first?.severity, .critical)
    }

    func testNotSanitizedNone() {
        h.pallet(Dock.PB)
        let outcome = h.scan("B2")
        XCTAssertEqual(outcome.alertKeys, [AlertKey(.notSanitized, load: "L1", pallet: Dock.PB, subject: "B2")])
        XCTAssertEqual(outcome.alerts.first?.message, "B2 is data-bearing and its sanitization is none: no evidence")
    }

    func testErasedDestroyedAndNonDataBearingAssetsRaiseNothing() {
        h.pallet(Dock.PA)
        XCTAssertEqual(h.scan("A1").alerts, [], "erased")
        XCTAssertEqual(h.scan("A2").alerts, [], "not data-bearing, sanitization none")
        XCTAssertEqual(h.scan("A3").alerts, [], "destroyed")
    }

    func testWrongPalletAndNotSanitizedTogether() {
        h.pallet(Dock.PA)
        let outcome = h.scan("B1")
        XCTAssertEqual(outcome.alertKeys, [
            AlertKey(.wrongPallet, load: "L1", pallet: Dock.PA, subject: "B1"),
            AlertKey(.notSanitized, load: "L1", pallet: Dock.PB, subject: "B1"),
        ], "not-sanitized names the manifest pallet")
    }

    // MARK: - Unreadable and unexpected pallets

    func testUnreadableBarcode() {
        h.pallet(Dock.PA)
        let raw = "]C100106141412345678907"
        let outcome = h.scan(raw)
        XCTAssertEqual(outcome.effect, .recorded)
        XCTAssertEqual(outcome.alertKeys, [AlertKey(.unreadableBarcode, load: "L1", pallet: Dock.PA, subject: raw)])
        XCTAssertEqual(outcome.alerts.first?.message, "unreadable barcode at character 22: AI (00) check digit is wrong")
        XCTAssertEqual(outcome.alerts.first?.severity, .warning)
        XCTAssertEqual(h.engine.stations["dock-1"]?.currentPallet, Dock.PA, "an unreadable scan changes nothing")
    }

    func testUnreadableBarcodeWithoutContext() {
        let outcome = h.scan("AB\u{07}C")
        XCTAssertEqual(outcome.alertKeys, [AlertKey(.unreadableBarcode, load: nil, pallet: nil, subject: "AB\u{07}C")])
        XCTAssertEqual(outcome.alerts.first?.message, "unreadable barcode at character 2: control character 0x7 in plain text")
        XCTAssertEqual(h.scan("", after: 0.1).alertKeys, [AlertKey(.unreadableBarcode, load: nil, pallet: nil, subject: "")],
                       "unreadable scans are never double reads")
    }

    func testUnexpectedPallet() {
        h.pallet(Dock.PA)
        let outcome = h.scan("]C100" + Dock.strangerSSCC)
        XCTAssertEqual(outcome.effect, .recorded)
        XCTAssertEqual(outcome.alertKeys, [AlertKey(.unexpectedPallet, load: "L1", pallet: nil, subject: Dock.strangerSSCC)])
        XCTAssertEqual(outcome.alerts.first?.message, "pallet SSCC \(Dock.strangerSSCC) is not in the manifest")
        XCTAssertEqual(outcome.alerts.first?.severity, .warning)
        XCTAssertEqual(h.engine.stations["dock-1"], StationContext(activeLoad: "L1", currentPallet: nil), "scans no longer attach to PA")
        XCTAssertTrue(h.engine.unexpected.isEmpty, "an unknown pallet is not an unexpected asset")

        XCTAssertEqual(h.scan("A2"), Outcome(effect: .assetAccepted(serial: "A2", pallet: nil, load: "L1"), alerts: []))
    }

    func testUnexpectedPalletWithoutALoad() {
        XCTAssertEqual(h.scan("00" + Dock.strangerSSCC).alertKeys,
                       [AlertKey(.unexpectedPallet, load: nil, pallet: nil, subject: Dock.strangerSSCC)])
    }

    // MARK: - Weights

    func testWeightWithinAbsoluteTolerance() {
        h.pallet(Dock.PA)
        let outcome = h.weigh("415.0")
        XCTAssertEqual(outcome, Outcome(effect: .weightCaptured(pallet: Dock.PA, weight: Fixture.weight("415.0"),
                                                                expected: Fixture.weight("412.5"), withinTolerance: true), alerts: []))
        XCTAssertEqual(h.engine.palletWeights[Dock.PA]?.gross, Fixture.weight("415.0"))
        XCTAssertEqual(h.engine.palletWeights[Dock.PA]?.withinTolerance, true)
        XCTAssertEqual(h.engine.palletWeights[Dock.PA]?.seq, 2)
        XCTAssertEqual(h.engine.palletWeights[Dock.PA]?.station, "dock-1")
        XCTAssertEqual(h.engine.palletWeights[Dock.PA]?.device, "scale-1")
    }

    func testWeightExactlyAtTheAbsoluteBoundaryIsWithin() {
        h.pallet(Dock.PA)
        XCTAssertEqual(h.weigh("417.5").alerts, [])
        XCTAssertEqual(h.engine.palletWeights[Dock.PA]?.withinTolerance, true)
        XCTAssertEqual(h.weigh("407.5").alerts, [])
        XCTAssertEqual(h.weigh("407.50").alerts, [])
        XCTAssertEqual(h.engine.palletWeights[Dock.PA]?.withinTolerance, true)
    }

    func testWeightOutOfAbsoluteTolerance() {
        h.pallet(Dock.PA)
        let outcome = h.weigh("417.6")
        XCTAssertEqual(outcome.effect, .weightCaptured(pallet: Dock.PA, weight: Fixture.weight("417.6"),
                                                       expected: Fixture.weight("412.5"), withinTolerance: false))
        XCTAssertEqual(outcome.alertKeys, [AlertKey(.weightOutOfTolerance, load: "L1", pallet: Dock.PA, subject: Dock.PA)])
        XCTAssertEqual(outcome.alerts.first?.message, "pallet \(Dock.PA) weighs 417.6 kg, expected 412.5 kg ±5 kg")
        XCTAssertEqual(outcome.alerts.first?.severity, .critical)
        XCTAssertEqual(outcome.alerts.first?.device, "scale-1")
        XCTAssertEqual(h.engine.palletWeights[Dock.PA]?.withinTolerance, false, "the weight is still recorded")
        XCTAssertEqual(h.weigh("407.49").alertKeys.map(\.code), [.weightOutOfTolerance])
    }

    func testWeightPercentTolerance() {
        // 1000 lb ± 2 % = 980 … 1020 lb.
        h.pallet(Dock.PB)
        XCTAssertEqual(h.weigh("1020", .pound).effect, .weightCaptured(pallet: Dock.PB, weight: Fixture.weight("1020", .pound),
                                                                        expected: Fixture.weight("1000", .pound), withinTolerance: true))
        XCTAssertEqual(h.weigh("980.0", .pound).alerts, [])
        let out = h.weigh("1020.1", .pound)
        XCTAssertEqual(out.alertKeys, [AlertKey(.weightOutOfTolerance, load: "L1", pallet: Dock.PB, subject: Dock.PB)])
        XCTAssertEqual(out.alerts.first?.message, "pallet PAL-B weighs 1020.1 lb, expected 1000 lb ±2%")
        XCTAssertEqual(h.weigh("979.9", .pound).alertKeys.map(\.code), [.weightOutOfTolerance])
    }

    func testKilogramReadingAgainstPoundExpectation() {
        // 1000 lb = 453.59237 kg; 2 % = 9.0718474 kg → 444.5205226 … 462.6642174 kg.
        h.pallet(Dock.PB)
        XCTAssertEqual(h.weigh("462.6").alerts, [])
        XCTAssertEqual(h.engine.palletWeights[Dock.PB]?.withinTolerance, true)
        XCTAssertEqual(h.weigh("462.664217").alerts, [])
        XCTAssertEqual(h.weigh("462.7").alertKeys.map(\.code), [.weightOutOfTolerance])
        XCTAssertEqual(h.weigh("444.53").alerts, [])
        XCTAssertEqual(h.weigh("444.52").alertKeys.map(\.code), [.weightOutOfTolerance])
    }

    func testPoundReadingAgainstKilogramExpectationIsExact() {
        // PAL-X expects exactly 45.359237 kg with no tolerance: 100 lb is exactly that.
        h.pallet(Dock.PX)
        XCTAssertEqual(h.weigh("100", .pound), Outcome(effect: .weightCaptured(
            pallet: Dock.PX, weight: Fixture.weight("100", .pound), expected: Fixture.weight("45.359237"), withinTolerance: true), alerts: []))
        XCTAssertEqual(h.weigh("100.0", .pound).alerts, [])
        XCTAssertEqual(h.weigh("1600", .ounce).alerts, [])
        let out = h.weigh("100.1", .pound)
        XCTAssertEqual(out.alertKeys.map(\.code), [.weightOutOfTolerance])
        XCTAssertEqual(out.alerts.first?.message, "pallet PAL-X weighs 100.1 lb, expected 45.359237 kg ±0 kg")
        XCTAssertEqual(h.weigh("99.99", .pound).alertKeys.map(\.code), [.weightOutOfTolerance])
    }

    func testKilogramBoundaryAroundAPoundExpectation() {
        // PAL-Y: 100 lb (45.359237 kg) ± 1 kg → 44.359237 … 46.359237 kg, both ends within.
        h.pallet(Dock.PY)
        XCTAssertEqual(h.weigh("46.359237").alerts, [])
        XCTAssertEqual(h.weigh("44.359237").alerts, [])
        XCTAssertEqual(h.weigh("46.359238").alertKeys.map(\.code), [.weightOutOfTolerance])
        XCTAssertEqual(h.weigh("44.359236").alertKeys.map(\.code), [.weightOutOfTolerance])
    }

    func testNoToleranceMeansExact() {
        h.pallet(Dock.PC)
        XCTAssertEqual(h.weigh("300").alerts, [])
        XCTAssertEqual(h.weigh("300.00").alerts, [])
        let out = h.weigh("300.5")
        XCTAssertEqual(out.alerts.first?.message, "pallet \(Dock.PC) weighs 300.5 kg, expected 300 kg ±0 kg")
    }

    func testNetReadingWithTareIsComparedAsGross() {
        h.pallet(Dock.PA)
        let outcome = h.weigh("390.0", kind: .net, tare: "25.0")
        XCTAssertEqual(outcome, Outcome(effect: .weightCaptured(pallet: Dock.PA, weight: Fixture.weight("415.0"),
                                                                expected: Fixture.weight("412.5"), withinTolerance: true), alerts: []))
        XCTAssertEqual(h.engine.palletWeights[Dock.PA]?.gross, Fixture.weight("415.0"))
        XCTAssertEqual(h.engine.palletWeights[Dock.PA]?.reading.weight, Fixture.weight("390.0"), "the reading is kept as it was")
    }

    func testRegression_netReadingWithATareOfAnotherDivisionIsComparedAsGross() throws {
        // Net 390.0 kg (d = 0.1) with a preset tare of 25 kg (d = 1): the gross is exactly 415.0 kg, within 412.5 ± 5 kg.
        h.pallet(Dock.PA)
        let reading = ScaleReading(protocolName: "test", kind: .net, weight: Fixture.weight("390.0"), tare: Fixture.weight("25"),
                                   stable: true, status: .ok, raw: [])
        let outcome = h.apply(.weight(station: "dock-1", device: "scale-1", reading: reading))
        XCTAssertEqual(outcome.alerts, [], "the code raises weight-out-of-tolerance for 390.0 kg")
        XCTAssertEqual(h.engine.palletWeights[Dock.PA]?.gross.value, Fixture.decimal("415"))
        XCTAssertEqual(h.engine.palletWeights[Dock.PA]?.withinTolerance, true)
    }

    func testWeightForAPalletWithoutExpectation() {
        h.pallet(Dock.PN)
        XCTAssertEqual(h.weigh("88.0"), Outcome(effect: .weightCaptured(
            pallet: Dock.PN, weight: Fixture.weight("88.0"), expected: nil, withinTolerance: nil), alerts: []))
        XCTAssertNotNil(h.engine.palletWeights[Dock.PN])
        XCTAssertNil(h.engine.palletWeights[Dock.PN]?.withinTolerance)
    }

    func testReweighReplacesTheCapturedWeight() {
        h.pallet(Dock.PA)
        h.weigh("430.0")
        h.weigh("412.5")
        XCTAssertEqual(h.engine.palletWeights[Dock.PA]?.gross, Fixture.weight("412.5"))
        XCTAssertEqual(h.engine.palletWeights[Dock.PA]?.withinTolerance, true)
        XCTAssertEqual(h.engine.palletWeights[Dock.PA]?.seq, 3)
    }

    func testWeightRejectedForMotion() {
        h.pallet(Dock.PA)
        let outcome = h.weigh("415.0", stable: false)
        XCTAssertEqual(outcome.effect, .recorded)
        XCTAssertEqual(outcome.alertKeys, [AlertKey(.weightRejected, load: "L1", pallet: Dock.PA, subject: Dock.PA)])
        XCTAssertEqual(outcome.alerts.first?.message, "weight 415.0 kg not captured: unstable (motion)")
        XCTAssertEqual(outcome.alerts.first?.severity, .warning)
        XCTAssertNil(h.engine.palletWeights[Dock.PA])
        XCTAssertEqual(h.weigh("415.0", status: .motion).alerts.first?.message, "weight 415.0 kg not captured: unstable (motion)")
    }

    func testWeightRejectedForOverloadAndUnderload() {
        h.pallet(Dock.PA)
        XCTAssertEqual(h.weigh(nil, status: .overload).alerts.first?.message,
                       "scale reading not captured: overload")
        XCTAssertEqual(h.weigh("3000.0", status: .overload).alerts.first?.message, "weight 3000.0 kg not captured: overload")
        let under = h.weigh("-5.0", status: .underload)
        XCTAssertEqual(under.alertKeys, [AlertKey(.weightRejected, load: "L1", pallet: Dock.PA, subject: Dock.PA)])
        XCTAssertEqual(under.alerts.first?.message, "weight -5.0 kg not captured: underload")
        XCTAssertEqual(h.weigh("0.0", status: .zeroError).alerts.first?.message, "weight 0.0 kg not captured: zero error")
        XCTAssertNil(h.engine.palletWeights[Dock.PA])
    }

    func testWeightRejectedWithoutAPalletNamesTheWeight() {
        let outcome = h.weigh("415.0", stable: false)
        XCTAssertEqual(outcome.alertKeys, [AlertKey(.weightRejected, load: nil, pallet: nil, subject: "415.0 kg")])
    }

    func testWeightWithNoPallet() {
        let outcome = h.weigh("415.0", station: "scale-1")
        XCTAssertEqual(outcome.effect, .recorded)
        XCTAssertEqual(outcome.alertKeys, [AlertKey(.noActiveLoad, load: nil, pallet: nil, subject: "415.0 kg", station: "scale-1")])
        XCTAssertEqual(outcome.alerts.first?.message, "weight 415.0 kg at scale-1 with no pallet scanned: scan the pallet label first")
        XCTAssertTrue(h.engine.palletWeights.isEmpty)
    }

    func testWeightWithALoadButNoPallet() {
        h.assign("L1")
        XCTAssertEqual(h.weigh("415.0").alertKeys, [AlertKey(.noActiveLoad, load: "L1", pallet: nil, subject: "415.0 kg")])
    }

    func testWeightAfterUnexpectedPalletHasNoPallet() {
        h.pallet(Dock.PA)
        h.scan("]C100" + Dock.strangerSSCC)
        XCTAssertEqual(h.weigh("415.0").alertKeys.map(\.code), [.noActiveLoad])
        XCTAssertNil(h.engine.palletWeights[Dock.PA])
    }

    // MARK: - Seal

    func testSealRaisesMissingAssetsAndMissingWeights() {
        h.pallet(Dock.PA)
        h.scan("A1")
        h.scan("A2")
        h.weigh("412.5")
        h.pallet(Dock.PB)
        h.scan("B1")
        let outcome = h.seal("L1", "SEAL-778")
        XCTAssertEqual(outcome.effect, .sealed(load: "L1", seal: "SEAL-778"))
        XCTAssertEqual(outcome.alertKeys, [
            AlertKey(.missingAsset, load: "L1", pallet: Dock.PA, subject: "A3", station: nil),
            AlertKey(.missingAsset, load: "L1", pallet: Dock.PB, subject: "B2", station: nil),
            AlertKey(.missingWeight, load: "L1", pallet: Dock.PB, subject: Dock.PB, station: nil),
            AlertKey(.missingAsset, load: "L1", pallet: Dock.PN, subject: "N1", station: nil),
            AlertKey(.missingWeight, load: "L1", pallet: Dock.PN, subject: Dock.PN, station: nil),
        ])
        XCTAssertEqual(outcome.alerts.map(\.message), [
            "A3 (pallet \(Dock.PA)) was not scanned before seal SEAL-778",
            "B2 (pallet PAL-B) was not scanned before seal SEAL-778",
            "pallet PAL-B was never weighed before seal SEAL-778",
            "N1 (pallet PAL-N) was not scanned before seal SEAL-778",
            "pallet PAL-N was never weighed before seal SEAL-778",
        ])
        XCTAssertEqual(outcome.alerts.map(\.severity), [.critical, .critical, .warning, .critical, .warning])
        XCTAssertEqual(Set(outcome.alerts.map(\.seq)), [h.seq])
        XCTAssertTrue(outcome.alerts.allSatisfy { $0.device == nil })
        XCTAssertEqual(h.engine.seals["L1"], SealRecord(seq: h.seq, at: h.now, seal: "SEAL-778", user: "bo",
                                                        override: "harness override", overriddenAlerts: [1]))
        XCTAssertNil(h.engine.seals["L2"])
    }

    func testCompleteLoadSealsWithoutAlerts() {
        h.assign("L2")
        h.pallet(Dock.PC); h.scan("C1"); h.weigh("300")
        h.pallet(Dock.PX); h.scan("X1"); h.weigh("100", .pound)
        h.pallet(Dock.PY); h.scan("Y1"); h.weigh("46.0")
        XCTAssertEqual(h.seal("L2"), Outcome(effect: .sealed(load: "L2", seal: "SEAL-1"), alerts: []))
        XCTAssertTrue(h.engine.alerts.isEmpty)
    }

    func testOutOfToleranceWeightCountsAsWeighedAtSeal() {
        h.pallet(Dock.PC)
        h.scan("C1")
        h.weigh("350")
        let outcome = h.seal("L2")
        XCTAssertFalse(outcome.alertKeys.contains(AlertKey(.missingWeight, load: "L2", pallet: Dock.PC, subject: Dock.PC, station: nil)))
        XCTAssertEqual(outcome.alertKeys.map(\.subject), ["X1", Dock.PX, "Y1", Dock.PY])
    }

    func testAssetScannedOnAnotherStationCountsAtSeal() {
        h.pallet(Dock.PC, station: "dock-1")
        h.pallet(Dock.PX, station: "dock-2")
        h.scan("C1", station: "dock-2")
        let missing = h.seal("L2").alerts.filter { $0.code == .missingAsset }.map(\.subject)
        XCTAssertEqual(missing, ["X1", "Y1"])
    }

    func testScanAfterSeal() {
        h.pallet(Dock.PA)
        h.scan("A1")
        h.seal("L1")

        let asset = h.scan("A3")
        XCTAssertEqual(asset.effect, .recorded)
        XCTAssertEqual(asset.alertKeys, [AlertKey(.scanAfterSeal, load: "L1", pallet: Dock.PA, subject: "A3")])
        XCTAssertEqual(asset.alerts.first?.message, "A3 scanned after load L1 was sealed")
        XCTAssertEqual(asset.alerts.first?.severity, .critical)
        XCTAssertNil(h.engine.scans["A3"])

        let pallet = h.pallet(Dock.PB)
        XCTAssertEqual(pallet.alertKeys, [AlertKey(.scanAfterSeal, load: "L1", pallet: Dock.PB, subject: Dock.PB)])
        XCTAssertEqual(pallet.alerts.first?.message, "pallet PAL-B scanned after load L1 was sealed")

        let again = h.scan("A1")
        XCTAssertEqual(again.alertKeys, [AlertKey(.scanAfterSeal, load: "L1", pallet: Dock.PA, subject: "A1")],
                       "a sealed asset rescanned is scan-after-seal, not duplicate")
    }

    func testScanAfterSealAtAStationWithoutLoad() {
        h.pallet(Dock.PA)
        h.seal("L1")
        XCTAssertEqual(h.scan("A2", station: "dock-9").alertKeys,
                       [AlertKey(.scanAfterSeal, load: "L1", pallet: Dock.PA, subject: "A2", station: "dock-9")])
    }

    func testWeightAfterSeal() {
        h.pallet(Dock.PA)
        h.seal("L1")
        let outcome = h.weigh("412.5")
        XCTAssertEqual(outcome.effect, .recorded)
        XCTAssertEqual(outcome.alertKeys, [AlertKey(.scanAfterSeal, load: "L1", pallet: Dock.PA, subject: Dock.PA)])
        XCTAssertEqual(outcome.alerts.first?.message, "pallet \(Dock.PA) weighed after load L1 was sealed")
        XCTAssertNil(h.engine.palletWeights[Dock.PA])
    }

    func testSealingOneLoadLeavesTheOtherOpen() {
        h.seal("L1")
        h.pallet(Dock.PC, station: "dock-2")
        XCTAssertEqual(h.scan("C1", station: "dock-2").effect, .assetAccepted(serial: "C1", pallet: Dock.PC, load: "L2"))
    }

    // MARK: - check()

    private func rejection(_ payload: EventPayload) -> CustodyRejection? {
        do {
            try h.engine.check(payload)
            return nil
        } catch {
            return error
        }
    }

    func testCheckAcceptsSensibleCommands() {
        XCTAssertNil(rejection(.assign(station: "dock-1", load: "L1", user: nil)))
        XCTAssertNil(rejection(.seal(load: "L1", seal: "S-1", user: nil)))
        XCTAssertNil(rejection(.scan(station: "x", device: nil, data: "")))
        XCTAssertNil(rejection(.weight(station: "x", device: nil, reading: ScaleReading(
            protocolName: "t", kind: .gross, weight: nil, stable: false, status: .error, raw: []))))
        XCTAssertNil(rejection(.deviceDisconnected(station: nil, device: "d", reason: "r")))
    }

    func testCheckRejectsAssignToUnknownLoad() {
        XCTAssertEqual(rejection(.assign(station: "dock-1", load: "L9", user: nil)),
                       CustodyRejection("cannot assign dock-1 to load L9: no such load in the manifest"))
    }

    func testCheckRejectsAssignToSealedLoad() {
        h.seal("L1")
        XCTAssertEqual(rejection(.assign(station: "dock-1", load: "L1", user: nil)),
                       CustodyRejection("cannot assign dock-1 to load L1: it is sealed"))
        XCTAssertNil(rejection(.assign(station: "dock-1", load: "L2", user: nil)))
    }

    func testCheckRejectsDoubleSeal() {
        h.seal("L1", "SEAL-1")
        XCTAssertEqual(rejection(.seal(load: "L1", seal: "SEAL-2", user: nil)),
                       CustodyRejection("load L1 is already sealed (seal SEAL-1)"))
        XCTAssertEqual(rejection(.seal(load: "L1", seal: "SEAL-2", user: nil))?.description, "load L1 is already sealed (seal SEAL-1)")
    }

    func testCheckRejectsSealOfUnknownLoadOrWithoutNumber() {
        XCTAssertEqual(rejection(.seal(load: "L9", seal: "S", user: nil)), CustodyRejection("cannot seal load L9: no such load in the manifest"))
        XCTAssertEqual(rejection(.seal(load: "L1", seal: " \t", user: nil)), CustodyRejection("sealing load L1 needs a seal number"))
        XCTAssertEqual(rejection(.seal(load: "L1", seal: "", user: nil)), CustodyRejection("sealing load L1 needs a seal number"))
    }

    func testRefusedCommandsApplyAsNoOps() {
        h.pallet(Dock.PA)
        let before = h.engine.stations
        XCTAssertEqual(h.assign("L9"), Outcome(effect: .recorded, alerts: []))
        XCTAssertEqual(h.engine.stations, before)
        XCTAssertEqual(h.engine.lastSeq, 2, "the sequence number is consumed")

        h.seal("L1", "SEAL-1")
        let sealRecord = h.engine.seals["L1"]
        let alertCount = h.engine.alerts.count
        XCTAssertEqual(h.seal("L1", "SEAL-2"), Outcome(effect: .recorded, alerts: []))
        XCTAssertEqual(h.engine.seals["L1"], sealRecord)
        XCTAssertEqual(h.engine.alerts.count, alertCount, "a refused second seal raises no missing-asset alerts again")
        XCTAssertEqual(h.assign("L1"), Outcome(effect: .recorded, alerts: []))
        XCTAssertEqual(h.seal("L2", ""), Outcome(effect: .recorded, alerts: []))
        XCTAssertNil(h.engine.seals["L2"])
    }

    // MARK: - Device disconnects and the alert log

    func testDeviceDisconnected() {
        h.assign("L1", station: "dock-1")
        let outcome = h.apply(.deviceDisconnected(station: "dock-1", device: "scanner-1", reason: "unplugged"))
        XCTAssertEqual(outcome.effect, .recorded)
        XCTAssertEqual(outcome.alerts, [Alert(id: 1, seq: 2, code: .deviceDisconnected, load: "L1", pallet: nil, subject: "scanner-1",
                                              station: "dock-1", device: "scanner-1", message: "device scanner-1 disconnected: unplugged")])
        XCTAssertEqual(outcome.alerts.first?.severity, .warning)
        XCTAssertEqual(h.apply(.deviceDisconnected(station: nil, device: "scale-9", reason: "gone")).alertKeys,
                       [AlertKey(.deviceDisconnected, load: nil, pallet: nil, subject: "scale-9", station: nil)])
    }

    func testAlertsAccumulateInOrderWithTheirSeverities() {
        h.scan("ZZZ")                       // 1 no-active-load
        h.pallet(Dock.PA)                   // 2
        h.scan("ZZZ")                       // 3 unexpected-asset
        h.scan("B1")                        // 4 wrong-pallet + not-sanitized
        h.scan("B1")                        // 5 duplicate-scan
        h.weigh("500.0")                    // 6 weight-out-of-tolerance
        h.scan("]C100106141412345678907")   // 7 unreadable-barcode
        h.apply(.deviceDisconnected(station: "dock-1", device: "scale-1", reason: "cable")) // 8
        let codes = h.engine.alerts.map(\.code)
        XCTAssertEqual(codes, [.noActiveLoad, .unexpectedAsset, .wrongPallet, .notSanitized, .duplicateScan,
                               .weightOutOfTolerance, .unreadableBarcode, .deviceDisconnected])
        XCTAssertEqual(h.engine.alerts.map(\.seq), [1, 3, 4, 4, 5, 6, 7, 8])
        XCTAssertEqual(h.engine.alerts.map(\.severity), [.warning, .critical, .warning, .critical, .warning, .critical, .warning, .warning])
        XCTAssertEqual(h.engine.lastSeq, 8)
    }

    func testReplayOfTheLogReachesTheSameState() {
        h.pallet(Dock.PA)
        h.scan("A1")
        h.scan("ZZZ")
        h.scan("A1", after: 1)
        h.weigh("416.0")
        h.pallet(Dock.PB)
        h.scan("A2")
        h.seal("L1")
        XCTAssertEqual(h.log.count, 8)

        var replay = CustodyEngine(manifest: Dock.manifest)
        var outcomes: [Outcome] = []
        for event in h.log { outcomes.append(replay.apply(event)) }
        XCTAssertEqual(outcomes.map(\.effect), h.outcomes.map(\.effect))
        XCTAssertEqual(replay.alerts, h.engine.alerts)
        XCTAssertEqual(replay.scans, h.engine.scans)
        XCTAssertEqual(replay.unexpected, h.engine.unexpected)
        XCTAssertEqual(replay.palletWeights, h.engine.palletWeights)
        XCTAssertEqual(replay.seals, h.engine.seals)
        XCTAssertEqual(replay.stations, h.engine.stations)
        XCTAssertEqual(replay.lastSeq, 8)
    }
}
