import Foundation
import TallyCore
import TallyTestSupport
import XCTest
@testable import TallyDevices

/// Paths and fixtures shared by the profile and discovery tests.
enum ProfileFixtures {
    /// The shipped profiles.
    static let shippedDirectory = Checkout.hardwareProfiles

    /// A valid scale profile; tests replace single lines to break it (line numbers below are stable).
    static let scaleLines = [
        "name: Test scale",              // 1
        "kind: scale",                   // 2
        "transport: serial",             // 3
        "serial:",                       // 4
        "  baud: 9600",                  // 5
        "scale:",                        // 6
        "  protocol: mt-sics",           // 7
        "  poll-command: \"SI\\r\\n\"",  // 8
        "  poll-interval-ms: 200",       // 9
        "  division: \"0.5\"",           // 10
        "  unit: kg",                    // 11
        "  capacity: \"1500\"",          // 12
        "  stability:",                  // 13
        "    readings: 3",               // 14
        "    ms: 600",                   // 15
        "source:",                       // 16
        "  - title: Manual",             // 17
        "    where: page 1",             // 18
    ]

    /// A valid keyboard-wedge scanner profile.
    static let scannerLines = [
        "name: Test scanner",            // 1
        "kind: scanner",                 // 2
        "transport: usb-hid-keyboard",   // 3
        "match:",                        // 4
        "  vid: \"05e0\"",               // 5
        "  pid: \"1200\"",               // 6
        "scanner:",                      // 7
        "  layout: us",                  // 8
        "  terminator: enter",           // 9
        "source:",                       // 10
        "  - title: Manual",             // 11
        "    where: page 1",             // 12
    ]

    /// `lines` with 1-based line numbers replaced (an empty replacement keeps an empty line).
    static func yaml(_ lines: [String], replacing changes: [Int: String] = [:]) -> String {
        var lines = lines
        for (number, text) in changes { lines[number - 1] = text }
        return lines.joined(separator: "\n") + "\n"
    }
}

final class ProfileLoaderTests: XCTestCase {
    // MARK: Shipped profiles

    /// The shipped library: at least 10 scanner and 8 scale profiles, every one with a source, every USB
    /// one with a vid:pid, and no two that match the same device equally (which would make matching ambiguous).
    func testShippedProfilesLoad() throws {
        let profiles = try ProfileLoader.load(directory: ProfileFixtures.shippedDirectory)
        let scanners = profiles.filter { $0.kind == .scanner }
        let scales = profiles.filter { $0.kind == .scale }
        XCTAssertGreaterThanOrEqual(scanners.count, 10, scanners.map(\.id).joined(separator: ", "))
        XCTAssertGreaterThanOrEqual(scales.count, 8, scales.map(\.id).joined(separator: ", "))
        XCTAssertTrue(scanners.contains { $0.transport == .usbHIDPOS }, "HID POS scanners are in the library")
        XCTAssertEqual(Set(scales.compactMap { $0.scale?.scaleProtocol }).count, HardwareProfile.ScaleProtocol.allCases.count,
                       "every scale protocol has a shipped profile")
        for profile in profiles {
            XCTAssertFalse(profile.sources.isEmpty, profile.id)
            if profile.transport.isUSBHID { XCTAssertNotNil(profile.match, profile.id) }
        }
        var seen: [String: String] = [:]
        for profile in profiles {
            guard let match = profile.match else { continue }
            let key = "\(match.vendorID):\(match.productID) interface \(match.interface.map(String.init) ?? "any") serial \(match.serial ?? "any")"
            XCTAssertNil(seen[key], "\(profile.id) and \(seen[key] ?? "") match the same devices (\(key))")
            seen[key] = profile.id
        }

        let zebra = try XCTUnwrap(profiles.first { $0.id == "zebra-ds2208" })
        XCTAssertEqual(zebra.kind, .scanner)
    }

    func testValidateReportsShippedFiles() throws {
        let validation = ProfileLoader.validate(directories: [ProfileFixtures.shippedDirectory])
        XCTAssertTrue(validation.isValid, validation.errors.map(\.description).joined(separator: "\n"))
        let yaml = try FileManager.default.contentsOfDirectory(atPath: ProfileFixtures.shippedDirectory.path).filter { $0.hasSuffix(".yaml") }
        XCTAssertEqual(validation.files.count, yaml.count, "every YAML file is read, and README.md is not a profile")
        XCTAssertEqual(validation.profiles.count, yaml.count)
    }

