import Foundation
import TallyCore
import TallyRuntime
import TallyServer
import TallyStore
import XCTest

final class LiveStreamTests: XCTestCase {
    func testStreamNeedsATokenAndCarriesEachEventWithItsAlerts() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.stop() } }
        let anonymous = try await fixture.client.request("GET", "/api/v1/stream")
        XCTAssertEqual(anonymous.status, 401)

        try await fixture.post(#"{"type":"assign","station":"dock-1","load":"L-2611-A"}"#)
        let client = try SSETestClient(port: fixture.port, path: "/api/v1/stream?token=\(ServerFixture.viewer)", token: nil)
        // The connection comment arrives before any event; wait for the subscription by posting after connect.
        try await waitUntilConnected(fixture)
        try await fixture.post(#"{"type":"scan","station":"dock-1","device":"s1","data":"STRAY-1"}"#)
        let message = await client.next()
        XCTAssertEqual(client.status, 200)
        XCTAssertEqual(message?.id, 2, "the live stream starts after the events already logged: \(client.raw.debugDescription)")
        XCTAssertEqual(message?.event, "custody")
        let alerts = message?.json["alerts"] as? [[String: Any]] ?? []
        XCTAssertEqual(alerts.first?["code"] as? String, "unexpected-asset", message?.data ?? "no message")
        XCTAssertEqual(alerts.first?["severity"] as? String, "critical")
    }

    func testLastEventIDResumesFromTheLogWithoutGapsOrRepeats() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.stop() } }
        try await fixture.post("""
            {"type":"assign","station":"dock-1","load":"L-2611-A"}
            {"type":"scan","station":"dock-1","data":"STRAY-1"}
            {"type":"scan","station":"dock-1","data":"STRAY-2"}
            """)
        let client = try SSETestClient(port: fixture.port, token: ServerFixture.viewer, lastEventID: 1)
        var ids: [Int64] = []
        for _ in 0..<2 { if let message = await client.next() { ids.append(message.id ?? -1) } }
        XCTAssertEqual(ids, [2, 3])
        try await fixture.post(#"{"type":"scan","station":"dock-1","data":"STRAY-3"}"#)
        let live = await client.next()
        XCTAssertEqual(live?.id, 4)
        let subjects = (live?.json["alerts"] as? [[String: Any]] ?? []).compactMap { $0["subject"] as? String }
        XCTAssertEqual(subjects, ["STRAY-3"])

        // The query form, for EventSource clients that cannot set headers.
        let byQuery = try SSETestClient(port: fixture.port, path: "/api/v1/stream?lastEventId=3&token=\(ServerFixture.viewer)", token: nil)
        let resumed = await byQuery.next()
        XCTAssertEqual(resumed?.id, 4)
        let bad = try await fixture.client.request("GET", "/api/v1/stream?lastEventId=x", token: ServerFixture.viewer)
        XCTAssertEqual(bad.status, 400)
    }

    func testHeartbeatsAndStopEndsConnectedStreams() async throws {
        let fixture = try await ServerFixture.start(configuration: ServerConfiguration(port: 0, heartbeatSeconds: 0.05))
        let client = try SSETestClient(port: fixture.port, token: ServerFixture.viewer, lastEventID: 0)
        try await waitUntilConnected(fixture)
        await fixture.stop()
        // The stream ends (nil) once the server stops, after any heartbeats it sent.
        let after = await client.next()
        XCTAssertNil(after)
        XCTAssertTrue(client.comments.contains { $0.hasPrefix("connected") }, "\(client.comments)")
    }

    func testHeartbeatComment() async throws {
        let fixture = try await ServerFixture.start(configuration: ServerConfiguration(port: 0, heartbeatSeconds: 0.05))
        defer { Task { await fixture.stop() } }
        let client = try SSETestClient(port: fixture.port, token: ServerFixture.viewer)
        try await waitUntilConnected(fixture)
        // Heartbeats are comments; the next event proves the reader got past them.
        try await Task.sleep(for: .milliseconds(200))
        try await fixture.post(#"{"type":"assign","station":"dock-1","load":"L-2611-A"}"#)
        _ = await client.next()
        XCTAssertTrue(client.comments.contains("heartbeat"), "\(client.comments)")
    }

    func testASlowClientIsDroppedWithoutSlowingOthers() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-hub-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = try CustodyRecorder(store: try CustodyStore(path: directory.appendingPathComponent("t.sqlite").path))
        let outcome = try await recorder.record(CustodyEvent(at: Date(), .scan(station: "dock-1", device: nil, data: "X")))

        let hub = StreamHub(bufferCapacity: 4)
        let slow = try XCTUnwrap(hub.subscribe())
        let fast = try XCTUnwrap(hub.subscribe())
        var fastCount = 0
        for _ in 0..<10 {
            hub.publish(outcome) // never waits
            // The fast client reads each message as it comes.
            var iterator = fast.makeAsyncIterator()
            if await iterator.next() != nil { fastCount += 1 }
        }
        XCTAssertEqual(fastCount, 10)
        // The slow one holds what fitted in its buffer, then its stream ends: it must resume.
        var slowCount = 0
        for await _ in slow { slowCount += 1 }
        XCTAssertEqual(slowCount, 4)
        let stats = hub.statistics()
        XCTAssertEqual(stats.dropped, 1)
        XCTAssertEqual(stats.clients, 1)
    }

    /// Waits until the server counts a connected stream client.
    func waitUntilConnected(_ fixture: ServerFixture, clients: Int = 1) async throws {
        for _ in 0..<500 {
            if fixture.server.hub.statistics().clients >= clients { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        XCTFail("no stream client connected")
    }
}
