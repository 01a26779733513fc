import TallyCore
import XCTest
@testable import TallyDevices

/// `STX body CR`.
private func reply(_ body: String) -> [UInt8] { [0x02] + Array(body.utf8) + [0x0D] }
/// `STX ? status CR`.
private func status(_ byte: UInt8) -> [UInt8] { [0x02, UInt8(ascii: "?"), byte, 0x0D] }

final class Toledo8217Tests: XCTestCase {
    func testNameAndCommands() {
        XCTAssertEqual(Toledo8217.name, "toledo-8217")
        XCTAssertEqual(Toledo8217().pollCommand, [UInt8(ascii: "W")])
        XCTAssertEqual(Toledo8217.zero, [UInt8(ascii: "Z")])
        XCTAssertEqual(Toledo8217.tare, Array("T\r".utf8))
        XCTAssertEqual(Toledo8217.clearTare, [UInt8(ascii: "C")])
        XCTAssertNil(Toledo8217().startContinuousCommand)
        XCTAssertEqual(ScaleReader.Mode.preferred(for: Toledo8217(), pollIntervalMilliseconds: 300),
                       .poll(command: [UInt8(ascii: "W")], intervalMilliseconds: 300))
    }

    /// Without a profile unit: two decimals are pounds, three kilograms (DIVA).
    func testParseTableWithoutProfileUnit() {
        assertParseTable(Toledo8217(), [
            (reply("012.34"), .ok(exactWeight("12.34", .pound))),
            (reply("01.234"), .ok(exactWeight("1.234", .kilogram))),
            (reply("012.34N"), .ok(exactWeight("12.34", .pound), kind: .net)),
            (reply("01.234N"), .ok(exactWeight("1.234", .kilogram), kind: .net)),
            (status(0x41), .motion(nil)),
            (status(0x42), .abnormal(.overload)),
            (status(0x44), .abnormal(.underload)),
            (status(0x45), .abnormal(.underload)),
            (status(0x48), .abnormal(.zeroError)),
            (status(0x61), .motion(nil, kind: .net)),
            (status(0xC1), .motion(nil)),
        ])
    }

    /// With the profile's unit and division: every unit, decimal positions, the division check.
    func testParseTableWithProfileOptions() throws {
        for unit in WeightUnit.allCases {
            let reading = try parseOne(Toledo8217(options: ScaleDriverOptions(unit: unit)), reply("012.34"))
            XCTAssertEqual(reading.weight, exactWeight("12.34", unit), "\(unit)")
        }
        let decimals = ["00123": "123", "0123.4": "123.4", "012.34": "12.34", "01.234": "1.234"]
        for (field, text) in decimals {
            let reading = try parseOne(Toledo8217(options: ScaleDriverOptions(unit: .kilogram)), reply(field))
            XCTAssertEqual(reading.weight, exactWeight(text, .kilogram), field)
            XCTAssertEqual(reading.weight?.division.exponent, -(text.split(separator: ".").dropFirst().first?.count ?? 0), field)
        }
        let halves = Toledo8217(options: ScaleDriverOptions(division: scaleDivision("0.05"), unit: .pound))
        XCTAssertEqual(try parseOne(halves, reply("012.35")).weight, Weight(divisions: 247, division: scaleDivision("0.05"), unit: .pound))
        assertFrameError(halves, reply("012.34")) { $0.isBadWeight }
    }

    func testRepliesAndFaults() {
        let driver = Toledo8217()
        assertFrameError(driver, status(0x40)) { $0.isReply }
        assertFrameError(driver, status(0x50)) { $0.isReply }
        assertFrameError(driver, reply("")) { $0.isReply }
        assertFrameError(driver, reply("E")) { $0.isReply }
        assertFrameError(driver, reply("F")) { $0.isReply }
        assertFrameError(driver, reply("0123")) { $0.isUnknownUnit }
        assertFrameError(driver, reply("12.3X")) { $0.isMalformed }
        assertFrameError(driver, status(0x01)) { $0.isMalformed }
        assertFrameError(driver, reply("??")) { $0.isMalformed }
    }

    func testFramerResynchronizes() {
        let weight = reply("012.34"), moving = status(0x41)
        let stream = Array("xx".utf8) + weight + [0x02] + Array("01".utf8) + moving + [0x0A] + weight + noise(count: 300) + weight
        let outcomes = assertChunkingInvariant(Toledo8217(), stream)
        XCTAssertEqual(outcomes.first?.error, FrameError(offset: 0, reason: .garbage(byteCount: 2)))
        XCTAssertEqual(outcomes[1], .reading(try! parseOne(Toledo8217(), weight), offset: 2))
        XCTAssertEqual(outcomes[2].error, FrameError(offset: 2 + weight.count, reason: .garbage(byteCount: 3)), "a cut frame restarts at the next STX")
        XCTAssertEqual(outcomes[3].reading?.status, .motion)
        XCTAssertEqual(outcomes.last?.reading?.weight?.description, "12.34 lb")
        XCTAssertGreaterThanOrEqual(outcomes.compactMap(\.reading).filter { $0.weight?.description == "12.34 lb" }.count, 3)
    }
}
