import Foundation
import Logging
import Synchronization
import TallyCore
import TallyDevices

/// Runs every device the service configuration binds to a station, for as long as the service runs.
///
/// - USB scanners: a ``ScannerHub`` opens each attached scanner (and each one plugged in later); the
///   events of each bound scanner go through its own ``ScannerPipeline`` to the recorder.
/// - Scales behind USB-serial adapters, bound by identity: a ``ScalePipeline`` reads each one from its
///   stable `/dev/serial/by-id` link (its tty otherwise); one plugged in later is started when udev
///   reports it.
/// - Scales on fixed ports (`port:` entries): a ``ScalePipeline`` per port, reopening with backoff.
///
/// Every device's state and counters are kept on the ``DeviceBoard`` for the API. A device that no
/// station lists is read for the `unbound-devices` station when there is one; otherwise it is shown
/// as unbound and never opened (a keyboard-mode scanner stays the kernel's keyboard).
public final class StationDevices: Sendable {
    /// The configuration devices are bound by.
    public let configuration: ServiceConfiguration
    /// The profiles devices are matched and read with.
    public let profiles: [HardwareProfile]
    /// Where device status is kept.
    public let board: DeviceBoard
    private let recorder: CustodyRecorder
    private let logger: Logger

    private struct State {
        var loop: USBEventLoop?
        var hub: ScannerHub?
        var watcher: DeviceWatcher?
        /// Per scanner identity, the stream into its pipeline.
        var scannerInputs: [String: AsyncStream<ScannerEvent>.Continuation] = [:]
        var scannerTasks: [Task<Void, Never>] = []
        /// Per scale identity, its reading task and the path it reads.
        var scales: [String: (path: String, task: Task<Void, Never>)] = [:]
        var warned: Set<String> = []
        var stopped = false
    }
    private let state = Mutex(State())

    /// Creates the runner; nothing is opened before ``start()``.
    public init(configuration: ServiceConfiguration, profiles: [HardwareProfile], recorder: CustodyRecorder, board: DeviceBoard, logger: Logger = Logger(label: "tally.devices")) {
        self.configuration = configuration
        self.profiles = profiles
        self.recorder = recorder
        self.board = board
        self.logger = logger
    }

    /// Starts the fixed-port scales, then the USB side (scanners and USB-serial scales).
    ///
    /// - Returns: problems that kept part of the device layer from starting (udev or libusb
    ///   unavailable); the rest runs regardless.
    @discardableResult
    public func start() -> [String] {
        var problems: [String] = []
        for scale in configuration.fixedPortScales {
            guard let profile = profiles.first(where: { $0.id == scale.profile }) else { continue }  // checked at load
            startScale(identity: scale.identity, station: scale.station, path: scale.path, profile: profile)
        }

        // Bound devices are shown before they are seen, so a missing one is visible.
        for station in configuration.stations {
            for case .identity(let identity) in station.devices where board.status(of: identity) == nil {
                board.register(identity: identity, kind: kindGuess(identity), profile: profileGuess(identity), station: station.name,
                               path: nil, state: .disconnected, detail: "not attached")
            }
        }

        do {
            let loop = try USBEventLoop()
            // A scanner no station lists is never opened: its kernel driver stays bound.
            let configuration = self.configuration
            let hub = ScannerHub(profiles: profiles, loop: loop, shouldRead: { configuration.station(for: $0.identity) != nil })
            state.withLock {
                $0.loop = loop
                $0.hub = hub
            }
            let attached = try hub.start { [weak self] event in self?.scanner(event) }
            for device in attached where ScannerHub.isScanner(device) { noteScanner(device) }
        } catch {
            problems.append("USB scanners are not read: \(error.description)")
            logger.error("USB scanners are not read: \(error.description)")
        }

        do {
            let watcher = DeviceWatcher(profiles: profiles)
            state.withLock { $0.watcher = watcher }
            let attached = try watcher.start { [weak self] change in
                guard case .added(let device) = change else { return }
                self?.appeared(device)
            }
            for device in attached { appeared(device) }
        } catch {
            problems.append("USB-serial scales are not found: \(error.description)")
            logger.error("USB-serial scales are not found: \(error.description)")
        }
        return problems
    }

    /// Stops every device: scale ports closed, scanners given back to the kernel, pipelines drained.
    public func stop() async {
        let (hub, loop, watcher, inputs, scannerTasks, scales) = state.withLock { state in
            state.stopped = true
            let taken = (state.hub, state.loop, state.watcher, Array(state.scannerInputs.values), state.scannerTasks, Array(state.scales.values))
            state.scannerInputs.removeAll()
            state.scales.removeAll()
            return taken
        }
        watcher?.stop()
        for scale in scales { scale.task.cancel() }
        await hub?.stop()
        for input in inputs { input.finish() }
        for task in scannerTasks { await task.value }
        for scale in scales { await scale.task.value }
        loop?.shutdown()
    }

    // MARK: - Scanners

    private func noteScanner(_ device: DiscoveredDevice) {
        let station = configuration.station(for: device.identity)
        guard station != nil else { return noteUnbound(device, kind: "scanner") }
        board.register(identity: device.identity, kind: "scanner", profile: device.profileID, station: station,
                       path: device.devnode, state: station == nil ? .unbound : .disconnected, detail: bindingDetail(device.identity, station: station))
    }

