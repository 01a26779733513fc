import ArgumentParser
import Foundation
import TallyCore
import TallyRuntime
import TallyStore

/// `tally manifest import FILE`: atomic import of an expected manifest.
struct ManifestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest", abstract: "Import expected manifests.", subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a CSV or JSON manifest (docs/manifest-format.md). Any bad row rejects the whole file.",
            discussion: "The format follows the file's extension (.csv, .json), else its first character. A progress bar is drawn when standard error is a terminal.")

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The manifest file (CSV or JSON).") var file: String

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CommandFailure("\(file): cannot read the file (missing, a directory, or no permission)")
            }
            let bytes = Array(data)
            if ManifestImport.format(of: bytes, file: file) == .csv {
                // CSV: rows are written while the rest of the file is read (one transaction all the same).
                let store = try database.open()
                let reading = TerminalProgress("importing \(file)")
                let manifest: Manifest
                do {
                    manifest = try store.importManifest(source: file, expectedAssets: bytes.count / 80) { deliver in
                        try ManifestCSV.parse(bytes, file: file, progress: { reading.update($0, $1) }, assets: deliver)
                    }
                    reading.finish()
                } catch {
                    reading.finish()
                    throw error
                }
                print("imported \(manifest.assets.count) assets on \(manifest.pallets.count) pallets in \(manifest.loads.count) load(s) from \(file) into \(store.path)")
                return
            }
            let reading = TerminalProgress("reading \(file)")
            let manifest: Manifest
            do {
                manifest = try ManifestImport.parse(bytes: bytes, file: file) { reading.update($0, $1) }
                reading.finish()
            } catch {
                reading.finish()
                throw error
            }
            let store = try database.open()
            let writing = TerminalProgress("writing \(manifest.assets.count) assets")
            let count = try store.importManifest(manifest, source: file) { writing.update($0, $1) }
            writing.finish()
            print("imported \(count) assets on \(manifest.pallets.count) pallets in \(manifest.loads.count) load(s) from \(file) into \(store.path)")
        }
    }
}

/// `tally alerts`: the alerts recorded so far.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "alerts", abstract: "List recorded alerts.")

    @OptionGroup var database: DatabaseOptions
    @Flag(help: "One JSON object per line.") var json = false
    @Flag(help: "Only alerts not yet resolved (open or acknowledged).") var open = false
    @Option(help: "Only this load's alerts.") var load: String?
    @Option(help: "Only alerts in this state (open, acknowledged, resolved).") var state: String?
    @Option(help: "Only alerts of this severity (info, warning, critical).") var severity: String?

    func run() async throws {
        let wantedState = try state.map { text in
            guard let value = AlertState(rawValue: text) else { throw ValidationError("--state must be open, acknowledged or resolved") }
            return value
        }
        let wantedSeverity = try severity.map { text in
            guard let value = AlertSeverity(rawValue: text) else { throw ValidationError("--severity must be info, warning or critical") }
            return value
        }
        let store = try database.open()
        for alert in try store.alerts() {
            if open, alert.state == .resolved { continue }
            if let load, alert.load != load { continue }
            if let wantedState, alert.state != wantedState { continue }
            if let wantedSeverity, alert.severity != wantedSeverity { continue }
            if json {
                print(try jsonLine(AlertLine(alert: alert)))
            } else {
                print("#\(alert.id) \(alert.state.rawValue) \(alert.code.rawValue) [\(alert.severity.rawValue)] \(alert.subject): \(alert.message)")
            }
        }
    }
}

/// `tally log show`: the custody log.
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "Read and verify the custody log.", subcommands: [Show.self, Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hash chain of the whole log; name the first bad sequence number if any row was edited, deleted or reordered.")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let store = try database.open()
            let report = try store.verifyChain()
            if let failure = report.failure {
                FileHandle.standardError.write(Data("\(store.path): log verification FAILED at seq \(failure.seq): \(failure.reason) (\(report.checked) events verified before it)\n".utf8))
                throw ExitCode(1)
            }
            print("\(store.path): \(report.checked) events, hash chain intact; last seq \(report.lastSeq), hash \(report.lastHash)")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every event of the log in order.")

        @OptionGroup var database: DatabaseOptions
        @Flag(help: "One JSON object per line.") var json = false

        func run() async throws {
            let store = try database.open()
            for recorded in try store.events() {
                let payload = try jsonLine(recorded.event.payload)
                if json {
                    print("{\"seq\":\(recorded.seq),\"at\":\"\(UTCTimestamp.format(recorded.event.at))\",\"event\":\(payload)}")
                } else {
                    print("#\(recorded.seq) \(UTCTimestamp.format(recorded.event.at)) \(LiveFeedFormatter.visible(payload))")
                }
            }
        }
    }
}

extension DatabaseOptions {
    /// Opens the custody database this option names (or the default state location).
    func open() throws -> CustodyStore { try CustodyStore(path: try StateLocation.database(db)) }
}

/// A JSON string literal for `text`: quotes, backslashes and control characters escaped (for the
/// commands that write their JSON lines by hand, in a fixed key order).
func jsonQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
}

/// One value as a compact JSON line with sorted keys.
func jsonLine(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// A command that failed on its input: printed as `Error: <message>`, exit status 1, no usage text.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
