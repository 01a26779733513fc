import Foundation
import TallyTestSupport
import XCTest

/// `make install` and `make uninstall` into a staging root (DESTDIR): the layout, the modes, the unit,
/// an edited configuration kept, and the installed binary finding the installed profiles.
///
/// Only DESTDIR under /tmp is ever written: with DESTDIR set the Makefile creates no user and reloads
/// neither udev nor systemd. No network (TALLY_BIN is the already built binary, so nothing is built).
final class InstallTests: XCTestCase {
    /// The checkout.
    static let root = Checkout.root
    static let rulesFile = "69-tally.rules"

    var stage: URL!

    override func setUpWithError() throws {
        guard let make = ChildProcessRunner.which("make") else { throw XCTSkip("make is not installed") }
        _ = make
        stage = URL(fileURLWithPath: "/tmp", isDirectory: true).appendingPathComponent("tally-stage-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: stage, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let stage { try? FileManager.default.removeItem(at: stage) }
    }

    func testInstallLayoutThenUninstallKeepsOnlyTheEditedConfiguration() throws {
        let binary = URL(fileURLWithPath: try TallyExecutable.path())
        let install = try make(["install", "TALLY_BIN=\(binary.path)"])
        XCTAssertEqual(install.status, 0, install.output)
        XCTAssertTrue(install.output.contains("no user created, udev and systemd not reloaded"), install.output)

        // Exactly these files, with these modes.
        let profiles = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("hardware-profiles").path)
            .filter { $0.hasSuffix(".yaml") || $0 == "README.md" }
        var expected: [String: Int] = [
            "usr/local/bin/tally": 0o755,
            "etc/udev/rules.d/\(Self.rulesFile)": 0o644,
            "etc/systemd/system/tally.service": 0o644,
            "etc/sysusers.d/tally.conf": 0o644,
            "etc/tally/tally.yaml": 0o644,
        ]
        for profile in profiles { expected["etc/tally/hardware-profiles/\(profile)"] = 0o644 }
        XCTAssertEqual(try files(), expected)
        XCTAssertEqual(try mode("var/lib/tally"), 0o750)

        // The files are the checkout's (the unit unchanged for PREFIX=/usr/local).
        for (installed, source) in [
            ("etc/udev/rules.d/\(Self.rulesFile)", "udev-rules/\(Self.rulesFile)"),
            ("etc/systemd/system/tally.service", "systemd/tally.service"),
            ("etc/sysusers.d/tally.conf", "systemd/tally.sysusers"),
            ("etc/tally/tally.yaml", "config/tally.yaml"),
            ("etc/tally/hardware-profiles/zebra-ds2208.yaml", "hardware-profiles/zebra-ds2208.yaml"),
        ] {
            XCTAssertEqual(try contents(stage.appendingPathComponent(installed)), try contents(Self.root.appendingPathComponent(source)), installed)
        }
        XCTAssertEqual(try contents(stage.appendingPathComponent("usr/local/bin/tally")), try contents(binary))

        // The unit runs the installed binary as user tally with the installed configuration.
        let unit = try String(contentsOf: stage.appendingPathComponent("etc/systemd/system/tally.service"), encoding: .utf8)
        for line in ["ExecStart=/usr/local/bin/tally serve --config /etc/tally/tally.yaml", "User=tally", "Group=tally",
                     "StateDirectory=tally", "ConfigurationDirectory=tally", "ProtectSystem=strict", "NoNewPrivileges=yes",
                     "DevicePolicy=closed", "CapabilityBoundingSet=", "KillSignal=SIGTERM"] {
            XCTAssertTrue(unit.split(separator: "\n").contains { $0 == line }, "tally.service lacks \(line)")
        }
        try verifyUnit(unit, binary: stage.appendingPathComponent("usr/local/bin/tally"))

        // The installed binary finds the installed profiles, and generates the installed rules from them.
        let profileDirectory = stage.appendingPathComponent("etc/tally/hardware-profiles").path
        let installedTally = stage.appendingPathComponent("usr/local/bin/tally")
        let validate = try Self.run(installedTally.path, ["profiles", "validate"], environment: ["TALLY_PROFILES": profileDirectory])
        XCTAssertEqual(validate.status, 0, validate.output)
        let yamlCount = profiles.count - 1
        XCTAssertTrue(validate.output.contains("\(yamlCount) files in \(profileDirectory): \(yamlCount) valid, 0 errors"), validate.output)
        let rules = try Self.run(installedTally.path, ["udev-rules"], environment: ["TALLY_PROFILES": profileDirectory])
        XCTAssertEqual(rules.status, 0, rules.output)
        XCTAssertEqual(Data(rules.output.utf8), try contents(stage.appendingPathComponent("etc/udev/rules.d/\(Self.rulesFile)")))

        // A second install keeps an edited configuration.
        let config = stage.appendingPathComponent("etc/tally/tally.yaml")
        let edited = try String(contentsOf: config, encoding: .utf8) + "# edited on the dock\n"
        try edited.write(to: config, atomically: true, encoding: .utf8)
        let again = try make(["install", "TALLY_BIN=\(binary.path)"])
        XCTAssertEqual(again.status, 0, again.output)
        XCTAssertTrue(again.output.contains("kept \(stage.path)/etc/tally/tally.yaml"), again.output)
        XCTAssertEqual(try String(contentsOf: config, encoding: .utf8), edited)

        // Uninstall leaves only the edited configuration.
        let uninstall = try make(["uninstall"])
        XCTAssertEqual(uninstall.status, 0, uninstall.output)
        XCTAssertTrue(uninstall.output.contains("kept \(stage.path)/etc/tally/tally.yaml (edited)"), uninstall.output)
        XCTAssertEqual(try files(), ["etc/tally/tally.yaml": 0o644])
        XCTAssertFalse(FileManager.default.fileExists(atPath: stage.appendingPathComponent("var/lib/tally").path))
    }

