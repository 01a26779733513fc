import TallyCore
import XCTest
@testable import TallyDevices

/// `LF flag range mode motion custom weight(10) unit(3) CR`.
private func sma(_ flag: String, _ mode: String, _ motion: String, _ weight: String, _ unit: String, range: String = "1") -> [UInt8] {
    precondition(weight.count == 10 && unit.count == 3)
    return [0x0A] + Array("\(flag)\(range)\(mode)\(motion) \(weight)\(unit)".utf8) + [0x0D]
}

final class CardinalSMATests: XCTestCase {
    func testNameAndCommands() {
        XCTAssertEqual(CardinalSMA.name, "cardinal-sma")
        XCTAssertEqual(CardinalSMA().pollCommand, [0x0A, UInt8(ascii: "W"), 0x0D])
        XCTAssertEqual(CardinalSMA.zero, [0x0A, UInt8(ascii: "Z"), 0x0D])
        XCTAssertNil(CardinalSMA().startContinuousCommand)
        XCTAssertEqual(sma(" ", "G", " ", "     412.5", "kg ").count, 20)
    }

    func testParseTable() {
        assertParseTable(CardinalSMA(), [
            (sma(" ", "G", " ", "     412.5", "kg "), .ok(exactWeight("412.5", .kilogram))),
            (sma("Z", "G", " ", "       0.0", "kg "), .ok(exactWeight("0.0", .kilogram))),
            (sma(" ", "G", "M", "     412.3", "kg "), .motion(exactWeight("412.3", .kilogram))),
            (sma(" ", "N", " ", "     300.0", "kg "), .ok(exactWeight("300.0", .kilogram), kind: .net)),
            (sma(" ", "T", " ", "     112.5", "kg "), .ok(exactWeight("112.5", .kilogram), kind: .tare)),
            (sma(" ", "N", " ", "     -50.0", "kg "), .ok(exactWeight("-50.0", .kilogram), kind: .net)),
            (sma(" ", "G", " ", "    905.50", "lb "), .ok(exactWeight("905.50", .pound))),
            (sma(" ", "G", " ", "      1250", "g  "), .ok(exactWeight("1250", .gram))),
            (sma(" ", "G", " ", "     2.125", "t  "), .ok(exactWeight("2.125", .tonne))),
            (sma(" ", "G", " ", "     16.50", "oz "), .ok(exactWeight("16.50", .ounce))),
            (sma(" ", "G", " ", "     412.5", "kg ", range: "2"), .ok(exactWeight("412.5", .kilogram))),
            (sma("O", "G", " ", "    1500.5", "kg "), .abnormal(.overload)),
            (sma("U", "G", " ", "     -20.0", "kg "), .abnormal(.underload)),
            (sma("E", "G", " ", "----------", "kg "), .abnormal(.zeroError)),
            (sma("T", "G", " ", "----------", "kg "), .abnormal(.error)),
            (sma("e", "G", " ", "     412.5", "kg "), .abnormal(.error)),
            ([0x0A, UInt8(ascii: "?"), 0x0D], .abnormal(.error)),
        ])
    }

    func testDivisionAndFaults() throws {
        let half = CardinalSMA(options: ScaleDriverOptions(division: scaleDivision("0.5")))
        XCTAssertEqual(try parseOne(half, sma(" ", "G", " ", "     412.5", "kg ")).weight, Weight(divisions: 825, division: scaleDivision("0.5"), unit: .kilogram))
        assertFrameError(half, sma(" ", "G", " ", "     412.3", "kg ")) { $0.isBadWeight }
        let driver = CardinalSMA()
        assertFrameError(driver, sma(" ", "G", " ", "     412.5", "ton")) { $0.isUnknownUnit }
        assertFrameError(driver, sma("X", "G", " ", "     412.5", "kg ")) { $0.isMalformed }
        assertFrameError(driver, sma(" ", "Q", " ", "     412.5", "kg ")) { $0.isMalformed }
        assertFrameError(driver, sma(" ", "G", "?", "     412.5", "kg ")) { $0.isMalformed }
        assertFrameError(driver, sma(" ", "G", " ", "     4x2.5", "kg ")) { $0.isBadWeight }
        assertFrameError(driver, [0x0A] + Array("G1".utf8) + [0x0D]) { $0.isMalformed }
    }

    func testFramerResynchronizes() {
        let a = sma(" ", "G", " ", "     412.5", "kg "), b = sma(" ", "G", "M", "     412.3", "kg ")
        let cut = Array(a.prefix(8))
        let stream = Array("ab".utf8) + [0x0D] + a + cut + b + a + noise(count: 500) + a
        let outcomes = assertChunkingInvariant(CardinalSMA(), stream)
        XCTAssertEqual(outcomes[0].error, FrameError(offset: 0, reason: .garbage(byteCount: 3)))
        XCTAssertEqual(outcomes[1], .reading(try! parseOne(CardinalSMA(), a), offset: 3))
        XCTAssertEqual(outcomes[2].error, FrameError(offset: 3 + a.count, reason: .garbage(byteCount: cut.count)), "a cut frame restarts at the next LF")
        XCTAssertEqual(outcomes[3].reading?.status, .motion)
        XCTAssertEqual(outcomes.last?.reading?.weight?.description, "412.5 kg")
    }
}
