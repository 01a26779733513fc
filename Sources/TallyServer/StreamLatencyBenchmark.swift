import Foundation
import Synchronization
import TallyCore
import TallyRuntime
import TallyStore
#if canImport(Glibc)
import Glibc
#endif

extension Benchmarks {
    /// Latency from an event entering the core to its alert arriving at each of `clients` live-stream
    /// clients on loopback, with events offered at `rate` per second for `seconds`.
    ///
    /// Every event is a scan that raises an alert. Events are offered on a fixed schedule, each by its own
    /// task that awaits its commit (as independent stations would), so the recorder groups concurrent events
    /// into one transaction. The clock starts when the event is handed to the recorder
    /// (`CustodyRecorder.record`), so the figure includes the core, the durable commit with its disk sync
    /// (WAL, synchronous=FULL), the hub's one encoding, the fan-out and the HTTP stream; it stops when a
    /// client has read the message's end. The clients are read by one thread with poll(2) and a minimal
    /// parser, so that their cost, which shares the machine with the server, stays small.
    public static func streamLatency(clients: Int = 50, rate: Int = 1000, seconds: Int = 3) async throws -> [BenchmarkResult] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-stream-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = try CustodyRecorder(store: try CustodyStore(path: directory.appendingPathComponent("bench.sqlite").path))
        try await recorder.importManifest(try ManifestCSV.parse(Array(SampleManifest.csv.utf8), file: "sample.csv"), source: "bench")
        try await recorder.record(CustodyEvent(at: Date(), .assign(station: "dock-1", load: SampleManifest.load, user: nil)))
        let token = UserDirectory.makeToken()
        var users = UserDirectory()
        users.add(User(name: "bench", role: .viewer), token: token)
        let server = TallyHTTPServer(recorder: recorder, users: users, configuration: ServerConfiguration(port: 0))
        let port = try await server.start()

        // When the recorder published each event (after its commit): splits the figure into commit and fan-out.
        let published = Mutex([Int64: ContinuousClock.Instant]())
        let updates = await recorder.updates()
        let publishWatch = Task {
            for await outcome in updates {
                let now = ContinuousClock.now
                published.withLock { $0[outcome.event.seq] = now }
            }
        }
        defer { publishWatch.cancel() }

        let readers = StreamBenchClients(count: clients, port: port, token: token)
        readers.start()
        let openDeadline = ContinuousClock.now + .seconds(10)
        while readers.opened < clients || server.hub.statistics().clients < clients, ContinuousClock.now < openDeadline {
            try await Task.sleep(for: .milliseconds(10))
        }

        // Each event's seq and the instant it was handed to the recorder.
        let count = rate * seconds
        let start = ContinuousClock.now
        let offered = try await withThrowingTaskGroup(of: (Int64, ContinuousClock.Instant).self) { group in
            for index in 0..<count {
                // Offer events on a fixed schedule, as devices would, without waiting for earlier commits.
                let due = start + .microseconds(Int64(index) * 1_000_000 / Int64(rate))
                if due > .now { try await Task.sleep(until: due, clock: .continuous) }
                group.addTask {
                    let t0 = ContinuousClock.now
                    let outcome = try await recorder.record(CustodyEvent(at: Date(), .scan(station: "dock-1", device: "bench", data: "STRAY-\(index)")))
                    return (outcome.event.seq, t0)
                }
            }
            var offered: [(Int64, ContinuousClock.Instant)] = []
            for try await item in group { offered.append(item) }
            return offered
        }
        let expected = count * clients
        let deliveryDeadline = ContinuousClock.now + .seconds(5)
        while readers.delivered < expected, ContinuousClock.now < deliveryDeadline { try await Task.sleep(for: .milliseconds(5)) }
        await server.stop()
        let arrivals = await readers.finish()

