import Foundation
import TallyTestSupport
import XCTest
@testable import TallyDevices

/// The generated rules run by the real udev (systemd-udevd 252's `udevadm test`) against emulated devices.
///
/// `udevadm verify` does not exist before systemd 253, and `udevadm test` reads the system's rules
/// directories and writes links and its database under /dev and /run. So the test runs it as root in a
/// private mount namespace (`unshare --mount`) where /etc/udev/rules.d, /run and /dev are fresh tmpfs
/// mounts (and /etc/group gains a tally group when the machine has none), under umockdev, which emulates
/// a Zebra scanner (USB device, HID interface, keyboard input device) and an FTDI adapter's tty. Nothing
/// outside the namespace changes. Skipped when not root, when a tool is missing, or when the machine
/// does not allow a mount namespace.
final class UdevRulesUdevadmTests: XCTestCase {
    static let usb = "/sys/devices/pci0000:00/0000:00:14.0/usb1"
    static let scanner = "\(usb)/1-1"
    static let input = "\(usb)/1-1/1-1:1.0/0003:05E0:1200.0001/input/input7"
    static let event = "\(input)/event7"
    static let tty = "\(usb)/1-3/1-3:1.0/ttyUSB0/tty/ttyUSB0"

    func testUdevAppliesTheGeneratedRules() throws {
        guard getuid() == 0 else { throw XCTSkip("udevadm test in a mount namespace needs root") }
        var tools: [String: String] = [:]
        for tool in ["unshare", "udevadm", "umockdev-run", "mount"] {
            guard let path = ChildProcessRunner.which(tool) else { throw XCTSkip("\(tool) is not installed") }
            tools[tool] = path
        }

        let directory = try ScratchDirectory.make("udevadm")
        defer { try? FileManager.default.removeItem(at: directory) }
        let profiles = try ProfileLoader.load(directory: ProfileFixtures.shippedDirectory) + [UdevRulesTests.adapterScale]
        try UdevRules.generate(profiles: profiles).write(to: directory.appendingPathComponent(UdevRules.fileName), atomically: true, encoding: .utf8)
        var group = try String(contentsOfFile: "/etc/group", encoding: .utf8)
        if !group.split(separator: "\n").contains(where: { $0.hasPrefix("tally:") }) {
            if !group.hasSuffix("\n") { group += "\n" }
            group += "tally:x:64999:\n"
        }
        try group.write(to: directory.appendingPathComponent("group"), atomically: true, encoding: .utf8)
        try Self.devices.write(to: directory.appendingPathComponent("devices.umockdev"), atomically: true, encoding: .utf8)
        let d = directory.path
        let script = """
            set -e
            mount -t tmpfs tmpfs /etc/udev/rules.d
            cp \(d)/\(UdevRules.fileName) /etc/udev/rules.d/
            mount --bind \(d)/group /etc/group
            mount -t tmpfs tmpfs /run
            mkdir \(d)/dev
            mount --rbind /dev \(d)/dev
            mount -t tmpfs tmpfs /dev
            for n in null zero full random urandom tty; do touch /dev/$n; mount --bind \(d)/dev/$n /dev/$n; done
            mkdir /dev/pts; mount --bind \(d)/dev/pts /dev/pts; ln -s pts/ptmx /dev/ptmx
            umount -l \(d)/dev
            \(tools["umockdev-run"]!) -d \(d)/devices.umockdev -- sh -c '
              for device in \(Self.scanner) \(Self.input) \(Self.event) \(Self.tty); do
                echo "@@@ $device"; \(tools["udevadm"]!) test --action=add $device 2>&1
              done
              echo "@@@ inhibited"; cat \(Self.input)/inhibited; echo'
            echo "@@@ links"
            for link in /dev/tally/*; do echo "$link -> $(readlink $link)"; done
            """
        try script.write(to: directory.appendingPathComponent("run.sh"), atomically: true, encoding: .utf8)

        let output = try Self.run(tools["unshare"]!, ["--mount", "--propagation", "private", "sh", "\(d)/run.sh"], in: directory)
        if output.status != 0, output.text.contains("unshare failed") || output.text.contains("Operation not permitted") {
            throw XCTSkip("no mount namespace here: \(output.text.prefix(300))")
        }
        XCTAssertEqual(output.status, 0, output.text)
        let sections = Self.sections(output.text)
        let rulesPath = "/etc/udev/rules.d/\(UdevRules.fileName)"

        // udevd read the file without a complaint (its diagnostics name the file at the start of a line).
        let complaints = output.text.split(separator: "\n").filter { $0.hasPrefix(rulesPath + ":") }
        XCTAssertEqual(complaints, [], "udev rejected lines of the generated rules")
        XCTAssertTrue(output.text.contains("Reading rules file: \(rulesPath)"), output.text)

        // The scanner's USB device: group tally, 0660, tagged, linked by its serial.
        let scanner = try XCTUnwrap(sections[Self.scanner], output.text)
        XCTAssertTrue(scanner.contains("\(rulesPath):") && scanner.contains(" MODE 0660"), scanner)
        XCTAssertTrue(scanner.contains(" GROUP "), scanner)
        XCTAssertTrue(scanner.contains("ID_TALLY_PROFILE=zebra-ds2208\n"), scanner)
        XCTAssertTrue(scanner.contains("ID_TALLY_KIND=scanner\n"), scanner)
        let scannerLink = UdevRules.linkName(kind: .scanner, profileID: "zebra-ds2208", serial: "S21EP0123", portPath: "1-1")
        XCTAssertEqual(scannerLink, "/dev/tally/scanner-zebra-ds2208:S21EP0123")
        XCTAssertTrue(scanner.contains("DEVLINKS=\(scannerLink)\n"), scanner)

        // Its keyboard: inhibited, not an input device for X, libinput or logind.
        let input = try XCTUnwrap(sections[Self.input], output.text)
        XCTAssertTrue(input.contains("inhibited' writing '1'"), input)
        XCTAssertEqual(sections["inhibited"]?.trimmingCharacters(in: .whitespacesAndNewlines), "1")
        let event = try XCTUnwrap(sections[Self.event], output.text)
        XCTAssertTrue(event.contains("test_key: checking bit block 0 for any keys; found=yes"), "input_id saw no keyboard: \(event)")
        XCTAssertTrue(event.contains("LIBINPUT_IGNORE_DEVICE=1\n"), event)
        for property in ["ID_INPUT=", "ID_INPUT_KEY=", "ID_INPUT_KEYBOARD="] {
            XCTAssertFalse(event.split(separator: "\n").contains { $0.hasPrefix(property) }, "\(property) still set: \(event)")
        }
        let tags = event.split(separator: "\n").filter { $0.hasPrefix("TAGS=") || $0.hasPrefix("CURRENT_TAGS=") }
        XCTAssertFalse(tags.contains { $0.contains("power-switch") }, "logind would watch the scanner for power keys: \(tags)")

        // The scale's tty (an adapter without a serial): group tally, 0660, linked by its interface.
        let tty = try XCTUnwrap(sections[Self.tty], output.text)
        XCTAssertTrue(tty.contains(" MODE 0660"), tty)
        XCTAssertTrue(tty.contains("ID_TALLY_PROFILE=site-ftdi-scale\n"), tty)
        let ttyLink = UdevRules.linkName(kind: .scale, profileID: "site-ftdi-scale", serial: nil, portPath: "1-3:1.0")
        XCTAssertTrue(tty.contains(ttyLink), tty)

        // The links udev made are the identities `tally devices` gives the same devices.
        let links = try XCTUnwrap(sections["links"], output.text)
        XCTAssertEqual(links.split(separator: "\n").map(String.init).sorted(), [
            "\(scannerLink) -> ../bus/usb/001/002", "\(ttyLink) -> ../ttyUSB0",
        ].sorted())
        let found = [
            DeviceDiscovery.Found(node: .usb, devpath: "/devices/pci0000:00/0000:00:14.0/usb1/1-1", devnode: "/dev/bus/usb/001/002",
                                  usb: .init(vendorID: .init(0x05e0), productID: .init(0x1200), serial: "S21EP0123", portPath: "1-1",
                                             devpath: "/devices/pci0000:00/0000:00:14.0/usb1/1-1", interfaces: [.init(number: 0)])),
            DeviceDiscovery.Found(node: .tty, devpath: "/devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0/ttyUSB0/tty/ttyUSB0",
                                  devnode: "/dev/ttyUSB0",
                                  usb: .init(vendorID: .init(0x0403), productID: .init(0x6001), portPath: "1-3",
                                             devpath: "/devices/pci0000:00/0000:00:14.0/usb1/1-3"),
                                  tty: .init(name: "ttyUSB0", interfaceNumber: 0, interfacePath: "1-3:1.0")),
        ]
        let identities = DeviceDiscovery(profiles: profiles).resolve(found).map { "/dev/tally/\($0.kind!.rawValue)-\($0.identity)" }
        XCTAssertEqual(identities.sorted(), [scannerLink, ttyLink].sorted())
    }

