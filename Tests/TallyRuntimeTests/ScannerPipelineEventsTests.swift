import Foundation
import TallyCore
import TallyDevices
import TallyStore
import TallyTestSupport
import XCTest
@testable import TallyRuntime

/// A USB scanner's events (as a ScannerConnection hands them on) recorded at the bound station.
final class ScannerPipelineEventsTests: XCTestCase {
    func testScansAndDisconnectsAreRecordedWithTheAIMIdentifierInFront() async throws {
        let directory = try ScratchDirectory.make("usbpipe")
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = try CustodyRecorder(store: try CustodyStore(path: directory.appendingPathComponent("p.sqlite").path))
        let pipeline = ScannerPipeline(binding: DeviceBinding(station: "dock-4", device: "hid-pos:HP900"), recorder: recorder)

        let (events, continuation) = AsyncStream<ScannerEvent>.makeStream()
        continuation.yield(.connected(mode: "hid-pos", interface: 0, detachedKernelDriver: true))
        continuation.yield(.scan(DecodedScan(text: "0104012345678901\u{1D}21ABC", symbology: "]d2"), atMilliseconds: 1))
        continuation.yield(.scan(DecodedScan(text: "PLAIN-SERIAL", symbology: nil), atMilliseconds: 2))
        continuation.yield(.dropped(partial: "0104", reason: .deviceDisconnected))
        continuation.yield(.disconnected(reason: "unplugged"))
        continuation.finish()
        await pipeline.run(events: events)

        let recorded = try recorder.store.events().map(\.event.payload)
        XCTAssertEqual(recorded, [
            .scan(station: "dock-4", device: "hid-pos:HP900", data: "]d20104012345678901\u{1D}21ABC"),
            .scan(station: "dock-4", device: "hid-pos:HP900", data: "PLAIN-SERIAL"),
            .deviceDisconnected(station: "dock-4", device: "hid-pos:HP900", reason: "unplugged"),
        ])
    }
}
