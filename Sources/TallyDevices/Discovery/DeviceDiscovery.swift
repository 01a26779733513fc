import Foundation

/// A scanner, scale or other USB device found on this machine, matched (or not) to a hardware profile,
/// with the stable identity that configuration binds to a station.
///
/// Two kinds of node are reported:
/// - `usb`: a USB device (`subsystem usb`, `devtype usb_device`), for scanners read through USB HID;
/// - `tty`: a serial port whose parent is a USB device (a USB-serial adapter or a CDC/ACM device), carrying
///   the adapter's USB ids and serial. A USB device that provides ttys is reported through its ttys only.
///
/// Root hubs and hubs are not reported.
public struct DiscoveredDevice: Sendable, Hashable, Codable {
    /// Which kind of device node this is.
    public enum Node: String, Sendable, Hashable, Codable {
        /// A USB device (`/dev/bus/usb/BBB/DDD`).
        case usb
        /// A serial port (`/dev/ttyUSB0`, `/dev/ttyACM0`).
        case tty
    }

    /// One interface of a USB device.
    public struct Interface: Sendable, Hashable, Codable {
        /// `bInterfaceNumber`.
        public var number: Int
        /// `bInterfaceClass` (3 = HID, 2 = CDC, 255 = vendor specific), when known.
        public var interfaceClass: Int?
        /// `bInterfaceSubClass` (1 = boot interface for HID), when known.
        public var subclass: Int?
        /// `bInterfaceProtocol` (1 = keyboard for HID boot), when known.
        public var interfaceProtocol: Int?
        /// The bound kernel driver (`usbhid`, `ftdi_sio`), when any.
        public var driver: String?
        /// What the interface's HID report descriptor declares, read from sysfs (the `hid` device
        /// the kernel driver made under the interface); nil when there is no such device (not HID,
        /// or the driver is unbound, e.g. while Tally reads the device).
        public var hidClass: HIDDeviceClass?

        /// Creates an interface description.
        public init(
            number: Int, interfaceClass: Int? = nil, subclass: Int? = nil, interfaceProtocol: Int? = nil,
            driver: String? = nil, hidClass: HIDDeviceClass? = nil
        ) {
            self.number = number
            self.interfaceClass = interfaceClass
            self.subclass = subclass
            self.interfaceProtocol = interfaceProtocol
            self.driver = driver
            self.hidClass = hidClass
        }
    }

    /// The USB device itself (for a tty: its USB parent, the adapter).
    public struct USB: Sendable, Hashable, Codable {
        /// `idVendor`.
        public var vendorID: HardwareProfile.USBID
        /// `idProduct`.
        public var productID: HardwareProfile.USBID
        /// The `iSerialNumber` string, when the device has one.
        public var serial: String?
        /// The `iManufacturer` string, when any.
        public var manufacturer: String?
        /// The `iProduct` string, when any.
        public var product: String?
        /// USB bus number (`busnum`).
        public var busNumber: Int?
        /// Device address on the bus (`devnum`); changes on every replug.
        public var deviceNumber: Int?
        /// The physical port chain, from the sysfs name (`1-1.4`: bus 1, root port 1, hub port 4).
        public var portPath: String
        /// The sysfs devpath (`/devices/pci0000:00/0000:00:14.0/usb1/1-1.4`).
        public var devpath: String
        /// The usbfs node (`/dev/bus/usb/001/002`), when udev names one.
        public var devnode: String?
        /// The device's interfaces, by number.
        public var interfaces: [Interface]

        /// Creates a USB device description.
        public init(
            vendorID: HardwareProfile.USBID, productID: HardwareProfile.USBID, serial: String? = nil,
            manufacturer: String? = nil, product: String? = nil, busNumber: Int? = nil, deviceNumber: Int? = nil,
            portPath: String, devpath: String, devnode: String? = nil, interfaces: [Interface] = []
        ) {
            self.vendorID = vendorID
            self.productID = productID
            self.serial = serial
            self.manufacturer = manufacturer
            self.product = product
            self.busNumber = busNumber
            self.deviceNumber = deviceNumber
            self.portPath = portPath
            self.devpath = devpath
            self.devnode = devnode
            self.interfaces = interfaces
        }
    }

