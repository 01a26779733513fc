import ArgumentParser
import Dispatch
import Foundation
import TallyRuntime
import TallyServer
import TallyStore

#if canImport(Glibc)
import Glibc
#endif

/// `tally serve`: the recorder and the HTTP API, live stream and web console in one process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API, the live alert stream and the web console over the custody log.",
        discussion: """
            Users come from --config, a JSON file: {"users": [{"name": "dana", "role": "supervisor", \
            "token_sha256": "<sha-256 hex of the token>"}]} (roles: viewer, operator, supervisor). Without \
            --config, one supervisor token is made for this run and printed. SIGTERM or SIGINT ends every live \
            stream and stops within 2 s. The API is described in docs/api.md.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("The users file (JSON).", valueName: "file"))
    var config: String?

    @Option(help: "The port to listen on (0: any free port).")
    var port: Int = 8080

    @Option(help: "The address to bind.")
    var host: String = "127.0.0.1"

    func run() async throws {
        let store = try database.open()
        let recorder = try CustodyRecorder(store: store)
        var users: UserDirectory
        var madeToken: String?
        if let config {
            users = try UserDirectory(contentsOf: config)
        } else {
            users = UserDirectory()
            let token = UserDirectory.makeToken()
            users.add(User(name: "supervisor", role: .supervisor), token: token)
            madeToken = token
        }
        let stopSignal = TerminationSignal()
        let server = TallyHTTPServer(recorder: recorder, users: users, configuration: ServerConfiguration(host: host, port: port))
        let bound = try await ServerLauncher.start(server, host: host, port: port)
        print("Custody log: \(store.path)")
        print(ServerLauncher.banner(host: host, port: bound, token: madeToken))
        await stopSignal.wait()
        await server.stop(timeout: 1.5)
        print("stopped")
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
