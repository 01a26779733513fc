import ArgumentParser
import Dispatch
import Foundation
import TallyDevices
import TallyRuntime
import TallyServer
import TallyStore

#if canImport(Glibc)
import Glibc
#endif

/// `tally serve`: the devices, the recorder, and the HTTP API, live stream and web console in one process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the bound devices, the custody log, the HTTP API, the live alert stream and the web console.",
        discussion: """
            The configuration (YAML) comes from --config, else $TALLY_CONFIG, else /etc/tally/tally.yaml when it \
            exists: API users and their roles, which device serves which station, and optionally the database, \
            profile directory, host and port (config/tally.yaml in the checkout is a commented sample). Without \
            users in it, one supervisor token is made for this run and printed. Scanners and scales the \
            configuration binds to stations are read and recorded; devices no station lists are ignored with a \
            warning unless unbound-devices names a station. GET /api/v1/devices shows them. --db, --profiles, \
            --host and --port override the file. SIGTERM or SIGINT stops the devices, ends every live stream, \
            flushes the log and exits 0 within 2 s. The API is described in docs/api.md.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("The service configuration file (YAML).", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("The hardware profile directory.", valueName: "dir"))
    var profiles: String?

    @Option(help: "The port to listen on (0: any free port; default 8080).")
    var port: Int?

    @Option(help: "The address to bind (default 127.0.0.1).")
    var host: String?

    @Flag(name: .customLong("no-devices"), help: "Serve the API only: read no scanners or scales.")
    var noDevices = false

    func run() async throws {
        var settings = ServiceConfiguration()
        if let file = ServiceConfiguration.locate(explicit: config) {
            do {
                settings = try ServiceConfiguration.load(file: file)
            } catch {
                throw CommandFailure(error.description)
            }
        }
        let host = self.host ?? settings.host
        let port = self.port ?? settings.port
        let store = try CustodyStore(path: try StateLocation.database(database.db ?? settings.database))
        let recorder = try CustodyRecorder(store: store)

        var users = UserDirectory(hashedUsers: settings.users.map { ($0.user, $0.tokenSHA256) })
        var madeToken: String?
        if settings.users.isEmpty {
            let token = UserDirectory.makeToken()
            users.add(User(name: "supervisor", role: .supervisor), token: token)
            madeToken = token
        }

        let board = DeviceBoard()
        var stations: StationDevices?
        if !noDevices {
            let profiles = try loadProfiles(explicit: self.profiles ?? settings.profiles)
            do {
                try settings.check(profiles: profiles)
            } catch {
                throw CommandFailure(error.description)
            }
            let devices = StationDevices(configuration: settings, profiles: profiles, recorder: recorder, board: board)
            for problem in devices.start() { FileHandle.standardError.write(Data("tally serve: \(problem)\n".utf8)) }
            stations = devices
        }

        let stopSignal = TerminationSignal()
        let server = TallyHTTPServer(recorder: recorder, users: users, configuration: ServerConfiguration(host: host, port: port), devices: board)
        let bound: Int
        do {
            bound = try await ServerLauncher.start(server, host: host, port: port)
        } catch {
            await stations?.stop()
            throw error
        }
        say("Custody log: \(store.path)")
        if let file = settings.file { say("Configuration: \(file)") }
        if stations != nil {
            let bound = settings.stations.reduce(0) { $0 + $1.devices.count }
            say("Devices: \(bound) bound to \(settings.stations.count) station\(settings.stations.count == 1 ? "" : "s") (GET /api/v1/devices)")
        }
        say(ServerLauncher.banner(host: host, port: bound, token: madeToken))
        await stopSignal.wait()
        // Devices first, so their last events reach the log before the streams end; a device that does not
        // let go within 0.8 s (a wedged USB transfer) does not hold up the exit.
        if let stations, !(await Self.finishes(within: .milliseconds(800), { await stations.stop() })) {
            FileHandle.standardError.write(Data("tally serve: the devices did not stop within 0.8 s; exiting anyway\n".utf8))
        }
        await server.stop(timeout: 1.0)
        say("stopped")
    }

    /// Runs `work` and returns true when it ends within `limit`, false (leaving it running) otherwise.
    static func finishes(within limit: Duration, _ work: @escaping @Sendable () async -> Void) async -> Bool {
        let (outcomes, sink) = AsyncStream<Bool>.makeStream()
        Task {
            await work()
            sink.yield(true)
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            sink.yield(false)
        }
        var finished = false
        for await outcome in outcomes {
            finished = outcome
            break
        }
        timer.cancel()
        return finished
    }

    /// One line on standard output, written at once (`print` would hold it in a buffer when the output is
    /// a pipe or the journal).
    private func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// The profiles from `explicit`, else the usual search; none (with a warning) when there is no directory.
    private func loadProfiles(explicit: String?) throws -> [HardwareProfile] {
        guard let location = ProfileLocator().locate(explicit: explicit) else {
            FileHandle.standardError.write(Data("tally serve: no hardware profile directory found: only fixed-port scales can be read\n".utf8))
            return []
        }
        let validation = ProfileLoader.validate(directories: [location.directory])
        guard validation.isValid else {
            throw CommandFailure(validation.errors.map(\.description).joined(separator: "\n"))
        }
        return validation.profiles
    }
}

/// Starts a server with a message that says what to do when the port is taken.
enum ServerLauncher {
    static func start(_ server: TallyHTTPServer, host: String, port: Int) async throws -> Int {
        do {
            return try await server.start()
        } catch {
            throw CommandFailure("cannot listen on \(host):\(port): \(error) (another server running? give --port N)")
        }
    }

    static func banner(host: String, port: Int, token: String?) -> String {
        var lines = ["Console: http://\(host):\(port)/" + (token.map { "#token=\($0)" } ?? "")]
        lines.append("API: http://\(host):\(port)/api/v1 (docs/api.md)")
        if let token { lines.append("Supervisor token for this run: \(token)") }
        return lines.joined(separator: "\n")
    }
}

/// SIGTERM and SIGINT as something to await (the default handlers are replaced while it exists).
final class TerminationSignal {
    private let sources: [any DispatchSourceSignal]
    private let stream: AsyncStream<Int32>

    init() {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    /// Returns once either signal arrives.
    func wait() async {
        for await _ in stream { return }
    }
}
