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
            abstract: "Import a CSV manifest (docs/manifest-format.md). Any bad row rejects the whole file.")

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The CSV file.") var file: String

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CommandFailure("\(file): cannot read the file (missing, a directory, or no permission)")
            }
            let manifest = try ManifestCSV.parse(Array(data), file: file)
            let store = try database.open()
            let count = try store.importManifest(manifest, source: file)
            print("imported \(count) assets on \(manifest.pallets.count) pallets in \(manifest.loads.count) load(s) from \(file) into \(store.path)")
        }
    }
}

/// `tally alerts`: the alerts recorded so far.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "alerts", abstract: "List recorded alerts.")

    @OptionGroup var database: DatabaseOptions
    @Flag(help: "One JSON object per line.") var json = false

    func run() async throws {
        let store = try database.open()
        for alert in try store.alerts() {
            if json {
                print(try jsonLine(alert))
            } else {
                print("#\(alert.seq) \(alert.code.rawValue) [\(alert.severity.rawValue)] \(alert.subject): \(alert.message)")
            }
        }
    }
}

/// `tally log show`: the custody log.
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "Read the custody log.", subcommands: [Show.self])

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
