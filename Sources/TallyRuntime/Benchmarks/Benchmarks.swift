import Foundation
import Synchronization
import TallyCore
import TallyStore

/// One benchmark figure with its target.
public struct BenchmarkResult: Sendable {
    public let name: String
    /// The measured figure, formatted with its unit.
    public let measured: String
    public let target: String
    public let met: Bool
    /// How it was measured (sizes, counts, comparisons).
    public let detail: String

    /// Creates a result.
    public init(name: String, measured: String, target: String, met: Bool, detail: String) {
        self.name = name
        self.measured = measured
        self.target = target
        self.met = met
        self.detail = detail
    }
}

/// The speed and memory benchmarks of the validation core and the custody log (`tally bench`).
///
/// Every figure comes from running the real code on generated data of the stated size; nothing is
/// extrapolated. Run a release build: debug builds are many times slower.
public enum Benchmarks {
    /// Seconds taken by `body`, on the monotonic clock.
    static func time<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let start = ContinuousClock.now
        let value = try body()
        let elapsed = start.duration(to: .now).components
        return (value, Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
    }

    static func time<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
        let start = ContinuousClock.now
        let value = try await body()
        let elapsed = start.duration(to: .now).components
        return (value, Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
    }

    /// Resident set size of this process in bytes (from /proc/self/statm).
    public static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    static func rate(_ count: Int, _ seconds: Double) -> String {
        let perSecond = Double(count) / seconds
        return perSecond >= 1_000_000 ? String(format: "%.2f M/s", perSecond / 1e6) : String(format: "%.0f k/s", perSecond / 1e3)
    }

    /// The core alone: events applied per second over a large manifest.
    public static func core(manifest: Manifest, events: [CustodyEvent]) -> BenchmarkResult {
        var engine = CustodyEngine(manifest: manifest)
        let recorded = events.enumerated().map { RecordedEvent(seq: Int64($0.offset + 1), event: $0.element) }
        let (alerts, seconds) = time { () -> Int in
            var alerts = 0
            for event in recorded { alerts += engine.apply(event).alerts.count }
            return alerts
        }
        let perSecond = Double(events.count) / seconds
        return BenchmarkResult(
            name: "core: events applied", measured: rate(events.count, seconds), target: "≥ 1 M/s", met: perSecond >= 1_000_000,
            detail: "\(events.count) events (scans, pallet labels, weights; \(alerts) alerts) over a \(manifest.assets.count)-asset manifest, one core, in \(String(format: "%.2f", seconds)) s")
    }

    /// Events per second through the core and the durable log (group commit, synchronous=FULL, hash chain).
    public static func durable(manifest: Manifest, events: [CustodyEvent], directory: String) async throws -> BenchmarkResult {
        let path = directory + "/durable.sqlite"
        let recorder = try CustodyRecorder(store: try CustodyStore(path: path))
        try await recorder.importManifest(manifest, source: "bench")
        let (failed, seconds) = try await time { () async throws -> Int in
            var failed = 0
            var index = 0
            while index < events.count {
                let chunk = Array(events[index..<min(index + 2048, events.count)])
                for result in await recorder.record(contentsOf: chunk) { if case .failure = result { failed += 1 } }
                index += chunk.count
            }
            return failed
        }
        let perSecond = Double(events.count) / seconds
        return BenchmarkResult(
            name: "durable: events committed through core and log", measured: rate(events.count, seconds), target: "≥ 100 k/s",
            met: perSecond >= 100_000 && failed == 0,
            detail: "\(events.count) events in batches of up to 2048 per transaction, WAL with synchronous=FULL, SHA-256 chain, in \(String(format: "%.2f", seconds)) s\(failed > 0 ? ", \(failed) FAILED" : "")")
    }