    func testUninstallOfAnUnchangedInstallLeavesNothing() throws {
        let binary = URL(fileURLWithPath: try TallyExecutable.path())
        XCTAssertEqual(try make(["install", "TALLY_BIN=\(binary.path)"]).status, 0)
        // The custody log is data: uninstall keeps it.
        try Data("log".utf8).write(to: stage.appendingPathComponent("var/lib/tally/tally.sqlite"))
        let uninstall = try make(["uninstall"])
        XCTAssertEqual(uninstall.status, 0, uninstall.output)
        XCTAssertEqual(try files(), ["var/lib/tally/tally.sqlite": 0o644])
        XCTAssertTrue(uninstall.output.contains("kept \(stage.path)/var/lib/tally (the custody log)"), uninstall.output)
    }

    func testPrefixIsWrittenIntoTheUnit() throws {
        let binary = URL(fileURLWithPath: try TallyExecutable.path())
        let install = try make(["install", "TALLY_BIN=\(binary.path)", "PREFIX=/opt/tally"])
        XCTAssertEqual(install.status, 0, install.output)
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: stage.appendingPathComponent("opt/tally/bin/tally").path))
        let unit = try String(contentsOf: stage.appendingPathComponent("etc/systemd/system/tally.service"), encoding: .utf8)
        XCTAssertTrue(unit.contains("\nExecStart=/opt/tally/bin/tally serve --config /etc/tally/tally.yaml\n"), unit)
        XCTAssertFalse(unit.contains("ExecStart=/usr/local"))
        XCTAssertEqual(try make(["uninstall", "PREFIX=/opt/tally"]).status, 0)
        XCTAssertEqual(try files(), [:])
    }

    // MARK: Helpers

    /// `systemd-analyze verify` on the unit with ExecStart pointing at the staged binary (the unit names
    /// /usr/local/bin/tally, which need not exist here).
    func verifyUnit(_ unit: String, binary: URL) throws {
        guard let analyze = ChildProcessRunner.which("systemd-analyze") else {
            print("note: systemd-analyze is not installed; tally.service not verified")
            return
        }
        let directory = stage.appendingPathComponent("verify", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("tally.service")
        try unit.replacingOccurrences(of: "/usr/local/bin/tally", with: binary.path).write(to: file, atomically: true, encoding: .utf8)
        let result = try Self.run(analyze, ["verify", file.path])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(result.output.trimmingCharacters(in: .whitespacesAndNewlines), "", "systemd-analyze verify: \(result.output)")
    }

    func make(_ arguments: [String]) throws -> (status: Int32, output: String) {
        precondition(stage.path.hasPrefix("/tmp/tally-stage-"), "DESTDIR must be a staging directory")
        return try Self.run(ChildProcessRunner.which("make")!, ["-C", Self.root.path, "--no-print-directory"] + arguments + ["DESTDIR=\(stage.path)"])
    }

    /// Every regular file under the staging root (relative path → permission bits).
    func files() throws -> [String: Int] {
        var result: [String: Int] = [:]
        guard let enumerator = FileManager.default.enumerator(at: stage, includingPropertiesForKeys: [.isRegularFileKey]) else { return [:] }
        for case let url as URL in enumerator where try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true {
            let relative = String(url.path.dropFirst(stage.path.count + 1))
            result[relative] = try mode(relative)
        }
        return result
    }

    func mode(_ relative: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: stage.appendingPathComponent(relative).path)
        return (attributes[.posixPermissions] as! NSNumber).intValue
    }

    func contents(_ url: URL) throws -> Data { try Data(contentsOf: url) }

    /// Runs a command with standard error merged into standard output (`make` may take a while).
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let outcome = try ChildProcessRunner.run(
            executable, arguments, stdin: [], environment: environment, in: Checkout.root, mergingStandardError: true, timeout: 600)
        return (outcome.status, outcome.stdout)
    }
}
