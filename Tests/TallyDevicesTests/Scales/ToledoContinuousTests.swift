import TallyCore
import XCTest
@testable import TallyDevices

/// A Toledo continuous frame: STX, the three status bytes, the weight digits, the tare digits (nil: short
/// form), CR, and the checksum when asked.
private func toledo(_ swa: UInt8, _ swb: UInt8, _ swc: UInt8, _ weight: String, tare: String? = "000000", checksum: Bool = false) -> [UInt8] {
    var bytes: [UInt8] = [0x02, swa, swb, swc] + Array(weight.utf8) + Array((tare ?? "").utf8) + [0x0D]
    if checksum { bytes.append(ToledoContinuous.checksum(bytes)) }
    return bytes
}

/// SWA for a decimal code (0 = XXXX00 ... 7 = X.XXXXX) and an increment code (1 = ×1, 2 = ×2, 3 = ×5).
private func swa(point: UInt8, increment: UInt8 = 1) -> UInt8 { 0x20 | increment << 3 | point }

/// SWB bits.
private let kg: UInt8 = 0x30, lb: UInt8 = 0x20, net: UInt8 = 0x01, negative: UInt8 = 0x02, outOfRange: UInt8 = 0x04
private let motion: UInt8 = 0x08, notZeroed: UInt8 = 0x40
private let swc: UInt8 = 0x20
private let tenth = swa(point: 3)

final class ToledoContinuousTests: XCTestCase {
    func testNameAndCommands() {
        XCTAssertEqual(ToledoContinuous.name, "toledo-continuous")
        let driver = ToledoContinuous()
        XCTAssertNil(driver.pollCommand, "streamed only")
        XCTAssertNil(driver.startContinuousCommand)
        XCTAssertEqual(ScaleReader.Mode.preferred(for: driver), .listen)
    }

    func testChecksumIsTheTwosComplementOfTheSevenBitSum() {
        let frame = toledo(tenth, kg, swc, "004125")
        let sum = frame.reduce(0) { $0 + Int($1 & 0x7F) }
        let checksum = Int(ToledoContinuous.checksum(frame))
        XCTAssertEqual((sum + checksum) % 128, 0)
        XCTAssertLessThan(checksum, 128)
    }

    /// Stable, motion, net with tare, overload, underload, zero error, expanded, every unit.
    func testParseTable() {
        let d = { (text: String, unit: WeightUnit) in exactWeight(text, unit) }
        assertParseTable(ToledoContinuous(), [
            (toledo(tenth, kg, swc, "004125"), .ok(d("412.5", .kilogram))),
            (toledo(tenth, kg, swc, "004125", checksum: true), .ok(d("412.5", .kilogram))),
            (toledo(tenth, kg, swc, "004125", tare: nil), .ok(d("412.5", .kilogram))),
            (toledo(tenth, kg, swc, "  4125"), .ok(d("412.5", .kilogram))),
            (toledo(tenth, kg | motion, swc, "004123"), .motion(d("412.3", .kilogram))),
            (toledo(tenth, kg | negative, swc, "000125"), .ok(d("-12.5", .kilogram))),
            (toledo(tenth, kg | net, swc, "003000", tare: "001125"), .ok(d("300.0", .kilogram), kind: .net, tare: d("112.5", .kilogram))),
            (toledo(tenth, kg | net, swc, "003000", tare: nil), .ok(d("300.0", .kilogram), kind: .net)),
            (toledo(tenth, kg | net | negative, swc, "000500", tare: "001125"), .ok(d("-50.0", .kilogram), kind: .net, tare: d("112.5", .kilogram))),
            (toledo(tenth, kg | outOfRange, swc, "999999"), .abnormal(.overload)),
            (toledo(tenth, kg | outOfRange | negative, swc, "000000"), .abnormal(.underload)),
            (toledo(tenth, kg | notZeroed, swc, "000000"), .abnormal(.zeroError, weight: d("0.0", .kilogram), stable: true)),
            (toledo(tenth, kg, swc | 0x10, "041253"), .abnormal(.error, weight: d("412.53", .kilogram), stable: true)),
            (toledo(tenth, lb, swc, "009055"), .ok(d("905.5", .pound))),
            (toledo(tenth, lb, swc | 1, "001000"), .ok(d("100.0", .gram))),
            (toledo(swa(point: 5), lb, swc | 2, "002125"), .ok(d("2.125", .tonne))),
            (toledo(swa(point: 4), lb, swc | 3, "001650"), .ok(d("16.50", .ounce))),
        ])
    }

