import Foundation
import TallyCore
import XCTest
@testable import TallyStore

/// The report model and its JSON form, field by field.
final class LoadReportTests: XCTestCase {
    private let scenario = ReportScenario()

    /// The report as JSON, parsed back into plain objects.
    private func json(_ report: LoadReport) throws -> [String: Any] {
        let text = ReportRenderer.render(report, as: .json)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// One JSON value written compactly with sorted keys, to compare with an expected literal.
    private func compact(_ value: Any?) throws -> String {
        let value = try XCTUnwrap(value)
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        return String(decoding: data, as: UTF8.self)
    }

    private func element(_ array: Any?, _ index: Int) throws -> Any {
        let list = try XCTUnwrap(array as? [Any])
        XCTAssertGreaterThan(list.count, index)
        return list[index]
    }

    func testScenarioRaisedTheAlertsTheReportIsBuiltOn() {
        // Guards the fixture: if the engine's rules change, these tests must be revisited, not silently pass.
        XCTAssertEqual(scenario.engine.alerts.map(\.code), [
            .unexpectedAsset, .notSanitized, .wrongPallet, .unexpectedAsset, .weightOutOfTolerance,
            .missingAsset, .missingAsset, .missingWeight,
        ])
        XCTAssertEqual(scenario.engine.seals["L1"]?.overriddenAlerts, [4, 5])
    }

    func testTopLevelShapeAndHeaderFields() throws {
        let object = try json(scenario.report())
        XCTAssertEqual(object.keys.sorted(), [
            "custodyChain", "exceptions", "format", "generatedAt", "inventory", "load", "log", "palletWeights",
            "reconciliation", "seal", "unexpectedScans",
        ])
        XCTAssertEqual(object["format"] as? String, "tally-load-report/1")
        XCTAssertEqual(object["generatedAt"] as? String, "2027-01-15T09:00:00.000Z")
        XCTAssertEqual(try compact(object["load"]),
                       #"{"carrier":"Northline","dockDoor":"door-4","id":"L1","site":"Reno DC","status":"sealed"}"#)
        XCTAssertEqual(try compact(object["seal"]), #"{"at":"2027-01-15T08:03:00.000Z","carrier":"Northline","driver":"J. Doe","#
                       + #""number":"SEAL-9","overriddenAlerts":[4,5],"overrideReason":"weights checked by hand","seq":18,"user":"sup"}"#)
        let hash = String(repeating: "ab", count: 32)
        XCTAssertEqual(try compact(object["log"]),
                       #"{"eventsVerified":19,"failure":null,"intact":true,"lastHash":""# + hash + #"","lastSeq":19,"stateSeq":19}"#)
    }

    func testReconciliationPerLoadAndPerPalletWithExactWeights() throws {
        let reconciliation = try XCTUnwrap(try json(scenario.report())["reconciliation"] as? [String: Any])
        XCTAssertEqual(try compact(reconciliation["load"]), #"{"assetVerdict":"discrepancies","differenceKilograms":null,"expected":7,"#
            + #""expectedKilograms":"866.09237","measuredKilograms":"879.716915388","misplaced":1,"missing":2,"pallets":3,"#
            + #""palletsOutOfTolerance":1,"palletsWeighed":2,"palletsWithExpectedWeight":2,"palletsWithinTolerance":1,"scanned":5,"#
            + #""unexpected":2,"weightVerdict":"out-of-tolerance"}"#)
        let pallets = reconciliation["pallets"]
        XCTAssertEqual(try compact(try element(pallets, 0)), #"{"allowanceKilograms":"5","declared":null,"differenceKilograms":"8","#
            + #""expected":3,"expectedWeight":{"division":"0.1","divisions":4125,"kilograms":null,"unit":"kg","value":"412.5"},"#
            + #""foreign":[],"measuredWeight":{"division":"0.5","divisions":841,"kilograms":null,"unit":"kg","value":"420.5"},"#
            + #""misplaced":[],"missing":[],"pallet":"PAL-1","scanned":3,"tolerance":"5 kg","unexpected":["ZZZ-9"],"#
            + #""verdict":"out-of-tolerance"}"#)
        XCTAssertEqual(try compact(try element(pallets, 1)), #"{"allowanceKilograms":"9.0718474","declared":null,"#
            + #""differenceKilograms":"5.624545388","expected":3,"#
            + #""expectedWeight":{"division":"1","divisions":1000,"kilograms":"453.59237","unit":"lb","value":"1000"},"#
            + #""foreign":["C1"],"#
            + #""measuredWeight":{"division":"0.2","divisions":5062,"kilograms":"459.216915388","unit":"lb","value":"1012.4"},"#
            + #""misplaced":[],"missing":["B2","X<script>alert(\"x\")</script>"],"pallet":"PAL-2","scanned":1,"tolerance":"2%","#
            + #""unexpected":["<img src=x onerror=alert(1)>"],"verdict":"within-tolerance"}"#)
        XCTAssertEqual(try compact(try element(pallets, 2)), #"{"allowanceKilograms":null,"declared":null,"differenceKilograms":null,"#
            + #""expected":1,"expectedWeight":null,"foreign":[],"measuredWeight":null,"misplaced":["C1"],"missing":[],"#
            + #""pallet":"PAL-3","scanned":1,"tolerance":null,"unexpected":[],"verdict":"not-weighed"}"#)
    }

    func testSerializedInventoryInManifestOrder() throws {
        let inventory = try XCTUnwrap(try json(scenario.report())["inventory"] as? [Any])
        XCTAssertEqual(inventory.count, 7)
        XCTAssertEqual(try inventory.map { try XCTUnwrap(($0 as? [String: Any])?["serial"] as? String) },
                       ["A1", "A2", "A3", "B1", "B2", ReportScenario.evilSerial, "C1"])
        XCTAssertEqual(try compact(inventory[0]), #"{"assetTag":"AT-1","category":"laptop","dataBearing":true,"#
            + #""device":"zebra-ds2208:DEMO0001","evidence":"ER-1","expectedPallet":"PAL-1","make":"Dell","misplaced":false,"#
            + #""model":"Latitude 5420","sanitization":"erased","scannedAt":"2027-01-15T08:00:30.000Z","scannedPallet":"PAL-1","#
            + #""seq":3,"serial":"A1","station":"dock-1","status":"scanned"}"#)
        XCTAssertEqual(try compact(inventory[5]), #"{"assetTag":null,"category":null,"dataBearing":false,"device":null,"#
            + #""evidence":null,"expectedPallet":"PAL-2","make":null,"misplaced":false,"model":null,"sanitization":"none","#
            + #""scannedAt":null,"scannedPallet":null,"seq":null,"serial":"X<script>alert(\"x\")</script>","station":null,"#
            + #""status":"missing"}"#)
        XCTAssertEqual(try compact(inventory[6]), #"{"assetTag":null,"category":null,"dataBearing":false,"#
            + #""device":"zebra-ds2208:DEMO0001","evidence":null,"expectedPallet":"PAL-3","make":null,"misplaced":true,"model":null,"#
            + #""sanitization":"none","scannedAt":"2027-01-15T08:01:30.000Z","scannedPallet":"PAL-2","seq":9,"serial":"C1","#
            + #""station":"dock-1","status":"scanned"}"#)
    }

    func testUnexpectedScansCarryTimeDeviceAndAlert() throws {
        let scans = try json(scenario.report())["unexpectedScans"]
        XCTAssertEqual(try compact(scans), #"[{"alert":1,"at":"2027-01-15T08:00:50.000Z","candidate":null,"#
            + #""device":"zebra-ds2208:DEMO0001","pallet":"PAL-1","seq":5,"station":"dock-1","subject":"ZZZ-9"},"#
            + #"{"alert":4,"at":"2027-01-15T08:01:40.000Z","candidate":null,"device":"zebra-ds2208:DEMO0001","pallet":"PAL-2","#
            + #""seq":10,"station":"dock-1","subject":"<img src=x onerror=alert(1)>"}]"#)
    }

    func testPalletWeightsKeepTheScaleEvidence() throws {
        let weights = try json(scenario.report())["palletWeights"]
        // PAL-1: a net reading with its tare; the gross is net + tare, exactly.
        XCTAssertEqual(try compact(try element(weights, 0)), #"{"at":"2027-01-15T08:02:10.000Z","#
            + #""device":"mettler-toledo-ind570:SIM0000001","#
            + #""gross":{"division":"0.5","divisions":841,"kilograms":null,"unit":"kg","value":"420.5"},"kind":"net","#
            + #""net":{"division":"0.5","divisions":804,"kilograms":null,"unit":"kg","value":"402.0"},"pallet":"PAL-1","#
            + #""protocol":"mt-sics","rawHex":"5320532020202020203430322e30206b670d0a","seq":13,"stable":true,"station":"dock-1","#
            + #""status":"ok","tare":{"division":"0.5","divisions":37,"kilograms":null,"unit":"kg","value":"18.5"},"#
            + #""withinTolerance":false}"#)
        // PAL-2: pounds, with the exact kilogram conversion.
        XCTAssertEqual(try compact(try element(weights, 1)), #"{"at":"2027-01-15T08:01:50.000Z","#
            + #""device":"mettler-toledo-ind570:SIM0000001","#
            + #""gross":{"division":"0.2","divisions":5062,"kilograms":"459.216915388","unit":"lb","value":"1012.4"},"kind":"gross","#
            + #""net":null,"pallet":"PAL-2","protocol":"mt-sics","rawHex":"5320532020202020313031322e34206c620d0a","seq":11,"#
            + #""stable":true,"station":"dock-1","status":"ok","tare":null,"withinTolerance":true}"#)
        XCTAssertEqual((weights as? [Any])?.count, 2, "PAL-3 was never weighed")
    }

    func testExceptionsWithAcknowledgementResolutionAndOverride() throws {
        let exceptions = try XCTUnwrap(try json(scenario.report())["exceptions"] as? [[String: Any]])
        XCTAssertEqual(exceptions.map { $0["id"] as? Int }, [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(exceptions.map { $0["state"] as? String },
                       ["resolved", "resolved", "acknowledged", "open", "open", "open", "open", "open"])
        XCTAssertEqual(exceptions.map { $0["overriddenAtSeal"] as? Bool }, [false, false, false, true, true, false, false, false])
        XCTAssertEqual(try compact(exceptions[0]), #"{"acknowledgement":{"at":"2027-01-15T08:02:20.000Z","#
            + #""note":"checking,\nwith \"driver\"","reason":null,"seq":14,"user":"sup"},"candidate":null,"#
            + #""code":"unexpected-asset","device":"zebra-ds2208:DEMO0001","id":1,"message":"ZZZ-9 is not in the manifest","#
            + #""overriddenAtSeal":false,"pallet":"PAL-1","raisedAt":"2027-01-15T08:00:50.000Z","#
            + #""resolution":{"at":"2027-01-15T08:02:30.000Z","note":"taken off the truck","reason":"removed-from-load","seq":15,"#
            + #""user":"sup"},"seq":5,"severity":"critical","state":"resolved","station":"dock-1","subject":"ZZZ-9"}"#)
        XCTAssertEqual(try compact(exceptions[7]), #"{"acknowledgement":null,"candidate":null,"code":"missing-weight","#
            + #""device":null,"id":8,"message":"pallet PAL-3 was never weighed before seal SEAL-9","overriddenAtSeal":false,"#
            + #""pallet":"PAL-3","raisedAt":"2027-01-15T08:03:00.000Z","resolution":null,"seq":18,"severity":"warning","#
            + #""state":"open","station":null,"subject":"PAL-3"}"#)
    }

    func testCustodyChainInOrder() throws {
        XCTAssertEqual(try compact(try json(scenario.report())["custodyChain"]), #"[{"at":"2027-01-15T08:03:10.000Z","#
            + ##""from":"Reno DC","place":"#door-4","seq":19,"signature":"J. Doe (signed)","to":"Northline, \"J. Doe\"","user":"sup"}]"##)
    }

    func testJSONIsPrettySortedAndReadsBackEqual() throws {
        let report = scenario.report()
        let text = ReportRenderer.render(report, as: .json)
        XCTAssertTrue(text.hasPrefix("{\n  \"custodyChain\""), String(text.prefix(40)))
        XCTAssertTrue(text.hasSuffix("}\n"))
        XCTAssertEqual(try JSONDecoder().decode(LoadReport.self, from: Data(text.utf8)), report)
        // Rendering is deterministic.
        XCTAssertEqual(ReportRenderer.render(report, as: .json), text)
    }

    func testAnOpenLoadHasNoSealAndEverythingMissing() throws {
        let early = ReportScenario(upTo: 1)   // only the assign
        let report = try XCTUnwrap(LoadReport(load: "L1", engine: early.engine, chain: early.chain, generatedAt: ReportScenario.start))
        XCTAssertEqual(report.load.status, "open")
        XCTAssertNil(report.seal)
        XCTAssertEqual(report.inventory.map(\.status), Array(repeating: "missing", count: 7))
        XCTAssertEqual(report.reconciliation.load.weightVerdict, .notWeighed)
        XCTAssertEqual(report.reconciliation.load.missing, 7)
        XCTAssertTrue(report.exceptions.isEmpty)
        XCTAssertTrue(report.custodyChain.isEmpty)
        XCTAssertNil(try json(report)["seal"].flatMap { $0 is NSNull ? nil : $0 }, "an open load's seal is null")
        XCTAssertTrue(try json(report).keys.contains("seal"), "null fields are written, not left out")
    }

    func testUnknownLoadGivesNoReport() {
        XCTAssertNil(LoadReport(load: "NOPE", engine: scenario.engine, chain: scenario.chain, generatedAt: ReportScenario.start))
    }

    func testBrokenChainIsCarriedIntoTheAnchor() {
        let chain = ChainReport(checked: 11, lastSeq: 11, lastHash: String(repeating: "0f", count: 32), failure: (12, "hash mismatch"))
        let report = LoadReport(load: "L1", engine: scenario.engine, chain: chain, generatedAt: ReportScenario.start)!
        XCTAssertEqual(report.log, LoadReport.LogAnchor(lastSeq: 11, lastHash: String(repeating: "0f", count: 32), intact: false,
                                                        eventsVerified: 11, failure: "seq 12: hash mismatch", stateSeq: 19))
        XCTAssertTrue(ReportRenderer.render(report, as: .html).contains("hash chain is broken"))
    }

    func testWithoutEventTimesRaiseTimesAreNull() {
        let report = LoadReport(load: "L1", engine: scenario.engine, chain: scenario.chain, generatedAt: ReportScenario.start)!
        XCTAssertEqual(report.exceptions.map(\.raisedAt), Array(repeating: nil, count: 8))
        XCTAssertEqual(report.unexpectedScans.map(\.at), [nil, nil])
        XCTAssertEqual(LoadReport.eventsNeedingTimes(load: "L1", engine: scenario.engine), [5, 6, 9, 10, 13, 18])
    }

    /// The report of a real store: the anchor is the store's own chain, and replaying the stored log gives the same report.
    func testReportFromAStoredLogCarriesItsHashAndMatchesTheLiveState() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try CustodyStore(path: directory.appendingPathComponent("custody.sqlite").path)
        try store.importManifest(ReportScenario.manifest, source: "scenario", at: ReportScenario.start)
        for (recorded, outcome) in zip(scenario.log, scenario.outcomes) {
            try store.append(recorded.event, expectedSeq: recorded.seq, outcome: outcome)
        }
        let chain = try store.verifyChain()
        XCTAssertTrue(chain.isValid)

        var replayed = CustodyEngine(manifest: try store.manifest())
        let events = try store.events()
        for event in events { _ = replayed.apply(event) }
        var times: [Int64: Date] = [:]
        for event in events { times[event.seq] = event.event.at }
        let generated = ReportScenario.start.addingTimeInterval(3600)
        let fromStore = try XCTUnwrap(LoadReport(load: "L1", engine: replayed, chain: chain, generatedAt: generated, eventTimes: times))

        XCTAssertEqual(fromStore.log.lastSeq, 19)
        XCTAssertEqual(fromStore.log.lastHash, chain.lastHash)
        XCTAssertEqual(fromStore.log.lastHash.count, 64)
        XCTAssertNotEqual(fromStore.log.lastHash, String(repeating: "0", count: 64))
        let live = try XCTUnwrap(LoadReport(load: "L1", engine: scenario.engine, chain: chain, generatedAt: generated,
                                            eventTimes: scenario.eventTimes))
        XCTAssertEqual(fromStore, live)
        XCTAssertTrue(ReportRenderer.render(fromStore, as: .html).contains(chain.lastHash))
    }
}