    /// A serial port of a USB device.
    public struct TTY: Sendable, Hashable, Codable {
        /// The kernel name (`ttyUSB0`).
        public var name: String
        /// The USB interface the port belongs to (`bInterfaceNumber`), when known.
        public var interfaceNumber: Int?
        /// The interface's sysfs name (`1-3:1.0`): port chain, configuration and interface.
        public var interfacePath: String?
        /// The interface's kernel driver (`ftdi_sio`, `cdc_acm`), when known.
        public var driver: String?
        /// The udev symlinks to the port (`/dev/serial/by-id/...`, `/dev/serial/by-path/...`), sorted.
        public var links: [String]

        /// Creates a tty description.
        public init(name: String, interfaceNumber: Int? = nil, interfacePath: String? = nil, driver: String? = nil, links: [String] = []) {
            self.name = name
            self.interfaceNumber = interfaceNumber
            self.interfacePath = interfacePath
            self.driver = driver
            self.links = links
        }

        /// The `/dev/serial/by-id/` link, the name that survives replugging, when udev made one.
        public var byIDLink: String? { links.first { $0.hasPrefix("/dev/serial/by-id/") } }
    }

    /// How a device got its profile.
    public enum MatchKind: String, Sendable, Hashable, Codable {
        /// A hardware profile names its USB ids (and serial, interface).
        case usbID = "usb-id"
        /// No profile names it, but its HID report descriptor declares usage page 0x8C: the
        /// built-in ``GenericHIDPOSProfile`` (with a ``DiscoveredDevice/warning``).
        case hidClass = "hid-class"
    }

    /// USB device or tty.
    public var node: Node
    /// The stable identity: `<profile id>:<usb serial>`, or `<profile id>@<port path>` when the device
    /// has no serial (or shares it with another device). Unmatched devices use `usb-<vid>-<pid>` in place
    /// of the profile id.
    public var identity: String
    /// The matched profile's id (``GenericHIDPOSProfile/id`` for a device matched by its HID class),
    /// or nil when no profile matches.
    public var profileID: String?
    /// How the profile was chosen; nil when no profile matches.
    public var matchedBy: MatchKind?
    /// Something the operator should act on (a device read without a profile), when any.
    public var warning: String?
    /// The matched profile's name.
    public var profileName: String?
    /// The matched profile's kind.
    public var kind: HardwareProfile.Kind?
    /// The matched profile's transport.
    public var transport: HardwareProfile.Transport?
    /// Other profiles that match exactly as specifically as the chosen one (the choice went to the
    /// lowest id). Non-empty means the profile library is ambiguous for this device.
    public var ambiguousWith: [String]
    /// The node to open: `/dev/bus/usb/BBB/DDD` or `/dev/ttyUSB0`.
    public var devnode: String?
    /// This node's sysfs devpath.
    public var devpath: String
    /// The USB device (for a tty, the adapter it hangs off).
    public var usb: USB
    /// The tty, for `tty` nodes.
    public var tty: TTY?

    /// True when a profile matched.
    public var isMatched: Bool { profileID != nil }

    /// Creates a discovered device.
    public init(
        node: Node, identity: String, profileID: String?, profileName: String?, kind: HardwareProfile.Kind?,
        transport: HardwareProfile.Transport?, ambiguousWith: [String], devnode: String?, devpath: String,
        usb: USB, tty: TTY?, matchedBy: MatchKind? = nil, warning: String? = nil
    ) {
        self.node = node
        self.identity = identity
        self.profileID = profileID
        self.matchedBy = matchedBy ?? (profileID == nil ? nil : .usbID)
        self.warning = warning
        self.profileName = profileName
        self.kind = kind
        self.transport = transport
        self.ambiguousWith = ambiguousWith
        self.devnode = devnode
        self.devpath = devpath
        self.usb = usb
        self.tty = tty
    }
}

