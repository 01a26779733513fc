import Foundation
import TallyCore
import TallyStore
import TallyTestSupport
import XCTest
@testable import TallyRuntime

/// The live state and the state rebuilt from the log must be equal after a long random scenario, and a
/// failed transaction must leave the recorder consistent with the log.
final class ReplayConsistencyTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try ScratchDirectory.make("consistency", removedAfter: self)
    }

    /// Two loads of the sample shape (the built-in manifest plus a copy with other serials and labels).
    private func manifest() throws -> Manifest {
        var csv = SampleManifest.csv
        let second = SampleManifest.csv.split(separator: "\n").dropFirst().map { line -> String in
            var fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            fields[0] = "L-2611-B"
            fields[1] = "B" + fields[1]
            fields[2] = "B-" + fields[2]
            return fields.joined(separator: ",")
        }
        csv += second.joined(separator: "\n") + "\n"
        return try ManifestCSV.parse(Array(csv.utf8), file: "two-loads.csv")
    }

    private func randomEvents(_ count: Int, manifest: Manifest, seed: UInt64) -> [CustodyEvent] {
        var rng = SplitMix64(seed: seed)
        let serials = manifest.assets.keys.sorted()
        let pallets = manifest.pallets.keys.sorted()
        let stations = ["dock-1", "dock-2", "dock-3"]
        var at = Date(timeIntervalSince1970: 1_800_000_000)
        var events: [CustodyEvent] = []
        var alertsGuess: Int64 = 0
        for _ in 0..<count {
            at = at.addingTimeInterval(Double(Int.random(in: 0...3000, using: &rng)) / 1000)
            let station = stations.randomElement(using: &rng)!
            let payload: EventPayload
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<55:
                var serial = serials.randomElement(using: &rng)!
                if Bool.random(using: &rng), Int.random(in: 0..<10, using: &rng) == 0 { serial = "JUNK-\(Int.random(in: 0..<50, using: &rng))" }
                if Int.random(in: 0..<15, using: &rng) == 0 { serial = serial.replacingOccurrences(of: "1", with: "I") }
                payload = .scan(station: station, device: "scanner-\(station)", data: serial)
            case 55..<65:
                let pallet = pallets.randomElement(using: &rng)!
                payload = .scan(station: station, device: "scanner-\(station)", data: SSCC(pallet) != nil ? "]C100" + pallet : pallet)
            case 65..<72:
                let stable = Int.random(in: 0..<5, using: &rng) != 0
                let reading = ScaleReading(
                    protocolName: "mt-sics", kind: .gross,
                    weight: Weight(divisions: Int64.random(in: 400...900, using: &rng), division: Division(multiplier: 5, exponent: -1)!, unit: .kilogram),
                    stable: stable, status: stable ? .ok : .motion, raw: Array("S S frame".utf8))
                payload = .weight(station: station, device: "scale-\(station)", reading: reading)
            case 72..<78:
                payload = .assign(station: station, load: manifest.loads.randomElement(using: &rng)!.id, user: "sup")
            case 78..<86:
                alertsGuess += 1
                payload = .acknowledge(alert: Int64.random(in: 1...max(1, alertsGuess * 3), using: &rng), user: "sup", note: nil)
            case 86..<96:
                payload = .resolve(alert: Int64.random(in: 1...max(1, alertsGuess * 3), using: &rng), user: "sup",
                                   reason: ResolutionReason.allCases.randomElement(using: &rng)!, note: Bool.random(using: &rng) ? "checked" : nil)
            case 96..<98:
                payload = .deviceDisconnected(station: station, device: "scanner-\(station)", reason: "unplugged")
            case 98:
                payload = .transfer(CustodyTransfer(load: manifest.loads.randomElement(using: &rng)!.id, from: "dock", to: "carrier", signature: "sig"))
            default:
                payload = .seal(SealOrder(load: manifest.loads.randomElement(using: &rng)!.id, seal: "S-\(events.count)", user: "sup",
                                          override: Bool.random(using: &rng) ? "random override" : nil))
            }
            events.append(CustodyEvent(at: at, payload))
        }
        return events
    }

    func testStateRebuiltFromTheLogEqualsTheLiveStateAfterALongRandomScenario() async throws {
        let path = directory.appendingPathComponent("random.sqlite").path
        let recorder = try CustodyRecorder(store: try CustodyStore(path: path))
        let manifest = try manifest()
        try await recorder.importManifest(manifest, source: "two-loads.csv")
        let events = randomEvents(6000, manifest: manifest, seed: 0x7A11_7A11)
        var recorded = 0, refused = 0
        // Half one by one, half in groups, so both commit paths are exercised.
        for event in events.prefix(1500) {
            do { try await recorder.record(event); recorded += 1 } catch { refused += 1 }
        }
        var index = 1500
        while index < events.count {
            let chunk = Array(events[index..<min(index + 700, events.count)])
            for result in await recorder.record(contentsOf: chunk) {
                if case .success = result { recorded += 1 } else { refused += 1 }
            }
            index += chunk.count
        }
        let live = await recorder.state()
        XCTAssertEqual(Int(live.lastSeq), recorded)
        XCTAssertGreaterThan(refused, 0, "the scenario includes refused commands")
        XCTAssertGreaterThan(live.alerts.count, 100)
        XCTAssertTrue(live.alerts.contains { $0.state == .resolved })
        XCTAssertTrue(live.alerts.contains { $0.candidate != nil })

        let rebuilt = await (try CustodyRecorder(store: try CustodyStore(path: path))).state()
        XCTAssertEqual(rebuilt.alerts, live.alerts)
        XCTAssertEqual(rebuilt.scans, live.scans)
        XCTAssertEqual(rebuilt.palletWeights, live.palletWeights)
        XCTAssertEqual(rebuilt.seals, live.seals)
        XCTAssertEqual(rebuilt.stations, live.stations)
        XCTAssertEqual(rebuilt.custody, live.custody)
        XCTAssertEqual(rebuilt, live, "every part of the state, including the double-read memory")
        XCTAssertEqual(try CustodyStore(path: path).alerts(), live.alerts, "the alert projection matches the core")
        XCTAssertTrue(try CustodyStore(path: path).verifyChain().isValid)
    }

    func testAFailedTransactionFailsItsEventsAndTheRecorderFollowsTheLog() async throws {
        let path = directory.appendingPathComponent("conflict.sqlite").path
        let store = try CustodyStore(path: path)
        let recorder = try CustodyRecorder(store: store)
        try await recorder.importManifest(try manifest(), source: "two-loads.csv")
        try await recorder.record(CustodyEvent(at: Date(), .assign(station: "dock-1", load: SampleManifest.load, user: nil)))

        // Another writer takes sequence number 2 behind the recorder's back.
        let intruder = try CustodyStore(path: path)
        try intruder.append(CustodyEvent(at: Date(), .scan(station: "dock-9", device: nil, data: "FOREIGN-1")), expectedSeq: 2,
                            outcome: Outcome(effect: .recorded, alerts: []))

        let results = await recorder.record(contentsOf: [
            CustodyEvent(at: Date(), .scan(station: "dock-1", device: nil, data: "JX4K2M1")),
            CustodyEvent(at: Date(), .scan(station: "dock-1", device: nil, data: "8KQ7ZD3")),
        ])
        for result in results {
            guard case .failure(.store(let error)) = result else { return XCTFail("expected a store failure, got \(result)") }
            XCTAssertTrue(error.description.contains("sequence conflict"), error.description)
        }
        // The recorder rebuilt itself from the log: it now knows event 2 and carries on at 3.
        let count = await recorder.eventCount()
        XCTAssertEqual(count, 2)
        let next = try await recorder.record(CustodyEvent(at: Date(), .scan(station: "dock-1", device: nil, data: "JX4K2M1")))
        XCTAssertEqual(next.event.seq, 3)
        XCTAssertEqual(try store.events().map(\.seq), [1, 2, 3])
        XCTAssertTrue(try store.verifyChain().isValid)
    }
}
