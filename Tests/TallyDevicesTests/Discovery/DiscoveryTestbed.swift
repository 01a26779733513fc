import TallyTestSupport

/// An umockdev device description (`umockdev-record` text format) of a dock PC's USB bus:
///
/// | port  | device |
/// |-------|--------|
/// | usb1  | root hub 1d6b:0002 (not reported) |
/// | 1-1   | Zebra scanner 05e0:1200, serial S20123456, HID boot keyboard interface |
/// | 1-2   | an identical Zebra scanner, serial S20999999 |
/// | 1-3   | FTDI FT232R 0403:6001, serial A10K3Z9Q, with its tty ttyUSB0 (reported as the tty only) |
/// | 1-4   | a hub, class 09 (not reported) |
/// | 1-4.1 | a third identical Zebra scanner with no serial number, behind the hub |
/// | 1-5   | a Logitech receiver 046d:c52b (matches no profile) |
///
/// `descriptors` holds the 18-byte device descriptor and the configuration (one HID boot-keyboard
/// interface, interrupt IN endpoint 0x81) so that libusb can open the scanners too.
enum DiscoveryTestbed {
    static let scannerDescriptors =
        "1201000200000040E0050012000101020301090222000101008032090400000103010100092111010001223F000705810308000A"

    static let text = UmockdevTestbed(
        [
            .usbRootHub().attribute("manufacturer", "Linux 6.1.0 xhci-hcd").attribute("product", "xHCI Host Controller"),
        ]
            + scanner(port: "1-1", devnum: 2, serial: "S20123456")
            + scanner(port: "1-2", devnum: 3, serial: "S20999999")
            + ftdiAdapter(ttyLinks: [
                "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K3Z9Q-if00-port0",
                "/dev/serial/by-path/pci-0000:00:14.0-usb-0:3:1.0-port0",
            ])
            + [
                .usbDevice("\(UmockdevDevice.usbBus)/1-4", devnum: 5, vendorID: 0x05E3, productID: 0x0610)
                    .attribute("bDeviceClass", "09").attribute("product", "USB2.0 Hub"),
            ]
            + scanner(port: "1-4/1-4.1", devnum: 6, serial: nil)
            + [
                .usbDevice("\(UmockdevDevice.usbBus)/1-5", devnum: 7, vendorID: 0x046D, productID: 0xC52B)
                    .attribute("manufacturer", "Logitech").attribute("product", "USB Receiver").attribute("bDeviceClass", "00"),
                .usbInterface("\(UmockdevDevice.usbBus)/1-5/1-5:1.0", interfaceClass: (3, 1, 1), interfaceProperty: false, driver: "usbhid"),
            ]
    ).text

    /// One Zebra scanner in HID keyboard mode at `port` (a path below usb1, e.g. `1-4/1-4.1`): the device and its
    /// HID boot-keyboard interface.
    static func scanner(port: String, devnum: Int, serial: String?) -> [UmockdevDevice] {
        let devpath = "\(UmockdevDevice.usbBus)/\(port)"
        let name = String(port.split(separator: "/").last!)
        return [
            .usbDevice(devpath, devnum: devnum, vendorID: 0x05E0, productID: 0x1200, descriptors: scannerDescriptors)
                .attribute("serial", ifPresent: serial)
                .attribute("manufacturer", "Symbol Technologies, Inc, 2008").attribute("product", "Symbol Bar Code Scanner")
                .attribute("bDeviceClass", "00").attribute("bConfigurationValue", "1").attribute("speed", "12"),
            .usbInterface("\(devpath)/\(name):1.0", interfaceClass: (3, 1, 1), driver: "usbhid"),
        ]
    }

    /// The FTDI FT232R adapter at port 1-3 (serial A10K3Z9Q), its interface and its tty ttyUSB0 (with `ttyLinks`).
    static func ftdiAdapter(ttyLinks: [String]) -> [UmockdevDevice] {
        let devpath = "\(UmockdevDevice.usbBus)/1-3"
        return [
            .usbDevice(devpath, devnum: 4, vendorID: 0x0403, productID: 0x6001)
                .attribute("serial", "A10K3Z9Q").attribute("manufacturer", "FTDI").attribute("product", "FT232R USB UART")
                .attribute("bDeviceClass", "00").attribute("speed", "12"),
            .usbInterface("\(devpath)/1-3:1.0", interfaceClass: (0xFF, 0xFF, 0xFF), driver: "ftdi_sio"),
            .tty("\(devpath)/1-3:1.0/ttyUSB0/tty/ttyUSB0", name: "ttyUSB0", links: ttyLinks).attribute("dev", "188:0"),
        ]
    }

    /// A site profile that pins the testbed's FTDI adapter (by serial) as the dock-3 scale.
    static let siteScaleProfile = """
        name: Dock 3 floor scale (IND570 on FTDI adapter A10K3Z9Q)
        kind: scale
        transport: serial
        match:
          vid: "0403"
          pid: "6001"
          serial: A10K3Z9Q
        serial:
          baud: 9600
        scale:
          protocol: mt-sics
          poll-command: "SI\\r\\n"
          poll-interval-ms: 200
          division: "0.5"
          unit: kg
          capacity: "1500"
          stability: {readings: 3, ms: 600}
        source:
          - title: Site installation record
            where: dock 3, adapter label
        """
}
