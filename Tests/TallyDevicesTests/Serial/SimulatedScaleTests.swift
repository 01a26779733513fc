import Foundation
import Synchronization
import TallyCore
import XCTest
@testable import TallyDevices

/// Reader events collected on the reader thread; tests wait on them with generous timeouts.
private final class Events: Sendable {
    private let events = Mutex<[ScaleReader.Event]>([])

    func append(_ event: ScaleReader.Event) { events.withLock { $0.append(event) } }

    var all: [ScaleReader.Event] { events.withLock { $0 } }

    var readings: [(reading: ScaleReading, offset: Int)] {
        all.compactMap { if case .reading(let reading, let offset) = $0 { (reading, offset) } else { nil } }
    }

    var frameErrors: [FrameError] {
        all.compactMap { if case .frameError(let error) = $0 { error } else { nil } }
    }

    /// The index of the `count`-th reading at or after `start` (an index into ``readings``) satisfying
    /// `condition`, waiting up to `seconds` (polling every 5 ms).
    func waitForReading(after start: Int = 0, count: Int = 1, seconds: Double = 20, _ condition: (ScaleReading) -> Bool) -> Int? {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            let list = readings
            if start < list.count {
                let matching = list[start...].indices.filter { condition(list[$0].reading) }
                if matching.count >= count { return matching[count - 1] }
            }
            usleep(5000)
        } while Date() < deadline
        return nil
    }

    func wait(seconds: Double = 20, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(5000)
        }
        return condition()
    }
}

/// What one protocol's simulated indicator must produce through the real port and reader.
private struct Scenario {
    var protocolName: String
    var transmission: SimulatedScale.Transmission
    var options = ScaleDriverOptions(unit: .kilogram)
    /// The reader's mode; nil for the driver's preferred one.
    var mode: ScaleReader.Mode?
    /// Whether net readings are marked net (MT-SICS learns of a tare only from its own `T` replies).
    var marksNet = true
    /// Whether net readings carry the tare (the Toledo continuous long form).
    var carriesTare = false
    /// The status a zero error shows as, or nil when the protocol cannot show one.
    var zeroError: ScaleReading.Status?
}

private let tenth = Division(multiplier: 1, exponent: -1)!
private func kilograms(_ divisions: Int64) -> Weight { Weight(divisions: divisions, division: tenth, unit: .kilogram) }
private let polled = SimulatedScale.Transmission.polled
private let streamed = SimulatedScale.Transmission.continuous(intervalMilliseconds: 20)

/// A pseudo-terminal simulator per protocol, streamed and polled, through the real termios `SerialPort`
/// and `ScaleReader`: stable, motion, net with tare, overload, underload, zero error (where the protocol
/// has one), garbage, and the capture rule on the readings.
final class SimulatedScaleTests: XCTestCase {
    func testMTSICSStreamed() throws { try run(Scenario(protocolName: "mt-sics", transmission: streamed, marksNet: false)) }
    func testMTSICSPolled() throws {
        try run(Scenario(protocolName: "mt-sics", transmission: polled, mode: .poll(command: MTSICS.sendWeightImmediately, intervalMilliseconds: 20), marksNet: false))
    }
    func testToledoContinuousStreamed() throws {
        try run(Scenario(protocolName: "toledo-continuous", transmission: streamed, carriesTare: true, zeroError: .zeroError))
    }
    func testToledoContinuousStreamedWithoutChecksums() throws {
        try run(Scenario(protocolName: "toledo-continuous", transmission: streamed, carriesTare: true, zeroError: .zeroError), toledoChecksum: false)
    }
    func testToledo8217Polled() throws { try run(Scenario(protocolName: "toledo-8217", transmission: polled, zeroError: .zeroError)) }
    func testNCIPolled() throws { try run(Scenario(protocolName: "nci", transmission: polled, zeroError: .zeroError)) }
    func testAandDStreamed() throws { try run(Scenario(protocolName: "and", transmission: streamed)) }
    func testAandDPolled() throws { try run(Scenario(protocolName: "and", transmission: polled)) }
    func testCASStreamed() throws { try run(Scenario(protocolName: "cas", transmission: streamed)) }
    func testCASPolled() throws { try run(Scenario(protocolName: "cas", transmission: polled, mode: .poll(command: CAS.requestWeight(device: 1), intervalMilliseconds: 20))) }
    func testRiceLakeStreamed() throws { try run(Scenario(protocolName: "rice-lake", transmission: streamed, zeroError: .error)) }
    func testRiceLakePolled() throws {
        try run(Scenario(protocolName: "rice-lake", transmission: polled, mode: .poll(command: RiceLake.requestFrame, intervalMilliseconds: 20), zeroError: .error))
    }
    func testCardinalSMAStreamed() throws { try run(Scenario(protocolName: "cardinal-sma", transmission: streamed, zeroError: .zeroError)) }
    func testCardinalSMAPolled() throws { try run(Scenario(protocolName: "cardinal-sma", transmission: polled, zeroError: .zeroError)) }

