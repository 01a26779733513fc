import Foundation
import TallyTestSupport
import XCTest
@testable import TallyDevices

/// Generated usbmon captures replayed by umockdev to the real `tally listen --json`: libudev finds
/// the scanners, libusb opens them, claims the interface (the detach fails under replay: logged, not
/// fatal), reads the report descriptor with GET_DESCRIPTOR and reads the reports with interrupt
/// transfers on its event thread; the decoders turn them into the scans printed.
final class PcapReplayTests: XCTestCase {
    private let gs = "\u{1D}"

    /// Runs `tally listen --json --count <count>` under umockdev with the testbed and captures.
    private func listen(
        _ scanners: [(scanner: TestScanner, reports: [[UInt8]])], profiles: [String: String], count: Int,
        bindings: [String] = [], in directory: URL, file: StaticString = #filePath, line: UInt = #line
    ) throws -> (events: [[String: Any]], outcome: ProcessOutcome) {
        let tally = try TallyExecutable.path("tally")
        let testbed = directory.appendingPathComponent("dock.umockdev")
        try TestScanner.testbed(scanners.map(\.scanner)).write(to: testbed, atomically: true, encoding: .utf8)
        let profileDirectory = directory.appendingPathComponent("profiles", isDirectory: true)
        try FileManager.default.createDirectory(at: profileDirectory, withIntermediateDirectories: true)
        for (id, yaml) in profiles {
            try yaml.write(to: profileDirectory.appendingPathComponent("\(id).yaml"), atomically: true, encoding: .utf8)
        }
        var arguments = ["--device", testbed.path]
        for (index, entry) in scanners.enumerated() {
            let capture = directory.appendingPathComponent("scanner\(index).pcapng")
            try entry.scanner.capture(entry.reports).write(to: capture)
            arguments += ["--pcap", "/sys\(entry.scanner.devpath)=\(capture.path)"]
        }
        arguments += ["--", tally, "listen", "--json", "--count", "\(count)", "--timeout", "60", "--profiles", profileDirectory.path]
        for binding in bindings { arguments += ["--bind", binding] }
        let outcome = try ChildProcessRunner.run(
            UmockdevDiscoveryTests.umockdevRun, arguments, environment: ["TMPDIR": directory.path], in: directory, timeout: 120)
        XCTAssertEqual(outcome.status, 0, outcome.output, file: file, line: line)
        return (ScannerFixtures.jsonLines(outcome.stdout), outcome)
    }

    // MARK: - Keyboard wedge, every layout

    /// The scans a wedge scanner on `layout` sends in one session, and the reports for them: Shift
    /// (both sides), Caps Lock, GS as Ctrl+], Ctrl+Shift+], Alt+029 and as the profile's substitute,
    /// key rollover, and garbage reports that must be ignored.
    private func wedgeSession(_ layout: KeyboardLayout, substitute: Character) throws -> (reports: [[UInt8]], scans: [String]) {
        let local: String = switch layout.identifier {
        case "uk": "£"
        case "de": "Größe"
        case "fr": "éèçà"
        case "es": "ñÑ¿"
        case "it": "èòà"
        default: "~"
        }
        let gs1 = "0104012345678901" + gs + "21SN-\(layout.identifier.uppercased())" + gs + "10LOT7"
        var reports: [[UInt8]] = []
        var scans: [String] = []

        // 1. Mixed case with Shift, every second shifted key on Right Shift.
        let mixed = "Asset-Tag" + local + "XY12"
        var shiftedCount = 0
        for report in try SimulatedWedgeScanner(layout: layout).reports(for: mixed) {
            var report = report
            if report[0] == 0x02 {
                if shiftedCount % 2 == 1 { report[0] = 0x20 }
                shiftedCount += 1
            }
            reports.append(report)
        }
        scans.append(mixed)

        // 2. Caps Lock on: letters flip, digits do not; Caps Lock off again before the terminator.
        let a = try XCTUnwrap(layout.keyStroke(for: "a")), b = try XCTUnwrap(layout.keyStroke(for: "b"))
        let seven = try XCTUnwrap(layout.keyStroke(for: "7"))
        let capsLock = BootKeyboardReport(modifiers: [], keys: [HIDKeyboardUsage.capsLock]).bytes
        let released = BootKeyboardReport.released.bytes
        reports += [capsLock, released]
        for stroke in [a, b, seven] {
            reports += [BootKeyboardReport(modifiers: stroke.modifiers, keys: [stroke.usage]).bytes, released]
        }
        reports += [BootKeyboardReport(modifiers: .leftShift, keys: [a.usage]).bytes, released, capsLock, released]
        reports += [BootKeyboardReport(modifiers: [], keys: [HIDKeyboardUsage.enter]).bytes, released]
        scans.append("AB7a")

        // 3-6. GS in every form.
        for style in [SimulatedWedgeScanner.ControlCharacterStyle.controlKey, .controlShiftKey, .altKeypad, .substitute(substitute)] {
            reports += try SimulatedWedgeScanner(layout: layout, controlCharacters: style).reports(for: gs1)
            scans.append(gs1)
        }

        // 7. Rollover: the next key goes down before the previous one is up, then a rollover error
        //    report (ignored), a short garbage report and an overlong one (ignored and counted).
        let x = try XCTUnwrap(layout.keyStroke(for: "x")), y = try XCTUnwrap(layout.keyStroke(for: "y"))
        reports += [
            BootKeyboardReport(modifiers: [], keys: [x.usage]).bytes,
            BootKeyboardReport(modifiers: [], keys: [x.usage, y.usage]).bytes,
            [0, 0, 1, 1, 1, 1, 1, 1],
            [0x00, 0x00, 0x04],
            BootKeyboardReport(modifiers: [], keys: [y.usage]).bytes,
            released,
            BootKeyboardReport(modifiers: [], keys: [HIDKeyboardUsage.enter]).bytes,
            released,
        ]
        scans.append("xy")
        return (reports, scans)
    }