/// Finds USB devices and USB serial ports with libudev and matches them to hardware profiles.
///
/// Matching: a profile with transport `usb-hid-keyboard` or `usb-hid-pos` can match a USB device; one
/// with transport `serial` can match a tty (through its USB parent's ids). The vid and pid must be equal;
/// a profile that names a serial or an interface matches only that device or interface. When several
/// profiles match, the most specific wins (serial, then interface, then bare vid:pid); among equally
/// specific ones the lowest id wins and the others are listed in ``DiscoveredDevice/ambiguousWith``.
///
/// A USB device that no profile matches but that has a HID interface whose report descriptor (read
/// from sysfs, never by opening the device) declares a top-level collection on usage page 0x8C is
/// unambiguously a barcode scanner: it gets the built-in ``GenericHIDPOSProfile`` and a warning
/// asking for a profile. An unmatched keyboard stays unmatched (it may be the operator's own).
public struct DeviceDiscovery: Sendable {
    /// The profiles to match against.
    public var profiles: [HardwareProfile]

    /// Creates a discovery over `profiles`.
    public init(profiles: [HardwareProfile]) {
        self.profiles = profiles
    }

    /// A device as enumeration found it, before profile matching.
    public struct Found: Sendable, Hashable {
        /// USB device or tty.
        public var node: DiscoveredDevice.Node
        /// This node's sysfs devpath.
        public var devpath: String
        /// The node to open.
        public var devnode: String?
        /// The USB device (a tty's adapter).
        public var usb: DiscoveredDevice.USB
        /// The tty, for `tty` nodes.
        public var tty: DiscoveredDevice.TTY?

        /// Creates a found device.
        public init(node: DiscoveredDevice.Node, devpath: String, devnode: String?, usb: DiscoveredDevice.USB, tty: DiscoveredDevice.TTY? = nil) {
            self.node = node
            self.devpath = devpath
            self.devnode = devnode
            self.usb = usb
            self.tty = tty
        }

        /// The port this node sits on: the tty's interface path (`1-3:1.0`) or the USB port chain (`1-1.4`).
        public var portPath: String { tty?.interfacePath ?? usb.portPath }
    }

    /// Enumerates the machine's devices with libudev and matches them to the profiles.
    ///
    /// - Returns: every reported device, matched or not, sorted by node kind and port path.
    /// - Throws: ``DeviceIOError`` when libudev cannot enumerate.
    public func discover() throws(DeviceIOError) -> [DiscoveredDevice] {
        resolve(try Self.enumerate())
    }