    /// Every decimal-point code, and the ×2 and ×5 increments, give the exact value and division.
    func testDecimalPositionsAndIncrements() throws {
        let expected: [(UInt8, String)] = [(0, "123400"), (1, "12340"), (2, "1234"), (3, "123.4"), (4, "12.34"), (5, "1.234"), (6, "0.1234"), (7, "0.01234")]
        for (point, text) in expected {
            let reading = try parseOne(ToledoContinuous(), toledo(swa(point: point), kg, swc, "001234"))
            XCTAssertEqual(reading.weight?.value, ExactDecimal(parsing: text), "code \(point)")
            XCTAssertEqual(reading.weight?.divisions, 1234, "code \(point)")
            XCTAssertEqual(reading.weight?.division.multiplier, 1)
            XCTAssertEqual(reading.weight?.division.exponent, 2 - Int(point))
        }
        let twos = try parseOne(ToledoContinuous(), toledo(swa(point: 2, increment: 2), lb, swc, "012346"))
        XCTAssertEqual(twos.weight, Weight(divisions: 6173, division: scaleDivision("2"), unit: .pound))
        XCTAssertEqual(twos.weight?.description, "12346 lb")
        let fives = try parseOne(ToledoContinuous(), toledo(swa(point: 4, increment: 3), kg, swc, "004125"))
        XCTAssertEqual(fives.weight, Weight(divisions: 825, division: scaleDivision("0.05"), unit: .kilogram))
        XCTAssertEqual(fives.weight?.description, "41.25 kg")
        let dummy = try parseOne(ToledoContinuous(), toledo(swa(point: 1, increment: 2), lb, swc, "004124"))
        XCTAssertEqual(dummy.weight?.description, "41240 lb", "XXXXX0: the dummy zero is not transmitted")
        XCTAssertEqual(dummy.weight?.division, scaleDivision("20"))
    }

    func testFaults() {
        let driver = ToledoContinuous()
        assertFrameError(driver, toledo(tenth, kg, swc, "004125", checksum: true).dropLast() + [0x00]) { $0.isBadChecksum }
        assertFrameError(driver, toledo(swa(point: 3, increment: 0), kg, swc, "004125")) { $0.isMalformed }
        assertFrameError(driver, toledo(swa(point: 2, increment: 3), kg, swc, "004127")) { $0.isBadWeight }
        assertFrameError(driver, toledo(tenth, kg, swc | 5, "004125")) { $0.isUnknownUnit }
        assertFrameError(driver, toledo(tenth, kg, swc, "00412A")) { $0.isMalformed }
        assertFrameError(driver, Array(toledo(tenth, kg, swc, "004125").dropLast(3))) { $0.isMalformed }
    }

