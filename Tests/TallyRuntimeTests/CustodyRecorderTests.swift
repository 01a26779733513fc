import Foundation
import TallyCore
import TallyStore
import TallyTestSupport
import XCTest
@testable import TallyRuntime

final class CustodyRecorderTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try ScratchDirectory.make("rec", removedAfter: self)
    }

    private func makeRecorder() async throws -> CustodyRecorder {
        let store = try CustodyStore(path: directory.appendingPathComponent("rec.sqlite").path)
        let recorder = try CustodyRecorder(store: store)
        try await recorder.importManifest(try ManifestCSV.parse(Array(SampleManifest.csv.utf8), file: "sample"), source: "sample")
        return recorder
    }

    func testRecordedEventsArePublishedAfterTheyAreStored() async throws {
        let recorder = try await makeRecorder()
        let updates = await recorder.updates()
        let at = Date()
        try await recorder.record(CustodyEvent(at: at, .assign(station: "dock-1", load: SampleManifest.load, user: "sup")))
        try await recorder.record(CustodyEvent(at: at, .scan(station: "dock-1", device: "s1", data: "NOT-IN-MANIFEST")))
        var iterator = updates.makeAsyncIterator()
        let first = await iterator.next()
        let second = await iterator.next()
        XCTAssertEqual(first?.event.seq, 1)
        XCTAssertEqual(second?.outcome.alerts.map(\.code), [.unexpectedAsset])
        XCTAssertEqual(try recorder.store.alerts().map(\.subject), ["NOT-IN-MANIFEST"])
    }

    func testARefusedCommandWritesNothing() async throws {
        let recorder = try await makeRecorder()
        do {
            try await recorder.record(CustodyEvent(at: Date(), .assign(station: "dock-1", load: "NO-SUCH-LOAD", user: nil)))
            XCTFail("assigning an unknown load must be refused")
        } catch let error as RecorderError {
            guard case .rejected(let rejection) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(rejection.reason.contains("NO-SUCH-LOAD"))
        }
        XCTAssertEqual(try recorder.store.lastSeq(), 0)
    }

    func testReopeningReplaysTheLogToTheSameState() async throws {
        let recorder = try await makeRecorder()
        let at = Date()
        let manifest = await recorder.manifest()
        try await recorder.record(CustodyEvent(at: at, .scan(station: "dock-1", device: "s1", data: "]C100" + SampleManifest.pallets[0])))
        for serial in manifest.pallets[SampleManifest.pallets[0]]!.assets.prefix(5) {
            try await recorder.record(CustodyEvent(at: at.addingTimeInterval(10), .scan(station: "dock-1", device: "s1", data: serial)))
        }
        try await recorder.record(CustodyEvent(at: at.addingTimeInterval(20), .scan(station: "dock-1", device: "s1", data: manifest.pallets[SampleManifest.pallets[0]]!.assets[0])))
        try await recorder.record(CustodyEvent(at: at.addingTimeInterval(30), .seal(load: SampleManifest.load, seal: "S1", user: "sup")))
        let live = await recorder.alerts()
        let liveReconciliation = await recorder.reconciliation(load: SampleManifest.load)

        let reopened = try CustodyRecorder(store: try CustodyStore(path: recorder.store.path))
        let replayed = await reopened.alerts()
        let replayedReconciliation = await reopened.reconciliation(load: SampleManifest.load)
        XCTAssertEqual(replayed, live)
        XCTAssertEqual(replayedReconciliation, liveReconciliation)
        XCTAssertEqual(live.filter { $0.code == .duplicateScan }.count, 1)
        let count = await reopened.eventCount()
        XCTAssertEqual(count, 8)
    }

    func testTheBuiltInManifestIsTheDocumentedSample() throws {
        let docs = Checkout.file("docs/sample-manifest.csv")
        XCTAssertEqual(try String(contentsOf: docs, encoding: .utf8), SampleManifest.csv)
        let manifest = try ManifestCSV.parse(Array(SampleManifest.csv.utf8), file: "sample")
        XCTAssertEqual(manifest.loads.map(\.id), [SampleManifest.load])
        XCTAssertEqual(manifest.loads.first?.pallets, SampleManifest.pallets)
        XCTAssertEqual(manifest.assets.count, 40)
        XCTAssertTrue(manifest.assets.values.contains { $0.dataBearing && $0.category == "drive" })
        for pallet in SampleManifest.pallets {
            XCTAssertNotNil(SSCC(pallet), "\(pallet) is a valid SSCC")
            XCTAssertNotNil(manifest.pallets[pallet]?.expectedWeight)
        }
    }
}
