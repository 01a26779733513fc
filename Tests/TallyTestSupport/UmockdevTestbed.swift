import Foundation

/// One device of an umockdev testbed description (the `umockdev-record` text format): its sysfs devpath
/// (`P:`) and its records in order: `N:` device node, `E:` udev property, `A:` sysfs attribute,
/// `H:` binary sysfs attribute (hex), `L:` sysfs link. Built by chaining, e.g.
/// `UmockdevDevice("/devices/…/1-3").property("SUBSYSTEM", "usb").attribute("busnum", "1")`.
public struct UmockdevDevice: Sendable {
    /// The device's sysfs path below /sys (`/devices/…`).
    public let devpath: String
    /// The device's records, `P:` first.
    public private(set) var lines: [String]

    /// A device with no records but its path.
    public init(_ devpath: String) {
        self.devpath = devpath
        lines = ["P: \(devpath)"]
    }

    private func adding(_ line: String) -> Self {
        var copy = self
        copy.lines.append(line)
        return copy
    }

    /// Its device node below /dev (`bus/usb/001/002`), with the node's contents as hex if any.
    public func node(_ name: String, contents hex: String? = nil) -> Self { adding("N: \(name)" + (hex.map { "=\($0)" } ?? "")) }
    /// A udev property.
    public func property(_ key: String, _ value: String) -> Self { adding("E: \(key)=\(value)") }
    /// A sysfs attribute.
    public func attribute(_ key: String, _ value: String) -> Self { adding("A: \(key)=\(value)") }
    /// A sysfs attribute when `value` is not nil.
    public func attribute(_ key: String, ifPresent value: String?) -> Self { value.map { attribute(key, $0) } ?? self }
    /// A binary sysfs attribute, its bytes as hex.
    public func binaryAttribute(_ key: String, hex: String) -> Self { adding("H: \(key)=\(hex)") }
    /// A sysfs link, its target relative to the device's directory.
    public func link(_ key: String, _ target: String) -> Self { adding("L: \(key)=\(target)") }

    /// The device's paragraph: its records, one a line, each ended by a newline.
    public var text: String { lines.joined(separator: "\n") + "\n" }
}

/// The USB devices of the testbeds, on bus 1 of an xHCI controller.
extension UmockdevDevice {
    /// The devpath of USB bus 1 (its root hub).
    public static let usbBus = "/devices/pci0000:00/0000:00:14.0/usb1"

    /// `/dev/bus/usb/001/<devnum>`, without `/dev/`.
    public static func usbNode(devnum: Int) -> String { "bus/usb/001/" + String(format: "%03d", devnum) }

    /// A USB device on bus 1: subsystem, type, device node name, bus and device numbers, vendor and product.
    /// With `node` (or `descriptors`), its device node too; with `descriptors` (hex), the node's contents and
    /// the `descriptors` attribute (so that libusb can open it).
    public static func usbDevice(
        _ devpath: String, devnum: Int, vendorID: UInt16, productID: UInt16, node: Bool = false, descriptors: String? = nil
    ) -> Self {
        var device = UmockdevDevice(devpath)
        if node || descriptors != nil { device = device.node(usbNode(devnum: devnum), contents: descriptors) }
        device = device.property("SUBSYSTEM", "usb").property("DEVTYPE", "usb_device")
            .property("DEVNAME", "/dev/" + usbNode(devnum: devnum))
            .attribute("busnum", "1").attribute("devnum", "\(devnum)")
            .attribute("idVendor", String(format: "%04x", vendorID)).attribute("idProduct", String(format: "%04x", productID))
        if let descriptors { device = device.binaryAttribute("descriptors", hex: descriptors) }
        return device
    }

    /// Bus 1's root hub (Linux Foundation 1d6b:0002, hub class 09, device 1).
    public static func usbRootHub() -> Self {
        usbDevice(usbBus, devnum: 1, vendorID: 0x1D6B, productID: 0x0002).attribute("bDeviceClass", "09")
    }

    /// Interface 0 of a USB device, of class/subclass/protocol `interfaceClass`; with its `INTERFACE` property
    /// (`3/1/1`) unless `interfaceProperty` is false, and bound to `driver` (a sysfs `driver` link) if given.
    public static func usbInterface(
        _ devpath: String, interfaceClass: (UInt8, UInt8, UInt8), interfaceProperty: Bool = true, driver: String? = nil
    ) -> Self {
        let (base, sub, proto) = interfaceClass
        var device = UmockdevDevice(devpath).property("SUBSYSTEM", "usb").property("DEVTYPE", "usb_interface")
        if interfaceProperty { device = device.property("INTERFACE", "\(base)/\(sub)/\(proto)") }
        device = device.attribute("bInterfaceNumber", "00")
            .attribute("bInterfaceClass", String(format: "%02x", base))
            .attribute("bInterfaceSubClass", String(format: "%02x", sub))
            .attribute("bInterfaceProtocol", String(format: "%02x", proto))
        if let driver {
            // Relative to the device's directory /sys<devpath>: up to /sys, then to the driver.
            let up = String(repeating: "../", count: devpath.split(separator: "/").count)
            device = device.link("driver", "\(up)bus/usb/drivers/\(driver)")
        }
        return device
    }

    /// A tty device node `/dev/<name>` (e.g. a USB-serial adapter's `ttyUSB0`), with its `DEVLINKS` if any.
    public static func tty(_ devpath: String, name: String, links: [String] = []) -> Self {
        var device = UmockdevDevice(devpath).node(name).property("SUBSYSTEM", "tty").property("DEVNAME", "/dev/\(name)")
        if !links.isEmpty { device = device.property("DEVLINKS", links.joined(separator: " ")) }
        return device
    }
}

/// A whole umockdev testbed description: devices, one paragraph each, separated by blank lines.
public struct UmockdevTestbed: Sendable {
    /// The devices, parents before their children.
    public var devices: [UmockdevDevice]

    public init(_ devices: [UmockdevDevice] = []) { self.devices = devices }

    /// The description, as `umockdev-run --device` reads it.
    public var text: String { devices.map(\.text).joined(separator: "\n") }
}
