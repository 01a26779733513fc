import Foundation
import Hummingbird
import Logging
import Synchronization
import TallyCore
import TallyRuntime
import TallyStore

/// Where and how the server listens.
public struct ServerConfiguration: Sendable {
    /// The address to bind (loopback by default: the console is for the dock office's own machine).
    public var host: String
    /// The port (0: any free port; the bound port is returned by ``TallyHTTPServer/start()``).
    public var port: Int
    /// Seconds between heartbeat comments on the live stream.
    public var heartbeatSeconds: Double
    /// How many messages a live-stream client may have waiting before it is dropped.
    public var streamBufferCapacity: Int

    /// Creates a configuration.
    public init(host: String = "127.0.0.1", port: Int = 8080, heartbeatSeconds: Double = 15, streamBufferCapacity: Int = 1024) {
        self.host = host
        self.port = port
        self.heartbeatSeconds = heartbeatSeconds
        self.streamBufferCapacity = streamBufferCapacity
    }
}

/// The HTTP API, live stream and web console over one recorder (Hummingbird 2).
///
/// `start()` binds and returns the port; `stop()` ends every live stream and the server.
public final class TallyHTTPServer: Sendable {
    public let recorder: CustodyRecorder
    public let users: UserDirectory
    public let configuration: ServerConfiguration
    /// The live-stream fan-out.
    public let hub: StreamHub
    /// The devices and their status (`GET /api/v1/devices`, `/metrics`).
    public let devices: DeviceBoard
    private let tasks = Mutex<[Task<Void, Never>]>([])
    private let serverTask = Mutex<Task<Void, any Error>?>(nil)

    /// Creates a server over `recorder` for `users`, showing the devices on `devices`.
    public init(recorder: CustodyRecorder, users: UserDirectory, configuration: ServerConfiguration = .init(), devices: DeviceBoard = DeviceBoard()) {
        self.recorder = recorder
        self.users = users
        self.configuration = configuration
        self.devices = devices
        hub = StreamHub(bufferCapacity: configuration.streamBufferCapacity)
    }

    /// Starts listening and the live-stream feed; returns the bound port.
    public func start() async throws -> Int {
        // Seed the per-type counters from the log, then follow the recorder.
        var counts: [String: Int] = [:]
        let subscription = await recorder.updates()
        let seededUpTo = await recorder.eventCount()
        try recorder.store.forEachEvent { counts[$0.event.payload.type, default: 0] += $0.seq <= seededUpTo ? 1 : 0 }
        hub.seed(eventsByType: counts)
        let hub = self.hub
        let pump = Task {
            for await outcome in subscription where outcome.event.seq > seededUpTo { hub.publish(outcome) }
        }
        let interval = configuration.heartbeatSeconds
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(interval))
                if Task.isCancelled { break }
                hub.heartbeat()
            }
        }
        tasks.withLock { $0 += [pump, heartbeat] }

        var logger = Logger(label: "tally.server")
        // Hummingbird logs the cancelled child channels of a stop at error level: only critical failures are news here.
        logger.logLevel = .critical
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: APIRoutes(server: self).router(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "tally"),
            onServerRunning: { channel in
                portSink.yield(channel.localAddress?.port ?? 0)
                portSink.finish()
            },
            logger: logger)
        let task = Task {
            defer { portSink.finish() }
            try await app.run()
        }
        serverTask.withLock { $0 = task }
        for await port in ports { return port }
        // The server ended before it listened: report why.
        if case .failure(let error) = await task.result { throw error }
        throw APIError(.internalServerError, "the server stopped before it listened")
    }

    /// Ends every live stream, then the server; returns once it stopped or after `timeout` seconds.
    public func stop(timeout: Double = 1.5) async {
        hub.close()
        for task in tasks.withLock({ $0 }) { task.cancel() }
        guard let task = serverTask.withLock({ $0 }) else { return }
        task.cancel()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { _ = await task.result }
            group.addTask { try? await Task.sleep(for: .seconds(timeout)) }
            _ = await group.next()
            group.cancelAll()
        }
    }

    /// Runs until the server ends (after ``stop(timeout:)``, or on a failure).
    public func wait() async throws {
        guard let task = serverTask.withLock({ $0 }) else { return }
        try await task.value
    }
}
