import Foundation
import TallyCore
import TallyDevices
import TallyRuntime
import TallyServer
import TallyTestSupport
import XCTest

/// `GET /api/v1/devices`, device status in `/metrics`, and `tally serve` running the devices its
/// configuration binds to stations.
final class DeviceAPITests: XCTestCase {
    func testDevicesAndTheirStatusInMetrics() async throws {
        let board = DeviceBoard()
        board.register(identity: "zebra-ds2208:S1", kind: "scanner", profile: "zebra-ds2208", station: "door-1", path: "/dev/bus/usb/001/004", state: .connected)
        board.register(identity: "floor \"scale\"", kind: "scale", profile: "mettler-toledo-ind570", station: "scale-1", path: "/dev/ttyS0",
                       state: .disconnected, detail: "unplugged")
        board.counted("zebra-ds2208:S1", scan: true, at: Date())
        let fixture = try await ServerFixture.start(devices: board)
        defer { Task { await fixture.stop() } }

        let anonymous = try await fixture.client.request("GET", "/api/v1/devices")
        XCTAssertEqual(anonymous.status, 401)
        let reply = try await fixture.client.request("GET", "/api/v1/devices", token: ServerFixture.viewer)
        XCTAssertEqual(reply.status, 200, reply.text)
        let devices = reply.json["devices"] as? [[String: Any]] ?? []
        XCTAssertEqual(devices.map { $0["identity"] as? String }, ["zebra-ds2208:S1", "floor \"scale\""])
        XCTAssertEqual(devices.first?["state"] as? String, "connected")
        XCTAssertEqual(devices.first?["scans"] as? Int, 1)
        XCTAssertEqual(devices.first?["station"] as? String, "door-1")
        XCTAssertTrue(devices.first?["detail"] is NSNull, "absent values are null, not missing")
        XCTAssertEqual(devices.last?["detail"] as? String, "unplugged")
        XCTAssertNotNil(UTCTimestamp.parse(devices.last?["since"] as? String ?? ""), reply.text)

        let metrics = try await fixture.client.request("GET", "/api/v1/metrics", token: ServerFixture.viewer)
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.text.contains(#"tally_device_up{device="zebra-ds2208:S1",kind="scanner",station="door-1"} 1"#), metrics.text)
        XCTAssertTrue(metrics.text.contains(#"tally_device_up{device="floor \"scale\"",kind="scale",station="scale-1"} 0"#), "labels are escaped: \(metrics.text)")
        XCTAssertTrue(metrics.text.contains(#"tally_device_scans_total{device="zebra-ds2208:S1",kind="scanner",station="door-1"} 1"#), metrics.text)
    }

    /// The whole service: a configuration binds a scale on a serial port (a simulated MT-SICS terminal
    /// on a pseudo-terminal) to a station; `tally serve` reads it, records its weights, shows it on
    /// `/devices`, notices it go away, and stops on SIGTERM with status 0.
    func testServeReadsTheScaleItsConfigurationBindsAndStopsOnSIGTERM() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-serve-devices-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let half = Division(multiplier: 5, exponent: -1)!
        let scale = try SimulatedScale(protocol: MTSICS.name, transmission: .polled, division: half, unit: .kilogram)
        var scaleStopped = false
        defer { if !scaleStopped { scale.stop() } }
        scale.place(weight: Weight(divisions: 1625, division: half, unit: .kilogram), settleReadings: 2)

        let token = "dock-office-token"
        let configuration = directory.appendingPathComponent("tally.yaml").path
        try """
            # a test dock
            users:
              - name: dana
                role: supervisor
                token-sha256: "\(UserDirectory.hash(token))"
            stations:
              - name: scale-1
                devices:
                  - port: \(scale.slavePath)
                    profile: mettler-toledo-ind570
                    identity: floor-scale-1
            """.write(toFile: configuration, atomically: true, encoding: .utf8)
        let child = try ChildProcess(try TallyExecutable.path(), [
            "serve", "--config", configuration, "--db", directory.appendingPathComponent("tally.sqlite").path,
            "--port", "0", "--profiles", Checkout.hardwareProfiles.path,
        ])
        // Never left running after a failure: it would keep reopening the pty path, which the next test may get.
        defer { if child.process.isRunning { kill(child.process.processIdentifier, SIGKILL) } }
        let listening = try await child.waitForOutput(seconds: 60) { $0.contains("Console: http://127.0.0.1:") }
        XCTAssertTrue(listening, child.stdout + child.stderr)
        XCTAssertFalse(child.stdout.contains("Supervisor token for this run"), "users come from the configuration")
        XCTAssertTrue(child.stdout.contains("Devices: 1 bound to 1 station"), child.stdout)
        let line = try XCTUnwrap(child.stdout.split(separator: "\n").first { $0.hasPrefix("Console: http://127.0.0.1:") })
        let port = try XCTUnwrap(Int(line.dropFirst("Console: http://127.0.0.1:".count).prefix { $0.isNumber }))
        let client = HTTPTestClient(port: port)

        // The scale is read and its stable weight recorded at its station.
        var device: [String: Any] = [:]
        for _ in 0..<100 {
            let reply = try await client.request("GET", "/api/v1/devices", token: token)
            device = (reply.json["devices"] as? [[String: Any]] ?? []).first { $0["identity"] as? String == "floor-scale-1" } ?? [:]
            if device["state"] as? String == "connected", (device["weights"] as? Int ?? 0) >= 1 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTAssertEqual(device["state"] as? String, "connected", "\(device) \(child.stderr)")
        XCTAssertEqual(device["station"] as? String, "scale-1")
        XCTAssertEqual(device["kind"] as? String, "scale")
        XCTAssertEqual(device["weights"] as? Int, 1, "one stable weight is captured once: \(device)")
        let stream = try SSETestClient(port: port, token: token, lastEventID: 0)
        let first = await stream.next()
        XCTAssertEqual(first?.id, 1)
        XCTAssertTrue(first?.data.contains(#""type":"weight""#) == true, first?.data ?? "no message")

        // Unplugged: recorded as device-disconnected and shown as disconnected.
        scale.stop()
        scaleStopped = true
        for _ in 0..<100 {
            let reply = try await client.request("GET", "/api/v1/devices", token: token)
            device = (reply.json["devices"] as? [[String: Any]] ?? []).first { $0["identity"] as? String == "floor-scale-1" } ?? [:]
            if device["state"] as? String == "disconnected" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTAssertEqual(device["state"] as? String, "disconnected", "\(device)")
        let alerts = try await client.request("GET", "/api/v1/alerts", token: token)
        XCTAssertTrue(alerts.text.contains("device-lost") || alerts.text.contains("floor-scale-1"), alerts.text)
        let metrics = try await client.request("GET", "/api/v1/metrics", token: token)
        XCTAssertTrue(metrics.text.contains(#"tally_device_up{device="floor-scale-1",kind="scale",station="scale-1"} 0"#), metrics.text)

        kill(child.process.processIdentifier, SIGTERM)
        let status = try await child.waitForExit(seconds: 10)
        XCTAssertEqual(status, 0, child.stderr)
        XCTAssertTrue(child.stdout.contains("stopped"), child.stdout)
    }

    func testServeRefusesABadConfigurationNamingTheLine() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-serve-config-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = directory.appendingPathComponent("tally.yaml").path
        try "stations:\n  - name: door-1\n    devices:\n      - {port: /dev/ttyS0, profile: zebra-ds2208}\n"
            .write(toFile: configuration, atomically: true, encoding: .utf8)
        let child = try ChildProcess(try TallyExecutable.path(), [
            "serve", "--config", configuration, "--db", directory.appendingPathComponent("t.sqlite").path, "--port", "0",
            "--profiles", Checkout.hardwareProfiles.path,
        ])
        let status = try await child.waitForExit(seconds: 60)
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(child.stderr.contains("tally.yaml:4:") && child.stderr.contains("serial scale profile"), child.stderr)
    }
}

/// `tally token`: a token and the configuration entry that grants it.
final class TokenCommandTests: XCTestCase {
    func testTheEntryItPrintsGrantsItsToken() async throws {
        let child = try ChildProcess(try TallyExecutable.path(), ["token", "--user", "dana k", "--role", "supervisor"])
        let status = try await child.waitForExit(seconds: 30)
        XCTAssertEqual(status, 0, child.stderr)
        let lines = child.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let token = try XCTUnwrap(lines.first { $0.hasPrefix("token: ") }).dropFirst("token: ".count)
        let entry = lines.drop { !$0.hasPrefix("#") }.joined(separator: "\n")
        let configuration = try ServiceConfiguration.parse(yaml: "users:\n" + entry, file: "snippet.yaml")
        XCTAssertEqual(configuration.users.first?.user, User(name: "dana k", role: .supervisor))
        let users = UserDirectory(hashedUsers: configuration.users.map { ($0.user, $0.tokenSHA256) })
        XCTAssertEqual(users.user(token: String(token))?.name, "dana k")

        let refused = try ChildProcess(try TallyExecutable.path(), ["token", "--user", "x", "--role", "boss"])
        let refusedStatus = try await refused.waitForExit(seconds: 30)
        XCTAssertNotEqual(refusedStatus, 0)
        XCTAssertTrue(refused.stderr.contains("viewer, operator, supervisor"), refused.stderr)
    }
}
