import ArgumentParser
import Foundation
import Synchronization
import TallyRuntime
import TallyServer

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

    @Option(help: "The port of the web console and API (0: any free port).")
    var port: Int = 8080

    @Flag(name: .customLong("no-serve"), help: "Do not start the web console and API.")
    var noServe = false

    @Flag(name: .customLong("exit"), help: "End when the scenario ends instead of serving until interrupted.")
    var exitAfterScenario = false

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
        let write: @Sendable (String) -> Void = { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        // The server starts once the manifest is in, so the console shows the scenario live.
        let serve = !noServe
        let port = self.port
        let token = UserDirectory.makeToken()
        let started = Mutex<(server: TallyHTTPServer, port: Int)?>(nil)
        let devices = DeviceBoard()
        let termination = serve && !exitAfterScenario ? TerminationSignal() : nil
        let onReady: @Sendable (CustodyRecorder) async throws -> Void = { recorder in
            guard serve else { return }
            var users = UserDirectory()
            users.add(User(name: "supervisor", role: .supervisor), token: token)
            let server = TallyHTTPServer(recorder: recorder, users: users, configuration: ServerConfiguration(port: port), devices: devices)
            let bound = try await ServerLauncher.start(server, host: "127.0.0.1", port: port)
            started.withLock { $0 = (server, bound) }
            write(ServerLauncher.banner(host: "127.0.0.1", port: bound, token: token))
            write("")
        }
        do {
            _ = try await DemoRunner.run(databasePath: path, options: options, output: write, devices: devices, onReady: onReady)
        } catch {
            if let server = started.withLock({ $0?.server }) { await server.stop() }
            throw error
        }
        guard let (server, bound) = started.withLock({ $0 }) else { return }
        if let termination {
            write("")
            write(ServerLauncher.banner(host: "127.0.0.1", port: bound, token: token))
            write("Serving the console until interrupted (Ctrl-C); --exit ends with the scenario.")
            await termination.wait()
        }
        await server.stop(timeout: 1.5)
    }
}
