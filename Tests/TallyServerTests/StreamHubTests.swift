import Foundation
import Hummingbird
import TallyCore
import TallyRuntime
import TallyServer
import TallyStore
import XCTest

/// The live-stream fan-out on its own: one encoding per event, batches, slow clients, cancellation.
final class StreamHubTests: XCTestCase {
    /// `count` recorded outcomes (scans that each raise an alert), seq 1...count.
    func outcomes(_ count: Int) async throws -> [RecordedOutcome] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-hub-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = try CustodyRecorder(store: try CustodyStore(path: directory.appendingPathComponent("t.sqlite").path))
        var outcomes: [RecordedOutcome] = []
        for index in 0..<count {
            outcomes.append(try await recorder.record(CustodyEvent(at: Date(), .scan(station: "dock-1", device: nil, data: "X-\(index)"))))
        }
        return outcomes
    }

    func text(_ buffer: ByteBuffer) -> String { String(buffer: buffer) }

    func testEachEventIsEncodedOnceAndEveryClientGetsTheSameBytes() async throws {
        let outcomes = try await outcomes(5)
        let hub = StreamHub(bufferCapacity: 16)
        // Nobody listening: nothing to encode, but the event is counted.
        hub.publish(outcomes[0])
        XCTAssertEqual(hub.encodedMessages, 0)
        XCTAssertEqual(hub.statistics().eventsByType["scan"], 1)

        let clients = (0..<3).compactMap { _ in hub.subscribe() }
        XCTAssertEqual(clients.count, 3)
        for outcome in outcomes.dropFirst() { hub.publish(outcome) }
        XCTAssertEqual(hub.encodedMessages, 4, "one encoding per event, not per client")

        var received: [[String]] = []
        for client in clients {
            var batch: [StreamItem] = []
            let more = await client.nextBatch(into: &batch)
            XCTAssertTrue(more)
            received.append(batch.map { text($0.bytes) })
        }
        XCTAssertEqual(received[0].count, 4)
        XCTAssertEqual(received[0], received[1])
        XCTAssertEqual(received[0], received[2])
        XCTAssertTrue(received[0][0].hasPrefix("id: 2\nevent: custody\ndata: {"), received[0][0])
        XCTAssertTrue(received[0][0].hasSuffix("}\n\n"))
        XCTAssertTrue(received[0][0].contains("\"code\":\"no-active-load\""), received[0][0])
    }

    func testABatchIsEverythingQueuedJoinedIntoOneBufferWithoutRepeats() async throws {
        let outcomes = try await outcomes(4)
        let hub = StreamHub()
        let client = try XCTUnwrap(hub.subscribe())
        for outcome in outcomes { hub.publish(outcome) }
        hub.heartbeat()

        var batch: [StreamItem] = []
        let more = await client.nextBatch(into: &batch)
        XCTAssertTrue(more)
        XCTAssertEqual(batch.count, 5, "a reader takes everything queued at one wakeup")
        // The client already holds events up to seq 2 (from the log): those are not sent again.
        var sent: Int64 = 2
        let joined = try XCTUnwrap(StreamItem.join(batch, after: &sent))
        XCTAssertEqual(sent, 4)
        let ids = text(joined).split(separator: "\n").filter { $0.hasPrefix("id: ") }
        XCTAssertEqual(ids, ["id: 3", "id: 4"])
        XCTAssertTrue(text(joined).hasSuffix(": heartbeat\n\n"))

        // A lone message goes out as it is; nothing left to send gives nil.
        var lone: Int64 = 3
        XCTAssertEqual(StreamItem.join(Array(batch[3...3]), after: &lone).map(text), text(batch[3].bytes))
        XCTAssertEqual(lone, 4)
        XCTAssertNil(StreamItem.join(Array(batch[0...3]), after: &lone))
    }

    func testASlowClientIsDroppedWhileOthersKeepReceivingEverything() async throws {
        let outcomes = try await outcomes(40)
        let hub = StreamHub(bufferCapacity: 8)
        let slow = try XCTUnwrap(hub.subscribe())
        let fast = try XCTUnwrap(hub.subscribe())
        var fastIDs: [Int64] = []
        var batch: [StreamItem] = []
        for chunk in stride(from: 0, to: outcomes.count, by: 5) {
            for outcome in outcomes[chunk..<(chunk + 5)] { hub.publish(outcome) } // never waits
            // The fast client drains each burst in one batch.
            guard await fast.nextBatch(into: &batch) else { return XCTFail("the fast client was dropped") }
            for case .event(let seq, _) in batch { fastIDs.append(seq) }
        }
        XCTAssertEqual(fastIDs, Array(1...40))
        XCTAssertNil(fast.ending)
        // The slow one keeps what fitted in its buffer, then ends: it must resume with Last-Event-ID.
        XCTAssertEqual(slow.ending, .dropped)
        var slowIDs: [Int64] = []
        while await slow.nextBatch(into: &batch) { for case .event(let seq, _) in batch { slowIDs.append(seq) } }
        XCTAssertEqual(slowIDs, Array(1...8))
        let stats = hub.statistics()
        XCTAssertEqual(stats.dropped, 1)
        XCTAssertEqual(stats.clients, 1)
    }

    func testCancellingAWaitingReaderEndsItsSubscription() async throws {
        let hub = StreamHub()
        let client = try XCTUnwrap(hub.subscribe())
        let reader = Task {
            var batch: [StreamItem] = []
            return await client.nextBatch(into: &batch)
        }
        reader.cancel()
        let more = await reader.value
        XCTAssertFalse(more)
        XCTAssertEqual(client.ending, .cancelled)
        XCTAssertEqual(hub.statistics().clients, 0)
        XCTAssertEqual(hub.statistics().dropped, 0)
    }

    func testAnAbandonedSubscriptionLeavesTheHubWithoutCountingAsDropped() throws {
        let hub = StreamHub(bufferCapacity: 1)
        var client = hub.subscribe()
        XCTAssertNotNil(client)
        XCTAssertEqual(hub.statistics().clients, 1)
        client = nil
        XCTAssertEqual(hub.statistics().clients, 0)
        hub.heartbeat()
        hub.heartbeat()
        XCTAssertEqual(hub.statistics().dropped, 0)
    }

    func testClosingTheHubWakesReadersAndRefusesNewOnes() async throws {
        let hub = StreamHub()
        let client = try XCTUnwrap(hub.subscribe())
        let reader = Task {
            var batch: [StreamItem] = []
            return await client.nextBatch(into: &batch)
        }
        // Whether the reader is already waiting or not, it returns once the hub closes.
        hub.close()
        let more = await reader.value
        XCTAssertFalse(more)
        XCTAssertEqual(client.ending, .closed)
        XCTAssertNil(hub.subscribe())
    }

    func testManyStreamClientsShareOneEncodingPerEvent() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.stop() } }
        try await fixture.post(#"{"type":"assign","station":"dock-1","load":"L-2611-A"}"#)
        let clients = try (0..<3).map { _ in try SSETestClient(port: fixture.port, token: ServerFixture.viewer) }
        for _ in 0..<500 where fixture.server.hub.statistics().clients < 3 { try await Task.sleep(for: .milliseconds(10)) }
        XCTAssertEqual(fixture.server.hub.statistics().clients, 3)
        let before = fixture.server.hub.encodedMessages
        try await fixture.post("""
            {"type":"scan","station":"dock-1","data":"STRAY-1"}
            {"type":"scan","station":"dock-1","data":"STRAY-2"}
            {"type":"scan","station":"dock-1","data":"STRAY-3"}
            """)
        for client in clients {
            var ids: [Int64] = []
            for _ in 0..<3 { if let message = await client.next() { ids.append(message.id ?? -1) } }
            XCTAssertEqual(ids, [2, 3, 4])
        }
        XCTAssertEqual(fixture.server.hub.encodedMessages - before, 3, "three events, three encodings, for three clients")
    }
}