    /// Frames with and without checksums, garbage, cut frames and noise: every frame is found whatever
    /// the chunking, garbage is counted, offsets are exact.
    func testFramerResynchronizesAndCountsGarbage() {
        let a = toledo(tenth, kg, swc, "004125", checksum: true)
        let b = toledo(tenth, kg | motion, swc, "004120", checksum: true)
        let garbage: [UInt8] = [0x00, 0xFF, 0x41, 0x0D]
        let cut = Array(a.prefix(9))
        let stream = a + garbage + b + cut + a + b
        let outcomes = assertChunkingInvariant(ToledoContinuous(), stream)
        XCTAssertEqual(outcomes.count, 6, "\(outcomes)")
        XCTAssertEqual(outcomes[0], .reading(try! parseOne(ToledoContinuous(), a), offset: 0))
        XCTAssertEqual(outcomes[1].error, FrameError(offset: a.count, reason: .garbage(byteCount: garbage.count)))
        XCTAssertEqual(outcomes[2].reading?.weight?.description, "412.0 kg")
        XCTAssertEqual(outcomes[3].error, FrameError(offset: a.count + garbage.count + b.count, reason: .garbage(byteCount: cut.count)))
        XCTAssertEqual(outcomes[4], .reading(try! parseOne(ToledoContinuous(), a), offset: a.count + garbage.count + b.count + cut.count))
        XCTAssertEqual(outcomes[5].reading?.status, .motion)

        // Without checksums, the byte after CR is the next STX.
        let plain = toledo(tenth, kg, swc, "004125") + toledo(tenth, kg, swc, "004126") + toledo(tenth, kg, swc, "004127", tare: nil)
        let plainOutcomes = assertChunkingInvariant(ToledoContinuous(), plain)
        XCTAssertEqual(plainOutcomes.compactMap { $0.reading?.weight?.description }, ["412.5 kg", "412.6 kg", "412.7 kg"])
        XCTAssertEqual(plainOutcomes.compactMap(\.error), [])

        // Wrong-baud noise then frames: the noise is garbage, the frames come through.
        let noisy = noise(count: 5000) + a + b
        let noisyOutcomes = assertChunkingInvariant(ToledoContinuous(), noisy)
        XCTAssertEqual(noisyOutcomes.suffix(2).compactMap { $0.reading?.weight?.description }, ["412.5 kg", "412.0 kg"])
        // Every byte is either in a frame or counted as discarded.
        var framer = ToledoContinuous().makeFramer()
        let outputs = framer.append(noisy) + framer.finish()
        let framed = outputs.reduce(0) { sum, output in if case .frame(let frame) = output { sum + frame.bytes.count } else { sum } }
        XCTAssertEqual(framed + framer.discardedByteCount, noisy.count)
        XCTAssertGreaterThan(framer.discardedByteCount, 4000)
    }

    /// A frame whose checksum happens to be STX, in a stream with checksums and in one without.
    func testChecksumThatLooksLikeAStartByte() throws {
        var ambiguous: [UInt8]?
        func sixDigits(_ value: Int) -> String { let text = String(value); return String(repeating: "0", count: 6 - text.count) + text }
        search: for tare in 0..<1000 {
            for value in 0..<1000 {
                let frame = toledo(tenth, kg | net, swc, sixDigits(value), tare: sixDigits(tare))
                if ToledoContinuous.checksum(frame) == 0x02 { ambiguous = frame; break search }
            }
        }
        let frame = try XCTUnwrap(ambiguous)
        let next = toledo(tenth, kg, swc, "000010")
        // With checksums: the STX after CR is the checksum.
        let withChecksums = frame + [0x02] + next + [ToledoContinuous.checksum(next)]
        let outcomes = assertChunkingInvariant(ToledoContinuous(), withChecksums)
        XCTAssertEqual(outcomes.compactMap { $0.reading?.raw.count }, [18, 18], "\(outcomes)")
        // Without: the STX after CR begins the next frame.
        let without = frame + next
        let plain = assertChunkingInvariant(ToledoContinuous(), without)
        XCTAssertEqual(plain.compactMap { $0.reading?.raw.count }, [17, 17], "\(plain)")
    }

    func testRegistryDecodesTheProtocol() throws {
        let reading = try ScaleProtocolRegistry.reading(protocol: "toledo-continuous", frame: toledo(tenth, kg, swc, "004125", checksum: true))
        XCTAssertEqual(reading.weight?.description, "412.5 kg")
        XCTAssertTrue(ScaleProtocolRegistry.names.contains("toledo-continuous"))
    }
}
