import Foundation
import TallyTestSupport
import XCTest
@testable import TallyDevices

/// Devices that no profile names, under umockdev, through the real `tally` binary: a HID POS scanner
/// (its `hid` device's sysfs `report_descriptor` declares usage page 0x8C) is listed and read as
/// `generic-hid-pos` with a warning; an unprofiled boot keyboard is listed but never opened.
final class GenericHIDPOSTests: XCTestCase {
    /// A HID POS scanner no profile names (the profile directory only knows the Zebra wedge).
    private let pos = TestScanner(port: "1-2", devnum: 3, vendorID: 0x0C2E, productID: 0x0B61, serial: "GP1", kind: .hidPOS)
    /// A keyboard no profile names (maybe the operator's own).
    private let keyboard = TestScanner(port: "1-3", devnum: 4, vendorID: 0x046D, productID: 0xC31C, serial: nil, kind: .keyboard)

    private let wedgeProfile = ScannerFixtures.profile(
        name: "Zebra test", vendorID: 0x05E0, productID: 0x1200, transport: "usb-hid-keyboard", layout: "us")

    /// The umockdev paragraph of the `hid` device usbhid makes under `scanner`'s interface, with its
    /// report descriptor as a binary sysfs attribute.
    private func hidChild(of scanner: TestScanner, descriptor: [UInt8]? = nil) -> String {
        let id = String(format: "0003:%04X:%04X.%04X", scanner.vendorID, scanner.productID, scanner.devnum)
        return UmockdevDevice("\(scanner.interfacePath)/\(id)")
            .property("SUBSYSTEM", "hid").property("DRIVER", "hid-generic")
            .property("HID_ID", String(format: "0003:%08X:%08X", scanner.vendorID, scanner.productID))
            .property("HID_NAME", "Test \(scanner.kind == .keyboard ? "Keyboard" : "Scanner")")
            .property("HID_PHYS", "usb-0000:00:14.0-\(scanner.port.split(separator: "/").last!)/input0")
            .binaryAttribute("report_descriptor", hex: SimulatedHIDDescriptors.hex(descriptor ?? scanner.reportDescriptor))
            .text
    }

    /// The testbed: root hub, the unprofiled HID POS scanner and keyboard, each with its `hid` device.
    private func testbedText() -> String {
        TestScanner.testbed([pos, keyboard]) + "\n" + hidChild(of: pos) + "\n" + hidChild(of: keyboard)
    }

    private func fixture() throws -> (directory: URL, testbed: URL, profiles: URL) {
        let directory = try ScannerFixtures.directory()
        let testbed = directory.appendingPathComponent("dock.umockdev")
        try testbedText().write(to: testbed, atomically: true, encoding: .utf8)
        let profiles = directory.appendingPathComponent("profiles", isDirectory: true)
        try FileManager.default.createDirectory(at: profiles, withIntermediateDirectories: true)
        try wedgeProfile.write(to: profiles.appendingPathComponent("zebra-test.yaml"), atomically: true, encoding: .utf8)
        return (directory, testbed, profiles)
    }

    // MARK: - tally devices

