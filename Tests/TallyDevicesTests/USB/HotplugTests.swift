import Foundation
import TallyTestSupport
import XCTest
@testable import TallyDevices

/// Scanners plugged in and unplugged while `tally` runs, and an interactive fake scanner (the
/// `tally-testbed` helper's umockdev ioctl handler) for kernel-driver detach, unplug mid-scan and
/// replug. The helper owns the testbed; `tally` runs under it with the umockdev preload.
final class HotplugTests: XCTestCase {
    private let scannerProfile = ScannerFixtures.profile(
        name: "Zebra test", vendorID: 0x05E0, productID: 0x1200, transport: "usb-hid-keyboard", layout: "us")

    /// A fixture directory with the profile directory and the testbed files written.
    private func fixture(_ files: [String: String]) throws -> (directory: URL, profiles: URL) {
        let directory = try ScannerFixtures.directory()
        let profiles = directory.appendingPathComponent("profiles", isDirectory: true)
        try FileManager.default.createDirectory(at: profiles, withIntermediateDirectories: true)
        try scannerProfile.write(to: profiles.appendingPathComponent("zebra-test.yaml"), atomically: true, encoding: .utf8)
        for (name, text) in files {
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return (directory, profiles)
    }

    private func events(_ url: URL, _ name: String, device: String? = nil, in text: String) -> [[String: Any]] {
        ScannerFixtures.jsonLines(text).filter { event in
            event["event"] as? String == name && (device == nil || event["device"] as? String == device)
        }
    }

    // MARK: - tally devices --watch

    func testDevicesWatchPrintsAddAndRemoveAsTheyHappen() throws {
        let first = TestScanner(port: "1-1", devnum: 2, vendorID: 0x05E0, productID: 0x1200, serial: "S1", kind: .keyboard)
        let second = TestScanner(port: "1-2", devnum: 3, vendorID: 0x05E0, productID: 0x1200, serial: "S2", kind: .keyboard)
        let (directory, profiles) = try fixture([
            "start.umockdev": TestScanner.testbed([first]),
            "second.umockdev": second.description,
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let helper = try TestbedHelper(directory: directory)
        defer { helper.quit() }
        let output = directory.appendingPathComponent("watch.out")
        let errors = directory.appendingPathComponent("watch.err")

        try helper.send("add", directory.appendingPathComponent("start.umockdev").path)
        try helper.send("spawn", output.path, errors.path, try TallyExecutable.path("tally"),
                        "devices", "--watch", "--json", "--profiles", profiles.path)
        var text = ScannerFixtures.waitForFile(output) { !self.events(output, "present", in: $0).isEmpty }
        XCTAssertEqual(events(output, "present", in: text).count, 1, text)
        try helper.send("wait-sockets", "1", "30")  // the watcher's udev monitor exists

        // Plug in a second scanner: udev reports the device, then its interface.
        try helper.send("add", directory.appendingPathComponent("second.umockdev").path)
        try helper.send("uevent", "add", second.devpath)
        try helper.send("uevent", "add", second.interfacePath)
        text = ScannerFixtures.waitForFile(output) { !self.events(output, "added", in: $0).isEmpty }
        let added = events(output, "added", in: text)
        XCTAssertEqual(added.count, 1, text)
        let addedDevice = added.first?["device"] as? [String: Any]
        XCTAssertEqual(addedDevice?["identity"] as? String, "zebra-test:S2")
        XCTAssertEqual(addedDevice?["devnode"] as? String, "/dev/bus/usb/001/003")

        // Unplug the first: udev reports the interface, then the device, which then leaves sysfs.
        try helper.send("uevent", "remove", first.interfacePath)
        try helper.send("uevent", "remove", first.devpath)
        try helper.send("remove", first.devpath)
        text = ScannerFixtures.waitForFile(output) { !self.events(output, "removed", in: $0).isEmpty }
        let removed = events(output, "removed", in: text)
        XCTAssertEqual(removed.count, 1, text)
        XCTAssertEqual((removed.first?["device"] as? [String: Any])?["identity"] as? String, "zebra-test:S1")
    }

    // MARK: - tally listen with a fake device

    func testDetachUnplugMidScanAndReplugWithAFakeScanner() throws {
        let scanner = TestScanner(port: "1-1", devnum: 2, vendorID: 0x05E0, productID: 0x1200, serial: "FAKE1", kind: .keyboard)
        var replugged = scanner
        replugged.devnum = 7  // a replugged device gets a new address
        let (directory, profiles) = try fixture([
            "start.umockdev": TestScanner.testbed([scanner]),
            "replug.umockdev": replugged.description,
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let helper = try TestbedHelper(directory: directory)
        defer { helper.quit() }
        let output = directory.appendingPathComponent("listen.out")
        let errors = directory.appendingPathComponent("listen.err")
        let descriptor = SimulatedHIDDescriptors.hex(SimulatedHIDDescriptors.bootKeyboard)
        func hex(_ reports: [[UInt8]]) -> [String] { reports.map(SimulatedHIDDescriptors.hex) }
        let wedge = SimulatedWedgeScanner()

        try helper.send("add", directory.appendingPathComponent("start.umockdev").path)
        try helper.send("fake", scanner.devnode, descriptor)
        try helper.send("spawn", output.path, errors.path, try TallyExecutable.path("tally"),
                        "listen", "--json", "--count", "2", "--timeout", "120", "--profiles", profiles.path,
                        "--bind", "zebra-test:FAKE1=dock-7")
        var text = ScannerFixtures.waitForFile(output) { !self.events(output, "device-connected", in: $0).isEmpty }
        XCTAssertEqual(events(output, "device-connected", in: text).count, 1, text)

        // The kernel driver was detached before the interface was claimed (claiming with usbhid
        // bound fails with EBUSY), and the report descriptor was read from the device.
        let counts = try helper.send("counts", scanner.devnode)
        XCTAssertTrue(counts.contains("detach=1"), counts)
        XCTAssertTrue(counts.contains("claim=1"), counts)
        XCTAssertTrue(counts.contains("get-descriptor=1"), counts)
        XCTAssertFalse(counts.contains("claim-busy"), counts)

        // A whole scan, then half of one: the scanner is unplugged mid-scan.
        try helper.send(["reports", scanner.devnode] + hex(try wedge.reports(for: "A1B2")))
        text = ScannerFixtures.waitForFile(output) { !self.events(output, "scan", in: $0).isEmpty }
        XCTAssertEqual(events(output, "scan", in: text).first?["text"] as? String, "A1B2", text)
        try helper.send(["reports", scanner.devnode] + hex(Array(try wedge.reports(for: "PART").prefix(6))))
        try helper.send("wait-drained", scanner.devnode, "30")
        try helper.send("unplug", scanner.devnode)
        try helper.send("uevent", "remove", scanner.interfacePath)
        try helper.send("uevent", "remove", scanner.devpath)
        try helper.send("remove", scanner.devpath)
        text = ScannerFixtures.waitForFile(output) { !self.events(output, "device-disconnected", in: $0).isEmpty }
        let dropped = events(output, "scan-dropped", in: text)
        XCTAssertEqual(dropped.count, 1, text)
        XCTAssertEqual(dropped.first?["partial"] as? String, "PAR")
        XCTAssertEqual(dropped.first?["reason"] as? String, "scanner disconnected")
        XCTAssertEqual(events(output, "device-disconnected", in: text).first?["station"] as? String, "dock-7")

        // Replug into the same port: reading resumes with no manual step.
        try helper.send("add", directory.appendingPathComponent("replug.umockdev").path)
        try helper.send("fake", replugged.devnode, descriptor)
        try helper.send("uevent", "add", replugged.devpath)
        try helper.send("uevent", "add", replugged.interfacePath)
        text = ScannerFixtures.waitForFile(output) { self.events(output, "device-connected", in: $0).count == 2 }
        let reconnected = events(output, "device-connected", in: text)
        XCTAssertEqual(reconnected.last?["devnode"] as? String, "/dev/bus/usb/001/007", text)
        XCTAssertEqual(reconnected.last?["device"] as? String, "zebra-test:FAKE1", "same identity after replug")
        try helper.send(["reports", replugged.devnode] + hex(try wedge.reports(for: "C3D4")))

        // The second scan ends `listen --count 2`, which gives the interface back to the kernel.
        text = ScannerFixtures.waitForFile(output) { self.events(output, "scan", in: $0).count == 2 }
        XCTAssertEqual(events(output, "scan", in: text).compactMap { $0["text"] as? String }, ["A1B2", "C3D4"], text)
        var replugCounts = ""
        ScannerFixtures.waitUntil {
            replugCounts = (try? helper.send("counts", replugged.devnode)) ?? ""
            return replugCounts.contains("attach=1")
        }
        XCTAssertTrue(replugCounts.contains("detach=1"), replugCounts)
        XCTAssertTrue(replugCounts.contains("release=1"), "interface released at exit: \(replugCounts)")
        XCTAssertTrue(replugCounts.contains("attach=1"), "kernel driver re-attached at exit: \(replugCounts)")
    }
}

extension TestbedHelper {
    /// Sends a command given as words.
    @discardableResult
    func send(_ words: [String]) throws -> String {
        try send(words.joined(separator: " "))
    }
}