    /// Toledo continuous streams only and the 8217 and NCI indicators answer only: a simulator set to
    /// the other transmission sends nothing by itself.
    func testProtocolsWithoutTheOtherTransmissionStaySilent() throws {
        for (name, transmission) in [("toledo-continuous", polled), ("toledo-8217", streamed), ("nci", streamed)] {
            let scale = try SimulatedScale(protocol: name, transmission: transmission)
            defer { scale.stop() }
            XCTAssertFalse(scale.isStreaming, name)
        }
        XCTAssertThrowsError(try SimulatedScale(protocol: "nope")) { error in
            XCTAssertEqual(error as? SimulatedScale.SetupError, .unknownProtocol("nope"))
        }
    }

    /// Commands reach the simulated indicator and change it: NCI zero and tare over the real port.
    func testCommandsDriveTheIndicator() throws {
        let scale = try SimulatedScale(protocol: "nci", transmission: polled)
        defer { scale.stop() }
        let events = Events()
        let port = try SerialPort.open(path: scale.slavePath, settings: try SerialSettings(notation: "9600 7E1"))
        let reader = try ScaleProtocolRegistry.reader(protocol: "nci", port: port, mode: .listen, onEvent: events.append)
        reader.start()
        defer { reader.stop() }
        scale.place(weight: kilograms(2000), settleReadings: 0)
        try reader.send(NCI.tare)
        XCTAssertTrue(events.wait { events.all.contains { if case .reply = $0 { true } else { false } } }, "the status reply to T: \(events.all)")
        try reader.send(NCI.requestWeight)
        XCTAssertNotNil(events.waitForReading { $0.kind == .net && $0.weight == kilograms(0) && $0.isCapturable }, "\(events.all)")
        XCTAssertEqual(scale.receivedCommands, ["T", "W"])
    }

    // MARK: - The scenario

