import ArgumentParser
import Foundation
import TallyCore
import TallyRuntime
import TallyServer
import TallyStore

/// `tally bench`: the speed and memory targets, measured on this machine, written as Markdown.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the core, the durable log, import, memory and replay against their targets (use a release build).",
        discussion: "make bench builds in release mode and writes BENCHMARKS.md.")

    @Option(help: "Manifest size (assets).") var assets = 1_000_000
    @Option(help: "Number of events for the core, durable and replay runs.") var events = 1_000_000
    @Option(help: ArgumentHelp("Write the Markdown report to this file as well.", valueName: "path")) var output: String?
    @Option(help: "Run only these benchmarks (comma-separated: core, import, memory, durable, replay, barcodes, scanners, stream).") var only: String?
    @Option(help: ArgumentHelp("Measure memory only, in this process, for the manifest in this database (used by bench itself).", valueName: "path"))
    var memoryProbe: String?

    func run() async throws {
        if let memoryProbe {
            let result = try Benchmarks.memory(databaseWithManifest: memoryProbe, rows: assets)
            print([result.measured, result.met ? "yes" : "no", result.detail].joined(separator: "\t"))
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-bench-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func say(_ text: String) { FileHandle.standardError.write(Data("bench: \(text)\n".utf8)) }

        say("generating a \(assets)-asset manifest")
        let csvPath = directory + "/manifest.csv"
        let csv = BenchmarkWorkload.manifestCSV(assets: assets, pallets: max(1, assets / 100))
        FileManager.default.createFile(atPath: csvPath, contents: Data(csv))
        let manifest = try ManifestCSV.parse(csv, file: csvPath)
        let workload = BenchmarkWorkload.events(count: events, manifest: manifest)

        let selected = Set((only ?? "core,import,memory,durable,replay,barcodes,scanners,stream").split(separator: ",").map(String.init))
        var results: [BenchmarkResult] = []
        if selected.contains("core") { say("core"); results.append(Benchmarks.core(manifest: manifest, events: workload)) }
        if selected.contains("import") || selected.contains("memory") {
            say("import")
            let result = try Benchmarks.importTime(csvPath: csvPath, rows: assets, directory: directory)
            if selected.contains("import") { results.append(result) }
        }
        if selected.contains("memory") { say("memory (in a fresh process)"); results.append(try memory(database: directory + "/import.sqlite")) }
        if selected.contains("durable") { say("durable"); results.append(try await Benchmarks.durable(manifest: manifest, events: workload, directory: directory)) }
        if selected.contains("replay") { say("replay"); results.append(try await Benchmarks.replay(manifest: manifest, events: workload, directory: directory)) }
        if selected.contains("barcodes") { say("barcodes"); results.append(Benchmarks.barcodes()) }
        if selected.contains("scanners") { say("scanners"); results.append(contentsOf: await Benchmarks.reportDecoding()) }
        if selected.contains("stream") { say("live stream"); results.append(contentsOf: try await Benchmarks.streamLatency()) }

        let report = markdown(results)
        print(report)
        if let output { try report.write(toFile: output, atomically: true, encoding: .utf8) }
    }

    /// Runs the memory probe in a child process, so the figure is not disturbed by this process's heap.
    private func memory(database: String) throws -> BenchmarkResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path) {
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        }
        process.arguments = ["bench", "--assets", "\(assets)", "--memory-probe", database]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let fields = text.trimmingCharacters(in: .newlines).split(separator: "\t", maxSplits: 2).map(String.init)
        guard process.terminationStatus == 0, fields.count == 3 else { throw CommandFailure("memory probe failed: \(text)") }
        return BenchmarkResult(name: "memory: resident bytes per manifest line", measured: fields[0], target: "≤ 300 B",
                               met: fields[1] == "yes", detail: fields[2])
    }

    private func markdown(_ results: [BenchmarkResult]) -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        var lines = [
            "| benchmark | measured | target | met | how |",
            "|---|---|---|---|---|",
        ]
        for result in results {
            lines.append("| \(result.name) | \(result.measured) | \(result.target) | \(result.met ? "yes" : "**no**") | \(result.detail) |")
        }
        return """
            # Benchmarks

            Written by `make bench` (`tally bench --output BENCHMARKS.md` on a release build) from an actual run;
            do not edit by hand. Figures are single-machine measurements, not guarantees.

            ## Results

            Run: `tally bench --assets \(assets) --events \(events)` (release build) on \(UTCTimestamp.format(Date())), \
            \(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)), \
            \(ProcessInfo.processInfo.physicalMemory / 1_073_741_824) GiB.

            \(lines.joined(separator: "\n"))
            """
    }
}