    /// Called by the hub (on its threads) for every scanner event: hands it to the scanner's pipeline.
    private func scanner(_ item: ScannerHub.Event) {
        let identity = item.device.identity
        guard let station = configuration.station(for: identity) else {
            noteUnbound(item.device, kind: "scanner")
            if case .scan(let scan, _) = item.event {
                logger.warning("\(identity): scan \"\(LiveFeedFormatter.visible(scan.rawText))\" not recorded: no station lists this scanner")
            }
            return
        }
        switch item.event {
        case .connected:
            board.register(identity: identity, kind: "scanner", profile: item.device.profileID, station: station,
                           path: item.device.devnode, state: .connected, detail: bindingDetail(identity, station: station))
        case .disconnected(let reason):
            board.set(identity, state: .disconnected, detail: reason)
        case .dropped:
            board.countedErrors(identity)
        case .scan, .warning:
            break
        }
        let input = state.withLock { state -> AsyncStream<ScannerEvent>.Continuation? in
            guard !state.stopped else { return nil }
            if let input = state.scannerInputs[identity] { return input }
            let (events, input) = AsyncStream<ScannerEvent>.makeStream()
            let pipeline = ScannerPipeline(binding: DeviceBinding(station: station, device: identity), recorder: recorder, logger: logger)
            let board = self.board
            state.scannerTasks.append(Task {
                await pipeline.run(events: events) { recorded in
                    if case .scan = recorded.event.event.payload { board.counted(identity, scan: true, at: recorded.event.event.at) }
                }
            })
            state.scannerInputs[identity] = input
            return input
        }
        input?.yield(item.event)
    }

    // MARK: - Scales

    /// A device attached at start or plugged in later: a USB-serial scale is started; an unbound
    /// scanner (which the hub leaves alone) is shown as unbound.
    private func appeared(_ device: DiscoveredDevice) {
        if ScannerHub.isScanner(device), configuration.station(for: device.identity) == nil {
            noteUnbound(device, kind: "scanner")
        }
        serialScaleAppeared(device)
    }

    private func serialScaleAppeared(_ device: DiscoveredDevice) {
        guard device.node == .tty, device.kind == .scale, let devnode = device.devnode,
              let profile = profiles.first(where: { $0.id == device.profileID }) else { return }
        guard let station = configuration.station(for: device.identity) else {
            noteUnbound(device, kind: "scale")
            return
        }
        let path = device.tty?.byIDLink ?? devnode
        let running = state.withLock { $0.scales[device.identity]?.path }
        if running == path { return }  // the pipeline reopens its own path
        startScale(identity: device.identity, station: station, path: path, profile: profile)
    }

    private func startScale(identity: String, station: String, path: String, profile: HardwareProfile) {
        board.register(identity: identity, kind: "scale", profile: profile.id, station: station, path: path,
                       state: .disconnected, detail: "opening")
        let pipeline = ScalePipeline(binding: DeviceBinding(station: station, device: identity), recorder: recorder, logger: logger)
        let board = self.board
        let logger = self.logger
        state.withLock { state in
            guard !state.stopped else { return }
            state.scales[identity]?.task.cancel()
            let task = Task {
                do {
                    try await pipeline.run(path: path, profile: profile, onRecorded: { recorded in
                        if case .weight = recorded.event.event.payload { board.counted(identity, weight: true, at: recorded.event.event.at) }
                    }, onLink: { change in
                        switch change {
                        case .opened(let path): board.set(identity, state: .connected, detail: "reading \(path)")
                        case .lost(let reason): board.set(identity, state: .disconnected, detail: reason)
                        case .frameError: board.countedErrors(identity)
                        }
                    })
                } catch {
                    board.set(identity, state: .disconnected, detail: "cannot be read: \(error)")
                    logger.error("\(identity) on \(path): cannot be read: \(error)")
                }
            }
            state.scales[identity] = (path, task)
        }
    }

    // MARK: - Status helpers

    private func noteUnbound(_ device: DiscoveredDevice, kind: String) {
        let first = state.withLock { $0.warned.insert(device.identity).inserted }
        guard first else { return }
        board.register(identity: device.identity, kind: kind, profile: device.profileID, station: nil, path: device.devnode,
                       state: .unbound, detail: bindingDetail(device.identity, station: nil))
        logger.warning("\(device.identity): no station lists this \(kind); it is not read and nothing it sends is recorded (bind it in the configuration's stations, or set unbound-devices)")
    }

    private func bindingDetail(_ identity: String, station: String?) -> String? {
        guard let station else { return "no station lists it: not read, not recorded" }
        return configuration.lists(identity) ? nil : "not listed by any station: read for \(station) (unbound-devices)"
    }

    private func profileGuess(_ identity: String) -> String? {
        let cut = identity.firstIndex { $0 == ":" || $0 == "@" }
        let id = cut.map { String(identity[..<$0]) } ?? identity
        return profiles.contains { $0.id == id } ? id : nil
    }

    private func kindGuess(_ identity: String) -> String {
        let id = profileGuess(identity)
        return profiles.first { $0.id == id }?.kind.rawValue ?? "device"
    }
}
