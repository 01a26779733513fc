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

    func testAStalledHTTPClientIsDroppedOthersGetEverythingAndItResumesWithoutGaps() async throws {
        let fixture = try await ServerFixture.start(configuration: ServerConfiguration(port: 0, streamBufferCapacity: 64))
        defer { Task { await fixture.stop() } }
        try await fixture.post(#"{"type":"assign","station":"dock-1","load":"L-2611-A"}"#)
        // The stalled client reads nothing and has a tiny receive window, so the server's writes back up.
        let stalled = try RawStreamSocket(port: fixture.port, token: ServerFixture.viewer, receiveBuffer: 4096)
        let reader = try RawStreamSocket(port: fixture.port, token: ServerFixture.viewer)
        try await waitUntilConnected(fixture, clients: 2)
        // 1000 events of ~9 KB (the scanned text is 3000 characters) in bursts of 20, well within a client's
        // 64: ~9 MB in all, more than the stalled connection's socket buffers and the server's write buffer hold.
        let count = 1000
        let filler = String(repeating: "X", count: 3000)
        var ids: [Int64] = []
        for burst in stride(from: 2, through: count + 1, by: 20) {
            try await fixture.post((burst..<(burst + 20)).map { #"{"type":"scan","station":"dock-1","data":"S\#($0)-\#(filler)"}"# }
                .joined(separator: "\n"))
            // The reader gets every event, in order, although the other client stalls.
            ids += try await reader.ids(through: Int64(burst + 19))
        }
        let last = Int64(count + 1)
        XCTAssertEqual(ids, Array(2...last))
        for _ in 0..<500 where fixture.server.hub.statistics().dropped < 1 { try await Task.sleep(for: .milliseconds(10)) }
        XCTAssertEqual(fixture.server.hub.statistics().dropped, 1)
        XCTAssertEqual(fixture.server.hub.statistics().clients, 1)

        // The stalled client gets what was queued for it, then its stream ends; it resumes from its last id.
        var received = try await stalled.ids(through: nil)
        let resumeFrom = try XCTUnwrap(received.last)
        XCTAssertLessThan(resumeFrom, last, "the stalled client was dropped before the end")
        XCTAssertEqual(received, Array(2...resumeFrom))
        let resumed = try RawStreamSocket(port: fixture.port, token: ServerFixture.viewer, lastEventID: resumeFrom)
        received += try await resumed.ids(through: last)
        XCTAssertEqual(received, Array(2...last), "nothing missed, nothing repeated")
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

/// A live-stream client on a raw socket that reads only when asked, decoding with the client library's
/// chunked decoder and SSE parser (linear in the bytes, for streams of megabytes).
final class RawStreamSocket: @unchecked Sendable {
    // @unchecked: the socket and the decoders are used by the one test that owns the client, one call at a time.
    let fd: Int32
    private var head: [UInt8] = []
    private var chunks = ChunkedDecoder()
    private var parser = SSEParser()
    private var pending: [Int64] = []

    /// Connects to the live stream and sends the request; `receiveBuffer` is set before connecting, so the
    /// window the client advertises stays that small.
    init(port: Int, token: String, lastEventID: Int64? = nil, receiveBuffer: Int32? = nil) throws {
        fd = try HTTPTestClient.connect(port: port, receiveBuffer: receiveBuffer)
        var headers = ["Accept": "text/event-stream"]
        if let lastEventID { headers["Last-Event-ID"] = "\(lastEventID)" }
        HTTPTestClient.send(fd, Array(HTTPTestClient.head(method: "GET", path: "/api/v1/stream", token: token, headers: headers, bodyCount: 0).utf8))
    }

    deinit { close(fd) }

    /// The ids of the messages read up to the one with id `last`, or to the end of the response if nil.
    func ids(through last: Int64?) async throws -> [Int64] {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try self.read(through: last) }) }
        }
    }

    private func read(through last: Int64?) throws -> [Int64] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            if let last, let index = pending.firstIndex(where: { $0 >= last }) {
                defer { pending.removeFirst(index + 1) }
                return Array(pending[...index])
            }
            if last == nil, chunks.isFinished { defer { pending = [] }; return pending }
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { throw POSIXError(count == 0 ? .ECONNRESET : .ETIMEDOUT) }
            var bytes = buffer[0..<count]
            // The response head, byte by byte up to its blank line.
            while let byte = bytes.first, head.suffix(4) != [13, 10, 13, 10] {
                head.append(byte)
                bytes = bytes.dropFirst()
            }
            for message in parser.feed(try chunks.feed(bytes)) { pending.append(message.id.flatMap { Int64($0) } ?? -1) }
        }
    }
}
