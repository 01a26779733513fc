import ArgumentParser
import Foundation
import TallyCore
import TallyRuntime
import TallyStore

extension DatabaseOptions {
    /// Opens the database and replays its log into a recorder.
    func recorder() throws -> CustodyRecorder { try CustodyRecorder(store: try open()) }
}

/// Records one command event and prints what it did, or fails with the core's reason.
func recordCommand(_ payload: EventPayload, _ database: DatabaseOptions) async throws {
    let recorder = try database.recorder()
    let outcome = try await recorder.record(CustodyEvent(at: Date(), payload))
    for line in LiveFeedFormatter(colour: false).lines(for: outcome) { print(line) }
}

/// `tally load …`: loads, their progress, and the commands that change them.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "List, inspect, assign, seal and transfer loads.",
        subcommands: [List.self, Show.self, Assign.self, Seal.self, Transfer.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every load with its progress and open alerts.")
        @OptionGroup var database: DatabaseOptions
        @Flag(help: "One JSON object per line.") var json = false

        func run() async throws {
            let state = try await database.recorder().state()
            for load in state.manifest.loads {
                guard let r = Reconciliation(load: load.id, engine: state) else { continue }
                let weighed = r.pallets.filter { $0.measuredWeight != nil }.count
                let open = state.alerts.filter { $0.load == load.id && $0.state != .resolved }.count
                let status = r.seal.map { "sealed \($0.seal)" } ?? "open"
                if json {
                    struct Line: Encodable { let load: String; let status: String; let pallets, palletsWeighed, expected, scanned, missing, unexpected, unresolvedAlerts: Int }
                    print(try jsonLine(Line(load: load.id, status: r.seal == nil ? "open" : "sealed", pallets: r.pallets.count, palletsWeighed: weighed,
                                            expected: r.expected, scanned: r.scanned, missing: r.missing, unexpected: r.unexpected.count, unresolvedAlerts: open)))
                } else {
                    print("\(load.id)  \(status)  pallets \(weighed)/\(r.pallets.count) weighed  assets \(r.scanned)/\(r.expected) scanned  \(r.unexpected.count) unexpected  \(open) unresolved alerts")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A load's reconciliation, alerts and custody chain.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The load id.") var load: String

        func run() async throws {
            let state = try await database.recorder().state()
            guard let reconciliation = Reconciliation(load: load, engine: state) else { throw CommandFailure("no load \(load) in the manifest") }
            let formatter = LiveFeedFormatter(colour: false)
            let alerts = state.alerts.filter { $0.load == load }
            for line in formatter.summary(reconciliation, alerts: alerts) { print(line) }
            if let details = state.manifest.load(load), details.site != nil || details.carrier != nil || details.dockDoor != nil {
                print("  planned: site \(details.site ?? "-"), carrier \(details.carrier ?? "-"), dock door \(details.dockDoor ?? "-")")
            }
            for alert in alerts where alert.state != .resolved {
                print("  #\(alert.id) \(alert.state.rawValue) \(alert.code.rawValue) [\(alert.severity.rawValue)] \(alert.subject): \(alert.message)")
            }
            for link in state.custody[load] ?? [] {
                print("  custody \(UTCTimestamp.format(link.at)): \(link.transfer.from) → \(link.transfer.to)"
                      + (link.transfer.place.map { " at \($0)" } ?? "") + ", signed \(link.transfer.signature)")
            }
        }
    }

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a load the active load of a station (dock door).")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The load id.") var load: String
        @Option(help: "The station (dock door).") var station: String
        @Option(help: "Who gives the command.") var user: String?

        func run() async throws { try await recordCommand(.assign(station: station, load: load, user: user), database) }
    }

    struct Seal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seal a load. Refused while it has open critical alerts, unless --override gives a supervisor's reason.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The load id.") var load: String
        @Option(help: "The seal number.") var seal: String
        @Option(help: "Who seals it.") var user: String
        @Option(help: "The carrier.") var carrier: String?
        @Option(help: "The driver.") var driver: String?
        @Option(help: "Why the load is sealed despite open critical alerts.") var override: String?

        func run() async throws {
            try await recordCommand(.seal(SealOrder(load: load, seal: seal, carrier: carrier, driver: driver, user: user, override: override)), database)
            let state = try await database.recorder().state()
            if let reconciliation = Reconciliation(load: load, engine: state) {
                for line in LiveFeedFormatter(colour: false).summary(reconciliation, alerts: state.alerts.filter { $0.load == load }) { print(line) }
            }
        }
    }

    struct Transfer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a custody transfer of a load.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The load id.") var load: String
        @Option(help: "Who hands it over.") var from: String
        @Option(help: "Who takes it.") var to: String
        @Option(help: "Where.") var place: String?
        @Option(help: "The signature text.") var signature: String
        @Option(help: "Who records the transfer.") var user: String?

        func run() async throws {
            try await recordCommand(.transfer(CustodyTransfer(load: load, from: from, to: to, place: place, signature: signature, user: user)), database)
        }
    }
}

/// `tally ack ALERT`.
struct AckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ack", abstract: "Acknowledge an alert.")
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The alert number.") var alert: Int64
    @Option(help: "Who acknowledges it.") var user: String
    @Option(name: [.customLong("note"), .customLong("reason")], help: "A note (why it is acknowledged, what will be done).") var note: String?

    func run() async throws { try await recordCommand(.acknowledge(alert: alert, user: user, note: note), database) }
}

