import Dispatch
import Foundation
import Synchronization
import TallyCore
import TallyDevices

extension Benchmarks {
    /// Scanner report decoding (`tally bench`): how many reports per second the keyboard-wedge and
    /// HID POS decoders take, and how long a scan takes from its last report to its event applied
    /// by the validation core.
    ///
    /// Throughput runs the real ``ScanDecoder`` over simulated scanner traffic (GS1 scans of about 40
    /// characters, two reports per character plus the Enter key, on the German layout with GS as
    /// Ctrl+]; HID POS scans split over 64-byte reports) on one core.
    ///
    /// Latency follows the live path: a dedicated thread, standing in for the USB event thread, hands
    /// each report to a ``ScanSession`` exactly as ``ScannerConnection`` does; the session's handler
    /// yields the scan to an `AsyncStream`; a task takes it, builds the `scan` ``CustodyEvent`` and
    /// applies it to a ``CustodyEngine``. The time is taken just before the last report (the Enter
    /// key) is handed over and just after the core has applied the event; scans are sent one at a
    /// time, each after the previous one arrived, as a dock scanner sends them. Target: p99 under
    /// 1 ms, one full-speed USB frame.
    ///
    /// - Parameters:
    ///   - minimumSeconds: how long each throughput run repeats its traffic, at least.
    ///   - latencySamples: scans timed for the latency figures (after 200 warm-up scans).
    public static func reportDecoding(minimumSeconds: Double = 1.0, latencySamples: Int = 5_000) async -> [BenchmarkResult] {
        var results: [BenchmarkResult] = []
        results.append(wedgeThroughput(minimumSeconds: minimumSeconds))
        results.append(hidPOSThroughput(minimumSeconds: minimumSeconds))
        results.append(await scanLatency(samples: latencySamples))
        return results
    }

    /// Simulated GS1 scans: GTIN, serial and lot with GS separators, `count` different ones.
    static func benchmarkScans(_ count: Int) -> [String] {
        (0..<count).map { index in
            let serial = String(index, radix: 36).uppercased()
            return "0104012345678901" + "\u{1D}" + "21SN" + serial + "\u{1D}" + "10LOT\(index % 1000)" + "\u{1D}" + "17261231"
        }
    }

    /// Feeds `reports` to `decoder` round after round (one report per simulated millisecond) for at least
    /// `minimumSeconds`: how many reports went in, scans came out, rounds ran, and the seconds taken.
    private static func decode(
        _ reports: [[UInt8]], with decoder: ScanDecoder, minimumSeconds: Double
    ) -> (fed: Int, scanned: Int, rounds: Int, seconds: Double) {
        var decoder = decoder
        var events: [ScanDecoderEvent] = []
        events.reserveCapacity(4)
        var fed = 0, scanned = 0, rounds = 0
        let (_, seconds) = time { () -> Void in
            let start = ContinuousClock.now
            var now: UInt64 = 0
            repeat {
                for report in reports {
                    now += 1
                    events.removeAll(keepingCapacity: true)
                    decoder.feed(report, atMilliseconds: now, into: &events)
                    scanned += events.count
                }
                fed += reports.count
                rounds += 1
            } while Self.seconds(since: start) < minimumSeconds
        }
        return (fed, scanned, rounds, seconds)
    }

    private static func wedgeThroughput(minimumSeconds: Double) -> BenchmarkResult {
        let scanner = SimulatedWedgeScanner(layout: .de, controlCharacters: .controlKey, terminator: .enter)
        let scans = benchmarkScans(500)
        let reports = scans.flatMap { (try? scanner.reports(for: $0)) ?? [] }
        let configuration = KeyboardWedgeDecoder.Configuration(options: .init(layout: .de, terminator: .enter))
        let (fed, scanned, rounds, seconds) = decode(
            reports, with: ScanDecoder(mode: .keyboardWedge(configuration, reportID: nil)), minimumSeconds: minimumSeconds)
        let perSecond = Double(fed) / seconds
        let expected = scans.count * rounds
        return BenchmarkResult(
            name: "scanner: keyboard-wedge reports decoded", measured: rate(fed, seconds), target: "≥ 1 M/s",
            met: perSecond >= 1_000_000 && scanned == expected,
            detail: "\(fed) boot reports (\(scanned) GS1 scans of ~40 characters, German layout, GS as Ctrl+]) through ScanDecoder on one core in \(String(format: "%.2f", seconds)) s; a full-speed scanner sends at most 1 000 reports/s")
    }

