import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Keeps the set of attached devices current from udev add and remove events.
///
/// ``start(_:)`` opens a udev monitor for the `usb`, `tty` and `hid` subsystems *before* enumerating, so no
/// device plugged in meanwhile is missed, and returns what is attached now. A dedicated thread then
/// waits in `poll()` on the monitor (and on an eventfd that ``stop()`` signals): there is no polling
/// loop, nothing runs until the kernel reports something.
///
/// - An `add` (or `bind`, `change`) event re-enumerates and reports every device not seen before as
///   ``Change/added(_:)``, and a known device that changed identity or profile as removed and added.
/// - A `remove` event reports the known devices at or below the event's devpath as
///   ``Change/removed(_:)`` at once (the device may still be in sysfs while udev reports it).
/// - `hid` events matter because a USB device's HID class (``DiscoveredDevice/Interface/hidClass``)
///   is known only once usbhid has made the `hid` device under its interface. A device matched by
///   its HID class keeps that match while its `hid` device is gone for the same plug-in (same
///   devnode): that is Tally itself having detached usbhid to read it (see ``keepsClassMatch(_:_:)``).
public final class DeviceWatcher: Sendable {
    /// A device that appeared or went away.
    public enum Change: Sendable, Hashable {
        /// A device was plugged in (or its description changed).
        case added(DiscoveredDevice)
        /// A device was unplugged.
        case removed(DiscoveredDevice)

        /// The device concerned.
        public var device: DiscoveredDevice {
            switch self {
            case .added(let device), .removed(let device): device
            }
        }
    }

    /// The profiles devices are matched against.
    public let discovery: DeviceDiscovery

    private struct State {
        var known: [String: DiscoveredDevice] = [:]
        var wakeDescriptor: Int32 = -1
        var running = false
    }
    private let state = Mutex(State())
    private let finished = DispatchSemaphore(value: 0)

    /// Creates a watcher matching devices against `profiles`.
    public init(profiles: [HardwareProfile]) {
        self.discovery = DeviceDiscovery(profiles: profiles)
    }

    /// Starts watching: returns the devices attached now, then calls `handler` (on the watcher's
    /// thread) for every change until ``stop()``.
    ///
    /// - Throws: ``DeviceIOError`` when the monitor cannot be created or the first enumeration fails.
    public func start(_ handler: @escaping @Sendable (Change) -> Void) throws(DeviceIOError) -> [DiscoveredDevice] {
        let monitor = try UdevMonitor(subsystems: ["usb", "tty", "hid"])
        let devices = try discovery.discover()
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { throw DeviceIOError(call: "pipe", device: "udev monitor", code: errno) }
        let wake = pipeEnds[0]
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        state.withLock { state in
            state.known = Dictionary(devices.map { ($0.devpath, $0) }, uniquingKeysWith: { first, _ in first })
            state.wakeDescriptor = pipeEnds[1]
            state.running = true
        }
        let owned = MonitorHandOver(monitor: monitor)
        let thread = Thread { [self] in
            self.watch(owned.monitor, wake: wake, handler: handler)
        }
        thread.start()
        return devices
    }

    /// The devices known now, by devpath.
    public var devices: [DiscoveredDevice] {
        state.withLock { Array($0.known.values) }.sorted { $0.devpath < $1.devpath }
    }

    /// Stops the watcher thread and waits for it. Calling it again does nothing.
    public func stop() {
        let wake = state.withLock { state -> Int32? in
            guard state.running else { return nil }
            state.running = false
            return state.wakeDescriptor
        }
        guard let wake else { return }
        var one: UInt8 = 1
        _ = write(wake, &one, 1)
        finished.wait()
        close(wake)
    }

    // MARK: - The watcher thread

    private func watch(_ monitor: UdevMonitor, wake: Int32, handler: @Sendable (Change) -> Void) {
        var descriptors = [
            pollfd(fd: monitor.fileDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
        ]
        while state.withLock({ $0.running }) {
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if descriptors[1].revents != 0 {
                close(wake)
                break
            }
            guard descriptors[0].revents & Int16(POLLIN) != 0 else { continue }
            var events: [UdevEvent] = []
            while let event = monitor.receive() { events.append(event) }
            for change in changes(for: events) { handler(change) }
        }
        finished.signal()
    }

    /// Applies a burst of events, in order, to the known set and returns the changes. Consecutive
    /// add-like events share one enumeration.
    func changes(for events: [UdevEvent]) -> [Change] {
        var changes: [Change] = []
        var pendingAdd = false
        func enumerate() {
            pendingAdd = false
            guard let current = try? discovery.discover() else { return }
            state.withLock { state in
                for device in current {
                    if let old = state.known[device.devpath] {
                        if Self.keepsClassMatch(old, device) { continue }
                        guard old.identity != device.identity || old.profileID != device.profileID
                            || old.devnode != device.devnode else { continue }
                        changes.append(.removed(old))
                    }
                    state.known[device.devpath] = device
                    changes.append(.added(device))
                }
            }
        }
        for event in events {
            switch event.action {
            case "remove":
                if pendingAdd { enumerate() }
                let removed = state.withLock { state -> [DiscoveredDevice] in
                    let gone = state.known.values.filter { $0.devpath == event.devpath || $0.devpath.hasPrefix(event.devpath + "/") }
                    for device in gone { state.known[device.devpath] = nil }
                    return gone
                }
                changes += removed.sorted { $0.devpath < $1.devpath }.map(Change.removed)
            case "unbind":
                continue
            default:
                pendingAdd = true
            }
        }
        if pendingAdd { enumerate() }
        return changes
    }
}

extension DeviceWatcher {
    /// True when `new` (a fresh enumeration) is `old`, matched by its HID class, seen while its HID
    /// report descriptor cannot be read: same devpath, devnode and USB ids, no profile, and none of
    /// its interfaces has a `hid` device (usbhid is detached, as when Tally reads the device). The
    /// watcher then keeps `old`, so that the scanner being read is not reported removed.
    public static func keepsClassMatch(_ old: DiscoveredDevice, _ new: DiscoveredDevice) -> Bool {
        old.matchedBy == .hidClass && new.matchedBy == nil
            && old.devpath == new.devpath && old.devnode == new.devnode
            && old.usb.vendorID == new.usb.vendorID && old.usb.productID == new.usb.productID
            && new.usb.interfaces.allSatisfy { $0.hidClass == nil }
    }
}

/// Carries the monitor from ``DeviceWatcher/start(_:)`` to the watcher thread.
private struct MonitorHandOver: @unchecked Sendable {
    // @unchecked Sendable: the monitor is created by start() and from then on used only by the
    // watcher thread; start() keeps no reference to it.
    let monitor: UdevMonitor
}