    /// Enumerates USB devices and USB serial ports with libudev, without matching.
    ///
    /// - Throws: ``DeviceIOError`` naming the libudev call that failed.
    public static func enumerate() throws(DeviceIOError) -> [Found] {
        let udev = try UdevContext()
        let usbAttributes = ["idVendor", "idProduct", "serial", "manufacturer", "product", "busnum", "devnum", "bDeviceClass"]
        let interfaceAttributes = ["bInterfaceNumber", "bInterfaceClass", "bInterfaceSubClass", "bInterfaceProtocol"]

        // USB devices, keyed by syspath.
        var devices: [String: (snapshot: UdevSnapshot, usb: DiscoveredDevice.USB)] = [:]
        for syspath in try udev.syspaths(subsystem: "usb", devtype: "usb_device") {
            guard let snapshot = udev.device(syspath: syspath, attributes: usbAttributes),
                  let usb = usbDevice(snapshot) else { continue }
            devices[snapshot.syspath] = (snapshot, usb)
        }

        // Their interfaces.
        for syspath in try udev.syspaths(subsystem: "usb", devtype: "usb_interface") {
            guard let snapshot = udev.device(syspath: syspath, attributes: interfaceAttributes),
                  let interface = usbInterface(snapshot),
                  let parent = udev.ancestor(ofSyspath: syspath, subsystem: "usb", devtype: "usb_device", attributes: []),
                  devices[parent.syspath] != nil else { continue }
            devices[parent.syspath]!.usb.interfaces.append(interface)
        }
        for key in devices.keys {
            devices[key]!.usb.interfaces.sort { $0.number < $1.number }
        }

        // What each HID interface declares: the report descriptors of the `hid` devices the kernel
        // made under the interfaces (sysfs, read as files; the devices are not opened).
        var hidClasses: [String: [HIDDeviceClass]] = [:]
        for syspath in try udev.syspaths(subsystem: "hid") {
            guard let interface = udev.ancestor(ofSyspath: syspath, subsystem: "usb", devtype: "usb_interface", attributes: []),
                  let bytes = try? SysfsBinaryAttribute.read(syspath: syspath, name: "report_descriptor") else { continue }
            hidClasses[interface.syspath, default: []].append(HIDDeviceClass.classify(reportDescriptor: bytes))
        }
        for (interfaceSyspath, classes) in hidClasses {
            guard let parent = udev.ancestor(ofSyspath: interfaceSyspath, subsystem: "usb", devtype: "usb_device", attributes: []),
                  let snapshot = udev.device(syspath: interfaceSyspath, attributes: ["bInterfaceNumber"]),
                  let number = hexInt(snapshot.attributes["bInterfaceNumber"]),
                  let index = devices[parent.syspath]?.usb.interfaces.firstIndex(where: { $0.number == number }) else { continue }
            devices[parent.syspath]!.usb.interfaces[index].hidClass = HIDDeviceClass.strongest(classes)
        }

        // Serial ports with a USB parent.
        var found: [Found] = []
        var withTTYs: Set<String> = []
        for syspath in try udev.syspaths(subsystem: "tty") {
            guard let parent = udev.ancestor(ofSyspath: syspath, subsystem: "usb", devtype: "usb_device", attributes: usbAttributes),
                  let snapshot = udev.device(syspath: syspath, attributes: []) else { continue }
            guard let usb = devices[parent.syspath]?.usb ?? usbDevice(parent) else { continue }
            let interface = udev.ancestor(ofSyspath: syspath, subsystem: "usb", devtype: "usb_interface", attributes: interfaceAttributes)
            withTTYs.insert(parent.syspath)
            let tty = DiscoveredDevice.TTY(
                name: snapshot.sysname,
                interfaceNumber: interface.flatMap { hexInt($0.attributes["bInterfaceNumber"]) },
                interfacePath: interface?.sysname,
                driver: interface?.driver,
                links: snapshot.devlinks)
            found.append(Found(
                node: .tty, devpath: snapshot.devpath, devnode: snapshot.devnode ?? "/dev/\(snapshot.sysname)",
                usb: usb, tty: tty))
        }

        for (syspath, device) in devices where !withTTYs.contains(syspath) {
            let isRootHub = !device.snapshot.sysname.contains("-")
            let isHub = device.snapshot.attributes["bDeviceClass"].flatMap { hexInt($0) } == 9
            if isRootHub || isHub { continue }
            found.append(Found(node: .usb, devpath: device.usb.devpath, devnode: device.usb.devnode, usb: device.usb))
        }
        return found
    }

