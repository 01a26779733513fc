import Synchronization

/// Reads every attached USB scanner, and keeps doing so as scanners are plugged and unplugged.
///
/// At ``start(_:)`` the hub starts a ``DeviceWatcher`` and opens each USB device whose profile is
/// a USB HID scanner (`usb-hid-keyboard` or `usb-hid-pos`) as a ``ScannerConnection``. That includes
/// a device no profile names whose HID report descriptor declares usage page 0x8C: discovery gives
/// it the built-in ``GenericHIDPOSProfile``, and the hub reports the device's warning (asking for a
/// profile) as a ``ScannerEvent/warning(_:)`` each time it opens it. An unmatched keyboard is never
/// opened. When udev
/// reports a scanner added, the hub opens it right away, retrying for a while (libusb learns of new
/// devices from its own udev monitor, and udev may still be setting permissions), so a replugged
/// scanner is read again well within a second. When udev reports a scanner removed, its connection
/// reports the partial scan dropped and ``ScannerEvent/disconnected(reason:)``.
///
/// Every event reaches the handler tagged with its device; the handler runs on the USB event
/// thread, the watcher thread or a task, and must only hand the event on (to a stream).
public final class ScannerHub: Sendable {
    /// An event from one scanner.
    public struct Event: Sendable {
        /// The scanner (identity, profile, devnode, USB details).
        public var device: DiscoveredDevice
        /// What happened.
        public var event: ScannerEvent
    }

    /// The profiles scanners are matched against (and decoded with).
    public let profiles: [HardwareProfile]
    private let loop: USBEventLoop
    private let watcher: DeviceWatcher
    /// Delays between open attempts of a device that just appeared, in milliseconds.
    private let retryDelays: [UInt64]
    /// Which scanners to open (the others are left to the kernel, untouched).
    private let shouldRead: @Sendable (DiscoveredDevice) -> Bool

    private struct State {
        var connections: [String: ScannerConnection] = [:]
        /// Bumped when a device is removed, so a late open of the old device is discarded.
        var generations: [String: Int] = [:]
        /// Devices with an open under way, with the generation it is for.
        var opening: [String: Int] = [:]
        /// The tasks opening devices (awaited by ``stop()``).
        var openTasks: [UInt64: Task<Void, Never>] = [:]
        var nextTaskID: UInt64 = 0
        /// Tasks closing unplugged devices (awaited by ``stop()``).
        var closeTasks: [UInt64: Task<Void, Never>] = [:]
        var handler: (@Sendable (Event) -> Void)?
        var stopped = false
    }
    private let state = Mutex(State())

    /// Creates a hub reading with `loop`.
    ///
    /// - Parameter retryDelays: waits between open attempts (default: 0, 25, 50, 100, 200, 300,
    ///   500, 800 ms: about two seconds in all).
    /// - Parameter shouldRead: which scanners to open (default: all); a scanner it refuses is never
    ///   opened, so its kernel driver stays bound and it keeps working as whatever the kernel makes of it.
    public init(
        profiles: [HardwareProfile], loop: USBEventLoop, retryDelays: [UInt64] = [0, 25, 50, 100, 200, 300, 500, 800],
        shouldRead: @escaping @Sendable (DiscoveredDevice) -> Bool = { _ in true }
    ) {
        self.profiles = profiles
        self.loop = loop
        self.watcher = DeviceWatcher(profiles: profiles)
        self.retryDelays = retryDelays
        self.shouldRead = shouldRead
    }

    /// True for the devices the hub reads: USB nodes matched to a USB HID scanner profile (by USB
    /// ids, or by HID class for ``GenericHIDPOSProfile``).
    public static func isScanner(_ device: DiscoveredDevice) -> Bool {
        device.node == .usb && device.kind == .scanner && device.transport?.isUSBHID == true
    }

    /// Starts watching and opens the scanners attached now (asynchronously: their
    /// ``ScannerEvent/connected(mode:interface:detachedKernelDriver:)`` events follow).
    ///
    /// - Returns: every device attached now (scanners and others).
    /// - Throws: ``DeviceIOError`` when udev cannot be monitored or enumerated.
    @discardableResult
    public func start(_ handler: @escaping @Sendable (Event) -> Void) throws(DeviceIOError) -> [DiscoveredDevice] {
        state.withLock { $0.handler = handler }
        let devices = try watcher.start { [weak self] change in self?.changed(change) }
        for device in devices where Self.isScanner(device) && shouldRead(device) { open(device) }
        return devices
    }