        let entered = Dictionary(uniqueKeysWithValues: offered.map { ($0.0, $0.1) })
        var latencies: [Double] = []
        latencies.reserveCapacity(expected)
        var complete = 0
        for client in arrivals {
            var seen = Set<Int64>()
            for (seq, arrival) in client {
                guard let t0 = entered[seq], seen.insert(seq).inserted else { continue }
                latencies.append(milliseconds(t0.duration(to: arrival)))
            }
            if seen.count == count { complete += 1 }
        }
        latencies.sort()
        let publishedAt = published.withLock { $0 }
        let commits = offered.compactMap { item in publishedAt[item.0].map { milliseconds(item.1.duration(to: $0)) } }.sorted()
        var fanOut: [Double] = []
        fanOut.reserveCapacity(expected)
        for client in arrivals {
            for (seq, arrival) in client { if let at = publishedAt[seq] { fanOut.append(milliseconds(at.duration(to: arrival))) } }
        }
        fanOut.sort()
        func figures(_ values: [Double]) -> String {
            String(format: "p50 %.2f ms, p99 %.2f ms", percentile(values, 0.5), percentile(values, 0.99))
        }
        let firstT0 = offered.map(\.1).min() ?? start, lastT0 = offered.map(\.1).max() ?? start
        let offeredRate = Double(count - 1) / max(1e-9, milliseconds(firstT0.duration(to: lastT0)) / 1000)
        let p50 = percentile(latencies, 0.5), p99 = percentile(latencies, 0.99)
        let allArrived = latencies.count == expected && complete == clients
        let detail = "\(count) events offered at \(Int(offeredRate.rounded()))/s (target \(rate)/s), each raising an alert, to \(clients) SSE clients on loopback; "
            + "\(latencies.count) of \(expected) deliveries measured (\(complete) of \(clients) clients got every event), max \(String(format: "%.2f", latencies.last ?? .infinity)) ms; "
            + "clock from the event handed to the recorder through core, group commit (WAL, synchronous=FULL: its fsync is included), "
            + "one encoding per event, fan-out and loopback HTTP, to the message read by the client; "
            + "split where a second subscriber of the recorder's feed sees the event (after its commit): event to seen \(figures(commits)), seen to read by a client \(figures(fanOut)); "
            + "\(server.hub.encodedMessages) messages encoded; clients and server share the machine"
        return [
            BenchmarkResult(name: "live stream: event to alert at \(clients) clients, p50", measured: String(format: "%.2f ms", p50),
                            target: "—", met: allArrived, detail: detail),
            BenchmarkResult(name: "live stream: event to alert at \(clients) clients, p99", measured: String(format: "%.2f ms", p99),
                            target: "p99 < 5 ms", met: p99 < 5 && allArrived, detail: detail),
        ]
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) * 1000 + Double(parts.attoseconds) / 1e15
    }

    private static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted.isEmpty ? .infinity : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
}

/// The benchmark's live-stream clients: `count` loopback connections to `GET /api/v1/stream`, all read by
/// one thread with poll(2), noting the instant each message (by its `id:`) is complete.
///
/// One thread and a byte-level parser keep the clients' own cost small: they share the machine with the
/// server, and 50 threads each decoding strings would measure the clients rather than the stream.
final class StreamBenchClients: Sendable {
    /// One connection's arrivals: (event seq, instant its message was read).
    typealias Arrivals = [(Int64, ContinuousClock.Instant)]
    private let count: Int
    private let port: Int
    private let token: String
    private struct Progress {
        var opened = 0
        var delivered = 0
        var stop = false
        var result: [Arrivals]?
    }
    private let progress = Mutex(Progress())

    init(count: Int, port: Int, token: String) {
        self.count = count
        self.port = port
        self.token = token
    }

    /// Connections whose response head (200) has been read.
    var opened: Int { progress.withLock { $0.opened } }
    /// Messages read so far, over all connections.
    var delivered: Int { progress.withLock { $0.delivered } }

    /// Connects every client and starts reading, on a thread of its own.
    func start() {
        let thread = Thread { [self] in
            let arrivals = run()
            progress.withLock { $0.result = arrivals }
        }
        thread.start()
    }