    /// Matches found devices to the profiles and gives each its identity. Pure: no I/O.
    ///
    /// Identities: `<profile>:<serial>` when the USB device has a serial number (characters other than
    /// letters, digits, `.`, `_` and `-` become `_`), else `<profile>@<port path>`. When two devices would
    /// get the same identity (identical scanners that report the same serial, or one adapter with several
    /// ports), each of them falls back to its port path; ttys that still collide append their tty name.
    public func resolve(_ found: [Found]) -> [DiscoveredDevice] {
        let ordered = found.sorted { lhs, rhs in
            if lhs.node != rhs.node { return lhs.node == .usb }
            if lhs.portPath != rhs.portPath { return Self.portOrder(lhs.portPath, rhs.portPath) }
            return lhs.devpath < rhs.devpath
        }
        var devices: [DiscoveredDevice] = ordered.map { item in
            let candidates = candidates(for: item)
            var chosen = candidates.first
            let ambiguous = candidates.dropFirst()
                .filter { $0.match?.specificity == chosen?.match?.specificity }
                .map(\.id)
            var matchedBy: DiscoveredDevice.MatchKind? = chosen == nil ? nil : .usbID
            var warning: String?
            if chosen == nil, let generic = Self.classMatch(for: item) {
                chosen = generic.profile
                matchedBy = .hidClass
                warning = generic.warning
            }
            let base = chosen?.id ?? "usb-\(item.usb.vendorID)-\(item.usb.productID)"
            let identity: String
            if let serial = item.usb.serial.map(Self.sanitized), !serial.isEmpty {
                identity = "\(base):\(serial)"
            } else {
                identity = "\(base)@\(item.portPath)"
            }
            return DiscoveredDevice(
                node: item.node, identity: identity, profileID: chosen?.id, profileName: chosen?.name,
                kind: chosen?.kind, transport: chosen?.transport, ambiguousWith: Array(ambiguous),
                devnode: item.devnode, devpath: item.devpath, usb: item.usb, tty: item.tty,
                matchedBy: matchedBy, warning: warning)
        }

        // Identical identities fall back to the port path, then (ttys) to the tty name.
        for index in Self.collisions(devices) {
            let base = devices[index].profileID ?? "usb-\(devices[index].usb.vendorID)-\(devices[index].usb.productID)"
            devices[index].identity = "\(base)@\(ordered[index].portPath)"
        }
        for index in Self.collisions(devices) {
            if let tty = devices[index].tty { devices[index].identity += "/\(tty.name)" }
        }
        return devices
    }

    /// The built-in profile and warning for a USB device no profile names, when one of its HID
    /// interfaces declares usage page 0x8C (``HIDDeviceClass/barcodeScanner``); nil otherwise (a tty,
    /// a keyboard, a device whose descriptors could not be read). Pure.
    public static func classMatch(for item: Found) -> (profile: HardwareProfile, warning: String)? {
        guard item.node == .usb, let interface = GenericHIDPOSProfile.scannerInterface(of: item.usb) else { return nil }
        let (vendor, product) = (item.usb.vendorID, item.usb.productID)
        return (
            GenericHIDPOSProfile.profile(vendorID: vendor, productID: product, interface: interface),
            GenericHIDPOSProfile.warning(vendorID: vendor, productID: product, interface: interface))
    }

    /// The profile to read `device` with: the loaded profile discovery chose, or the built-in
    /// ``GenericHIDPOSProfile`` for a device matched by its HID class; nil when unmatched.
    public func profile(for device: DiscoveredDevice) -> HardwareProfile? {
        switch device.matchedBy {
        case .hidClass?: GenericHIDPOSProfile.profile(for: device)
        case .usbID?: profiles.first { $0.id == device.profileID }
        case nil: nil
        }
    }

    /// The profiles that match `item`, best first (most specific, then lowest id).
    public func candidates(for item: Found) -> [HardwareProfile] {
        let interfaceNumbers: [Int] = switch item.node {
        case .usb: item.usb.interfaces.map(\.number)
        case .tty: item.tty?.interfaceNumber.map { [$0] } ?? []
        }
        return profiles
            .filter { profile in
                guard let match = profile.match else { return false }
                switch item.node {
                case .usb: guard profile.transport.isUSBHID else { return false }
                case .tty: guard profile.transport == .serial else { return false }
                }
                return match.matches(
                    vendorID: item.usb.vendorID, productID: item.usb.productID, serial: item.usb.serial,
                    interfaceNumbers: interfaceNumbers)
            }
            .sorted { lhs, rhs in
                let (l, r) = (lhs.match?.specificity ?? 0, rhs.match?.specificity ?? 0)
                return l != r ? l > r : lhs.id < rhs.id
            }
    }

