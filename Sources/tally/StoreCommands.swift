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
                throw ValidationError("\(file): cannot read the file")
            }
            let manifest = try ManifestCSV.parse(Array(data), file: file)
            let store = try CustodyStore(path: try StateLocation.database(database.db))
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
        let store = try CustodyStore(path: try StateLocation.database(database.db))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for alert in try store.alerts() {
            if json {
                print(String(decoding: try encoder.encode(alert), as: UTF8.self))
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
            let store = try CustodyStore(path: try StateLocation.database(database.db))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for recorded in try store.events() {
                let payload = String(decoding: try encoder.encode(recorded.event.payload), as: UTF8.self)
                if json {
                    print("{\"seq\":\(recorded.seq),\"at\":\"\(UTCTimestamp.format(recorded.event.at))\",\"event\":\(payload)}")
                } else {
                    print("#\(recorded.seq) \(UTCTimestamp.format(recorded.event.at)) \(LiveFeedFormatter.visible(payload))")
                }
            }
        }
    }
}
