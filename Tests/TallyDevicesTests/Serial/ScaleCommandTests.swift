import Foundation
import TallyCore
import TallyTestSupport
import XCTest
@testable import TallyDevices

/// `raw` of a JSON line back to bytes (one character per byte).
private func rawBytes(_ object: [String: Any]) -> [UInt8]? {
    (object["raw"] as? String)?.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
}

/// A Toledo continuous frame with checksum.
private func toledo(_ swb: UInt8, _ weight: String, tare: String = "000000") -> [UInt8] {
    var bytes: [UInt8] = [0x02, 0x2B, swb, 0x20] + Array(weight.utf8) + Array(tare.utf8) + [0x0D]
    bytes.append(ToledoContinuous.checksum(bytes))
    return bytes
}

/// `tally scale parse` and `tally scale read`, run as the built binary.
final class ScaleCommandTests: XCTestCase {
    /// One JSON line per frame, keys in the issue's order, exact decimal strings, raw bytes kept; garbage
    /// becomes `{"offset","error"}` and decoding continues.
    func testParseJSONLines() throws {
        let stable = toledo(0x30, "004125"), garbage: [UInt8] = [0x00, 0xFF, 0x55]
        let net = toledo(0x31, "003000", tare: "001125"), over = toledo(0x34, "999999"), moving = toledo(0x38, "004120")
        let capture = stable + garbage + net + over + moving
        let outcome = try TallyBinary.tally(["scale", "parse", "--protocol", "toledo-continuous", "--json"], stdin: capture)
        XCTAssertEqual(outcome.status, 0, outcome.output)
        let lines = outcome.lines
        XCTAssertEqual(lines.count, 5, outcome.output)
        XCTAssertTrue(lines.first?.hasPrefix(
            #"{"offset":0,"protocol":"toledo-continuous","kind":"gross","value":"412.5","unit":"kg","divisions":4125,"division":"0.1","stable":true,"status":"ok","tare":null,"raw":""#) ?? false,
            lines.first ?? "")
        let objects = TallyBinary.objects(outcome)
        XCTAssertEqual(objects.count, 5)
        guard objects.count == 5 else { return }
        XCTAssertEqual(rawBytes(objects[0]), stable, "the raw frame, checksum included")
        XCTAssertEqual(objects[1]["offset"] as? Int, stable.count)
        XCTAssertEqual(objects[1]["error"] as? String, "3 bytes of garbage discarded")
        XCTAssertEqual(objects[1].count, 2)
        XCTAssertEqual(objects[2]["offset"] as? Int, stable.count + garbage.count)
        XCTAssertEqual(objects[2]["kind"] as? String, "net")
        XCTAssertEqual(objects[2]["value"] as? String, "300.0")
        XCTAssertEqual(objects[2]["tare"] as? String, "112.5")
        XCTAssertEqual(rawBytes(objects[2]), net)
        XCTAssertEqual(objects[3]["status"] as? String, "overload")
        XCTAssertTrue(objects[3]["value"] is NSNull)
        XCTAssertTrue(objects[3]["divisions"] is NSNull)
        XCTAssertEqual(objects[3]["stable"] as? Bool, false)
        XCTAssertEqual(objects[4]["status"] as? String, "motion")
        XCTAssertEqual(objects[4]["stable"] as? Bool, false)
        for object in objects where object["error"] == nil {
            XCTAssertEqual(Array(object.keys).sorted(), ["division", "divisions", "kind", "offset", "protocol", "raw", "stable", "status", "tare", "unit", "value"])
        }
    }

    /// Every protocol decodes through the CLI, with the profile-like options where the frame lacks them.
    func testParseEveryProtocol() throws {
        let cases: [(String, [String], [UInt8], String, String)] = [
            ("mt-sics", [], Array("S S     412.5 kg\r\n".utf8), "412.5", "kg"),
            ("toledo-continuous", [], toledo(0x30, "004125"), "412.5", "kg"),
            ("toledo-8217", ["--unit", "lb"], [0x02] + Array("012.34".utf8) + [0x0D], "12.34", "lb"),
            ("nci", [], Array("\n0412.5kg\r\n0p0\r\u{3}".utf8), "412.5", "kg"),
            ("and", [], Array("ST,GS,+0412.50kg\r\n".utf8), "412.50", "kg"),
            ("cas", [], Array("ST,GS,1".utf8) + [0xE4] + Array(",000412.5 kg\r\n".utf8), "412.5", "kg"),
            ("rice-lake", [], [0x02] + Array("   412.5KG ".utf8) + [0x0D, 0x0A], "412.5", "kg"),
            ("cardinal-sma", ["--division", "0.5"], Array("\n 1G       412.5kg \r".utf8), "412.5", "kg"),
        ]
        for (name, options, capture, value, unit) in cases {
            let outcome = try TallyBinary.tally(["scale", "parse", "--protocol", name, "--json"] + options, stdin: capture)
            XCTAssertEqual(outcome.status, 0, "\(name): \(outcome.output)")
            let objects = TallyBinary.objects(outcome)
            XCTAssertEqual(objects.count, 1, "\(name): \(outcome.output)")
            XCTAssertEqual(objects.first?["protocol"] as? String, name)
            XCTAssertEqual(objects.first?["value"] as? String, value, "\(name): \(outcome.output)")
            XCTAssertEqual(objects.first?["unit"] as? String, unit, name)
            XCTAssertEqual(objects.first.flatMap(rawBytes), capture, name)
        }
        let half = try TallyBinary.tally(["scale", "parse", "--protocol", "cardinal-sma", "--json", "--division", "0.5"],
                                         stdin: Array("\n 1G       412.5kg \r".utf8))
        XCTAssertEqual(TallyBinary.objects(half).first?["divisions"] as? Int, 825)
        XCTAssertEqual(TallyBinary.objects(half).first?["division"] as? String, "0.5")
    }

    func testParseTextAndErrors() throws {
        let text = try TallyBinary.tally(["scale", "parse", "--protocol", "and"], stdin: Array("xx\u{7}\r\nST,NT,+0012.50kg\r\n".utf8))
        XCTAssertEqual(text.status, 0, text.output)
        XCTAssertEqual(text.lines, ["@0  error: 5 bytes of garbage discarded", "@5  net  12.50 kg  stable  ok  [ST,NT,+0012.50kg<CR><LF>]"])

        let unknown = try TallyBinary.tally(["scale", "parse", "--protocol", "nope"], stdin: [])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown protocol 'nope'"), unknown.output)

        let empty = try TallyBinary.tally(["scale", "parse", "--protocol", "nci", "--json"], stdin: [])
        XCTAssertEqual(empty.status, 0, empty.output)
        XCTAssertEqual(empty.stdout, "")
    }

    /// `tally scale read` opens a pseudo-terminal with a profile's settings, polls with the profile's
    /// command, prints live readings and stops after `--count`.
    func testReadPollsWithTheProfileAndStopsAfterCount() throws {
        let scale = try SimulatedScale(protocol: "nci", transmission: .polled)
        defer { scale.stop() }
        scale.place(weight: Weight(divisions: 4125, division: Division(multiplier: 1, exponent: -1)!, unit: .kilogram), settleReadings: 2)
        let directory = try ScratchDirectory.make("scale-read")
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
            name: Test NCI scale
            kind: scale
            transport: serial
            serial: {baud: 9600, data-bits: 7, parity: even}
            scale:
              protocol: nci
              poll-command: "W\\r"
              poll-interval-ms: 50
              division: "0.1"
              unit: kg
              capacity: "1500"
              stability: {readings: 2, ms: 0}
            source:
              - {title: test, where: here}
            """.write(to: directory.appendingPathComponent("test-nci.yaml"), atomically: true, encoding: .utf8)

        let outcome = try TallyBinary.tally(
            ["scale", "read", "--port", scale.slavePath, "--profile", "test-nci", "--profiles", directory.path, "--count", "5", "--json"])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        let objects = TallyBinary.objects(outcome)
        XCTAssertEqual(objects.count, 5, outcome.output)
        XCTAssertTrue(objects.allSatisfy { $0["protocol"] as? String == "nci" })
        XCTAssertEqual(objects.map { $0["stable"] as? Bool }, [false, false, true, true, true], "two settling readings, then stable: \(outcome.stdout)")
        XCTAssertEqual(objects.last?["value"] as? String, "412.5")
        XCTAssertEqual(objects.map { $0["capture"] as? Bool }, [false, false, false, true, false],
                       "the profile's window (2 readings) settles on the second stable reading; one capture per placement")
        XCTAssertTrue(scale.receivedCommands.count >= 5 && scale.receivedCommands.allSatisfy { $0 == "W" }, "\(scale.receivedCommands)")
        XCTAssertTrue(outcome.stderr.contains("polling W<CR> every 50 ms"), outcome.stderr)
    }

    func testReadListensToAStream() throws {
        let scale = try SimulatedScale(protocol: "rice-lake", transmission: .continuous(intervalMilliseconds: 20), unit: .pound)
        defer { scale.stop() }
        scale.place(weight: Weight(divisions: 905, division: Division(multiplier: 1, exponent: 0)!, unit: .pound), settleReadings: 0)
        let directory = try ScratchDirectory.make("scale-read")
        defer { try? FileManager.default.removeItem(at: directory) }
        let profiles = Checkout.hardwareProfiles
        let outcome = try TallyBinary.tally(
            ["scale", "read", "--port", scale.slavePath, "--profile", "rice-lake-920i", "--profiles", profiles.path, "--count", "3"])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        let readings = outcome.lines.filter { !$0.contains("error:") }
        XCTAssertEqual(readings.count, 3, outcome.output)
        XCTAssertTrue(readings.allSatisfy { $0.contains("gross  905 lb  stable  ok") }, outcome.stdout)
        XCTAssertTrue(outcome.stderr.contains("listening"), outcome.stderr)
    }

    /// Without `--count`, `read` runs until interrupted; SIGINT stops the reader, which sends the
    /// protocol's stop command (MT-SICS `SI` ends `SIR`), and the command exits cleanly. A disconnect is
    /// reported and the port is then retried until the interrupt.
    func testReadRunsUntilInterruptedAndReportsADisconnect() throws {
        let tally = try TallyExecutable.path()
        let directory = try ScratchDirectory.make("scale-read")
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
            name: Test MT-SICS scale, streamed
            kind: scale
            transport: serial
            serial: {baud: 9600}
            scale: {protocol: mt-sics, division: "0.1", unit: kg, capacity: "1500", stability: {readings: 1, ms: 0}}
            source:
              - {title: test, where: here}
            """.write(to: directory.appendingPathComponent("test-sics.yaml"), atomically: true, encoding: .utf8)

        for disconnect in [false, true] {
            let scale = try SimulatedScale(protocol: "mt-sics", transmission: .continuous(intervalMilliseconds: 20))
            defer { scale.stop() }
            let stdoutURL = directory.appendingPathComponent("stdout-\(disconnect)"), stderrURL = directory.appendingPathComponent("stderr-\(disconnect)")
            _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
            _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tally)
            process.arguments = ["scale", "read", "--port", scale.slavePath, "--profile", "test-sics", "--profiles", directory.path]
            process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
            process.standardError = try FileHandle(forWritingTo: stderrURL)
            try process.run()
            func stdout() -> String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
            func stderr() -> String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
            func wait(_ condition: () -> Bool) -> Bool {
                let deadline = Date().addingTimeInterval(60)
                while !condition(), Date() < deadline, process.isRunning { usleep(10_000) }
                return condition()
            }
            XCTAssertTrue(wait { stdout().split(separator: "\n").count >= 3 }, "live readings: \(stdout()) \(stderr())")
            XCTAssertEqual(scale.receivedCommands.first, "SIR")
            if disconnect {
                scale.stop()
                XCTAssertTrue(wait { stderr().contains("device disconnected") }, stderr())
            }
            process.interrupt()
            let deadline = Date().addingTimeInterval(60)
            while process.isRunning, Date() < deadline { usleep(10_000) }
            if process.isRunning { process.terminate(); XCTFail("tally scale read did not stop on SIGINT") }
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "\(stdout())\n\(stderr())")
            if !disconnect {
                XCTAssertTrue(wait { scale.receivedCommands.last == "SI" }, "the stop command ends SIR: \(scale.receivedCommands)")
            }
            XCTAssertTrue(stdout().split(separator: "\n").allSatisfy { $0.contains("0.0 kg  stable  ok") }, stdout())
        }
    }

    func testReadFailsOnAMissingPortOrProfile() throws {
        let profiles = Checkout.hardwareProfiles
        let noPort = try TallyBinary.tally(["scale", "read", "--port", "/nonexistent/ttyUSB9", "--profile", "rice-lake-920i", "--profiles", profiles.path])
        XCTAssertNotEqual(noPort.status, 0)
        XCTAssertTrue(noPort.stderr.contains("/nonexistent/ttyUSB9"), noPort.output)
        let noProfile = try TallyBinary.tally(["scale", "read", "--port", "/dev/null", "--profile", "nope", "--profiles", profiles.path])
        XCTAssertNotEqual(noProfile.status, 0)
        XCTAssertTrue(noProfile.stderr.contains("no profile 'nope'"), noProfile.output)
    }
}