    // MARK: - Helpers

    /// A serial number made safe for identities and `/dev/tally/` link names.
    static func sanitized(_ serial: String) -> String {
        String(serial.unicodeScalars.map { scalar -> Character in
            let allowed = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
            return allowed ? Character(scalar) : "_"
        })
    }

    /// Indices of devices whose identity another device also has.
    static func collisions(_ devices: [DiscoveredDevice]) -> [Int] {
        var counts: [String: Int] = [:]
        for device in devices { counts[device.identity, default: 0] += 1 }
        return devices.indices.filter { counts[devices[$0].identity]! > 1 }
    }

    /// Orders port paths numerically per component (`1-2` before `1-10`).
    static func portOrder(_ lhs: String, _ rhs: String) -> Bool {
        let split: (String) -> [Substring] = { $0.split(whereSeparator: { "-.:".contains($0) }) }
        for (a, b) in zip(split(lhs), split(rhs)) where a != b {
            if let x = Int(a), let y = Int(b) { return x < y }
            return a < b
        }
        return split(lhs).count < split(rhs).count
    }

    static func usbDevice(_ snapshot: UdevSnapshot) -> DiscoveredDevice.USB? {
        guard let vendor = snapshot.attributes["idVendor"].flatMap({ HardwareProfile.USBID(hex: $0) }),
              let product = snapshot.attributes["idProduct"].flatMap({ HardwareProfile.USBID(hex: $0) }) else { return nil }
        let nonEmpty: (String?) -> String? = { value in value.flatMap { $0.isEmpty ? nil : $0 } }
        return DiscoveredDevice.USB(
            vendorID: vendor, productID: product,
            serial: nonEmpty(snapshot.attributes["serial"]),
            manufacturer: nonEmpty(snapshot.attributes["manufacturer"]),
            product: nonEmpty(snapshot.attributes["product"]),
            busNumber: snapshot.attributes["busnum"].flatMap { Int($0) },
            deviceNumber: snapshot.attributes["devnum"].flatMap { Int($0) },
            portPath: snapshot.sysname, devpath: snapshot.devpath, devnode: snapshot.devnode)
    }

    static func usbInterface(_ snapshot: UdevSnapshot) -> DiscoveredDevice.Interface? {
        guard let number = hexInt(snapshot.attributes["bInterfaceNumber"]) else { return nil }
        return DiscoveredDevice.Interface(
            number: number,
            interfaceClass: hexInt(snapshot.attributes["bInterfaceClass"]),
            subclass: hexInt(snapshot.attributes["bInterfaceSubClass"]),
            interfaceProtocol: hexInt(snapshot.attributes["bInterfaceProtocol"]),
            driver: snapshot.driver)
    }

    /// sysfs writes interface numbers and classes as two hex digits.
    static func hexInt(_ text: String?) -> Int? { text.flatMap { Int($0, radix: 16) } }
}

/// What `tally devices --json` prints: the profile directory used and every device found.
public struct DiscoveryReport: Sendable, Codable {
    /// The profile directory the devices were matched against.
    public var profileDirectory: String?
    /// How many profiles were loaded from it.
    public var profileCount: Int
    /// Every device, matched or not.
    public var devices: [DiscoveredDevice]

    /// Creates a report.
    public init(profileDirectory: String?, profileCount: Int, devices: [DiscoveredDevice]) {
        self.profileDirectory = profileDirectory
        self.profileCount = profileCount
        self.devices = devices
    }

    /// The report as pretty-printed JSON with sorted keys (stable for tests and diffs).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