    func testKeyboardWedgeCapturesInEveryLayout() throws {
        for layout in KeyboardLayout.all {
            let directory = try ScannerFixtures.directory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let substitute: Character = layout.keyStroke(for: "^") != nil ? "^" : "~"
            let session = try wedgeSession(layout, substitute: substitute)
            let scanner = TestScanner(port: "1-1", devnum: 2, vendorID: 0x05E0, productID: 0x1200, serial: "W\(layout.identifier.uppercased())1", kind: .keyboard)
            let profile = ScannerFixtures.profile(
                name: "Wedge \(layout.identifier)", vendorID: 0x05E0, productID: 0x1200, transport: "usb-hid-keyboard",
                layout: layout.identifier, substitute: String(substitute))
            let (events, outcome) = try listen(
                [(scanner, session.reports)], profiles: ["wedge-\(layout.identifier)": profile], count: session.scans.count,
                bindings: ["wedge-\(layout.identifier):W\(layout.identifier.uppercased())1=door-\(layout.identifier)"], in: directory)

            let connected = events.filter { $0["event"] as? String == "device-connected" }
            XCTAssertEqual(connected.count, 1, "\(layout.identifier): \(outcome.output)")
            XCTAssertEqual(connected.first?["mode"] as? String, "keyboard-wedge", "chosen from the report descriptor")
            let scans = events.filter { $0["event"] as? String == "scan" }
            XCTAssertEqual(scans.compactMap { $0["text"] as? String }, session.scans, "\(layout.identifier): \(outcome.output)")
            for scan in scans {
                XCTAssertEqual(scan["device"] as? String, "wedge-\(layout.identifier):W\(layout.identifier.uppercased())1")
                XCTAssertEqual(scan["station"] as? String, "door-\(layout.identifier)")
                XCTAssertTrue(scan["symbology"] is NSNull, "a wedge profile without AIM identifiers has no symbology")
            }
            XCTAssertTrue(outcome.stderr.contains("kernel driver detach"), "the failed detach is logged: \(outcome.stderr)")
        }
    }

    func testTheLayoutOptionMattersForTheSameCapture() throws {
        // The German capture of "yz" read with a US profile gives "zy": the profile's layout is used.
        let directory = try ScannerFixtures.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let reports = try SimulatedWedgeScanner(layout: .de).reports(for: "yz")
        let scanner = TestScanner(port: "1-1", devnum: 2, vendorID: 0x05E0, productID: 0x1200, serial: "L1", kind: .keyboard)
        let profile = ScannerFixtures.profile(name: "US", vendorID: 0x05E0, productID: 0x1200, transport: "usb-hid-keyboard", layout: "us")
        let (events, outcome) = try listen([(scanner, reports)], profiles: ["us-wedge": profile], count: 1, in: directory)
        XCTAssertEqual(events.filter { $0["event"] as? String == "scan" }.compactMap { $0["text"] as? String }, ["zy"], outcome.output)
    }

