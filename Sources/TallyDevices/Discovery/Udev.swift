import CUdev
#if canImport(Glibc)
import Glibc
#endif

/// What libudev said about one device, copied out into Swift values.
///
/// Nothing here points into libudev: the snapshot stays valid after the device and the context are gone.
struct UdevSnapshot: Sendable, Hashable {
    /// `/sys/devices/.../1-1`.
    var syspath: String
    /// The last path component (`1-1`, `1-1:1.0`, `ttyUSB0`).
    var sysname: String
    /// The syspath without `/sys` (`/devices/.../1-1`).
    var devpath: String
    /// `usb`, `tty`, ...
    var subsystem: String?
    /// `usb_device`, `usb_interface`, or nil.
    var devtype: String?
    /// `/dev/bus/usb/001/002`, `/dev/ttyUSB0`, or nil.
    var devnode: String?
    /// The bound kernel driver (`usbhid`, `ftdi_sio`), or nil.
    var driver: String?
    /// The sysfs attributes that were asked for and exist (values trimmed).
    var attributes: [String: String]
    /// The udev properties (`DEVLINKS`, `ID_SERIAL`, ...).
    var properties: [String: String]
    /// The device's symlinks in `/dev` (from the udev database and the `DEVLINKS` property), sorted.
    var devlinks: [String]
}

/// The one owner of a libudev context: every libudev object created through it is released before the
/// call that created it returns, so callers only ever see ``UdevSnapshot`` values.
///
/// Not `Sendable`: a libudev context must not be used from two threads at once. Create one where it is
/// needed (it is cheap) and let it go.
final class UdevContext {
    private let udev: OpaquePointer

    /// Creates a libudev context.
    ///
    /// - Throws: ``DeviceIOError`` naming `udev_new` when libudev cannot start.
    init() throws(DeviceIOError) {
        guard let udev = udev_new() else {
            throw DeviceIOError(call: "udev_new", device: "udev", code: errno == 0 ? ENOMEM : errno)
        }
        self.udev = udev
    }

    deinit {
        udev_unref(udev)
    }

    /// The syspaths of every device in `subsystem` (and `devtype`, when given), in libudev's order.
    ///
    /// - Throws: ``DeviceIOError`` naming the failing libudev call.
    func syspaths(subsystem: String, devtype: String? = nil) throws(DeviceIOError) -> [String] {
        let target = devtype.map { "\(subsystem)/\($0)" } ?? subsystem
        guard let enumerate = udev_enumerate_new(udev) else {
            throw DeviceIOError(call: "udev_enumerate_new", device: target, code: errno == 0 ? ENOMEM : errno)
        }
        defer { udev_enumerate_unref(enumerate) }
        var result = udev_enumerate_add_match_subsystem(enumerate, subsystem)
        if result < 0 { throw DeviceIOError(call: "udev_enumerate_add_match_subsystem", device: target, code: -result) }
        if let devtype {
            result = udev_enumerate_add_match_property(enumerate, "DEVTYPE", devtype)
            if result < 0 { throw DeviceIOError(call: "udev_enumerate_add_match_property", device: target, code: -result) }
        }
        result = udev_enumerate_scan_devices(enumerate)
        if result < 0 { throw DeviceIOError(call: "udev_enumerate_scan_devices", device: target, code: -result) }
        return Self.names(udev_enumerate_get_list_entry(enumerate)).map(\.name)
    }

    /// A snapshot of the device at `syspath`, or nil when it has gone (unplugged since the scan).
    ///
    /// - Parameter attributes: the sysfs attributes to read.
    func device(syspath: String, attributes: [String]) -> UdevSnapshot? {
        guard let device = udev_device_new_from_syspath(udev, syspath) else { return nil }
        defer { udev_device_unref(device) }
        return Self.snapshot(device, attributes: attributes)
    }

    /// A snapshot of the nearest ancestor of the device at `syspath` in `subsystem`/`devtype`, or nil
    /// when the device has gone or has no such ancestor.
    func ancestor(ofSyspath syspath: String, subsystem: String, devtype: String?, attributes: [String]) -> UdevSnapshot? {
        guard let device = udev_device_new_from_syspath(udev, syspath) else { return nil }
        defer { udev_device_unref(device) }
        // The parent is owned by the child (libudev docs): it is not unreferenced here.
        guard let parent = udev_device_get_parent_with_subsystem_devtype(device, subsystem, devtype) else { return nil }
        return Self.snapshot(parent, attributes: attributes)
    }

    // MARK: - Copying out