    func testProfilesRoundTripThroughJSON() throws {
        let profiles = try ProfileLoader.load(directory: ProfileFixtures.shippedDirectory)
        let data = try JSONEncoder().encode(profiles)
        let decoded = try JSONDecoder().decode([HardwareProfile].self, from: data)
        XCTAssertEqual(decoded, profiles)
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains("\"vid\":\"05e0\""), text)
        XCTAssertTrue(text.contains("\"division\":\"0.5\""), text)
    }

    func testMinimalFixturesAreValid() throws {
        let scale = try ProfileLoader.parse(yaml: ProfileFixtures.yaml(ProfileFixtures.scaleLines), file: "x/test-scale.yaml")
        XCTAssertEqual(scale.id, "test-scale")
        XCTAssertEqual(scale.serial?.description, "9600 8N1", "data bits, parity, stop bits and flow control default to 8N1, none")
        let scanner = try ProfileLoader.parse(yaml: ProfileFixtures.yaml(ProfileFixtures.scannerLines), file: "test-scanner.yaml")
        XCTAssertEqual(scanner.scanner?.interKeyTimeoutMilliseconds, HardwareProfile.ScannerOptions.defaultInterKeyTimeoutMilliseconds)
        XCTAssertEqual(scanner.scanner?.prefix, "")
    }

    // MARK: Errors name file, line and field

    /// Parses `yaml` as `file` and checks the error's kind, line and field.
    private func assertError(
        _ yaml: String, file: String = "hardware-profiles/broken.yaml",
        kind: ProfileError.Kind, line: Int?, field: String?, mentioning words: [String] = [],
        sourceFile: StaticString = #filePath, sourceLine: UInt = #line
    ) {
        do {
            let profile = try ProfileLoader.parse(yaml: yaml, file: file)
            XCTFail("expected \(kind) at line \(line.map(String.init) ?? "-"), loaded \(profile.id)", file: sourceFile, line: sourceLine)
        } catch {
            XCTAssertEqual(error.file, file, file: sourceFile, line: sourceLine)
            XCTAssertEqual(error.kind, kind, error.description, file: sourceFile, line: sourceLine)
            XCTAssertEqual(error.line, line, error.description, file: sourceFile, line: sourceLine)
            XCTAssertEqual(error.field, field, error.description, file: sourceFile, line: sourceLine)
            for word in words {
                XCTAssertTrue(error.description.contains(word), "\(error.description) lacks \(word)", file: sourceFile, line: sourceLine)
            }
            if let line, let field {
                XCTAssertTrue(error.description.hasPrefix("\(file):\(line):"), error.description, file: sourceFile, line: sourceLine)
                XCTAssertTrue(error.description.contains("\(field): "), error.description, file: sourceFile, line: sourceLine)
            }
        }
    }

    func testBadVendorID() {
        assertError(ProfileFixtures.yaml(ProfileFixtures.scannerLines, replacing: [5: "  vid: \"5e0\""]),
                    kind: .invalidValue, line: 5, field: "match.vid", mentioning: ["four hex digits", "5e0"])
        assertError(ProfileFixtures.yaml(ProfileFixtures.scannerLines, replacing: [5: "  vid: 0x05e0"]),
                    kind: .invalidValue, line: 5, field: "match.vid", mentioning: ["without 0x"])
        assertError(ProfileFixtures.yaml(ProfileFixtures.scannerLines, replacing: [6: "  pid: \"12g0\""]),
                    kind: .invalidValue, line: 6, field: "match.pid")
    }

    func testUnquotedHexDigitsAreAccepted() throws {
        // YAML would read 1200 as an integer; the loader reads the text as written.
        let profile = try ProfileLoader.parse(
            yaml: ProfileFixtures.yaml(ProfileFixtures.scannerLines, replacing: [6: "  pid: 1200"]), file: "t.yaml")
        XCTAssertEqual(profile.match?.productID.description, "1200")
    }

    func testUnknownProtocol() {
        assertError(ProfileFixtures.yaml(ProfileFixtures.scaleLines, replacing: [7: "  protocol: mt-sics2"]),
                    kind: .invalidValue, line: 7, field: "scale.protocol",
                    mentioning: ["mt-sics, toledo-continuous, toledo-8217, nci, and, cas, rice-lake, cardinal-sma", "mt-sics2"])
    }

    func testBadDivision() {
        for bad in ["\"0.3\"", "\"0\"", "\"-1\"", "\"1e-1\"", "\"0.25\""] {
            assertError(ProfileFixtures.yaml(ProfileFixtures.scaleLines, replacing: [10: "  division: \(bad)"]),
                        kind: .invalidValue, line: 10, field: "scale.division", mentioning: ["1, 2 or 5"])
        }
        for good in ["\"0.02\"", "\"5\"", "20", "0.5"] {
            XCTAssertNoThrow(try ProfileLoader.parse(
                yaml: ProfileFixtures.yaml(ProfileFixtures.scaleLines, replacing: [10: "  division: \(good)", 12: "  capacity: \"1000\""]),
                file: "t.yaml"), good)
        }
    }

    func testCapacityMustBeWholeDivisions() {
        assertError(ProfileFixtures.yaml(ProfileFixtures.scaleLines, replacing: [12: "  capacity: \"1500.2\""]),
                    kind: .invalidValue, line: 12, field: "scale.capacity", mentioning: ["whole number of divisions"])
    }

    func testMissingField() {
        // The document's first line is its root mapping.
        assertError(ProfileFixtures.yaml(ProfileFixtures.scaleLines, replacing: [1: "# no name"]),
                    kind: .missingField, line: 2, field: "name")
        assertError(ProfileFixtures.yaml(ProfileFixtures.scannerLines, replacing: [6: "  serial: S1"]),
                    kind: .missingField, line: 5, field: "match.pid")
        assertError(ProfileFixtures.yaml(ProfileFixtures.scaleLines, replacing: [14: "    # readings removed"]),
                    kind: .missingField, line: 15, field: "scale.stability.readings")
        assertError(ProfileFixtures.yaml(ProfileFixtures.scaleLines, replacing: [11: "  unit:"]),
                    kind: .missingField, line: 11, field: "scale.unit")
        assertError(ProfileFixtures.yaml(Array(ProfileFixtures.scaleLines.prefix(15))),
                    kind: .missingField, line: 1, field: "source", mentioning: ["manual"])
    }

    func testMissingSectionForKindAndTransport() {
        let noMatch = Array(ProfileFixtures.scannerLines[0..<3] + ProfileFixtures.scannerLines[6...])
        assertError(ProfileFixtures.yaml(noMatch), kind: .missingField, line: 1, field: "match")
        let noSerial = Array(ProfileFixtures.scaleLines[0..<3] + ProfileFixtures.scaleLines[5...])
        assertError(ProfileFixtures.yaml(noSerial), kind: .missingField, line: 1, field: "serial")
    }

    func testKindAndTransportConsistency() {
        assertError(ProfileFixtures.yaml(ProfileFixtures.scaleLines, replacing: [3: "transport: usb-hid-keyboard"]),
                    kind: .inconsistent, line: 3, field: "transport", mentioning: ["allowed: serial"])
        assertError(ProfileFixtures.yaml(ProfileFixtures.scannerLines, replacing: [2: "kind: scale"]),
                    kind: .inconsistent, line: 3, field: "transport")
        assertError(ProfileFixtures.yaml(ProfileFixtures.scannerLines, replacing: [3: "transport: usb-hid-pos"]),
                    kind: .inconsistent, line: 8, field: "scanner.layout")
        assertError(ProfileFixtures.yaml(ProfileFixtures.scaleLines, replacing: [2: "kind: scanner"]),
                    kind: .missingField, line: 1, field: "scanner")
        var withScale = ProfileFixtures.scannerLines
        withScale.insert(contentsOf: ["scale:", "  protocol: mt-sics"], at: 9)
        assertError(ProfileFixtures.yaml(withScale), kind: .inconsistent, line: 10, field: "scale")
        var withSerial = ProfileFixtures.scannerLines
        withSerial.insert(contentsOf: ["serial:", "  baud: 9600"], at: 9)
        assertError(ProfileFixtures.yaml(withSerial), kind: .inconsistent, line: 10, field: "serial")
        assertError(ProfileFixtures.yaml(ProfileFixtures.scaleLines, replacing: [7: "  protocol: toledo-continuous"]),
                    kind: .inconsistent, line: 8, field: "scale.poll-command")
        assertError(ProfileFixtures.yaml(ProfileFixtures.scaleLines, replacing: [8: "  # no poll command"]),
                    kind: .inconsistent, line: 9, field: "scale.poll-interval-ms")
    }

    func testSerialValues() {
        assertError(ProfileFixtures.yaml(ProfileFixtures.scaleLines, replacing: [5: "  baud: 9601"]),
                    kind: .invalidValue, line: 5, field: "serial.baud", mentioning: ["9600"])
        assertError(ProfileFixtures.yaml(ProfileFixtures.scaleLines, replacing: [5: "  baud: fast"]),
                    kind: .invalidValue, line: 5, field: "serial.baud", mentioning: ["whole number"])
        assertError(ProfileFixtures.yaml(ProfileFixtures.scaleLines, replacing: [5: "  baud: 9600\n  parity: mark"]),
                    kind: .invalidValue, line: 6, field: "serial.parity")
        assertError(ProfileFixtures.yaml(ProfileFixtures.scaleLines, replacing: [5: "  baud: 9600\n  data-bits: 6"]),
                    kind: .invalidValue, line: 6, field: "serial.data-bits", mentioning: ["between 7 and 8"])
    }

    func testUnknownAndDuplicateFields() {
        assertError(ProfileFixtures.yaml(ProfileFixtures.scannerLines, replacing: [8: "  layuot: us"]),
                    kind: .unknownField, line: 8, field: "scanner.layuot", mentioning: ["layout"])
        assertError(ProfileFixtures.yaml(ProfileFixtures.scannerLines, replacing: [9: "  layout: de"]),
                    kind: .duplicateField, line: 9, field: "scanner.layout")
        assertError(ProfileFixtures.yaml(ProfileFixtures.scannerLines, replacing: [12: "    where: page 1\n    covers: [match.vendor]"]),
                    kind: .invalidValue, line: 13, field: "source[0].covers[0]")
    }

    func testScannerValues() {
        assertError(ProfileFixtures.yaml(ProfileFixtures.scannerLines, replacing: [8: "  layout: dvorak"]),
                    kind: .invalidValue, line: 8, field: "scanner.layout", mentioning: ["us, uk, de, fr, es, it"])
        assertError(ProfileFixtures.yaml(ProfileFixtures.scannerLines, replacing: [9: "  fnc1-substitute: A"]),
                    kind: .invalidValue, line: 9, field: "scanner.fnc1-substitute")
        assertError(ProfileFixtures.yaml(ProfileFixtures.scannerLines, replacing: [9: "  aim-identifiers: yes"]),
                    kind: .invalidValue, line: 9, field: "scanner.aim-identifiers")
        assertError(ProfileFixtures.yaml(ProfileFixtures.scannerLines, replacing: [9: "  inter-key-timeout-ms: 0"]),
                    kind: .invalidValue, line: 9, field: "scanner.inter-key-timeout-ms")
    }

    func testYAMLSyntaxErrorHasLine() {
        assertError(ProfileFixtures.yaml(ProfileFixtures.scannerLines, replacing: [6: "  pid: [1200"]),
                    kind: .syntax, line: 7, field: nil)
        assertError("", kind: .missingField, line: nil, field: nil, mentioning: ["empty"])
        assertError("- just\n- a list\n", kind: .invalidValue, line: 1, field: nil)
    }

    func testIDIsTheFileStem() {
        assertError(ProfileFixtures.yaml(ProfileFixtures.scannerLines), file: "profiles/Zebra DS2208.yaml",
                    kind: .invalidValue, line: 1, field: "id")
        assertError("id: other\n" + ProfileFixtures.yaml(ProfileFixtures.scannerLines), file: "profiles/zebra.yaml",
                    kind: .invalidValue, line: 1, field: "id", mentioning: ["differs from the file stem"])
        XCTAssertNoThrow(try ProfileLoader.parse(
            yaml: "id: zebra\n" + ProfileFixtures.yaml(ProfileFixtures.scannerLines), file: "profiles/zebra.yaml"))
    }

    // MARK: Directories

    func testDuplicateIDAcrossDirectoriesIsRejected() throws {
        let first = try ScratchDirectory.make("dup-a")
        let second = try ScratchDirectory.make("dup-b")
        defer {
            try? FileManager.default.removeItem(at: first)
            try? FileManager.default.removeItem(at: second)
        }
        let text = ProfileFixtures.yaml(ProfileFixtures.scannerLines)
        try text.write(to: first.appendingPathComponent("wedge.yaml"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: second.appendingPathComponent("site"), withIntermediateDirectories: true)
        let duplicate = second.appendingPathComponent("site/wedge.yaml")
        try text.write(to: duplicate, atomically: true, encoding: .utf8)

        let validation = ProfileLoader.validate(directories: [first, second])
        XCTAssertEqual(validation.profiles.map(\.id), ["wedge"])
        XCTAssertEqual(validation.errors.count, 1)
        let error = try XCTUnwrap(validation.errors.first)
        XCTAssertEqual(error.kind, .duplicateID)
        XCTAssertEqual(error.file, duplicate.path)
        XCTAssertEqual(error.line, 1)
        XCTAssertEqual(error.field, "id")
        XCTAssertTrue(error.description.contains(first.appendingPathComponent("wedge.yaml").path), error.description)

        XCTAssertThrowsError(try ProfileLoader.load(directories: [first, second])) { error in
            XCTAssertEqual((error as? ProfileError)?.kind, .duplicateID)
        }
    }

    func testDirectoryErrorsNameTheFile() throws {
        let directory = try ScratchDirectory.make("bad")
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("bad-scale.yaml")
        try ProfileFixtures.yaml(ProfileFixtures.scaleLines, replacing: [10: "  division: \"3\""])
            .write(to: bad, atomically: true, encoding: .utf8)
        try ProfileFixtures.yaml(ProfileFixtures.scannerLines).write(
            to: directory.appendingPathComponent("good.yaml"), atomically: true, encoding: .utf8)
        try "name: x\n".write(to: directory.appendingPathComponent("old.yml"), atomically: true, encoding: .utf8)
        try "ignored".write(to: directory.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)

        let validation = ProfileLoader.validate(directories: [directory])
        XCTAssertEqual(validation.profiles.map(\.id), ["good"])
        XCTAssertEqual(validation.errors.map(\.file), [bad.path, directory.appendingPathComponent("old.yml").path])
        XCTAssertEqual(validation.errors.first?.line, 10)
        XCTAssertEqual(validation.errors.first?.field, "scale.division")

        XCTAssertThrowsError(try ProfileLoader.load(directory: directory.appendingPathComponent("missing"))) { error in
            XCTAssertEqual((error as? ProfileError)?.kind, .unreadable)
        }
    }
}

