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

    static let text = """
        P: /devices/pci0000:00/0000:00:14.0/usb1
        E: SUBSYSTEM=usb
        E: DEVTYPE=usb_device
        E: DEVNAME=/dev/bus/usb/001/001
        A: busnum=1
        A: devnum=1
        A: idVendor=1d6b
        A: idProduct=0002
        A: bDeviceClass=09
        A: manufacturer=Linux 6.1.0 xhci-hcd
        A: product=xHCI Host Controller

        \(scanner(port: "1-1", devnum: 2, serial: "S20123456"))

        \(scanner(port: "1-2", devnum: 3, serial: "S20999999"))

        P: /devices/pci0000:00/0000:00:14.0/usb1/1-3
        E: SUBSYSTEM=usb
        E: DEVTYPE=usb_device
        E: DEVNAME=/dev/bus/usb/001/004
        A: busnum=1
        A: devnum=4
        A: idVendor=0403
        A: idProduct=6001
        A: serial=A10K3Z9Q
        A: manufacturer=FTDI
        A: product=FT232R USB UART
        A: bDeviceClass=00
        A: speed=12

        P: /devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0
        E: SUBSYSTEM=usb
        E: DEVTYPE=usb_interface
        E: INTERFACE=255/255/255
        A: bInterfaceNumber=00
        A: bInterfaceClass=ff
        A: bInterfaceSubClass=ff
        A: bInterfaceProtocol=ff
        L: driver=../../../../../../bus/usb/drivers/ftdi_sio

        P: /devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0/ttyUSB0/tty/ttyUSB0
        N: ttyUSB0
        E: SUBSYSTEM=tty
        E: DEVNAME=/dev/ttyUSB0
        E: DEVLINKS=/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K3Z9Q-if00-port0 /dev/serial/by-path/pci-0000:00:14.0-usb-0:3:1.0-port0
        A: dev=188:0

        P: /devices/pci0000:00/0000:00:14.0/usb1/1-4
        E: SUBSYSTEM=usb
        E: DEVTYPE=usb_device
        E: DEVNAME=/dev/bus/usb/001/005
        A: busnum=1
        A: devnum=5
        A: idVendor=05e3
        A: idProduct=0610
        A: bDeviceClass=09
        A: product=USB2.0 Hub

        \(scanner(port: "1-4/1-4.1", devnum: 6, serial: nil))

        P: /devices/pci0000:00/0000:00:14.0/usb1/1-5
        E: SUBSYSTEM=usb
        E: DEVTYPE=usb_device
        E: DEVNAME=/dev/bus/usb/001/007
        A: busnum=1
        A: devnum=7
        A: idVendor=046d
        A: idProduct=c52b
        A: manufacturer=Logitech
        A: product=USB Receiver
        A: bDeviceClass=00

        P: /devices/pci0000:00/0000:00:14.0/usb1/1-5/1-5:1.0
        E: SUBSYSTEM=usb
        E: DEVTYPE=usb_interface
        A: bInterfaceNumber=00
        A: bInterfaceClass=03
        A: bInterfaceSubClass=01
        A: bInterfaceProtocol=01
        L: driver=../../../../../../bus/usb/drivers/usbhid

        """

    /// One Zebra scanner in HID keyboard mode at `port` (a path below usb1, e.g. `1-4/1-4.1`).
    static func scanner(port: String, devnum: Int, serial: String?) -> String {
        let node = "bus/usb/001/" + String(repeating: "0", count: 3 - String(devnum).count) + String(devnum)
        let name = String(port.split(separator: "/").last!)
        let depth = port.split(separator: "/").count
        let up = String(repeating: "../", count: 5 + depth)
        var lines = [
            "P: /devices/pci0000:00/0000:00:14.0/usb1/\(port)",
            "N: \(node)=\(scannerDescriptors)",
            "E: SUBSYSTEM=usb",
            "E: DEVTYPE=usb_device",
            "E: DEVNAME=/dev/\(node)",
            "A: busnum=1",
            "A: devnum=\(devnum)",
            "A: idVendor=05e0",
            "A: idProduct=1200",
            "A: manufacturer=Symbol Technologies, Inc, 2008",
            "A: product=Symbol Bar Code Scanner",
            "A: bDeviceClass=00",
            "A: bConfigurationValue=1",
            "A: speed=12",
            "H: descriptors=\(scannerDescriptors)",
        ]
        if let serial { lines.insert("A: serial=\(serial)", at: 8) }
        lines += [
            "",
            "P: /devices/pci0000:00/0000:00:14.0/usb1/\(port)/\(name):1.0",
            "E: SUBSYSTEM=usb",
            "E: DEVTYPE=usb_interface",
            "E: INTERFACE=3/1/1",
            "A: bInterfaceNumber=00",
            "A: bInterfaceClass=03",
            "A: bInterfaceSubClass=01",
            "A: bInterfaceProtocol=01",
            "L: driver=\(up)bus/usb/drivers/usbhid",
        ]
        return lines.joined(separator: "\n")
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
