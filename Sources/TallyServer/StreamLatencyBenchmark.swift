import Foundation
import Synchronization
import TallyCore
import TallyRuntime
import TallyStore

extension Benchmarks {
    /// Latency from an event entering the recorder to its alert arriving at each of `clients` live-stream
    /// clients on loopback, with events offered at `rate` per second for `seconds`.
    ///
    /// Every event is a scan that raises an alert. The clock starts when the event is handed to the
    /// recorder (so the figure includes the core, the durable commit with its disk sync, the fan-out and
    /// the HTTP stream) and stops when a client has parsed the message.
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

        // Arrival instants per client: (seq, when).
        let arrivals = Mutex([(Int64, ContinuousClock.Instant)]())
        let opened = Mutex(0)
        let url = "http://127.0.0.1:\(port)"
        for _ in 0..<clients {
            let thread = Thread {
                guard let client = try? TallyAPIClient(url: url, token: token) else { return }
                try? client.stream(lastEventID: nil, idleSeconds: 30, onOpen: { opened.withLock { $0 += 1 } }) { message in
                    let now = ContinuousClock.now
                    if let id = message.id, let seq = Int64(id) { arrivals.withLock { $0.append((seq, now)) } }
                }
            }
            thread.start()
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while opened.withLock({ $0 }) < clients, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }

        var entered: [Int64: ContinuousClock.Instant] = [:]
        let count = rate * seconds
        let start = ContinuousClock.now
        for index in 0..<count {
            // Offer events on a fixed schedule, as devices would.
            let due = start + .microseconds(Int64(index) * 1_000_000 / Int64(rate))
            if due > .now { try await Task.sleep(until: due, clock: .continuous) }
            let t0 = ContinuousClock.now
            let outcome = try await recorder.record(CustodyEvent(at: Date(), .scan(station: "dock-1", device: "bench", data: "STRAY-\(index)")))
            entered[outcome.event.seq] = t0
        }
        try await Task.sleep(for: .seconds(1))
        await server.stop()

        var latencies: [Double] = []
        for (seq, arrival) in arrivals.withLock({ $0 }) {
            guard let t0 = entered[seq] else { continue }
            let parts = t0.duration(to: arrival).components
            latencies.append(Double(parts.seconds) * 1000 + Double(parts.attoseconds) / 1e15)
        }
        latencies.sort()
        let expected = count * clients
        func percentile(_ p: Double) -> Double { latencies.isEmpty ? .infinity : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        let p50 = percentile(0.5), p99 = percentile(0.99)
        let detail = "\(count) events at \(rate)/s, each raising an alert, to \(clients) SSE clients on loopback; "
            + "\(latencies.count) of \(expected) deliveries measured, from the recorder's input through the durable commit to the parsed message"
        return [
            BenchmarkResult(name: "live stream: event to alert at 50 clients, p50", measured: String(format: "%.2f ms", p50),
                            target: "—", met: latencies.count == expected, detail: detail),
            BenchmarkResult(name: "live stream: event to alert at 50 clients, p99", measured: String(format: "%.2f ms", p99),
                            target: "p99 < 5 ms", met: p99 < 5 && latencies.count == expected, detail: detail),
        ]
    }
}
