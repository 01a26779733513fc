import ArgumentParser
import Foundation
import TallyRuntime

#if canImport(Glibc)
import Glibc
#endif

/// `tally demo`: the main job on an embedded default, with no hardware and no setup.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Load a truck end to end: sample manifest, simulated scanner and scale, live alerts, reconciliation.",
        discussion: """
            The built-in manifest (docs/sample-manifest.csv: load L-2611-A, 3 pallets, 40 assets) is imported into \
            a SQLite file. A simulated USB keyboard-wedge scanner sends HID boot reports that the real decoder reads; \
            a simulated Mettler Toledo MT-SICS scale answers on a pseudo-terminal that the real termios port and \
            protocol driver read. Every scan and weight goes through the validation core into the custody log, \
            and the alerts appear as they happen. The run ends with the reconciliation of the sealed load.
            """
    )

    @Option(help: ArgumentHelp("The SQLite database file (default: a new file in a temporary directory).", valueName: "path"))
    var db: String?

    @Option(help: "How many times faster than real life the scenario plays (0: as fast as possible).")
    var speed: Double = 10

    @Option(help: ArgumentHelp("Play the whole scenario in about this many seconds instead (0: as fast as possible).", valueName: "seconds"))
    var duration: Double?

    @Flag(inversion: .prefixedNo, help: "Colour the live feed (default: on when stdout is a terminal).")
    var colour: Bool?

    func validate() throws {
        if speed < 0 { throw ValidationError("--speed must be 0 or more") }
        if let duration, duration < 0 { throw ValidationError("--duration must be 0 or more") }
    }

    func run() async throws {
        let path: String
        if let db {
            path = db
        } else {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-demo-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            path = directory.appendingPathComponent("tally.sqlite").path
        }
        let options = DemoOptions(speed: speed, duration: duration, colour: colour ?? (isatty(STDOUT_FILENO) == 1))
        _ = try await DemoRunner.run(databasePath: path, options: options) { line in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }
}