    func testDevicesListsTheUnprofiledHIDPOSScannerAsGenericWithAWarning() throws {
        let tally = try TallyExecutable.path("tally")
        let (directory, testbed, profiles) = try fixture()
        defer { try? FileManager.default.removeItem(at: directory) }

        let json = try ChildProcessRunner.run(
            UmockdevDiscoveryTests.umockdevRun,
            ["--device", testbed.path, "--", tally, "devices", "--json", "--profiles", profiles.path],
            environment: ["TMPDIR": directory.path], in: directory)
        XCTAssertEqual(json.status, 0, json.output)
        let report = try JSONDecoder().decode(DiscoveryReport.self, from: Data(json.stdout.utf8))
        XCTAssertEqual(report.devices.map(\.identity), ["generic-hid-pos:GP1", "usb-046d-c31c@1-3"], json.output)

        let scanner = try XCTUnwrap(report.devices.first)
        XCTAssertEqual(scanner.profileID, "generic-hid-pos")
        XCTAssertEqual(scanner.matchedBy, .hidClass)
        XCTAssertEqual(scanner.kind, .scanner)
        XCTAssertEqual(scanner.transport, .usbHIDPOS)
        XCTAssertEqual(scanner.devnode, pos.devnode)
        XCTAssertEqual(scanner.usb.interfaces.map(\.hidClass), [.barcodeScanner], "read from sysfs report_descriptor")
        let warning = try XCTUnwrap(scanner.warning)
        XCTAssertTrue(warning.contains("no profile names 0c2e:0b61"), warning)
        XCTAssertTrue(warning.contains("usage page 0x8C"), warning)
        XCTAssertTrue(warning.contains("add a profile"), warning)

        let unmatched = try XCTUnwrap(report.devices.last)
        XCTAssertNil(unmatched.profileID)
        XCTAssertNil(unmatched.matchedBy)
        XCTAssertNil(unmatched.kind)
        XCTAssertNil(unmatched.warning)
        XCTAssertEqual(unmatched.usb.interfaces.map(\.hidClass), [.keyboard])

        // The table says the same.
        let table = try ChildProcessRunner.run(
            UmockdevDiscoveryTests.umockdevRun,
            ["--device", testbed.path, "--", tally, "devices", "--profiles", profiles.path],
            environment: ["TMPDIR": directory.path], in: directory)
        XCTAssertEqual(table.status, 0, table.output)
        XCTAssertTrue(table.stdout.contains("generic-hid-pos (by HID class)"), table.stdout)
        XCTAssertTrue(table.stdout.contains("warning: generic-hid-pos:GP1: no profile names 0c2e:0b61"), table.stdout)
        XCTAssertTrue(table.stdout.contains("usb-046d-c31c@1-3: not read"), table.stdout)
        XCTAssertTrue(table.stdout.contains("(unmatched)"), table.stdout)
    }

    // MARK: - tally listen, capture replay

    func testListenReadsScansFromTheUnprofiledHIDPOSScanner() throws {
        let tally = try TallyExecutable.path("tally")
        let (directory, testbed, profiles) = try fixture()
        defer { try? FileManager.default.removeItem(at: directory) }
        let short = Array("4006381333931".utf8)
        var long = Array("0104012345678901".utf8) + [0x1D] + Array("21".utf8)
        while long.count < 120 { long.append(UInt8(ascii: "A") + UInt8(long.count % 26)) }
        let posCapture = directory.appendingPathComponent("pos.pcapng")
        try pos.capture(HIDPOSScan.reports(symbology: "]E0", data: short) + HIDPOSScan.reports(symbology: "]d2", data: long))
            .write(to: posCapture)
        // The keyboard has reports waiting too: were it opened, they would be read.
        let keyboardCapture = directory.appendingPathComponent("keyboard.pcapng")
        try keyboard.capture(try SimulatedWedgeScanner().reports(for: "PASSWORD")).write(to: keyboardCapture)

        let outcome = try ChildProcessRunner.run(
            UmockdevDiscoveryTests.umockdevRun,
            ["--device", testbed.path,
             "--pcap", "/sys\(pos.devpath)=\(posCapture.path)", "--pcap", "/sys\(keyboard.devpath)=\(keyboardCapture.path)",
             "--", tally, "listen", "--json", "--count", "2", "--timeout", "60", "--profiles", profiles.path,
             "--bind", "generic-hid-pos:GP1=dock-5"],
            environment: ["TMPDIR": directory.path], in: directory, timeout: 120)
        XCTAssertEqual(outcome.status, 0, outcome.output)
        let events = ScannerFixtures.jsonLines(outcome.stdout)

        let connected = events.filter { $0["event"] as? String == "device-connected" }
        XCTAssertEqual(connected.map { $0["device"] as? String }, ["generic-hid-pos:GP1"], "only the scanner is opened: \(outcome.output)")
        XCTAssertEqual(connected.first?["mode"] as? String, "hid-pos")
        XCTAssertEqual(connected.first?["profile"] as? String, "generic-hid-pos")
        let scans = events.filter { $0["event"] as? String == "scan" }
        XCTAssertEqual(scans.compactMap { $0["text"] as? String }, [String(decoding: short, as: UTF8.self), String(decoding: long, as: UTF8.self)], outcome.output)
        XCTAssertEqual(scans.compactMap { $0["symbology"] as? String }, ["]E0", "]d2"])
        XCTAssertEqual(scans.compactMap { $0["station"] as? String }, ["dock-5", "dock-5"])
        XCTAssertEqual(scans.compactMap { $0["profile"] as? String }, ["generic-hid-pos", "generic-hid-pos"])
        XCTAssertFalse(events.contains { ($0["device"] as? String)?.hasPrefix("usb-046d") == true }, outcome.output)

        // The warning goes out on the scanner's warning path (stderr notes of `tally listen`).
        XCTAssertTrue(outcome.stderr.contains("listening: 1 scanner attached: generic-hid-pos:GP1"), outcome.stderr)
        XCTAssertTrue(outcome.stderr.contains("generic-hid-pos:GP1: no profile names 0c2e:0b61"), outcome.stderr)
        XCTAssertTrue(outcome.stderr.contains("usage page 0x8C"), outcome.stderr)
    }

