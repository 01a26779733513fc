import Foundation
import TallyCore
import XCTest
@testable import TallyStore

final class CustodyStoreTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String = "custody.sqlite") -> String { directory.appendingPathComponent(name).path }

    private func manifest(_ csv: String) throws -> Manifest {
        try ManifestCSV.parse(Array(csv.utf8), file: "test.csv")
    }

    private let sampleCSV = """
        load,pallet,serial,data_bearing,sanitization,evidence,pallet_expected_weight,pallet_weight_unit,pallet_tolerance
        L1,P1,SN1,true,erased,BL-1,412.5,kg,2%
        L1,P1,SN2,false,none,,,,
        L1,P2,SN3,true,pending,,300,lb,5 lb
        """

    func testManifestRoundTripsThroughTheDatabaseExactly() throws {
        let store = try CustodyStore(path: path())
        let original = try manifest(sampleCSV)
        XCTAssertEqual(try store.importManifest(original, source: "test.csv"), 3)
        let reopened = try CustodyStore(path: path())
        let loaded = try reopened.manifest()
        XCTAssertEqual(loaded.loads, original.loads)
        XCTAssertEqual(loaded.assets, original.assets)
        XCTAssertEqual(loaded.pallets, original.pallets)
        XCTAssertEqual(loaded.pallets["P1"]?.expectedWeight?.description, "412.5 kg")
        XCTAssertEqual(loaded.pallets["P2"]?.tolerance, .absolute(ExactDecimal(significand: 5, scale: 0), .pound))
    }

    func testSecondImportWithAKnownSerialIsRejectedWhole() throws {
        let store = try CustodyStore(path: path())
        try store.importManifest(try manifest(sampleCSV), source: "first.csv")
        let second = try manifest("""
            load,pallet,serial
            L2,P9,NEW1
            L2,P9,SN2
            """)
        XCTAssertThrowsError(try store.importManifest(second, source: "second.csv")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("second.csv"), text)
            XCTAssertTrue(text.contains("SN2"), text)
        }
        let loaded = try store.manifest()
        XCTAssertNil(loaded.assets["NEW1"], "nothing of a rejected import may be stored")
        XCTAssertNil(loaded.load("L2"))
        XCTAssertEqual(loaded.assets.count, 3)
    }

    func testEventsAndAlertsAreAppendedInOrderAndReadBack() throws {
        let store = try CustodyStore(path: path())
        let at = Date(timeIntervalSince1970: 1_800_000_000.125)
        let reading = ScaleReading(
            protocolName: "mt-sics", kind: .gross,
            weight: Weight(divisions: 4125, division: Division(multiplier: 1, exponent: -1)!, unit: .kilogram),
            stable: true, status: .ok, raw: Array("S S      412.5 kg\r\n".utf8))
        try store.append(CustodyEvent(at: at, .assign(station: "dock-1", load: "L1", user: "sup")), expectedSeq: 1, outcome: Outcome(effect: .recorded, alerts: []))
        let alert = Alert(id: 1, seq: 2, code: .unexpectedAsset, load: "L1", pallet: "P1", subject: "X1", station: "dock-1",
                          device: "scanner-1", message: "X1 is not in the manifest")
        try store.append(CustodyEvent(at: at, .scan(station: "dock-1", device: "scanner-1", data: "X1\u{1D}")), expectedSeq: 2, outcome: Outcome(effect: .recorded, alerts: [alert]))
        try store.append(CustodyEvent(at: at, .weight(station: "dock-1", device: "scale-1", reading: reading)), expectedSeq: 3, outcome: Outcome(effect: .recorded, alerts: []))

        let events = try CustodyStore(path: path()).events()
        XCTAssertEqual(events.map(\.seq), [1, 2, 3])
        XCTAssertEqual(events[1].event.payload, .scan(station: "dock-1", device: "scanner-1", data: "X1\u{1D}"))
        XCTAssertEqual(events[2].event.payload, .weight(station: "dock-1", device: "scale-1", reading: reading))
        XCTAssertEqual(events[0].event.at.timeIntervalSince1970, at.timeIntervalSince1970, accuracy: 0.001)
        XCTAssertEqual(try store.alerts(), [alert])
        XCTAssertEqual(try store.lastSeq(), 3)
        XCTAssertEqual(try store.events(after: 2).map(\.seq), [3])
    }

    func testAppendRefusesASequenceGapOrReuse() throws {
        let store = try CustodyStore(path: path())
        let event = CustodyEvent(at: Date(), .assign(station: "dock-1", load: "L1", user: nil))
        XCTAssertThrowsError(try store.append(event, expectedSeq: 2, outcome: Outcome(effect: .recorded, alerts: []))) { error in
            XCTAssertTrue("\(error)".contains("sequence conflict"), "\(error)")
        }
        try store.append(event, expectedSeq: 1, outcome: Outcome(effect: .recorded, alerts: []))
        XCTAssertThrowsError(try store.append(event, expectedSeq: 1, outcome: Outcome(effect: .recorded, alerts: [])))
        XCTAssertEqual(try store.lastSeq(), 1)
    }

    func testTheLogIsAppendOnlyEvenThroughRawSQL() throws {
        let file = path()
        let store = try CustodyStore(path: file)
        try store.append(CustodyEvent(at: Date(), .assign(station: "dock-1", load: "L1", user: nil)), expectedSeq: 1, outcome: Outcome(effect: .recorded, alerts: []))
        // Open the same file with the sqlite3 C API through a second GRDB-free path: the store's own pool.
        XCTAssertThrowsError(try store.executeForTesting("UPDATE events SET station = 'dock-9' WHERE seq = 1")) { error in
            XCTAssertTrue("\(error)".contains("append-only"), "\(error)")
        }
        XCTAssertThrowsError(try store.executeForTesting("DELETE FROM events"))
        XCTAssertEqual(try store.events().first?.event.payload.station, "dock-1")
    }

    func testOpeningAnUnwritablePathNamesTheFile() {
        XCTAssertThrowsError(try CustodyStore(path: "/proc/nonexistent-dir/tally.sqlite")) { error in
            XCTAssertTrue("\(error)".contains("/proc/nonexistent-dir/tally.sqlite"), "\(error)")
        }
    }
}
