import Foundation
import TallyDevices
import TallyRuntime
import TallyTestSupport
import XCTest

/// The service configuration: every key, and errors that name the line and field.
final class ServiceConfigurationTests: XCTestCase {
    let hash = String(repeating: "ab", count: 32)

    func parse(_ yaml: String) throws -> ServiceConfiguration {
        try ServiceConfiguration.parse(yaml: yaml, file: "tally.yaml")
    }

    func error(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) -> ConfigurationError? {
        do {
            _ = try ServiceConfiguration.parse(yaml: yaml, file: "tally.yaml")
            XCTFail("expected an error", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    func testEveryKey() throws {
        let configuration = try parse("""
            database: /var/lib/tally/tally.sqlite
            profiles: /etc/tally/hardware-profiles
            server:
              host: 0.0.0.0
              port: 9090
            users:
              - name: dana
                role: supervisor
                token-sha256: "\(hash.uppercased())"
              - name: otto
                role: operator
                token-sha256: "\(String(repeating: "cd", count: 32))"
            stations:
              - name: door-1
                devices:
                  - zebra-ds2208:S21EP0123
                  - port: /dev/ttyS0
                    profile: mettler-toledo-ind570
              - name: scale-2
                devices:
                  - port: /dev/ttyS1
                    profile: rice-lake-920i
                    identity: floor-scale-2
            unbound-devices: receiving
            """)
        XCTAssertEqual(configuration.database, "/var/lib/tally/tally.sqlite")
        XCTAssertEqual(configuration.profiles, "/etc/tally/hardware-profiles")
        XCTAssertEqual(configuration.host, "0.0.0.0")
        XCTAssertEqual(configuration.port, 9090)
        XCTAssertEqual(configuration.users.map(\.user.name), ["dana", "otto"])
        XCTAssertEqual(configuration.users[0].user.role, .supervisor)
        XCTAssertEqual(configuration.users[0].tokenSHA256, hash, "hashes are kept lowercase")
        XCTAssertEqual(configuration.stations.map(\.name), ["door-1", "scale-2"])
        XCTAssertEqual(configuration.stations[0].devices, [
            .identity("zebra-ds2208:S21EP0123"),
            .port(path: "/dev/ttyS0", profile: "mettler-toledo-ind570", identity: "mettler-toledo-ind570@ttyS0"),
        ])
        XCTAssertEqual(configuration.stations[0].deviceLines, [16, 17])
        XCTAssertEqual(configuration.station(for: "zebra-ds2208:S21EP0123"), "door-1")
        XCTAssertEqual(configuration.station(for: "floor-scale-2"), "scale-2")
        XCTAssertEqual(configuration.station(for: "some-scanner:X"), "receiving", "unbound devices go to the named station")
        XCTAssertFalse(configuration.lists("some-scanner:X"))
        XCTAssertEqual(configuration.fixedPortScales.map(\.identity), ["mettler-toledo-ind570@ttyS0", "floor-scale-2"])
    }

    func testDefaults() throws {
        let configuration = try parse("stations: []\n")
        XCTAssertEqual(configuration.host, "127.0.0.1")
        XCTAssertEqual(configuration.port, 8080)
        XCTAssertTrue(configuration.users.isEmpty)
        XCTAssertEqual(configuration.unboundDevices, .ignore)
        XCTAssertNil(configuration.station(for: "zebra-ds2208:S1"), "with unbound-devices: ignore a device no station lists is not read")
    }

    func testErrorsNameTheLineAndField() {
        var failure = error("server:\n  host: 127.0.0.1\n  prot: 8080\n")
        XCTAssertEqual(failure?.line, 3)
        XCTAssertEqual(failure?.field, "server.prot")
        XCTAssertTrue(failure?.message.contains("unknown field") == true, failure?.description ?? "")

        failure = error("server:\n  port: 70000\n")
        XCTAssertEqual(failure?.description, "tally.yaml:2:9: server.port: must be between 0 and 65535 (found 70000)")

        failure = error("users:\n  - name: dana\n    role: boss\n    token-sha256: \"\(hash)\"\n")
        XCTAssertEqual(failure?.field, "users[0].role")
        XCTAssertEqual(failure?.line, 3)

        failure = error("users:\n  - name: dana\n    role: viewer\n    token-sha256: abc\n")
        XCTAssertEqual(failure?.field, "users[0].token-sha256")
        XCTAssertTrue(failure?.message.contains("sha256sum") == true)

        failure = error("users:\n  - {name: a, role: viewer, token-sha256: \"\(hash)\"}\n  - {name: b, role: viewer, token-sha256: \"\(hash)\"}\n")
        XCTAssertEqual(failure?.line, 3)
        XCTAssertTrue(failure?.message.contains("line 2") == true, failure?.description ?? "")
    }

    func testADeviceServesOneStationAndAPortOneScale() {
        var failure = error("""
            stations:
              - name: door-1
                devices: [zebra-ds2208:S1]
              - name: door-2
                devices:
                  - zebra-ds2208:S1
            """)
        XCTAssertEqual(failure?.line, 6)
        XCTAssertEqual(failure?.field, "stations[1].devices[0]")
        XCTAssertTrue(failure?.message.contains("already bound to door-1 (line 3)") == true, failure?.description ?? "")

        failure = error("""
            stations:
              - name: a
                devices: [{port: /dev/ttyS0, profile: p}]
              - name: b
                devices: [{port: /dev/ttyS0, profile: q, identity: other}]
            """)
        XCTAssertEqual(failure?.field, "stations[1].devices[0].port")
        XCTAssertTrue(failure?.message.contains("already listed (line 3)") == true, failure?.description ?? "")

        failure = error("stations:\n  - name: a\n  - name: a\n")
        XCTAssertEqual(failure?.line, 3)

        failure = error("stations:\n  - name: a\n    devices: [{port: ttyS0, profile: p}]\n")
        XCTAssertTrue(failure?.message.contains("absolute device path") == true, failure?.description ?? "")

        failure = error("stations:\n  - name: a\n    devices:\n      - port: /dev/ttyS0\n")
        XCTAssertEqual(failure?.field, "stations[0].devices[0].profile")
    }

    func testSyntaxErrorsAndRepeatedKeysNameTheLine() {
        var failure = error("server:\n  port: 1\n  port: 2\n")
        XCTAssertEqual(failure?.line, 3, failure?.description ?? "")
        failure = error("stations: [\n")
        XCTAssertNotNil(failure?.line, failure?.description ?? "")
    }

    func testPortEntriesMustNameASerialScaleProfile() throws {
        let configuration = try parse("stations:\n  - name: a\n    devices:\n      - {port: /dev/ttyS0, profile: zebra-ds2208}\n  - name: b\n    devices:\n      - {port: /dev/ttyS1, profile: nope}\n")
        let profiles = try ProfileLoader.load(directory: Checkout.hardwareProfiles)
        XCTAssertThrowsError(try configuration.check(profiles: profiles)) { error in
            let failure = error as? ConfigurationError
            XCTAssertEqual(failure?.line, 4)
            XCTAssertTrue(failure?.message.contains("a port entry needs a serial scale profile") == true, "\(error)")
        }
        let second = try parse("stations:\n  - name: b\n    devices:\n      - {port: /dev/ttyS1, profile: nope}\n")
        XCTAssertThrowsError(try second.check(profiles: profiles)) { error in
            XCTAssertTrue("\(error)".contains("no hardware profile \"nope\""), "\(error)")
        }
    }

    /// The sample shipped in the checkout (installed as /etc/tally/tally.yaml) is valid against the shipped profiles.
    func testTheShippedSampleIsValid() throws {
        let path = Checkout.file("config/tally.yaml").path
        let configuration = try ServiceConfiguration.load(file: path)
        XCTAssertFalse(configuration.stations.isEmpty)
        let profiles = try ProfileLoader.load(directory: Checkout.hardwareProfiles)
        XCTAssertNoThrow(try configuration.check(profiles: profiles))
    }

    func testLocate() {
        XCTAssertEqual(ServiceConfiguration.locate(explicit: "/x.yaml", environment: ["TALLY_CONFIG": "/y.yaml"]), "/x.yaml")
        XCTAssertEqual(ServiceConfiguration.locate(explicit: nil, environment: ["TALLY_CONFIG": "/y.yaml"]), "/y.yaml")
    }
}

/// The device board the API reads.
final class DeviceBoardTests: XCTestCase {
    func testStateChangesAndCounters() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let board = DeviceBoard(clock: { now })
        board.register(identity: "b-scale", kind: "scale", profile: "p", station: "door-2", path: "/dev/ttyS0", state: .disconnected, detail: "opening")
        board.register(identity: "a-scanner", kind: "scanner", profile: "z", station: "door-1", path: nil, state: .connected)
        board.register(identity: "c-loose", kind: "scanner", profile: nil, station: nil, path: nil, state: .unbound)
        XCTAssertEqual(board.snapshot().map(\.identity), ["a-scanner", "b-scale", "c-loose"], "by station, unbound last")
        board.set("b-scale", state: .connected, detail: "reading /dev/ttyS0")
        board.counted("b-scale", weight: true, at: now)
        board.counted("a-scanner", scan: true, at: now)
        board.counted("a-scanner", scan: true, at: now)
        board.countedErrors("b-scale", 3)
        board.set("nobody", state: .connected)
        let scale = board.status(of: "b-scale")
        XCTAssertEqual(scale?.state, .connected)
        XCTAssertEqual(scale?.weights, 1)
        XCTAssertEqual(scale?.errors, 3)
        XCTAssertEqual(scale?.lastEvent, now)
        XCTAssertEqual(board.status(of: "a-scanner")?.scans, 2)
        XCTAssertNil(board.status(of: "nobody"), "only registered devices are tracked")
        // Registering again keeps the counters.
        board.register(identity: "a-scanner", kind: "scanner", profile: "z", station: "door-1", path: "/dev/bus/usb/001/004", state: .disconnected)
        XCTAssertEqual(board.status(of: "a-scanner")?.scans, 2)
        XCTAssertEqual(board.status(of: "a-scanner")?.path, "/dev/bus/usb/001/004")
    }
}