    // MARK: - tally listen, interactive fake devices: the keyboard is never opened

    func testTheUnprofiledKeyboardIsNeverOpenedWhileTheGenericScannerIsRead() throws {
        let tally = try TallyExecutable.path("tally")
        let (directory, testbed, profiles) = try fixture()
        defer { try? FileManager.default.removeItem(at: directory) }
        let helper = try TestbedHelper(directory: directory)
        defer { helper.quit() }
        let output = directory.appendingPathComponent("listen.out")
        let errors = directory.appendingPathComponent("listen.err")

        try helper.send("add", testbed.path)
        try helper.send("fake", pos.devnode, SimulatedHIDDescriptors.hex(SimulatedHIDDescriptors.hidPOSScanner))
        try helper.send("fake", keyboard.devnode, SimulatedHIDDescriptors.hex(SimulatedHIDDescriptors.bootKeyboard))
        try helper.send(["reports", keyboard.devnode] + (try SimulatedWedgeScanner().reports(for: "PASSWORD")).map(SimulatedHIDDescriptors.hex))
        let pid = try helper.send("spawn", output.path, errors.path, tally, "listen", "--json", "--count", "1", "--timeout", "60",
                                  "--profiles", profiles.path)
        var text = ScannerFixtures.waitForFile(output) { $0.contains("device-connected") }
        XCTAssertTrue(text.contains("generic-hid-pos:GP1"), text)

        try helper.send(["reports", pos.devnode] + HIDPOSScan.reports(symbology: "]C1", data: Array("00106141412345678908".utf8)).map(SimulatedHIDDescriptors.hex))
        XCTAssertEqual(try helper.send("wait", pid, "60"), "0")
        text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        let scans = ScannerFixtures.jsonLines(text).filter { $0["event"] as? String == "scan" }
        XCTAssertEqual(scans.compactMap { $0["device"] as? String }, ["generic-hid-pos:GP1"], text)
        XCTAssertEqual(scans.compactMap { $0["text"] as? String }, ["00106141412345678908"], text)
        XCTAssertEqual(scans.compactMap { $0["symbology"] as? String }, ["]C1"], text)

        // The scanner was opened the normal way: usbhid detached, interface claimed, given back at exit.
        let scannerCounts = try helper.send("counts", pos.devnode)
        XCTAssertTrue(scannerCounts.contains("detach=1"), scannerCounts)
        XCTAssertTrue(scannerCounts.contains("claim=1"), scannerCounts)
        XCTAssertTrue(scannerCounts.contains("release=1"), scannerCounts)
        XCTAssertTrue(scannerCounts.contains("attach=1"), scannerCounts)
        // The keyboard saw no request at all: never opened, its driver never detached.
        XCTAssertEqual(try helper.send("counts", keyboard.devnode), "", "the unprofiled keyboard must not be touched")
        let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        XCTAssertTrue(stderr.contains("no profile names 0c2e:0b61"), stderr)
        XCTAssertFalse(stderr.contains("046d:c31c"), "nothing is said about opening the keyboard: \(stderr)")
    }

