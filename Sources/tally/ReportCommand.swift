import ArgumentParser
import Foundation
import TallyCore
import TallyStore

/// `tally report LOAD --format json|csv|html [--output FILE]`: a load's custody report.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a load's custody report: reconciliation, inventory, weights, exceptions, custody chain.",
        discussion: """
            The report is made from the custody log: the log's hash chain is verified first, and the state is \
            rebuilt by replaying exactly the events up to the verified end of the log, so the report carries the \
            log's last seq and hash (check them with `tally log verify`). JSON is pretty with sorted keys; CSV is \
            one RFC 4180 table per section, each after a `# section` line; HTML is one self-contained page that \
            prints cleanly. A broken chain stops the report unless --allow-broken-log is given.
            """
    )

    /// The formats as the command line spells them.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, csv, html
        var reportFormat: ReportFormat {
            switch self {
            case .json: .json
            case .csv: .csv
            case .html: .html
            }
        }
    }

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The load id.")
    var load: String

    @Option(help: "The report format.")
    var format: Format = .json

    @Option(name: [.short, .long], help: ArgumentHelp("Write the report to this file instead of standard output.", valueName: "file"))
    var output: String?

    @Flag(help: "Write the report even when the log's hash chain is broken (the report says so).")
    var allowBrokenLog = false

    func run() async throws {
        let store = try database.open()
        // Verify first, then replay only what was verified: the report's state and its anchor are the same
        // events even while a writer keeps appending.
        let chain = try store.verifyChain()
        if let failure = chain.failure, !allowBrokenLog {
            throw CommandFailure("""
                the custody log \(store.path) is broken at seq \(failure.seq): \(failure.reason); \
                a report could not be checked against it (--allow-broken-log writes one anyway, marked as such)
                """)
        }
        let manifest = try store.manifest()
        guard manifest.load(load) != nil else {
            let known = manifest.loads.map(\.id)
            let list = known.isEmpty ? "the manifest is empty"
                : "known loads: " + known.prefix(10).joined(separator: ", ") + (known.count > 10 ? ", … (\(known.count) in all)" : "")
            throw CommandFailure("no load '\(load)' in \(store.path) (\(list))")
        }

        // The same fold as CustodyRecorder's replay at start: apply every logged event in order.
        var engine = CustodyEngine(manifest: manifest)
        let events = try store.events()
        for recorded in events {
            if chain.isValid, recorded.seq > chain.lastSeq { break }
            _ = engine.apply(recorded)
        }
        let needed = LoadReport.eventsNeedingTimes(load: load, engine: engine)
        var times: [Int64: Date] = [:]
        for recorded in events where needed.contains(recorded.seq) { times[recorded.seq] = recorded.event.at }

        guard let report = LoadReport(load: load, engine: engine, chain: chain, generatedAt: Date(), eventTimes: times) else {
            throw CommandFailure("no load '\(load)' in \(store.path)")
        }
        let text = ReportRenderer.render(report, as: format.reportFormat)
        if let output {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw CommandFailure("\(output): cannot write the report: \(error.localizedDescription)")
            }
            print("wrote the \(format.rawValue) report of load \(load) to \(output) (log seq \(report.log.lastSeq), hash \(report.log.lastHash))")
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        if !chain.isValid {
            FileHandle.standardError.write(Data("warning: \(chain)\n".utf8))
        }
    }
}