    // MARK: Helpers

    /// The emulated devices: a Zebra DS2208 in keyboard mode and an FTDI USB-serial adapter.
    static let devices: String = {
        let scanner = "\(UmockdevDevice.usbBus)/1-1", adapter = "\(UmockdevDevice.usbBus)/1-3"
        let input = "\(scanner)/1-1:1.0/0003:05E0:1200.0001/input/input7"
        return UmockdevTestbed([
            .usbDevice(scanner, devnum: 2, vendorID: 0x05E0, productID: 0x1200, node: true)
                .property("MAJOR", "189").property("MINOR", "1")
                .attribute("bcdDevice", "0100").attribute("serial", "S21EP0123").attribute("bDeviceClass", "00")
                .attribute("bConfigurationValue", "1").attribute("dev", "189:1"),
            .usbInterface("\(scanner)/1-1:1.0", interfaceClass: (3, 1, 1), interfaceProperty: false).property("DRIVER", "usbhid"),
            UmockdevDevice(input)
                .property("SUBSYSTEM", "input").property("PRODUCT", "3/5e0/1200/110").property("NAME", "\"Symbol Bar Code Scanner\"")
                .attribute("name", "Symbol Bar Code Scanner").attribute("inhibited", "0").attribute("capabilities/ev", "120013")
                .attribute("capabilities/key", "1000000000007 ff9f207ac14057ff febeffdfffefffff fffffffffffffffe")
                .attribute("capabilities/rel", "0").attribute("capabilities/abs", "0").attribute("properties", "0"),
            UmockdevDevice("\(input)/event7").node("input/event7")
                .property("SUBSYSTEM", "input").property("DEVNAME", "/dev/input/event7").property("MAJOR", "13").property("MINOR", "71")
                .attribute("dev", "13:71"),
            .usbDevice(adapter, devnum: 3, vendorID: 0x0403, productID: 0x6001, node: true)
                .property("MAJOR", "189").property("MINOR", "2")
                .attribute("bcdDevice", "0600").attribute("bDeviceClass", "00").attribute("dev", "189:2"),
            .usbInterface("\(adapter)/1-3:1.0", interfaceClass: (0xFF, 0xFF, 0xFF), interfaceProperty: false).property("DRIVER", "ftdi_sio"),
            UmockdevDevice("\(adapter)/1-3:1.0/ttyUSB0").property("SUBSYSTEM", "usb-serial").attribute("port_number", "0"),
            .tty("\(adapter)/1-3:1.0/ttyUSB0/tty/ttyUSB0", name: "ttyUSB0").property("MAJOR", "188").property("MINOR", "0")
                .attribute("dev", "188:0"),
        ]).text
    }()

    /// The output after each `@@@ name` marker line, by name.
    static func sections(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("@@@ ") {
                current = String(line.dropFirst(4))
                result[current!] = ""
            } else if let name = current {
                result[name]! += line + "\n"
            }
        }
        return result
    }

    /// Runs a command with standard error merged into standard output.
    static func run(_ executable: String, _ arguments: [String], in directory: URL) throws -> (status: Int32, text: String) {
        let outcome = try ChildProcessRunner.run(executable, arguments, stdin: [], in: directory, mergingStandardError: true)
        return (outcome.status, outcome.stdout)
    }
}