    private static func snapshot(_ device: OpaquePointer, attributes: [String]) -> UdevSnapshot? {
        guard let syspath = string(udev_device_get_syspath(device)) else { return nil }
        var values: [String: String] = [:]
        for name in attributes {
            if let value = string(udev_device_get_sysattr_value(device, name)) {
                values[name] = value.trimmingSpaces()
            }
        }
        var properties: [String: String] = [:]
        for entry in names(udev_device_get_properties_list_entry(device)) {
            properties[entry.name] = entry.value ?? ""
        }
        var links = Set(names(udev_device_get_devlinks_list_entry(device)).map(\.name))
        if let property = properties["DEVLINKS"] {
            for link in property.split(separator: " ") where !link.isEmpty { links.insert(String(link)) }
        }
        return UdevSnapshot(
            syspath: syspath,
            sysname: string(udev_device_get_sysname(device)) ?? String(syspath.split(separator: "/").last ?? ""),
            devpath: string(udev_device_get_devpath(device)) ?? syspath,
            subsystem: string(udev_device_get_subsystem(device)),
            devtype: string(udev_device_get_devtype(device)),
            devnode: string(udev_device_get_devnode(device)),
            driver: string(udev_device_get_driver(device)),
            attributes: values,
            properties: properties,
            devlinks: links.sorted())
    }

    /// Walks a libudev list (borrowed from its owner) into names and values.
    private static func names(_ first: OpaquePointer?) -> [(name: String, value: String?)] {
        var result: [(name: String, value: String?)] = []
        var entry = first
        while let current = entry {
            if let name = string(udev_list_entry_get_name(current)) {
                result.append((name, string(udev_list_entry_get_value(current))))
            }
            entry = udev_list_entry_get_next(current)
        }
        return result
    }

    private static func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}

private extension String {
    /// Without leading and trailing spaces, tabs and newlines (sysfs values end in a newline; some
    /// serial numbers are space-padded).
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.isWhitespace { scalars = scalars.dropLast() }
        return String(scalars)
    }
}

// MARK: - Monitoring

/// One uevent from the udev monitor, copied out of libudev.
struct UdevEvent: Sendable, Hashable {
    /// `add`, `remove`, `bind`, `unbind`, `change`, ...
    var action: String
    /// `/devices/.../1-1` (without `/sys`).
    var devpath: String
    /// `usb`, `tty`, ...
    var subsystem: String?
    /// `usb_device`, `usb_interface`, or nil.
    var devtype: String?
    /// The device node, when it has one.
    var devnode: String?
}

/// The one owner of a libudev monitor (the `udev` netlink source: events after udev has processed
/// them, so device nodes and links exist): created with the subsystems to watch, read when its
/// file descriptor is readable. Event-driven: the owner waits in `poll()` on ``fileDescriptor``.
///
/// Not `Sendable`, like ``UdevContext``: use it from one thread.
final class UdevMonitor {
    private let udev: OpaquePointer
    private let monitor: OpaquePointer

    /// Creates a monitor for `subsystems` and starts receiving.
    ///
    /// - Throws: ``DeviceIOError`` naming the failing libudev call.
    init(subsystems: [String]) throws(DeviceIOError) {
        guard let udev = udev_new() else {
            throw DeviceIOError(call: "udev_new", device: "udev", code: errno == 0 ? ENOMEM : errno)
        }
        guard let monitor = udev_monitor_new_from_netlink(udev, "udev") else {
            let code = errno == 0 ? ENOMEM : errno
            udev_unref(udev)
            throw DeviceIOError(call: "udev_monitor_new_from_netlink", device: "udev", code: code)
        }
        self.udev = udev
        self.monitor = monitor
        for subsystem in subsystems {
            let result = udev_monitor_filter_add_match_subsystem_devtype(monitor, subsystem, nil)
            if result < 0 {
                throw DeviceIOError(call: "udev_monitor_filter_add_match_subsystem_devtype", device: subsystem, code: -result)
            }
        }
        let result = udev_monitor_enable_receiving(monitor)
        if result < 0 { throw DeviceIOError(call: "udev_monitor_enable_receiving", device: "udev", code: -result) }
    }

    deinit {
        udev_monitor_unref(monitor)
        udev_unref(udev)
    }

    /// The descriptor to `poll()` for readability.
    var fileDescriptor: Int32 { udev_monitor_get_fd(monitor) }

    /// The next pending event, or nil when none is pending (it does not block).
    func receive() -> UdevEvent? {
        guard let device = udev_monitor_receive_device(monitor) else { return nil }
        defer { udev_device_unref(device) }
        func string(_ pointer: UnsafePointer<CChar>?) -> String? { pointer.map { String(cString: $0) } }
        return UdevEvent(
            action: string(udev_device_get_action(device)) ?? "change",
            devpath: string(udev_device_get_devpath(device)) ?? "",
            subsystem: string(udev_device_get_subsystem(device)),
            devtype: string(udev_device_get_devtype(device)),
            devnode: string(udev_device_get_devnode(device)))
    }
}
