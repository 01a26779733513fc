import TallyCore
import XCTest
@testable import TallyDevices

/// A 22-byte CAS frame.
private func cas(_ header1: String, _ header2: String, lamp: UInt8, _ data: String, _ unit: String = "kg", id: UInt8 = 0x31) -> [UInt8] {
    precondition(data.count == 8 && unit.count == 2)
    return Array("\(header1),\(header2),".utf8) + [id, lamp] + Array(",\(data) \(unit)".utf8) + [0x0D, 0x0A]
}

/// Lamp bits.
private let stableLamp: UInt8 = 0xE0, movingLamp: UInt8 = 0xA0, hold: UInt8 = 0x10, grossLamp: UInt8 = 0x04, tareLamp: UInt8 = 0x02

final class CASTests: XCTestCase {
    func testNameAndCommands() {
        XCTAssertEqual(CAS.name, "cas")
        XCTAssertNil(CAS().pollCommand, "CAS indicators stream")
        XCTAssertEqual(CAS.requestWeight(device: 1), Array("D01KW\r\n".utf8))
        XCTAssertEqual(CAS.requestWeight(device: 12), Array("D12KW\r\n".utf8))
        XCTAssertEqual(CAS.zero(device: 3), Array("D03KZ\r\n".utf8))
        XCTAssertEqual(cas("ST", "GS", lamp: stableLamp, "000412.5").count, 22)
    }

    func testParseTable() {
        assertParseTable(CAS(), [
            (cas("ST", "GS", lamp: stableLamp | grossLamp, "000412.5"), .ok(exactWeight("412.5", .kilogram))),
            (cas("ST", "GS", lamp: 0x3C, "000412.5"), .abnormal(.ok, weight: exactWeight("412.5", .kilogram), stable: false)),
            (cas("US", "GS", lamp: movingLamp | grossLamp, "000410.0"), .motion(exactWeight("410.0", .kilogram))),
            (cas("ST", "GS", lamp: stableLamp | hold, "000412.5"), .abnormal(.ok, weight: exactWeight("412.5", .kilogram), stable: false)),
            (cas("ST", "NT", lamp: stableLamp | tareLamp, "000300.0"), .ok(exactWeight("300.0", .kilogram), kind: .net)),
            (cas("ST", "NT", lamp: stableLamp | tareLamp, "-00050.0"), .ok(exactWeight("-50.0", .kilogram), kind: .net)),
            (cas("ST", "GS", lamp: stableLamp, "   412.5"), .ok(exactWeight("412.5", .kilogram))),
            (cas("ST", "GS", lamp: stableLamp, "00002125", " t"), .ok(exactWeight("2125", .tonne))),
            (cas("ST", "GS", lamp: stableLamp, "0001.250", " t"), .ok(exactWeight("1.250", .tonne))),
            (cas("ST", "GS", lamp: stableLamp, "00012500", " g"), .ok(exactWeight("12500", .gram))),
            (cas("ST", "GS", lamp: stableLamp, "00905.50", "lb"), .ok(exactWeight("905.50", .pound))),
            (cas("OL", "GS", lamp: movingLamp, "        "), .abnormal(.overload)),
            (cas("OL", "GS", lamp: movingLamp, "-       "), .abnormal(.underload)),
            (cas("ST", "GS", lamp: 0xE0 | 0x0D, "000000.0"), .ok(exactWeight("0.0", .kilogram))),
        ])
    }

    func testFaults() {
        let driver = CAS()
        assertFrameError(driver, cas("ST", "GS", lamp: stableLamp, "000412.5", "pc")) { $0.isUnknownUnit }
        assertFrameError(driver, cas("ST", "GS", lamp: stableLamp, "0004x2.5")) { $0.isBadWeight }
        assertFrameError(driver, Array(cas("ST", "GS", lamp: stableLamp, "000412.5").dropLast())) { $0.isMalformed }
        assertFrameError(CAS(options: ScaleDriverOptions(division: scaleDivision("0.5"))), cas("ST", "GS", lamp: stableLamp, "000412.3")) { $0.isBadWeight }
    }

    /// Lamp bytes that look like CR, LF or a comma do not cut the frame; garbage and cut frames are counted.
    func testFramerResynchronizes() {
        let a = cas("ST", "GS", lamp: stableLamp, "000412.5"), crLamp = cas("ST", "GS", lamp: 0x0D, "000412.5")
        let cut = Array(a.prefix(15))
        let stream = Array("SUSTOL".utf8) + a + cut + crLamp + noise(count: 700) + a
        let outcomes = assertChunkingInvariant(CAS(), stream)
        XCTAssertEqual(outcomes[0].error, FrameError(offset: 0, reason: .garbage(byteCount: 6)))
        XCTAssertEqual(outcomes[1], .reading(try! parseOne(CAS(), a), offset: 6))
        XCTAssertEqual(outcomes[2].error, FrameError(offset: 6 + a.count, reason: .garbage(byteCount: cut.count)))
        XCTAssertEqual(outcomes[3].reading?.raw, crLamp)
        XCTAssertEqual(outcomes[3].reading?.stable, false, "a lamp byte without the stable bit")
        XCTAssertEqual(outcomes.last?.reading?.weight?.description, "412.5 kg")
    }
}
