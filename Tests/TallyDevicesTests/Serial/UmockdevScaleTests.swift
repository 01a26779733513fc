import Foundation
import Synchronization
import TallyCore
import TallyTestSupport
import XCTest
@testable import TallyDevices

/// Discovery, then open, of an emulated `/dev/ttyUSB0` under an FTDI 0403:6001 parent, with the real
/// libudev, termios and protocol code, under `umockdev-run` (the test process itself is never preloaded).
///
/// The tty is fed by an umockdev script (`r <ms> <data>` lines: the emulated scale streams Toledo
/// continuous frames; nothing is written to it, so no `w` line can mismatch). The child is either this
/// test binary running only ``testDiscoveryThenOpenProbe()``, or the built `tally devices` and
/// `tally scale read` commands in one shell.
final class UmockdevScaleTests: XCTestCase {
    static let outputVariable = "TALLY_SCALE_PROBE_OUTPUT"
    static let profilesVariable = "TALLY_SCALE_PROBE_PROFILES"
    static let umockdevRun = "/usr/bin/umockdev-run"

    /// The probe's findings, written as JSON by the child.
    struct ProbeReport: Codable {
        var identity: String?
        var devnode: String?
        var vendorProduct: String?
        var readings: [String]
        var raw: [[UInt8]]
        var errors: [String]
    }

    /// The child side of ``testDiscoveryThenOpenUnderUmockdev()``: does nothing unless launched by it.
    func testDiscoveryThenOpenProbe() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let output = environment[Self.outputVariable], let directory = environment[Self.profilesVariable] else { return }
        var report = ProbeReport(readings: [], raw: [], errors: [])
        defer { try? JSONEncoder().encode(report).write(to: URL(fileURLWithPath: output)) }

        let profiles = try ProfileLoader.load(directory: URL(fileURLWithPath: directory))
        let devices = try DeviceDiscovery(profiles: profiles).discover()
        guard let tty = devices.first(where: { $0.node == .tty }), let devnode = tty.devnode,
              let profile = profiles.first(where: { $0.id == tty.profileID }), let scale = profile.scale
        else {
            report.errors.append("no matched tty among \(devices.map(\.identity))")
            return
        }
        report.identity = tty.identity
        report.devnode = devnode
        report.vendorProduct = "\(tty.usb.vendorID):\(tty.usb.productID)"

