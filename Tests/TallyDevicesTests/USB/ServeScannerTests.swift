import Foundation
import TallyTestSupport
import XCTest
@testable import TallyDevices

/// `tally serve` reading USB scanners under umockdev: a scanner the configuration binds to a station
/// has its scans recorded there; a scanner no station lists is left unrecorded, with a warning; the
/// service stops on SIGTERM with status 0 and the scanners given back.
final class ServeScannerTests: XCTestCase {
    func testServeRecordsTheBoundScannerAndNotTheUnboundOne() throws {
        let directory = try ScannerFixtures.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tally = try TallyExecutable.path("tally")
        let bound = TestScanner(port: "1-1", devnum: 2, vendorID: 0x05E0, productID: 0x1200, serial: "ZB1", kind: .keyboard)
        let loose = TestScanner(port: "1-2", devnum: 3, vendorID: 0x05E0, productID: 0x1200, serial: "ZB2", kind: .keyboard)
        let testbed = directory.appendingPathComponent("dock.umockdev")
        try TestScanner.testbed([bound, loose]).write(to: testbed, atomically: true, encoding: .utf8)
        let profiles = directory.appendingPathComponent("profiles", isDirectory: true)
        try FileManager.default.createDirectory(at: profiles, withIntermediateDirectories: true)
        try ScannerFixtures.profile(name: "Wedge", vendorID: 0x05E0, productID: 0x1200, transport: "usb-hid-keyboard", layout: "us")
            .write(to: profiles.appendingPathComponent("wedge.yaml"), atomically: true, encoding: .utf8)
        var arguments = ["--device", testbed.path]
        for (index, (scanner, text)) in [(bound, "ASSET-0001"), (loose, "ASSET-0002")].enumerated() {
            let capture = directory.appendingPathComponent("scanner\(index).pcapng")
            try scanner.capture(try SimulatedWedgeScanner().reports(for: text)).write(to: capture)
            arguments += ["--pcap", "/sys\(scanner.devpath)=\(capture.path)"]
        }
        let database = directory.appendingPathComponent("tally.sqlite").path
        let configuration = directory.appendingPathComponent("tally.yaml")
        try """
            stations:
              - name: door-1
                devices:
                  - wedge:ZB1
              - name: door-2
                devices:
                  - wedge:ZZ9
            unbound-devices: ignore
            """.write(to: configuration, atomically: true, encoding: .utf8)
        // The service runs under umockdev; a shell beside it waits (up to 30 s) until the log holds the
        // bound scanner's scan and a moment more for the other one, then sends SIGTERM.
        let script = """
            "$0" devices --config "$1" --profiles "$3"
            "$0" serve --config "$1" --db "$2" --port 0 --profiles "$3" & pid=$!
            i=0
            while [ $i -lt 300 ]; do
              if "$0" log show --db "$2" 2>/dev/null | grep -q ASSET-0001; then break; fi
              sleep 0.1; i=$((i+1))
            done
            sleep 1
            kill -TERM $pid
            wait $pid
            """
        arguments += ["--", "/bin/sh", "-c", script, tally, configuration.path, database, profiles.path]
        let outcome = try ChildProcessRunner.run(
            UmockdevDiscoveryTests.umockdevRun, arguments, environment: ["TMPDIR": directory.path], in: directory, timeout: 120)
        XCTAssertEqual(outcome.status, 0, "SIGTERM ends the service with status 0: \(outcome.output)")
        XCTAssertTrue(outcome.stdout.contains("Devices: 2 bound to 2 stations"), outcome.output)
        // `tally devices --config` first: who serves where, and what is bound but missing.
        XCTAssertTrue(outcome.stdout.contains("  wedge:ZB1: serves door-1\n"), outcome.output)
        XCTAssertTrue(outcome.stdout.contains("  wedge:ZB2: not read: no station lists it\n"), outcome.output)
        XCTAssertTrue(outcome.stdout.contains("  wedge:ZZ9: bound to door-2, not attached\n"), outcome.output)
        XCTAssertTrue(outcome.stdout.contains("stopped"), outcome.output)
        XCTAssertTrue(outcome.stderr.contains("wedge:ZB2: no station lists this scanner"), outcome.output)

        let log = try ChildProcessRunner.run(tally, ["log", "show", "--json", "--db", database], environment: [:], in: directory, timeout: 60)
        let scans = ScannerFixtures.jsonLines(log.stdout).compactMap { $0["event"] as? [String: Any] }.filter { $0["type"] as? String == "scan" }
        XCTAssertEqual(scans.compactMap { $0["data"] as? String }, ["ASSET-0001"], "only the bound scanner is recorded: \(log.output)")
        XCTAssertEqual(scans.first?["station"] as? String, "door-1")
        XCTAssertEqual(scans.first?["device"] as? String, "wedge:ZB1")
    }
}
