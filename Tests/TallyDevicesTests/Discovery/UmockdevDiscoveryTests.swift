import Foundation
import TallyTestSupport
import XCTest
@testable import TallyDevices

/// Real libudev enumeration under umockdev, without linking umockdev into the test process.
///
/// `umockdev-run --device <testbed> -- <command>` preloads libumockdev into the child only, with a fake
/// `/sys` and `/dev`. The child is either this test binary itself, running just
/// ``testDiscoveryProbe()`` (which then enumerates and writes a ``DiscoveryReport``), or the built
/// `tally devices --json` command.
final class UmockdevDiscoveryTests: XCTestCase {
    static let probeOutputVariable = "TALLY_DISCOVERY_PROBE_OUTPUT"
    static let probeProfilesVariable = "TALLY_DISCOVERY_PROBE_PROFILES"
    static let umockdevRun = "/usr/bin/umockdev-run"

    /// The child side of ``testDiscoveryUnderUmockdev()``: does nothing unless launched by it (with the
    /// two environment variables set), so in a normal run it passes trivially.
    func testDiscoveryProbe() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let output = environment[Self.probeOutputVariable], let directory = environment[Self.probeProfilesVariable] else {
            return
        }
        let profiles = try ProfileLoader.load(directory: URL(fileURLWithPath: directory))
        let devices = try DeviceDiscovery(profiles: profiles).discover()
        let report = DiscoveryReport(profileDirectory: directory, profileCount: profiles.count, devices: devices)
        try report.jsonData().write(to: URL(fileURLWithPath: output))
    }

    func testDiscoveryUnderUmockdev() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let output = fixture.root.appendingPathComponent("report.json")
        let result = try ChildProcessRunner.run(
            Self.umockdevRun,
            ["--device", fixture.testbed.path, "--", TallyExecutable.testRunner, "TallyDevicesTests.UmockdevDiscoveryTests/testDiscoveryProbe"],
            environment: [
                Self.probeOutputVariable: output.path,
                Self.probeProfilesVariable: fixture.profiles.path,
            ],
            in: fixture.root)
        XCTAssertEqual(result.status, 0, "probe failed:\n\(result.output)")
        guard let data = FileManager.default.contents(atPath: output.path) else {
            return XCTFail("the probe wrote no report:\n\(result.output)")
        }
        let report = try JSONDecoder().decode(DiscoveryReport.self, from: data)
        assertTestbedReport(report)
    }

    func testTallyDevicesCommandUnderUmockdev() throws {
        let tally = try TallyExecutable.path()
        let fixture = try Fixture()
        defer { fixture.remove() }
        let result = try ChildProcessRunner.run(
            Self.umockdevRun,
            ["--device", fixture.testbed.path, "--", tally, "devices", "--json", "--profiles", fixture.profiles.path],
            environment: [:], in: fixture.root)
        XCTAssertEqual(result.status, 0, result.output)
        let report = try JSONDecoder().decode(DiscoveryReport.self, from: Data(result.stdout.utf8))
        XCTAssertEqual(report.profileDirectory, fixture.profiles.path)
        assertTestbedReport(report)
    }

    // MARK: - What the testbed must produce

    private func assertTestbedReport(_ report: DiscoveryReport, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(report.profileCount, 3, file: file, line: line)
        let devices = report.devices
        XCTAssertEqual(
            devices.map(\.identity),
            ["zebra-ds2208:S20123456", "zebra-ds2208:S20999999", "zebra-ds2208@1-4.1", "usb-046d-c52b@1-5", "dock-3-scale:A10K3Z9Q"],
            "root hub, hub and the FTDI usb_device itself are not listed", file: file, line: line)

        // Three identical scanners, each its own identity and node.
        let scanners = devices.filter { $0.profileID == "zebra-ds2208" }
        XCTAssertEqual(scanners.count, 3, file: file, line: line)
        XCTAssertEqual(Set(scanners.map(\.identity)).count, 3, file: file, line: line)
        XCTAssertEqual(scanners.map(\.devnode), ["/dev/bus/usb/001/002", "/dev/bus/usb/001/003", "/dev/bus/usb/001/006"], file: file, line: line)
        XCTAssertEqual(scanners.map(\.usb.portPath), ["1-1", "1-2", "1-4.1"], file: file, line: line)
        XCTAssertEqual(scanners.map(\.usb.serial), ["S20123456", "S20999999", nil], file: file, line: line)
        for scanner in scanners {
            XCTAssertEqual(scanner.node, .usb, file: file, line: line)
            XCTAssertEqual(scanner.kind, .scanner, file: file, line: line)
            XCTAssertEqual(scanner.transport, .usbHIDKeyboard, file: file, line: line)
            XCTAssertEqual(scanner.usb.vendorID.description, "05e0", file: file, line: line)
            XCTAssertEqual(scanner.usb.productID.description, "1200", file: file, line: line)
            XCTAssertEqual(scanner.usb.busNumber, 1, file: file, line: line)
            XCTAssertEqual(scanner.usb.product, "Symbol Bar Code Scanner", file: file, line: line)
            XCTAssertEqual(scanner.usb.interfaces, [.init(number: 0, interfaceClass: 3, subclass: 1, interfaceProtocol: 1, driver: "usbhid")], file: file, line: line)
            XCTAssertTrue(scanner.devpath.hasPrefix("/devices/pci0000:00/0000:00:14.0/usb1/"), scanner.devpath, file: file, line: line)
        }
        XCTAssertEqual(scanners.map(\.usb.deviceNumber), [2, 3, 6], file: file, line: line)

        // The unmatched receiver.
        let receiver = devices.first { $0.usb.vendorID.description == "046d" }
        XCTAssertNotNil(receiver, file: file, line: line)
        XCTAssertNil(receiver?.profileID, file: file, line: line)
        XCTAssertEqual(receiver?.usb.product, "USB Receiver", file: file, line: line)

        // The tty, matched under its FTDI parent.
        guard let tty = devices.first(where: { $0.node == .tty }) else {
            return XCTFail("no tty found", file: file, line: line)
        }
        XCTAssertEqual(tty.profileID, "dock-3-scale", file: file, line: line)
        XCTAssertEqual(tty.kind, .scale, file: file, line: line)
        XCTAssertEqual(tty.devnode, "/dev/ttyUSB0", file: file, line: line)
        XCTAssertEqual(tty.usb.vendorID.description, "0403", file: file, line: line)
        XCTAssertEqual(tty.usb.productID.description, "6001", file: file, line: line)
        XCTAssertEqual(tty.usb.serial, "A10K3Z9Q", file: file, line: line)
        XCTAssertEqual(tty.usb.portPath, "1-3", file: file, line: line)
        XCTAssertEqual(tty.tty?.name, "ttyUSB0", file: file, line: line)
        XCTAssertEqual(tty.tty?.interfaceNumber, 0, file: file, line: line)
        XCTAssertEqual(tty.tty?.interfacePath, "1-3:1.0", file: file, line: line)
        XCTAssertEqual(tty.tty?.driver, "ftdi_sio", file: file, line: line)
        XCTAssertEqual(tty.tty?.byIDLink, "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K3Z9Q-if00-port0", file: file, line: line)
        XCTAssertEqual(tty.tty?.links.count, 2, file: file, line: line)
    }

    // MARK: - Fixture and process helpers

    /// A testbed file and a profile directory (the shipped profiles plus `site/dock-3-scale.yaml`) under /tmp.
    private struct Fixture {
        let root: URL
        let testbed: URL
        let profiles: URL

        init() throws {
            guard FileManager.default.isExecutableFile(atPath: UmockdevDiscoveryTests.umockdevRun) else {
                throw XCTSkip("umockdev-run is not installed (apt-get install umockdev)")
            }
            root = try ScratchDirectory.make("umockdev")
            testbed = root.appendingPathComponent("dock.umockdev")
            try DiscoveryTestbed.text.write(to: testbed, atomically: true, encoding: .utf8)
            profiles = root.appendingPathComponent("profiles", isDirectory: true)
            try FileManager.default.createDirectory(at: profiles.appendingPathComponent("site"), withIntermediateDirectories: true)
            for name in ["zebra-ds2208.yaml", "mettler-toledo-ind570.yaml"] {
                try FileManager.default.copyItem(
                    at: ProfileFixtures.shippedDirectory.appendingPathComponent(name), to: profiles.appendingPathComponent(name))
            }
            try DiscoveryTestbed.siteScaleProfile.write(
                to: profiles.appendingPathComponent("site/dock-3-scale.yaml"), atomically: true, encoding: .utf8)
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }
}