    /// The scanners being read now.
    public var connections: [ScannerConnection] {
        state.withLock { Array($0.connections.values) }.sorted { $0.device.devpath < $1.device.devpath }
    }

    /// Stops watching and closes every scanner (interfaces released, kernel drivers re-attached).
    public func stop() async {
        watcher.stop()
        let (connections, tasks) = state.withLock { state -> ([ScannerConnection], [Task<Void, Never>]) in
            state.stopped = true
            let all = Array(state.connections.values)
            state.connections.removeAll()
            return (all, Array(state.openTasks.values) + Array(state.closeTasks.values))
        }
        for task in tasks {
            task.cancel()
            await task.value  // an open that finishes now sees `stopped` and closes what it opened
        }
        for connection in connections { await connection.stop() }
    }

    // MARK: - Changes

    private func emit(_ device: DiscoveredDevice, _ event: ScannerEvent) {
        let handler = state.withLock { $0.handler }
        handler?(Event(device: device, event: event))
    }

    private func changed(_ change: DeviceWatcher.Change) {
        switch change {
        case .added(let device):
            if Self.isScanner(device) && shouldRead(device) { open(device) }
        case .removed(let device):
            let connection = state.withLock { state -> ScannerConnection? in
                state.generations[device.devpath, default: 0] += 1
                return state.connections.removeValue(forKey: device.devpath)
            }
            guard let connection else { return }
            track(\.closeTasks) { await connection.disconnect(reason: "unplugged (udev remove \(device.devpath))") }
        }
    }

    /// Runs `body` in a task kept in `tasks` until it ends, so that ``stop()`` can wait for it.
    private func track(_ tasks: WritableKeyPath<State, [UInt64: Task<Void, Never>]> & Sendable, _ body: @escaping @Sendable () async -> Void) {
        state.withLock { state in
            let id = state.nextTaskID
            state.nextTaskID += 1
            state[keyPath: tasks][id] = Task { [weak self] in
                await body()
                _ = self?.state.withLock { $0[keyPath: tasks].removeValue(forKey: id) }
            }
        }
    }

    private func open(_ device: DiscoveredDevice) {
        let profile = watcher.discovery.profile(for: device)
        let generation = state.withLock { state -> Int? in
            let generation = state.generations[device.devpath, default: 0]
            let reading = state.connections[device.devpath].map { !$0.hasEnded } ?? false
            guard !state.stopped, !reading, state.opening[device.devpath] != generation else { return nil }
            state.opening[device.devpath] = generation
            return generation
        }
        guard let generation else { return }
        if let warning = device.warning { emit(device, .warning(warning)) }
        let delays = retryDelays
        track(\.openTasks) { [self] in
            defer {
                state.withLock { state in
                    if state.opening[device.devpath] == generation { state.opening[device.devpath] = nil }
                }
            }
            var lastError: DeviceIOError?
            for delay in delays {
                if delay > 0 { try? await Task.sleep(for: .milliseconds(delay)) }
                guard !Task.isCancelled, self.isCurrent(device, generation) else { return }
                do throws(DeviceIOError) {
                    let connection = try await ScannerConnection.open(device, profile: profile, on: loop) { [weak self] event in
                        self?.emit(device, event)
                        // Ended by itself (libusb saw the device go, or it kept failing): forget it, so
                        // that the device is opened again when udev reports it back.
                        if case .disconnected = event { self?.forget(device, generation) }
                    }
                    let kept = state.withLock { state -> Bool in
                        guard !state.stopped, state.generations[device.devpath, default: 0] == generation else { return false }
                        state.connections[device.devpath] = connection
                        return true
                    }
                    if !kept { await connection.stop() }
                    return
                } catch {
                    lastError = error
                }
            }
            if let lastError, self.isCurrent(device, generation) {
                emit(device, .warning("cannot read \(device.identity): \(lastError)"))
            }
        }
    }

    private func forget(_ device: DiscoveredDevice, _ generation: Int) {
        state.withLock { state in
            guard state.generations[device.devpath, default: 0] == generation,
                  state.connections[device.devpath]?.hasEnded == true else { return }
            state.connections[device.devpath] = nil
            state.generations[device.devpath, default: 0] += 1
        }
    }

    private func isCurrent(_ device: DiscoveredDevice, _ generation: Int) -> Bool {
        state.withLock { !$0.stopped && $0.generations[device.devpath, default: 0] == generation }
    }
}
