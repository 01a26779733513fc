import Foundation
import TallyTestSupport
import XCTest
@testable import TallyDevices

/// The generated udev rules: committed file up to date, grammar, access, coverage, determinism, names.
final class UdevRulesTests: XCTestCase {
    static let committedFile = Checkout.root
        .appendingPathComponent("udev-rules", isDirectory: true).appendingPathComponent(UdevRules.fileName)

    func shippedProfiles() throws -> [HardwareProfile] {
        try ProfileLoader.load(directory: ProfileFixtures.shippedDirectory)
    }

    // MARK: Committed file

    func testCommittedRulesAreWhatTheProfilesGenerate() throws {
        let generated = UdevRules.generate(profiles: try shippedProfiles())
        let path = "udev-rules/\(UdevRules.fileName)"
        let regenerate = "regenerate it with `\(UdevRules.regenerateCommand)` (or `\(UdevRules.regenerateSwiftCommand)`) and commit it"
        guard let data = FileManager.default.contents(atPath: Self.committedFile.path) else {
            return XCTFail("\(path) is missing: \(regenerate)")
        }
        let committed = String(decoding: data, as: UTF8.self)
        guard committed != generated else { return }
        let old = committed.split(separator: "\n", omittingEmptySubsequences: false)
        let new = generated.split(separator: "\n", omittingEmptySubsequences: false)
        let line = (0..<min(old.count, new.count)).first { old[$0] != new[$0] } ?? min(old.count, new.count)
        let was = line < old.count ? String(old[line]) : "(end of file)"
        let now = line < new.count ? String(new[line]) : "(end of file)"
        XCTFail("""
            \(path) differs from what hardware-profiles/ generates: \(regenerate).
            First difference at line \(line + 1):
              committed: \(was)
              generated: \(now)
            """)
    }

    // MARK: Grammar

    func testGeneratedRulesFollowTheUdevGrammar() throws {
        let text = UdevRules.generate(profiles: try shippedProfiles() + [Self.pinnedScanner, Self.pinnedScale])
        let (rules, problems) = UdevRulesGrammar.check(text)
        XCTAssertEqual(problems, [], problems.map(\.description).joined(separator: "\n"))
        XCTAssertGreaterThan(rules.count, 10)
        XCTAssertEqual(rules.first?.tokens.map(\.key), ["ACTION", "GOTO"])
        XCTAssertEqual(rules.last?.values("LABEL"), ["tally_end"])
    }