    private func run(_ scenario: Scenario, toledoChecksum: Bool = true, file: StaticString = #filePath, line: UInt = #line) throws {
        let scale = try SimulatedScale(protocol: scenario.protocolName, transmission: scenario.transmission, toledoChecksum: toledoChecksum)
        defer { scale.stop() }
        let events = Events()
        let port = try SerialPort.open(path: scale.slavePath, settings: try SerialSettings(notation: "9600 8N1"))
        let mode: ScaleReader.Mode
        if let explicit = scenario.mode {
            mode = explicit
        } else if scenario.transmission == polled, let poll = try ScaleProtocolRegistry.commands(protocol: scenario.protocolName).poll {
            mode = .poll(command: poll, intervalMilliseconds: 20)
        } else {
            mode = try ScaleReader.Mode.forProfile(profileOptions(scenario.protocolName))
        }
        let reader = try ScaleProtocolRegistry.reader(protocol: scenario.protocolName, port: port, options: scenario.options, mode: mode, onEvent: events.append)
        reader.start()
        defer { reader.stop() }
        let name = "\(scenario.protocolName) \(scenario.transmission)"
        func check(_ index: Int?, _ what: String) -> Int {
            XCTAssertNotNil(index, "\(name): \(what); readings: \(events.readings.suffix(5).map(\.reading)) errors: \(events.frameErrors.suffix(3))", file: file, line: line)
            return index ?? events.readings.count
        }
        func stable(_ weight: Weight, _ kind: ScaleReading.Kind = .gross) -> (ScaleReading) -> Bool {
            { $0.weight == weight && $0.kind == kind && $0.stable && $0.status == .ok }
        }

        // The empty platform, stable at zero.
        var mark = check(events.waitForReading(stable(kilograms(0))), "a stable zero")

        // A placement: motion, then the exact stable weight, with its raw frame.
        scale.place(weight: kilograms(4125), settleReadings: 3)
        mark = check(events.waitForReading(after: mark, stable(kilograms(4125))), "stable 412.5 kg")
        let placed = events.readings[mark].reading
        let motionBefore = events.readings[..<mark].contains { !$0.reading.stable && $0.reading.status == .motion }
        mark = check(events.waitForReading(after: mark, count: 3, stable(kilograms(4125))), "three stable 412.5 kg readings")
        XCTAssertEqual(placed.weight?.description, "412.5 kg", name, file: file, line: line)
        XCTAssertEqual(placed.weight?.divisions, 4125, name, file: file, line: line)
        XCTAssertEqual(placed.protocolName, scenario.protocolName, name, file: file, line: line)
        XCTAssertFalse(placed.raw.isEmpty, name, file: file, line: line)
        XCTAssertTrue(placed.isCapturable, name, file: file, line: line)
        XCTAssertTrue(motionBefore, "\(name): motion before settling", file: file, line: line)

        // Tare, then more load: net readings.
        scale.tare()
        let netKind: ScaleReading.Kind = scenario.marksNet ? .net : .gross
        mark = check(events.waitForReading(after: mark, stable(kilograms(0), netKind)), "net zero after tare")
        scale.place(weight: kilograms(5125), settleReadings: 2)
        mark = check(events.waitForReading(after: mark, stable(kilograms(1000), netKind)), "net 100.0 kg")
        XCTAssertEqual(events.readings[mark].reading.tare, scenario.carriesTare ? kilograms(4125) : nil, name, file: file, line: line)
        scale.clearTare()
        mark = check(events.waitForReading(after: mark, stable(kilograms(5125))), "gross again after clearing the tare")

        // Overload, underload, zero error: never capturable, never a weight to record.
        scale.overload()
        mark = check(events.waitForReading(after: mark, count: 2) { $0.status == .overload }, "overload")
        XCTAssertFalse(events.readings[mark].reading.isCapturable, name, file: file, line: line)
        scale.underload()
        mark = check(events.waitForReading(after: mark) { $0.status == .underload }, "underload")
        XCTAssertFalse(events.readings[mark].reading.isCapturable, name, file: file, line: line)
        if let zeroError = scenario.zeroError {
            scale.zeroError()
            mark = check(events.waitForReading(after: mark) { $0.status == zeroError }, "zero error as \(zeroError)")
            XCTAssertFalse(events.readings[mark].reading.isCapturable, name, file: file, line: line)
        }

        // Garbage is counted and the readings go on.
        scale.remove(settleReadings: 1)
        mark = check(events.waitForReading(after: mark, stable(kilograms(0))), "empty again")
        let errorsBefore = events.frameErrors.count
        scale.sendGarbage([0x00, 0xFF, 0x13])
        scale.place(weight: kilograms(12345), settleReadings: 1)
        mark = check(events.waitForReading(after: mark, count: 3, stable(kilograms(12345))), "stable 1234.5 kg after garbage")
        XCTAssertTrue(events.wait { events.frameErrors.count > errorsBefore }, "\(name): the garbage is reported", file: file, line: line)
        XCTAssertTrue(events.frameErrors.dropFirst(errorsBefore).contains { $0.reason == .garbage(byteCount: 3) },
                      "\(name): \(events.frameErrors.dropFirst(errorsBefore))", file: file, line: line)

        // Offsets only grow.
        let offsets = events.readings.map(\.offset)
        XCTAssertEqual(offsets, offsets.sorted(), name, file: file, line: line)
        XCTAssertEqual(Set(offsets).count, offsets.count, name, file: file, line: line)

        // The capture rule with a software window offers each placement once and the overload once.
        var capture = WeightCapture(configuration: .init(stabilityWindow: .init(readings: 2, milliseconds: 0)))
        var offered: [ScaleReading] = []
        for (index, item) in events.readings.enumerated() {
            if case .capture(let reading) = capture.offer(item.reading, atMilliseconds: Int64(index)) { offered.append(reading) }
        }
        XCTAssertTrue(offered.contains { $0.weight == kilograms(4125) && $0.kind == .gross }, "\(name): \(offered)", file: file, line: line)
        XCTAssertEqual(offered.filter { $0.status == .overload }.count, 1, "\(name): \(offered)", file: file, line: line)
        XCTAssertTrue(offered.contains { $0.weight == kilograms(12345) }, "\(name): \(offered)", file: file, line: line)
    }

    private func profileOptions(_ name: String) -> HardwareProfile.ScaleOptions {
        HardwareProfile.ScaleOptions(
            scaleProtocol: HardwareProfile.ScaleProtocol(rawValue: name)!, pollCommand: nil, pollIntervalMilliseconds: nil,
            division: tenth, unit: .kilogram, capacity: ExactDecimal(parsing: "1500")!,
            stability: HardwareProfile.StabilityWindow(readings: 2, milliseconds: 0))
    }
}