    private static func hidPOSThroughput(minimumSeconds: Double) -> BenchmarkResult {
        let scans = benchmarkScans(500)
        let reports = scans.enumerated().flatMap { index, text in
            // Every fourth scan is a long 2D code continued over three reports.
            let data = Array(text.utf8) + (index % 4 == 0 ? Array(repeating: UInt8(ascii: "X"), count: 100) : [])
            return HIDPOSScan.reports(symbology: "]d2", data: data)
        }
        let (fed, scanned, rounds, seconds) = decode(reports, with: ScanDecoder(mode: .hidPOS(.init())), minimumSeconds: minimumSeconds)
        let perSecond = Double(fed) / seconds
        return BenchmarkResult(
            name: "scanner: HID POS reports decoded", measured: rate(fed, seconds), target: "≥ 1 M/s",
            met: perSecond >= 1_000_000 && scanned == scans.count * rounds,
            detail: "\(fed) 64-byte scanned data reports (\(scanned) scans, a quarter continued over 3 reports) through ScanDecoder on one core in \(String(format: "%.2f", seconds)) s")
    }

    /// What the latency run hands from the consumer back to the producer thread.
    private final class LatencyRun: Sendable {
        /// When the last report of scan `i` was handed to the session.
        let sent = Mutex<[ContinuousClock.Instant?]>([])
        /// Microseconds from last report to applied event, per timed scan.
        let latencies = Mutex<[Double]>([])
        /// Signalled by the consumer after each scan is applied.
        let delivered = DispatchSemaphore(value: 0)
    }

    private static func scanLatency(samples: Int) async -> BenchmarkResult {
        let warmUp = 200
        let total = warmUp + samples
        let scanner = SimulatedWedgeScanner(layout: .us, controlCharacters: .controlKey, terminator: .enter)
        let texts = benchmarkScans(total)
        let reportsPerScan = texts.map { (try? scanner.reports(for: $0)) ?? [] }
        let run = LatencyRun()
        run.sent.withLock { $0 = Array(repeating: nil, count: total) }

        let (stream, continuation) = AsyncStream<ScannerEvent>.makeStream()
        let options = HardwareProfile.ScannerOptions(layout: .us, terminator: .enter)
        let session = ScanSession(
            mode: .keyboardWedge(KeyboardWedgeDecoder.Configuration(options: options), reportID: nil), options: options,
            handler: { continuation.yield($0) })

        // The consumer: the core side of the pipeline.
        let consumer = Task {
            var engine = CustodyEngine(manifest: Manifest())
            var index = 0
            for await event in stream {
                guard case .scan(let scan, _) = event else { continue }
                let recorded = RecordedEvent(
                    seq: Int64(index + 1),
                    event: CustodyEvent(at: Date(), .scan(station: "dock-1", device: "zebra-ds2208:BENCH", data: scan.text)))
                _ = engine.apply(recorded)
                let arrived = ContinuousClock.now
                if index >= warmUp, let sent = run.sent.withLock({ $0[index] }) {
                    let elapsed = sent.duration(to: arrived).components
                    let microseconds = Double(elapsed.seconds) * 1e6 + Double(elapsed.attoseconds) / 1e12
                    run.latencies.withLock { $0.append(microseconds) }
                }
                index += 1
                run.delivered.signal()
                if index == total { break }
            }
        }

        // The producer: a dedicated thread, like the USB event thread.
        let producerDone = DispatchSemaphore(value: 0)
        let thread = Thread {
            var now = USBEventLoop.monotonicMilliseconds()
            for (index, reports) in reportsPerScan.enumerated() {
                for (position, report) in reports.enumerated() {
                    now += 1
                    // The Enter key's press is the report that completes the scan.
                    if position == reports.count - 2 { run.sent.withLock { $0[index] = ContinuousClock.now } }
                    session.receive(report, atMilliseconds: now)
                }
                run.delivered.wait()
            }
            producerDone.signal()
        }
        thread.start()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                producerDone.wait()
                done.resume()
            }
        }
        continuation.finish()
        await consumer.value

        let sorted = run.latencies.withLock { $0 }.sorted()
        guard !sorted.isEmpty else {
            return BenchmarkResult(name: "scanner: last report → core event latency", measured: "-", target: "p99 < 1 ms", met: false, detail: "no scan arrived")
        }
        func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)] }
        let p50 = percentile(0.50), p99 = percentile(0.99), worst = sorted.last ?? 0
        func format(_ microseconds: Double) -> String {
            microseconds >= 1_000 ? String(format: "%.2f ms", microseconds / 1_000) : String(format: "%.0f µs", microseconds)
        }
        return BenchmarkResult(
            name: "scanner: last report → core event latency", measured: "p50 \(format(p50)), p99 \(format(p99))",
            target: "p99 < 1 ms", met: p99 < 1_000,
            detail: "\(sorted.count) scans, one at a time: a dedicated thread (as the USB event thread) feeds a ScanSession, the scan crosses an AsyncStream to a task that builds the scan event and applies it to the core; max \(format(worst))")
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = start.duration(to: .now).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }
}