    func testGrammarCheckerRejectsWhatUdevRejects() {
        let bad: [(String, String)] = [
            (#"SUBSYSTEM="usb", MODE="0660""#, "operator = is not allowed"),
            (#"FOO=="1", MODE="0660""#, "unknown key"),
            (#"ATTRS{idVendor}="05e0", MODE="0660""#, "operator = is not allowed"),
            (#"SUBSYSTEM=="usb", GROUP=="tally""#, "operator == is not allowed"),
            (#"SUBSYSTEM=="usb", MODE="0660"#, "no closing quote"),
            (#"SUBSYSTEM=="usb" MODE="0660"x"#, "expected , or a space"),
            (#"SUBSYSTEM=="usb", ENV{ID_X}="$kernl""#, "unknown substitution $kernl"),
            (#"SUBSYSTEM=="usb", SYMLINK+="tally/$attr""#, "attr needs an {argument}"),
            (#"SUBSYSTEM=="usb", ENV{DEVNAME}="x""#, "DEVNAME cannot be set"),
            (#"SUBSYSTEM=="usb", ATTR{x}+="1""#, "operator += is not allowed"),
            (#"SUBSYSTEM=="usb", ENV{X}:="1""#, "operator := is not allowed"),
            (#"SUBSYSTEM=="usb", ENV{X}=="1""#, "no effect"),
            (#"SUBSYSTEM=="usb", GOTO="nowhere""#, "has no LABEL"),
            (#"SUBSYSTEM=="usb", OPTIONS+="whatever""#, "unknown option"),
            (#"SUBSYSTEM=="usb", ENV=="1", MODE="0660""#, "needs an {attribute}"),
            (#"SUBSYSTEM{x}=="usb", MODE="0660""#, "takes no {attribute}"),
            (#"SUBSYSTEM=="usb", RUN{builtin}+="nonesuch""#, "unknown builtin"),
        ]
        for (line, expected) in bad {
            let problems = UdevRulesGrammar.check(line + "\n").problems
            XCTAssertTrue(problems.contains { $0.message.contains(expected) }, "\(line): expected \"\(expected)\", got \(problems)")
        }
        // Continuations, comments, e-strings and commas as udev reads them.
        let good = """
            # a comment
            ACTION=="remove", GOTO="end"
            SUBSYSTEM=="usb", \\
              ATTR{idVendor}=="05e0",MODE="0660" , ENV{X}=e"a\\tb"
            KERNEL=="ttyUSB[0-9]*|ttyACM*", TAG+="x", RUN{builtin}+="path_id", SYMLINK+="a/%k-$env{X}-%s{serial}"
            LABEL="end"
            """
        let (rules, problems) = UdevRulesGrammar.check(good)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(rules.map(\.line), [2, 3, 5, 6])
        XCTAssertEqual(rules[1].values("ATTR", attribute: "idVendor"), ["05e0"])
        XCTAssertEqual(rules[1].values("ENV", attribute: "X"), ["a\tb"])
    }

    /// The checker is not stricter than udevd: every rules file Debian ships passes.
    func testGrammarCheckerAcceptsTheSystemRules() throws {
        let directory = "/usr/lib/udev/rules.d"
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: directory), !files.isEmpty else {
            throw XCTSkip("no system udev rules in \(directory)")
        }
        for file in files.sorted() where file.hasSuffix(".rules") {
            guard let text = try? String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8) else { continue }
            let problems = UdevRulesGrammar.check(text).problems
            XCTAssertEqual(problems, [], "\(file): \(problems.map(\.description).joined(separator: "; "))")
        }
    }

    // MARK: Access, coverage, determinism

    func testNothingIsWorldWritableAndAccessGoesToTheTallyGroup() throws {
        let text = UdevRules.generate(profiles: try shippedProfiles() + [Self.pinnedScanner, Self.pinnedScale])
        XCTAssertFalse(text.contains("0666"))
        let rules = UdevRulesGrammar.check(text).rules
        let modes = rules.flatMap { $0.values("MODE") }
        XCTAssertFalse(modes.isEmpty)
        for mode in modes {
            let bits = try XCTUnwrap(UInt32(mode, radix: 8), mode)
            XCTAssertEqual(bits & 0o002, 0, "MODE \(mode) is world-writable")
            XCTAssertEqual(bits & 0o004, 0, "MODE \(mode) is world-readable")
        }
        for rule in rules where !rule.values("MODE").isEmpty {
            XCTAssertEqual(rule.values("GROUP"), ["tally"], "line \(rule.line)")
        }
        XCTAssertTrue(rules.allSatisfy { $0.values("OWNER").isEmpty && $0.values("RUN").isEmpty && $0.values("PROGRAM").isEmpty })
    }

    func testEveryProfileAppears() throws {
        let profiles = try shippedProfiles()
        let text = UdevRules.generate(profiles: profiles)
        let rules = UdevRulesGrammar.check(text).rules
        let tagged = Set(rules.flatMap { $0.values("ENV", attribute: "ID_TALLY_PROFILE") })
        for profile in profiles {
            XCTAssertTrue(text.contains("#   \(profile.id): "), "\(profile.id) is not listed")
            if profile.match != nil {
                XCTAssertTrue(tagged.contains(profile.id), "\(profile.id) has a match section but no rule")
            } else {
                XCTAssertFalse(tagged.contains(profile.id))
            }
        }
    }

    func testUSBScannerRules() throws {
        let rules = UdevRulesGrammar.check(UdevRules.generate(profiles: try shippedProfiles())).rules
        let zebra = rules.filter { $0.values("ENV", attribute: "ID_TALLY_PROFILE") == ["zebra-ds2208"] }
        let device = try XCTUnwrap(zebra.first { $0.values("SUBSYSTEM") == ["usb"] })
        XCTAssertEqual(device.values("ENV", attribute: "DEVTYPE"), ["usb_device"])
        XCTAssertEqual(device.values("ATTR", attribute: "idVendor"), ["05e0"])
        XCTAssertEqual(device.values("ATTR", attribute: "idProduct"), ["1200"])
        XCTAssertEqual(device.values("ATTR", attribute: "serial"), [])
        XCTAssertEqual(device.values("ENV", attribute: "ID_TALLY_KIND"), ["scanner"])
        let input = try XCTUnwrap(zebra.first { $0.values("SUBSYSTEM") == ["input"] })
        XCTAssertEqual(input.values("ATTRS", attribute: "idVendor"), ["05e0"])
        XCTAssertEqual(input.values("ENV", attribute: "ID_TALLY_SUPPRESS_HOST_KEYBOARD"), ["1"])
    }

    func testPinnedSerialProducesASerialMatch() throws {
        let text = UdevRules.generate(profiles: try shippedProfiles() + [Self.pinnedScanner, Self.pinnedScale])
        let rules = UdevRulesGrammar.check(text).rules
        let scanner = rules.filter { $0.values("ENV", attribute: "ID_TALLY_PROFILE") == ["site-door-1-scanner"] }
        let device = try XCTUnwrap(scanner.first { $0.values("SUBSYSTEM") == ["usb"] })
        XCTAssertEqual(device.values("ATTR", attribute: "serial"), ["S21EP0123"])
        let input = try XCTUnwrap(scanner.first { $0.values("SUBSYSTEM") == ["input"] })
        XCTAssertEqual(input.values("ATTRS", attribute: "serial"), ["S21EP0123"])
        XCTAssertEqual(input.values("ENV", attribute: "ID_TALLY_SUPPRESS_HOST_KEYBOARD"), ["0"])

        let scale = try XCTUnwrap(rules.first { $0.values("ENV", attribute: "ID_TALLY_PROFILE") == ["site-dock-scale"] })
        XCTAssertEqual(scale.values("SUBSYSTEM"), ["tty"])
        XCTAssertEqual(scale.values("ATTRS", attribute: "idVendor"), ["0403"])
        XCTAssertEqual(scale.values("ATTRS", attribute: "serial"), ["FT4XK2AB"])
        XCTAssertEqual(scale.values("ENV", attribute: "ID_USB_INTERFACE_NUM"), ["00"])
        XCTAssertEqual(scale.values("ENV", attribute: "ID_TALLY_KIND"), ["scale"])

        // The pinned profile wins over zebra-ds2208 in `tally devices`, so its rules come later.
        let position: (String) -> Int? = { id in rules.firstIndex { $0.values("ENV", attribute: "ID_TALLY_PROFILE") == [id] } }
        XCTAssertLessThan(try XCTUnwrap(position("zebra-ds2208")), try XCTUnwrap(position("site-door-1-scanner")))
    }

    func testSerialsThatAMatchCannotSpellBecomeWildcards() {
        XCTAssertEqual(UdevRules.matchValue("AB|C*D\"E"), "AB?C?D?E")
        XCTAssertEqual(UdevRules.matchValue("S21EP0123"), "S21EP0123")
        var profile = Self.pinnedScanner
        profile.match?.serial = "A|B"
        let text = UdevRules.generate(profiles: [profile])
        XCTAssertTrue(text.contains(#"ATTR{serial}=="A?B""#))
        XCTAssertEqual(UdevRulesGrammar.check(text).problems, [])
    }

    func testOutputIsDeterministic() throws {
        let profiles = try shippedProfiles() + [Self.pinnedScanner, Self.pinnedScale]
        let first = UdevRules.generate(profiles: profiles)
        XCTAssertEqual(UdevRules.generate(profiles: profiles.reversed()), first)
        XCTAssertEqual(UdevRules.generate(profiles: profiles.shuffled()), first)

        // The same profiles read from another directory give the same bytes (no paths in the output).
        let copy = try ScratchDirectory.make("udev")
        defer { try? FileManager.default.removeItem(at: copy) }
        for file in try FileManager.default.contentsOfDirectory(atPath: ProfileFixtures.shippedDirectory.path) where file.hasSuffix(".yaml") {
            try FileManager.default.copyItem(
                at: ProfileFixtures.shippedDirectory.appendingPathComponent(file), to: copy.appendingPathComponent(file))
        }
        XCTAssertEqual(UdevRules.generate(profiles: try ProfileLoader.load(directory: copy)),
                       UdevRules.generate(profiles: try shippedProfiles()))
        XCTAssertFalse(first.contains(Checkout.root.path))
        XCTAssertTrue(first.hasSuffix("LABEL=\"tally_end\"\n"))
    }

    // MARK: Link names

    /// The link udev makes is /dev/tally/<kind>-<identity>, the identity `tally devices` computes.
    func testLinkNamesMatchTheIdentitiesOfDiscoveredDevices() throws {
        let discovery = DeviceDiscovery(profiles: try shippedProfiles() + [Self.pinnedScale, Self.adapterScale])
        let withSerial = DeviceDiscovery.Found(
            node: .usb, devpath: "/devices/pci0000:00/0000:00:14.0/usb1/1-1", devnode: "/dev/bus/usb/001/002",
            usb: .init(vendorID: .init(0x05e0), productID: .init(0x1200), serial: "S21EP0123",
                       portPath: "1-1", devpath: "/devices/pci0000:00/0000:00:14.0/usb1/1-1",
                       interfaces: [.init(number: 0, interfaceClass: 3, subclass: 1, interfaceProtocol: 1)]))
        var withoutSerial = withSerial
        withoutSerial.usb.serial = nil
        withoutSerial.usb.portPath = "1-1.4"
        withoutSerial.devpath = "/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.4"
        withoutSerial.usb.devpath = withoutSerial.devpath
        let tty = DeviceDiscovery.Found(
            node: .tty, devpath: "/devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0/ttyUSB0/tty/ttyUSB0", devnode: "/dev/ttyUSB0",
            usb: .init(vendorID: .init(0x0403), productID: .init(0x6001), serial: "FT4XK2AB",
                       portPath: "1-3", devpath: "/devices/pci0000:00/0000:00:14.0/usb1/1-3"),
            tty: .init(name: "ttyUSB0", interfaceNumber: 0, interfacePath: "1-3:1.0"))
        var ttyWithoutSerial = tty
        ttyWithoutSerial.usb.serial = nil

        ttyWithoutSerial.usb.portPath = "1-4"
        ttyWithoutSerial.tty?.interfacePath = "1-4:1.0"

        let devices = discovery.resolve([withSerial, withoutSerial, tty, ttyWithoutSerial])
        XCTAssertEqual(devices.map(\.identity).sorted(), [
            "site-dock-scale:FT4XK2AB", "site-ftdi-scale@1-4:1.0", "zebra-ds2208:S21EP0123", "zebra-ds2208@1-1.4",
        ])
        for device in devices {
            let found = [withSerial, withoutSerial, tty, ttyWithoutSerial].first { $0.usb == device.usb }!
            let link = UdevRules.linkName(
                kind: try XCTUnwrap(device.kind), profileID: try XCTUnwrap(device.profileID),
                serial: device.usb.serial, portPath: found.portPath)
            XCTAssertEqual(link, "/dev/tally/\(device.kind!.rawValue)-\(device.identity)")
        }
        XCTAssertEqual(UdevRules.linkName(kind: .scanner, profileID: "zebra-ds2208", serial: "S21EP0123", portPath: "1-1"),
                       "/dev/tally/scanner-zebra-ds2208:S21EP0123")
    }

    /// Where udev spells a serial differently from `tally devices` (documented in the rules' header).
    func testLinkNamesForSerialsUdevSpellsDifferently() {
        let link = { (serial: String) in
            UdevRules.linkName(kind: .scanner, profileID: "p", serial: serial, portPath: "1-1")
        }
        XCTAssertEqual(link("AB:12 #3"), "/dev/tally/scanner-p:AB:12_#3")
        XCTAssertEqual(DeviceDiscovery.sanitized("AB:12 #3"), "AB_12__3")
        XCTAssertEqual(link("  A  B  "), "/dev/tally/scanner-p:A_B")
        XCTAssertEqual(link("a$b,c"), "/dev/tally/scanner-p:a_b_c")
        XCTAssertEqual(link("   "), "/dev/tally/scanner-p@1-1")
        XCTAssertEqual(link("S-1.2_3"), "/dev/tally/scanner-p:\(DeviceDiscovery.sanitized("S-1.2_3"))")
    }

    // MARK: The suppress-host-keyboard profile field

    func testSuppressHostKeyboardField() throws {
        let lines = ProfileFixtures.scannerLines
        let on = try ProfileLoader.parse(
            yaml: ProfileFixtures.yaml(lines, replacing: [9: "  terminator: enter\n  suppress-host-keyboard: true"]), file: "t/on.yaml")
        XCTAssertEqual(on.scanner?.suppressHostKeyboard, true)
        let off = try ProfileLoader.parse(yaml: ProfileFixtures.yaml(lines), file: "t/off.yaml")
        XCTAssertEqual(off.scanner?.suppressHostKeyboard, false)
        XCTAssertTrue(HardwareProfile.fieldPaths.contains("scanner.suppress-host-keyboard"))
        XCTAssertEqual(try shippedProfiles().first { $0.id == "zebra-ds2208" }?.scanner?.suppressHostKeyboard, true)

        // Only a keyboard-wedge scanner types into the host.
        let pos = ProfileFixtures.yaml(lines, replacing: [3: "transport: usb-hid-pos", 8: "  suppress-host-keyboard: false"])
        XCTAssertThrowsError(try ProfileLoader.parse(yaml: pos, file: "t/pos.yaml")) { error in
            let error = error as! ProfileError
            XCTAssertEqual(error.kind, .inconsistent)
            XCTAssertEqual(error.field, "scanner.suppress-host-keyboard")
            XCTAssertEqual(error.line, 8)
            XCTAssertTrue(error.description.hasPrefix("t/pos.yaml:8:"), error.description)
        }
        let notBoolean = ProfileFixtures.yaml(lines, replacing: [9: "  suppress-host-keyboard: yes"])
        XCTAssertThrowsError(try ProfileLoader.parse(yaml: notBoolean, file: "t/yes.yaml")) { error in
            let error = error as! ProfileError
            XCTAssertEqual(error.kind, .invalidValue)
            XCTAssertEqual(error.field, "scanner.suppress-host-keyboard")
            XCTAssertEqual(error.line, 9)
        }

        // Decoding JSON written before the field existed.
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(off)) as! [String: Any]
        var scanner = json["scanner"] as! [String: Any]
        scanner.removeValue(forKey: "suppress-host-keyboard")
        json["scanner"] = scanner
        let decoded = try JSONDecoder().decode(HardwareProfile.self, from: JSONSerialization.data(withJSONObject: json))
        XCTAssertEqual(decoded, off)
    }

    // MARK: Fixtures

    /// A site profile pinning one keyboard scanner by its serial (no keyboard suppression).
    static let pinnedScanner = try! ProfileLoader.parse(yaml: """
        name: Door 1 scanner
        kind: scanner
        transport: usb-hid-keyboard
        match: {vid: "05e0", pid: "1200", serial: S21EP0123}
        scanner: {layout: us}
        source: [{title: Site record, where: door 1}]
        """, file: "site/site-door-1-scanner.yaml")

    /// A site profile pinning a scale's FTDI adapter by its serial and interface.
    static let pinnedScale = try! ProfileLoader.parse(yaml: scaleYAML(match: #"{vid: "0403", pid: "6001", serial: FT4XK2AB, interface: 0}"#),
                                                      file: "site/site-dock-scale.yaml")

    /// Any FTDI adapter: a scale profile for adapters without a serial.
    static let adapterScale = try! ProfileLoader.parse(yaml: scaleYAML(match: #"{vid: "0403", pid: "6001"}"#),
                                                       file: "site/site-ftdi-scale.yaml")

    static func scaleYAML(match: String) -> String {
        """
        name: Dock floor scale (FTDI adapter)
        kind: scale
        transport: serial
        match: \(match)
        serial: {baud: 9600}
        scale: {protocol: mt-sics, poll-command: "SI\\r\\n", poll-interval-ms: 200, division: "0.5", unit: kg, capacity: "1500", stability: {readings: 3, ms: 600}}
        source: [{title: Site record, where: dock}]
        """
    }
}
