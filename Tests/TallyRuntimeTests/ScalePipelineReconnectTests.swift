import Foundation
import TallyCore
import TallyDevices
import TallyStore
import TallyTestSupport
import XCTest
@testable import TallyRuntime

/// A scale that goes away and comes back: one `device-disconnected`, then readings again with no manual step.
final class ScalePipelineReconnectTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try ScratchDirectory.make("reconnect", removedAfter: self)
    }

    /// Collects recorded outcomes so the test can wait for them.
    actor Outcomes {
        private(set) var all: [RecordedOutcome] = []
        func add(_ outcome: RecordedOutcome) { all.append(outcome) }
        func types() -> [String] { all.map(\.event.event.payload.type) }
    }

    private func waitFor(_ outcomes: Outcomes, _ what: String, timeout: Double = 20, _ condition: @escaping ([String]) -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(await outcomes.types()) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        let types = await outcomes.types()
        XCTFail("timed out waiting for \(what); events so far: \(types)")
    }

    func testAScaleThatIsUnpluggedAndComesBackIsReopenedAndReadAgain() async throws {
        let profile = try ProfileLoader.load(file: Checkout.hardwareProfiles.appendingPathComponent("mettler-toledo-ind570.yaml"))
        let recorder = try CustodyRecorder(store: try CustodyStore(path: directory.appendingPathComponent("log.sqlite").path))
        try await recorder.importManifest(try ManifestCSV.parse(Array(SampleManifest.csv.utf8), file: "sample"), source: "sample")
        try await recorder.record(CustodyEvent(at: Date(), .scan(station: "dock-1", device: "scanner", data: "]C100" + SampleManifest.pallets[0])))

        let half = Division(multiplier: 5, exponent: -1)!
        var scale = try SimulatedScale(protocol: "mt-sics", transmission: .polled, division: half)
        let link = directory.appendingPathComponent("scale").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: scale.slavePath)

        let outcomes = Outcomes()
        let pipeline = ScalePipeline(binding: DeviceBinding(station: "dock-1", device: "ind570:TEST"), recorder: recorder)
        let task = Task { try await pipeline.run(path: link, profile: profile) { await outcomes.add($0) } }
        defer { task.cancel() }

        scale.place(weight: Weight(divisions: 819, division: half, unit: .kilogram), settleReadings: 3)
        try await waitFor(outcomes, "the first weight") { $0.contains("weight") }

        // Unplug: the indicator's side of the line goes away.
        scale.stop()
        try await waitFor(outcomes, "the disconnect") { $0.contains("device-disconnected") }

        // Plug back in (a new line at the same path).
        scale = try SimulatedScale(protocol: "mt-sics", transmission: .polled, division: half)
        try FileManager.default.removeItem(atPath: link)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: scale.slavePath)
        scale.place(weight: Weight(divisions: 782, division: half, unit: .kilogram), settleReadings: 3)
        try await waitFor(outcomes, "a weight after the scale came back") { $0.filter { $0 == "weight" }.count == 2 }
        task.cancel()
        _ = await task.result
        scale.stop()

        let types = await outcomes.types()
        XCTAssertEqual(types.filter { $0 == "device-disconnected" }.count, 1, "one disconnect while the scale was away: \(types)")
        let weights = await outcomes.all.compactMap { outcome -> String? in
            if case .weight(_, _, let reading) = outcome.event.event.payload { return reading.weight?.description }
            return nil
        }
        XCTAssertEqual(weights, ["409.5 kg", "391.0 kg"])
    }
}