    // MARK: - Plugged in later: the class is known once usbhid has made the hid device

    func testAGenericScannerPluggedInLaterIsReadOnceItsHIDDeviceAppears() throws {
        let tally = try TallyExecutable.path("tally")
        let (directory, _, profiles) = try fixture()
        defer { try? FileManager.default.removeItem(at: directory) }
        let start = directory.appendingPathComponent("start.umockdev")
        let device = directory.appendingPathComponent("device.umockdev")
        let hid = directory.appendingPathComponent("hid.umockdev")
        try TestScanner.testbed([]).write(to: start, atomically: true, encoding: .utf8)
        try pos.description.write(to: device, atomically: true, encoding: .utf8)
        try hidChild(of: pos).write(to: hid, atomically: true, encoding: .utf8)
        let helper = try TestbedHelper(directory: directory)
        defer { helper.quit() }
        let output = directory.appendingPathComponent("listen.out")
        let errors = directory.appendingPathComponent("listen.err")

        try helper.send("add", start.path)
        let pid = try helper.send("spawn", output.path, errors.path, tally, "listen", "--json", "--count", "1", "--timeout", "60",
                                  "--profiles", profiles.path)
        try helper.send("wait-sockets", "1", "30")

        // The USB device and its interface first: no hid device yet, so no class, not opened.
        try helper.send("add", device.path)
        try helper.send("fake", pos.devnode, SimulatedHIDDescriptors.hex(SimulatedHIDDescriptors.hidPOSScanner))
        try helper.send("uevent", "add", pos.devpath)
        try helper.send("uevent", "add", pos.interfacePath)
        usleep(300_000)
        XCTAssertFalse(((try? String(contentsOf: output, encoding: .utf8)) ?? "").contains("device-connected"))
        XCTAssertFalse((try helper.send("counts", pos.devnode)).contains("claim"), "not opened before its class is known")

        // usbhid binds and makes the hid device: now it is a scanner.
        try helper.send("add", hid.path)
        let hidPath = String(hidChild(of: pos).split(separator: "\n")[0].dropFirst(3))
        try helper.send("uevent", "add", hidPath)
        let text = ScannerFixtures.waitForFile(output) { $0.contains("device-connected") }
        XCTAssertTrue(text.contains("\"device\":\"generic-hid-pos:GP1\""), text)
        try helper.send(["reports", pos.devnode] + HIDPOSScan.reports(symbology: "]E0", data: Array("4006381333931".utf8)).map(SimulatedHIDDescriptors.hex))
        XCTAssertEqual(try helper.send("wait", pid, "60"), "0")
        let scans = ScannerFixtures.jsonLines((try? String(contentsOf: output, encoding: .utf8)) ?? "").filter { $0["event"] as? String == "scan" }
        XCTAssertEqual(scans.compactMap { $0["text"] as? String }, ["4006381333931"])
        XCTAssertEqual(scans.compactMap { $0["device"] as? String }, ["generic-hid-pos:GP1"])
        let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        XCTAssertTrue(stderr.contains("no profile names 0c2e:0b61"), stderr)
    }
}