/// `tally resolve ALERT --reason …`.
struct ResolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve", abstract: "Resolve an alert with a reason.",
        discussion: "Reasons: \(ResolutionReason.allCases.map(\.rawValue).joined(separator: ", ")). 'accepted' and 'other' need --note.")
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The alert number.") var alert: Int64
    @Option(help: "Why it is resolved.") var reason: String
    @Option(help: "Who resolves it.") var user: String
    @Option(help: "A note.") var note: String?

    func run() async throws {
        guard let reason = ResolutionReason(rawValue: reason) else {
            throw ValidationError("unknown reason '\(reason)' (\(ResolutionReason.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        try await recordCommand(.resolve(alert: alert, user: user, reason: reason, note: note), database)
    }
}

/// One alert as `tally replay --json` and `tally alerts --json` print it: every field present, null where none.
struct AlertLine: Encodable {
    let alert: Alert

    enum Key: String, CodingKey { case id, seq, code, severity, state, load, pallet, subject, station, device, candidate, message }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(alert.id, forKey: .id)
        try c.encode(alert.seq, forKey: .seq)
        try c.encode(alert.code.rawValue, forKey: .code)
        try c.encode(alert.severity.rawValue, forKey: .severity)
        try c.encode(alert.state.rawValue, forKey: .state)
        for (key, value) in [(Key.load, alert.load), (.pallet, alert.pallet), (.station, alert.station), (.device, alert.device), (.candidate, alert.candidate)] {
            if let value { try c.encode(value, forKey: key) } else { try c.encodeNil(forKey: key) }
        }
        try c.encode(alert.subject, forKey: .subject)
        try c.encode(alert.message, forKey: .message)
    }
}

/// Reads a manifest file (CSV or JSON) into a value, or fails naming the file.
func readManifest(_ file: String) throws -> Manifest {
    guard let data = FileManager.default.contents(atPath: file) else {
        throw CommandFailure("\(file): cannot read the file (missing, a directory, or no permission)")
    }
    return try ManifestImport.parse(bytes: Array(data), file: file)
}

/// Feeds an events file through the recorder, printing each outcome; returns how many lines failed.
func feedEvents(
    _ source: String, into recorder: CustodyRecorder, onRecorded: (Int, RecordedOutcome) -> Void
) async throws -> Int {
    let handle: FileHandle
    if source == "-" {
        handle = .standardInput
    } else {
        guard let opened = FileHandle(forReadingAtPath: source) else { throw CommandFailure("\(source): cannot open the events file") }
        handle = opened
    }
    let name = source == "-" ? "<stdin>" : source
    var failures = 0
    for await batch in EventLineReader.batches(from: handle) {
        var parsed: [(line: Int, event: CustodyEvent)] = []
        for line in batch {
            do {
                guard let event = try ReplayFormat.parse(Substring(line.text), line: line.number, file: name) else { continue }
                parsed.append((line.number, CustodyEvent(at: event.at ?? Date(), event.payload)))
            } catch {
                failures += 1
                FileHandle.standardError.write(Data("\(error)\n".utf8))
            }
        }
        let results = await recorder.record(contentsOf: parsed.map(\.event))
        for (item, result) in zip(parsed, results) {
            switch result {
            case .success(let outcome): onRecorded(item.line, outcome)
            case .failure(let error):
                failures += 1
                FileHandle.standardError.write(Data("\(name):\(item.line): \(error)\n".utf8))
            }
        }
    }
    return failures
}

/// `tally replay`: a scenario through the same core and log, in a temporary database.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run an events file against a manifest through the core and a temporary log; print the alerts.",
        discussion: "The events format is documented in docs/replay-format.md. Exit status 65 when a line was bad or refused.")

    @Option(help: "The manifest (CSV or JSON).") var manifest: String
    @Option(help: "The events file (JSON lines), or - for standard input.") var events: String
    @Flag(help: "One JSON object per alert.") var json = false
    @Option(help: ArgumentHelp("Keep the log in this database instead of a temporary one.", valueName: "path")) var db: String?

    func run() async throws {
        let expected = try readManifest(manifest)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-replay-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { if db == nil { try? FileManager.default.removeItem(at: directory) } }
        let store = try CustodyStore(path: db ?? directory.appendingPathComponent("replay.sqlite").path)
        let recorder = try CustodyRecorder(store: store)
        try await recorder.importManifest(expected, source: manifest)
        let formatter = LiveFeedFormatter(colour: false)
        let failures = try await feedEvents(events, into: recorder) { _, outcome in
            if json {
                for alert in outcome.outcome.alerts { print((try? jsonLine(AlertLine(alert: alert))) ?? "") }
            } else {
                for line in formatter.lines(for: outcome) { print(line) }
            }
        }
        if failures > 0 { throw ExitCode(65) }
    }
}

/// `tally ingest`: append events from a file or standard input to the custody log, acknowledging each after commit.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Record events (JSON lines, docs/replay-format.md) into the custody log; print `ok SEQ LINE` after each commit.")

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The events file, or - for standard input.") var events: String = "-"

    func run() async throws {
        let recorder = try database.recorder()
        let failures = try await feedEvents(events, into: recorder) { line, outcome in
            FileHandle.standardOutput.write(Data("ok \(outcome.event.seq) \(line)\n".utf8))
        }
        if failures > 0 { throw ExitCode(65) }
    }
}