        let port = try SerialPort.open(path: devnode, settings: profile.serial ?? .default8N1)
        let collected = Mutex<[ScaleReader.Event]>([])
        let reader = try ScaleProtocolRegistry.reader(
            protocol: scale.scaleProtocol.rawValue, port: port, options: ScaleDriverOptions(profile: scale),
            mode: try ScaleReader.Mode.forProfile(scale)) { event in collected.withLock { $0.append(event) } }
        reader.start()
        let deadline = Date().addingTimeInterval(60)
        func readings() -> [ScaleReading] {
            collected.withLock { $0.compactMap { if case .reading(let reading, _) = $0 { reading } else { nil } } }
        }
        while readings().count < 2, Date() < deadline { usleep(10_000) }
        reader.stop()
        report.readings = readings().map { "\($0.kind) \($0.weight?.description ?? "-") \($0.status) \($0.stable)" }
        report.raw = readings().map(\.raw)
        report.errors += collected.withLock { $0.compactMap { if case .frameError(let error) = $0 { "\(error)" } else { nil } } }
    }

    func testDiscoveryThenOpenUnderUmockdev() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let output = fixture.root.appendingPathComponent("probe.json")
        let result = try ChildProcessRunner.run(
            Self.umockdevRun,
            ["--device", fixture.testbed.path, "--script", "/dev/ttyUSB0=\(fixture.script.path)", "--",
             TallyExecutable.testRunner, "TallyDevicesTests.UmockdevScaleTests/testDiscoveryThenOpenProbe"],
            stdin: [], environment: [Self.outputVariable: output.path, Self.profilesVariable: fixture.profiles.path])
        XCTAssertEqual(result.status, 0, "probe failed:\n\(result.output)")
        guard let data = FileManager.default.contents(atPath: output.path) else {
            return XCTFail("the probe wrote no report:\n\(result.output)")
        }
        let report = try JSONDecoder().decode(ProbeReport.self, from: data)
        XCTAssertEqual(report.identity, "dock-3-scale:A10K3Z9Q", "the tty is matched through its FTDI parent")
        XCTAssertEqual(report.devnode, "/dev/ttyUSB0")
        XCTAssertEqual(report.vendorProduct, "0403:6001")
        XCTAssertGreaterThanOrEqual(report.readings.count, 2, "\(report)")
        XCTAssertTrue(report.readings.allSatisfy { $0 == "gross 412.5 kg ok true" }, "\(report.readings)")
        XCTAssertEqual(report.raw.first, Fixture.frame, "the raw frame read from the emulated tty")
    }

    /// The same through the product: `tally devices --json` finds and matches the tty, then
    /// `tally scale read --port /dev/ttyUSB0` opens it and prints readings.
    func testTallyDevicesThenScaleReadUnderUmockdev() throws {
        let tally = try TallyExecutable.path()
        let fixture = try Fixture()
        defer { fixture.remove() }
        let devices = fixture.root.appendingPathComponent("devices.json")
        let script = "\"$TALLY\" devices --json --profiles \"$PROFILES\" > \"$DEVICES\" && "
            + "\"$TALLY\" scale read --port /dev/ttyUSB0 --profile dock-3-scale --profiles \"$PROFILES\" --count 2 --json"
        let result = try ChildProcessRunner.run(
            Self.umockdevRun,
            ["--device", fixture.testbed.path, "--script", "/dev/ttyUSB0=\(fixture.script.path)", "--", "/bin/sh", "-c", script],
            stdin: [], environment: ["TALLY": tally, "PROFILES": fixture.profiles.path, "DEVICES": devices.path])
        XCTAssertEqual(result.status, 0, result.output)
        if result.stderr.contains("Unexpected argument 'scale'") {
            XCTFail("the tally binary has no `scale` command: register ScaleCommand in Sources/tally/Tally.swift")
        }
        let report = try JSONDecoder().decode(DiscoveryReport.self, from: try Data(contentsOf: devices))
        let tty = report.devices.first { $0.node == .tty }
        XCTAssertEqual(tty?.devnode, "/dev/ttyUSB0")
        XCTAssertEqual(tty?.profileID, "dock-3-scale")
        XCTAssertEqual(tty?.usb.vendorID.description, "0403")
        XCTAssertEqual(tty?.usb.productID.description, "6001")
        let objects = TallyBinary.objects(result)
        XCTAssertEqual(objects.count, 2, result.output)
        XCTAssertTrue(objects.allSatisfy { $0["value"] as? String == "412.5" && $0["status"] as? String == "ok" }, result.stdout)
        XCTAssertEqual(objects.map { $0["capture"] as? Bool }, [false, true], "the site profile's window is 2 readings")
        XCTAssertTrue(result.stderr.contains("reading /dev/ttyUSB0 as dock-3-scale (toledo-continuous, 9600 7E1, listening)"), result.stderr)
    }

    // MARK: - Fixture

    /// A testbed (FTDI FT232R 0403:6001, serial A10K3Z9Q, with ttyUSB0), a site profile pinning it, and a
    /// script streaming Toledo continuous frames, under /tmp.
    struct Fixture {
        let root: URL
        let testbed: URL
        let profiles: URL
        let script: URL

        /// 412.5 kg gross, stable, with checksum.
        static let frame: [UInt8] = {
            var bytes: [UInt8] = [0x02, 0x2B, 0x30, 0x20] + Array("004125000000".utf8) + [0x0D]
            bytes.append(ToledoContinuous.checksum(bytes))
            return bytes
        }()

        static let testbedText = UmockdevTestbed(
            [.usbRootHub()] + DiscoveryTestbed.ftdiAdapter(ttyLinks: ["/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K3Z9Q-if00-port0"])
        ).text

        static let siteProfile = """
            name: Dock 3 floor scale (IND780 continuous output on FTDI adapter A10K3Z9Q)
            kind: scale
            transport: serial
            match: {vid: "0403", pid: "6001", serial: A10K3Z9Q}
            serial: {baud: 9600, data-bits: 7, parity: even}
            scale:
              protocol: toledo-continuous
              division: "0.1"
              unit: kg
              capacity: "1500"
              stability: {readings: 2, ms: 0}
            source:
              - {title: Site installation record, where: dock 3}
            """

        /// umockdev script data: bytes below 32 as `^` + (b + 64), `^` itself as "^`".
        static func escaped(_ bytes: [UInt8]) -> String {
            var text = ""
            for byte in bytes {
                if byte < 32 {
                    text += "^" + String(UnicodeScalar(byte + 64))
                } else if byte == UInt8(ascii: "^") {
                    text += "^`"
                } else {
                    text.unicodeScalars.append(UnicodeScalar(byte))
                }
            }
            return text
        }

        init() throws {
            guard FileManager.default.isExecutableFile(atPath: UmockdevScaleTests.umockdevRun) else {
                throw XCTSkip("umockdev-run is not installed (apt-get install umockdev)")
            }
            root = try ScratchDirectory.make("umockdev-scale")
            testbed = root.appendingPathComponent("dock.umockdev")
            try Self.testbedText.write(to: testbed, atomically: true, encoding: .utf8)
            profiles = root.appendingPathComponent("profiles", isDirectory: true)
            try FileManager.default.createDirectory(at: profiles, withIntermediateDirectories: true)
            try Self.siteProfile.write(to: profiles.appendingPathComponent("dock-3-scale.yaml"), atomically: true, encoding: .utf8)
            // The first frame after a second (the child opens the tty meanwhile; bytes written before the
            // open are flushed by it), then one every 250 ms for a minute: the child stops after its count.
            script = root.appendingPathComponent("scale.script")
            let lines = (0..<240).map { index in "r \(index == 0 ? 1000 : 250) \(Self.escaped(Self.frame))" }
            try (lines.joined(separator: "\n") + "\n").write(to: script, atomically: true, encoding: .utf8)
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }
}
