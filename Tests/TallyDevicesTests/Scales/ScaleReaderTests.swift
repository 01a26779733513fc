import Foundation
import Synchronization
import TallyCore
import XCTest
@testable import TallyDevices

/// Collects reader events from the reader thread; tests wait on it with generous timeouts.
private final class EventLog: Sendable {
    private let events = Mutex<[ScaleReader.Event]>([])

    func append(_ event: ScaleReader.Event) { events.withLock { $0.append(event) } }

    var all: [ScaleReader.Event] { events.withLock { $0 } }

    var readings: [(reading: ScaleReading, offset: Int)] {
        all.compactMap { if case .reading(let reading, let offset) = $0 { (reading, offset) } else { nil } }
    }

    var frameErrors: [FrameError] {
        all.compactMap { if case .frameError(let error) = $0 { error } else { nil } }
    }

    /// Waits (polling every 5 ms, at most `seconds`) until `condition` holds; returns whether it did.
    @discardableResult
    func wait(seconds: Double = 20, until condition: ([ScaleReader.Event]) -> Bool) -> Bool {
        wait(seconds: seconds) { condition(all) }
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

/// A reader holder so that the event callback can reach the reader it belongs to.
private final class ReaderBox: Sendable {
    let reader = Mutex<ScaleReader?>(nil)
}

private let tenth = Division(multiplier: 1, exponent: -1)!

private func kilograms(_ divisions: Int64) -> Weight { Weight(divisions: divisions, division: tenth, unit: .kilogram) }

private func isStable(_ event: ScaleReader.Event, _ weight: Weight, kind: ScaleReading.Kind = .gross) -> Bool {
    if case .reading(let reading, _) = event {
        return reading.stable && reading.status == .ok && reading.weight == weight && reading.kind == kind
    }
    return false
}

final class ScaleReaderTests: XCTestCase {
    /// Opens the simulator's slave path with the real port and starts a reader in `mode`.
    private func startReader(
        _ scale: SimulatedScale, mode: ScaleReader.Mode? = nil, log: EventLog
    ) throws -> (ScaleReader, SerialPort) {
        let port = try SerialPort.open(path: scale.slavePath, settings: .default8N1)
        let driver = MTSICS()
        let reader = ScaleReader(port: port, driver: driver, mode: mode ?? .preferred(for: driver), onEvent: log.append)
        reader.start()
        return (reader, port)
    }

    func testStreamedPlacementGivesTheExactStableReading() throws {
        let scale = try SimulatedScale(protocol: MTSICS.name, transmission: .continuous(intervalMilliseconds: 20))
        defer { scale.stop() }
        let log = EventLog()
        let (reader, port) = try startReader(scale, log: log)
        defer { reader.stop() }

        XCTAssertTrue(log.wait { _ in log.readings.count >= 2 }, "SIR stream of the empty platform")
        XCTAssertEqual(scale.receivedCommands.first, "SIR")
        XCTAssertTrue(log.readings.allSatisfy { $0.reading.weight == kilograms(0) && $0.reading.stable })

        scale.place(weight: kilograms(4125), settleReadings: 4)
        XCTAssertTrue(log.wait { $0.contains { isStable($0, kilograms(4125)) } }, "stable 412.5 kg")
        reader.stop()
        XCTAssertFalse(port.isOpen, "stop() closes the port")
        XCTAssertTrue(log.wait(seconds: 20) { scale.receivedCommands.last == "SI" }, "stop command ends SIR: \(scale.receivedCommands)")

        let readings = log.readings
        let stableIndex = readings.firstIndex { $0.reading.weight == kilograms(4125) }!
        let stable = readings[stableIndex].reading
        XCTAssertEqual(stable.raw, Array("S S      412.5 kg\r\n".utf8))
        XCTAssertEqual(stable.weight?.divisions, 4125)
        XCTAssertEqual(stable.weight?.division, tenth)
        XCTAssertEqual(stable.weight?.description, "412.5 kg")
        XCTAssertEqual(stable.kind, .gross)
        XCTAssertEqual(stable.protocolName, "mt-sics")
        XCTAssertTrue(stable.isCapturable)

        // Exactly four converging motion readings precede it, each with its raw frame.
        let motion = readings[..<stableIndex].filter { $0.reading.status == .motion }
        XCTAssertEqual(motion.map { $0.reading.weight?.divisions }, [825, 1650, 2475, 3300])
        XCTAssertEqual(motion.first?.reading.raw, Array("S D       82.5 kg\r\n".utf8))
        XCTAssertTrue(motion.allSatisfy { !$0.reading.stable })

        // Offsets: nothing else was sent, so each frame starts where the previous one ended.
        var expectedOffset = 0
        for (reading, offset) in readings {
            XCTAssertEqual(offset, expectedOffset)
            expectedOffset += reading.raw.count
        }
        XCTAssertTrue(log.frameErrors.isEmpty, "\(log.frameErrors)")

        // One capture for the placement.
        var capture = WeightCapture()
        var captured: [ScaleReading] = []
        for (index, item) in readings.enumerated() {
            if case .capture(let reading) = capture.offer(item.reading, atMilliseconds: Int64(index) * 20) { captured.append(reading) }
        }
        XCTAssertEqual(captured, [stable])
    }

    func testGarbageIsReportedWithOffsetsAndReadingsContinue() throws {
        let scale = try SimulatedScale(protocol: MTSICS.name, transmission: .continuous(intervalMilliseconds: 20))
        defer { scale.stop() }
        let log = EventLog()
        let (reader, _) = try startReader(scale, log: log)
        defer { reader.stop() }
        XCTAssertTrue(log.wait { _ in log.readings.count >= 1 })

        scale.sendGarbage([0x00, 0xFF, 0x13] + Array("AB\r\n".utf8))
        XCTAssertTrue(log.wait { _ in log.frameErrors.count >= 2 })
        let errorIndex = log.all.firstIndex { if case .frameError = $0 { true } else { false } }!
        let before = log.all[..<errorIndex].reduce(0) { sum, event in
            if case .reading(let reading, _) = event { sum + reading.raw.count } else { sum }
        }
        XCTAssertEqual(Array(log.frameErrors.prefix(2)), [
            FrameError(offset: before, reason: .garbage(byteCount: 3)),
            FrameError(offset: before + 3, reason: .malformed("not an MT-SICS reply: \"AB\"")),
        ])

        // A burst of arbitrary bytes: the reader keeps going and resynchronizes.
        var state: UInt64 = 0x5EED
        let burst = (0..<20_000).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        scale.sendGarbage(burst)
        let count = log.readings.count
        scale.place(weight: kilograms(1234), settleReadings: 1)
        XCTAssertTrue(log.wait { $0.contains { isStable($0, kilograms(1234)) } })
        XCTAssertGreaterThan(log.readings.count, count)
        XCTAssertFalse(reader.isStopping)
    }

    func testPollingMode() throws {
        let scale = try SimulatedScale(protocol: MTSICS.name)
        defer { scale.stop() }
        let log = EventLog()
        let (reader, _) = try startReader(scale, mode: .poll(command: MTSICS.sendWeightImmediately, intervalMilliseconds: 20), log: log)
        defer { reader.stop() }
        scale.place(weight: kilograms(125), settleReadings: 0)
        XCTAssertTrue(log.wait { $0.contains { isStable($0, kilograms(125)) } })
        XCTAssertTrue(log.wait { _ in scale.receivedCommands.count >= 2 })
        XCTAssertTrue(scale.receivedCommands.allSatisfy { $0 == "SI" }, "\(scale.receivedCommands)")
        XCTAssertFalse(scale.isStreaming)
    }

    func testTareZeroAndOverloadThroughTheReader() throws {
        let scale = try SimulatedScale(protocol: MTSICS.name, transmission: .continuous(intervalMilliseconds: 20))
        defer { scale.stop() }
        let log = EventLog()
        let (reader, _) = try startReader(scale, log: log)
        defer { reader.stop() }

        scale.place(weight: kilograms(150), settleReadings: 0)
        XCTAssertTrue(log.wait { $0.contains { isStable($0, kilograms(150)) } })

        try reader.send(MTSICS.tare)
        XCTAssertTrue(log.wait { $0.contains { isStable($0, kilograms(150), kind: .tare) } }, "T S 15.0 kg")
        try reader.send(MTSICS.sendWeightImmediatelyAndRepeat)
        XCTAssertTrue(log.wait { $0.contains { isStable($0, kilograms(0), kind: .net) } }, "net 0.0 with the tare known")
        let net = log.readings.last { $0.reading.kind == .net }!.reading
        XCTAssertEqual(net.tare, kilograms(150))

        try reader.send(MTSICS.zero)
        XCTAssertTrue(log.wait { $0.contains { if case .reply("Z A", _) = $0 { true } else { false } } })
        let afterZero = log.readings.count
        try reader.send(MTSICS.sendWeightImmediatelyAndRepeat)
        // Zeroed with the 15.0 kg still on the platform: the display reads 0 gross, the tare is gone.
        XCTAssertTrue(log.wait { _ in log.readings.dropFirst(afterZero).contains { $0.reading.stable && $0.reading.kind == .gross && $0.reading.weight == kilograms(0) } },
                      "zeroed at 15.0 kg, tare cleared")

        scale.overload()
        XCTAssertTrue(log.wait { _ in log.readings.contains { $0.reading.status == .overload } })
        try reader.send(MTSICS.command("XYZ"))
        XCTAssertTrue(log.wait { _ in log.readings.contains { $0.reading.raw == Array("ES\r\n".utf8) && $0.reading.status == .error } })
    }

    func testDisconnectIsReportedAndEndsTheReader() throws {
        let scale = try SimulatedScale(protocol: MTSICS.name, transmission: .continuous(intervalMilliseconds: 20))
        let log = EventLog()
        let (reader, port) = try startReader(scale, log: log)
        defer { reader.stop() }
        XCTAssertTrue(log.wait { _ in log.readings.count >= 1 })
        scale.stop()
        XCTAssertTrue(log.wait { $0.contains { if case .disconnected = $0 { true } else { false } } })
        guard case .disconnected(let error)? = log.all.last else { return XCTFail("\(log.all.last.map { "\($0)" } ?? "nothing")") }
        XCTAssertTrue(error.isDisconnect)
        XCTAssertEqual(error.device, scale.slavePath)
        XCTAssertTrue(log.wait { !port.isOpen }, "the reader closes the port when it ends")
    }

    func testStopFromTheEventCallback() throws {
        let scale = try SimulatedScale(protocol: MTSICS.name, transmission: .continuous(intervalMilliseconds: 20))
        defer { scale.stop() }
        let port = try SerialPort.open(path: scale.slavePath, settings: .default8N1)
        let box = ReaderBox()
        let log = EventLog()
        let reader = ScaleReader(port: port, driver: MTSICS(), mode: .preferred(for: MTSICS())) { event in
            log.append(event)
            box.reader.withLock { $0 }?.stop()
        }
        box.reader.withLock { $0 = reader }
        reader.start()
        XCTAssertTrue(log.wait { !port.isOpen })
        reader.stop()
        XCTAssertTrue(reader.isStopping)
        let count = log.all.count
        usleep(100_000)
        XCTAssertEqual(log.all.count, count, "no events after the reader ended")
        XCTAssertEqual(count, 1)
    }

    func testEventStreamFinishesWhenTheReaderStops() async throws {
        let scale = try SimulatedScale(protocol: MTSICS.name, transmission: .continuous(intervalMilliseconds: 20))
        defer { scale.stop() }
        let port = try SerialPort.open(path: scale.slavePath, settings: .default8N1)
        let (reader, events) = ScaleReader.withEventStream(port: port, driver: MTSICS(), mode: .preferred(for: MTSICS()))
        reader.start()
        // Never hang the suite: stopping the reader finishes the stream.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(30))
            reader.stop()
        }
        defer { watchdog.cancel() }
        scale.place(weight: kilograms(4125), settleReadings: 2)
        var sawStable = false
        for await event in events {
            if isStable(event, kilograms(4125)) {
                sawStable = true
                reader.stop()
            }
        }
        XCTAssertTrue(sawStable)
        XCTAssertFalse(port.isOpen)
    }

    func testStopBeforeStartClosesThePort() throws {
        let scale = try SimulatedScale(protocol: MTSICS.name)
        defer { scale.stop() }
        let port = try SerialPort.open(path: scale.slavePath, settings: .default8N1)
        let reader = ScaleReader(port: port, driver: MTSICS(), mode: .listen) { _ in }
        reader.stop()
        reader.start()
        XCTAssertFalse(port.isOpen)
        XCTAssertTrue(scale.receivedCommands.isEmpty)
    }
}