final class ProfileLocatorTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = try ScratchDirectory.make("locator", removedAfter: self)
    }

    private func makeDirectory(_ path: String) throws -> URL {
        let url = root.appendingPathComponent(path, isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func testOrderOfPrecedence() throws {
        let checkout = try makeDirectory("checkout")
        let profiles = try makeDirectory("checkout/hardware-profiles")
        let deep = try makeDirectory("checkout/Sources/tally")
        let installed = try makeDirectory("etc/tally/hardware-profiles")
        let missingInstalled = root.appendingPathComponent("nowhere").path

        // Explicit beats everything, even when it does not exist.
        var locator = ProfileLocator(
            environment: ["TALLY_PROFILES": "/from/env"], currentDirectory: deep.path, executablePath: nil,
            installedDirectory: installed.path)
        XCTAssertEqual(locator.locate(explicit: "/given")?.directory.path, "/given")
        XCTAssertEqual(locator.locate(explicit: "/given")?.origin, .explicit)

        // Then the environment.
        XCTAssertEqual(locator.locate()?.directory.path, "/from/env")
        XCTAssertEqual(locator.locate()?.origin, .environment)

        // Then the installed directory, when it exists.
        locator.environment = [:]
        XCTAssertEqual(locator.locate()?.directory.standardizedFileURL.path, installed.standardizedFileURL.path)
        XCTAssertEqual(locator.locate()?.origin, .installed)

        // Then a checkout, walking up from the current directory.
        locator.installedDirectory = missingInstalled
        XCTAssertEqual(locator.locate()?.directory.standardizedFileURL.path, profiles.standardizedFileURL.path)
        XCTAssertEqual(locator.locate()?.origin, .checkout)

        // Then from the executable's path.
        locator.currentDirectory = root.path
        XCTAssertNil(locator.locate())
        locator.executablePath = checkout.appendingPathComponent(".build/debug/tally").path
        XCTAssertEqual(locator.locate()?.directory.standardizedFileURL.path, profiles.standardizedFileURL.path)
    }

    func testThisCheckoutIsFound() {
        let locator = ProfileLocator(
            environment: [:], currentDirectory: Checkout.root.appendingPathComponent("Sources").path,
            executablePath: nil, installedDirectory: "/nonexistent/tally/hardware-profiles")
        XCTAssertEqual(locator.locate()?.directory.standardizedFileURL.path, ProfileFixtures.shippedDirectory.standardizedFileURL.path)
    }
}