    /// Stops reading (once the server closed the streams, or now) and returns every connection's arrivals.
    func finish() async -> [Arrivals] {
        progress.withLock { $0.stop = true }
        while true {
            if let result = progress.withLock({ $0.result }) { return result }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    private func run() -> [Arrivals] {
        let request = Array("GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAuthorization: Bearer \(token)\r\nAccept: text/event-stream\r\n\r\n".utf8)
        var fds: [pollfd] = []
        var readers: [SSEIDReader] = []
        for _ in 0..<count {
            guard let fd = Self.connect(port: port, request: request) else { continue }
            fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
            var reader = SSEIDReader()
            reader.arrivals.reserveCapacity(4096)
            readers.append(reader)
        }
        defer { for entry in fds where entry.fd >= 0 { close(entry.fd) } }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var open = fds.count
        var opened = 0, delivered = 0
        while open > 0 {
            let ready = poll(&fds, nfds_t(fds.count), 20)
            if ready > 0 {
                for index in fds.indices where fds[index].fd >= 0 && fds[index].revents != 0 {
                    let received = recv(fds[index].fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
                    if received < 0, errno == EAGAIN || errno == EINTR { continue }
                    if received <= 0 {
                        close(fds[index].fd)
                        fds[index].fd = -1
                        open -= 1
                        continue
                    }
                    let now = ContinuousClock.now
                    let wasOpen = readers[index].isOpen
                    let before = readers[index].arrivals.count
                    readers[index].feed(UnsafeRawBufferPointer(rebasing: buffer[0..<received]), at: now)
                    if !wasOpen, readers[index].isOpen { opened += 1 }
                    delivered += readers[index].arrivals.count - before
                }
            }
            let stop = progress.withLock { progress in
                progress.opened = opened
                progress.delivered = delivered
                return progress.stop
            }
            // After stop, keep reading until the server has closed every stream (or briefly, if it does not).
            if stop, ready == 0 { break }
        }
        return readers.map(\.arrivals)
    }

    /// A blocking loopback connection that has sent `request`, or nil.
    private static func connect(port: Int, request: [UInt8]) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard connected == 0, sent == request.count else {
            close(fd)
            return nil
        }
        return fd
    }
}

/// Just enough of an HTTP/1.1 response and the event stream to time messages: skips the head (checking
/// for 200), undoes chunked transfer coding, and notes each message's `id:` when its blank line arrives.
///
/// The server writes LF line ends and `id:` as decimal digits; everything else on a line is skipped with
/// `memchr`, so a ~500-byte message costs a few comparisons, not a string.
struct SSEIDReader {
    private enum Body { case size(Int), sizeExtension(Int), data(Int), dataEnd, done }
    private enum Line { case start, id(Int), value, skip }
    private var headTail: UInt32 = 0
    private var statusLine: [UInt8] = []
    private var body: Body?
    private var line = Line.start
    private var value: Int64 = 0
    private var messageID: Int64?
    /// True once a 200 response head was read.
    private(set) var isOpen = false
    /// (id, instant) for each message read.
    var arrivals: [(Int64, ContinuousClock.Instant)] = []

    /// Reads `bytes`, received at `now`.
    mutating func feed(_ bytes: UnsafeRawBufferPointer, at now: ContinuousClock.Instant) {
        var index = 0
        if body == nil {
            while index < bytes.count, body == nil {
                let byte = bytes[index]
                index += 1
                if statusLine.count < 12 { statusLine.append(byte) }
                headTail = headTail << 8 | UInt32(byte)
                if headTail == 0x0D0A_0D0A {
                    // Streaming responses are chunked.
                    isOpen = statusLine.starts(with: Array("HTTP/1.1 200".utf8))
                    body = .size(0)
                }
            }
        }
        while index < bytes.count, let phase = body {
            switch phase {
            case .size(let size):
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\n"): body = size == 0 ? .done : .data(size)
                case UInt8(ascii: ";"): body = .sizeExtension(size)
                default: if let digit = Self.hexDigit(byte) { body = .size(size * 16 + digit) }
                }
            case .sizeExtension(let size):
                if bytes[index] == UInt8(ascii: "\n") { body = size == 0 ? .done : .data(size) }
                index += 1
            case .data(let remaining):
                let take = min(remaining, bytes.count - index)
                scan(UnsafeRawBufferPointer(rebasing: bytes[index..<(index + take)]), at: now)
                index += take
                body = remaining == take ? .dataEnd : .data(remaining - take)
            case .dataEnd:
                if bytes[index] == UInt8(ascii: "\n") { body = .size(0) }
                index += 1
            case .done:
                return
            }
        }
    }

    private static let idPrefix: [UInt8] = Array("id:".utf8)

    private static func hexDigit(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }

    /// Splits event-stream bytes into lines, keeping only `id:` values and message ends.
    private mutating func scan(_ bytes: UnsafeRawBufferPointer, at now: ContinuousClock.Instant) {
        let prefix = Self.idPrefix
        var index = 0
        while index < bytes.count {
            switch line {
            case .skip:
                guard let found = memchr(bytes.baseAddress! + index, 10, bytes.count - index) else { return }
                index = bytes.baseAddress!.distance(to: UnsafeRawPointer(found)) + 1
                line = .start
            case .start:
                let byte = bytes[index]
                index += 1
                if byte == 10 {
                    // A blank line ends the message.
                    if let id = messageID { arrivals.append((id, now)) }
                    messageID = nil
                } else {
                    line = byte == prefix[0] ? .id(1) : .skip
                }
            case .id(let matched):
                let byte = bytes[index]
                index += 1
                if byte == prefix[matched] {
                    if matched + 1 == prefix.count { line = .value; value = 0 } else { line = .id(matched + 1) }
                } else {
                    line = byte == 10 ? .start : .skip
                }
            case .value:
                let byte = bytes[index]
                index += 1
                if byte == 10 {
                    messageID = value
                    line = .start
                } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                    value = value * 10 + Int64(byte - UInt8(ascii: "0"))
                }
            }
        }
    }
}