    // MARK: - HID POS, with a wedge scanner beside it

    func testHIDPOSShortAndMultiReportScansBesideTwoIdenticalWedgeScanners() throws {
        let directory = try ScannerFixtures.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let short = Array("4006381333931".utf8)
        var long = Array("0104012345678901".utf8) + [0x1D] + Array("21".utf8)
        while long.count < 150 { long.append(UInt8(ascii: "A") + UInt8(long.count % 26)) }
        var garbage = HIDPOSScan.reports(symbology: "]C0", data: Array("NOPE".utf8))[0]
        garbage[1] = 80  // a byte count larger than the report: ignored
        var foreign = [UInt8](repeating: 0, count: 64)
        foreign[0] = 0x04  // another report id of the device: ignored
        let posReports = HIDPOSScan.reports(symbology: "]E0", data: short) + [Array(garbage.prefix(10)), garbage, foreign]
            + HIDPOSScan.reports(symbology: "]d2", data: long)
        let pos = TestScanner(port: "1-2", devnum: 3, vendorID: 0x0C2E, productID: 0x0B61, serial: "HP900", kind: .hidPOS)
        let wedge = TestScanner(port: "1-1", devnum: 2, vendorID: 0x05E0, productID: 0x1200, serial: "ZW1", kind: .keyboard)
        let wedgeReports = try SimulatedWedgeScanner().reports(for: "]C1" + "00106141412345678908")
        // An identical scanner (same vid:pid and profile) on the next port, told apart by its serial.
        let twin = TestScanner(port: "1-3", devnum: 4, vendorID: 0x05E0, productID: 0x1200, serial: "ZW2", kind: .keyboard)
        let twinReports = try SimulatedWedgeScanner().reports(for: "]C1" + "00106141419999999997")

        let profiles = [
            "pos-scanner": ScannerFixtures.profile(name: "POS", vendorID: 0x0C2E, productID: 0x0B61, transport: "usb-hid-pos", layout: nil),
            "zebra-aim": ScannerFixtures.profile(name: "Zebra AIM", vendorID: 0x05E0, productID: 0x1200, transport: "usb-hid-keyboard", layout: "us", aim: true),
        ]
        let (events, outcome) = try listen(
            [(wedge, wedgeReports), (pos, posReports), (twin, twinReports)], profiles: profiles, count: 4,
            bindings: ["pos-scanner:HP900=dock-2", "zebra-aim:ZW1=dock-1", "zebra-aim:ZW2=dock-3"], in: directory)

        let connected = events.filter { $0["event"] as? String == "device-connected" }
        XCTAssertEqual(connected.count, 3, outcome.output)
        XCTAssertEqual(Set(connected.compactMap { $0["mode"] as? String }), ["hid-pos", "keyboard-wedge"], outcome.output)
        let scans = events.filter { $0["event"] as? String == "scan" }
        let posScans = scans.filter { $0["device"] as? String == "pos-scanner:HP900" }
        XCTAssertEqual(posScans.compactMap { $0["symbology"] as? String }, ["]E0", "]d2"], outcome.output)
        XCTAssertEqual(posScans.compactMap { $0["text"] as? String }, [String(decoding: short, as: UTF8.self), String(decoding: long, as: UTF8.self)])
        XCTAssertEqual(posScans.compactMap { $0["station"] as? String }, ["dock-2", "dock-2"])
        let wedgeScans = scans.filter { $0["device"] as? String == "zebra-aim:ZW1" }
        XCTAssertEqual(wedgeScans.compactMap { $0["text"] as? String }, ["00106141412345678908"], outcome.output)
        XCTAssertEqual(wedgeScans.first?["symbology"] as? String, "]C1", "AIM identifier taken off the wedge scan")
        XCTAssertEqual(wedgeScans.first?["station"] as? String, "dock-1")
        let twinScans = scans.filter { $0["device"] as? String == "zebra-aim:ZW2" }
        XCTAssertEqual(twinScans.compactMap { $0["text"] as? String }, ["00106141419999999997"], outcome.output)
        XCTAssertEqual(twinScans.first?["station"] as? String, "dock-3")
    }
}