    /// Opening a log of `events.count` events: the manifest read and every event replayed through the core.
    public static func replay(manifest: Manifest, events: [CustodyEvent], directory: String) async throws -> BenchmarkResult {
        let path = directory + "/replay.sqlite"
        do {
            let recorder = try CustodyRecorder(store: try CustodyStore(path: path))
            try await recorder.importManifest(manifest, source: "bench")
            var index = 0
            while index < events.count {
                _ = await recorder.record(contentsOf: Array(events[index..<min(index + 4096, events.count)]))
                index += 4096
            }
        }
        let (count, seconds) = try await time { () async throws -> Int64 in
            let recorder = try CustodyRecorder(store: try CustodyStore(path: path))
            return await recorder.eventCount()
        }
        // The same, in parts: the manifest read, then the events folded into the core.
        let store = try CustodyStore(path: path)
        let (loaded, manifestSeconds) = try time { try store.manifest() }
        var engine = CustodyEngine(manifest: loaded)
        let (_, eventSeconds) = try time { try store.forEachEvent { _ = engine.apply($0) } }
        return BenchmarkResult(
            name: "replay: rebuild state from the log at start", measured: String(format: "%.2f s", seconds), target: "≤ 3 s for 1 M events",
            met: count >= 1_000_000 ? seconds <= 3 : seconds <= 3 * Double(count) / 1_000_000,
            detail: "\(count) logged events and a \(manifest.assets.count)-asset manifest read back and replayed; "
                + String(format: "manifest read %.2f s, events read and applied %.2f s", manifestSeconds, eventSeconds))
    }

    /// Manifest import (parse + one transaction) against the sqlite3 shell's `.import` of the same file,
    /// each run `runs` times into a new database; the medians are compared.
    public static func importTime(csvPath: String, rows: Int, directory: String, runs: Int = 3) throws -> BenchmarkResult {
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        var ours: [Double] = [], parses: [Double] = [], shells: [Double] = []
        for run in 0..<runs {
            let database = directory + "/import-\(run).sqlite"
            let (_, seconds) = try time { () throws -> Int in
                guard let data = FileManager.default.contents(atPath: csvPath) else {
                    throw StoreError(path: csvPath, operation: "read", reason: "cannot read the generated manifest")
                }
                // As `tally manifest import` does: rows are written while the rest of the file is parsed.
                let bytes = Array(data)
                let parsing = Mutex(0.0)
                let manifest = try CustodyStore(path: database).importManifest(source: csvPath, expectedAssets: bytes.count / 80) { deliver in
                    let (manifest, seconds) = try time { try ManifestCSV.parse(bytes, file: csvPath, assets: deliver) }
                    parsing.withLock { $0 = seconds }
                    return manifest
                }
                parses.append(parsing.withLock { $0 })
                return manifest.assets.count
            }
            ours.append(seconds)
            if run == 0 { try FileManager.default.copyItem(atPath: database, toPath: directory + "/import.sqlite") }
            if FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
                process.arguments = [directory + "/shell-import-\(run).sqlite", "-cmd", ".mode csv", ".import '\(csvPath)' manifest"]
                let (_, shellSeconds) = try time { () throws -> Int32 in
                    try process.run()
                    process.waitUntilExit()
                    return process.terminationStatus
                }
                if process.terminationStatus == 0 { shells.append(shellSeconds) }
            }
        }
        let seconds = median(ours)
        let shell = shells.count == runs ? median(shells) : nil
        let ratio = shell.map { seconds / $0 }
        return BenchmarkResult(
            name: "import: \(rows)-row CSV manifest", measured: String(format: "%.2f s", seconds)
                + (ratio.map { String(format: " (%.2f× the sqlite3 shell)", $0) } ?? ""),
            target: "≤ 2× sqlite3 .import", met: ratio.map { $0 <= 2 } ?? false,
            detail: shell.map {
                String(format: "median of %d runs; sqlite3 shell .import of the same file into one table: %.2f s; Tally reads and validates every row (%.2f s, on a second thread while the assets already checked are written), builds the manifest and writes loads, pallets and assets with a unique serial index in one WAL transaction (synchronous=FULL)",
                       runs, $0, median(parses))
            } ?? "sqlite3 shell not installed (apt-get install sqlite3): no comparison")
    }

    /// Resident memory per manifest line with a large manifest loaded from the store.
    public static func memory(databaseWithManifest path: String, rows: Int) throws -> BenchmarkResult {
        let before = residentBytes()
        let manifest = try CustodyStore(path: path).manifest()
        let after = residentBytes()
        let perLine = Double(after - before) / Double(max(1, manifest.assets.count))
        return withExtendedLifetime(manifest) {
            BenchmarkResult(
                name: "memory: resident bytes per manifest line", measured: String(format: "%.0f B", perLine), target: "≤ 300 B",
                met: perLine <= 300,
                detail: "RSS grew \((after - before) / 1_048_576) MiB loading a \(rows)-line manifest (\(manifest.pallets.count) pallets) from the database")
        }
    }
}
