import TallyCore
import XCTest
@testable import TallyDevices

/// `LF weight CR LF status CR ETX`.
private func weightReply(_ weight: String, _ status: [UInt8] = [0x30, 0x30, 0x30]) -> [UInt8] {
    [0x0A] + Array(weight.utf8) + [0x0D, 0x0A] + status + [0x0D, 0x03]
}
/// `LF status CR ETX`.
private func statusReply(_ status: [UInt8]) -> [UInt8] { [0x0A] + status + [0x0D, 0x03] }

private let clear: [UInt8] = [0x30, 0x70, 0x30]

final class NCITests: XCTestCase {
    func testNameAndCommands() {
        XCTAssertEqual(NCI.name, "nci")
        XCTAssertEqual(NCI().pollCommand, Array("W\r".utf8))
        XCTAssertEqual(NCI.requestStatus, Array("S\r".utf8))
        XCTAssertEqual(NCI.zero, Array("Z\r".utf8))
        XCTAssertNil(NCI().startContinuousCommand)
    }

    func testParseTable() {
        assertParseTable(NCI(), [
            (weightReply("0412.5kg", clear), .ok(exactWeight("412.5", .kilogram))),
            (weightReply("  12.34lb"), .ok(exactWeight("12.34", .pound))),
            (weightReply("  12.34LB"), .ok(exactWeight("12.34", .pound))),
            (weightReply("-0012.5 kg"), .ok(exactWeight("-12.5", .kilogram))),
            (weightReply("- 12.5kg"), .ok(exactWeight("-12.5", .kilogram))),
            (weightReply("01250g"), .ok(exactWeight("1250", .gram))),
            (weightReply("012.50oz"), .ok(exactWeight("12.50", .ounce))),
            (weightReply("0412.5kg", [0x31, 0x70, 0x30]), .motion(exactWeight("412.5", .kilogram))),
            (weightReply("0300.0kg", [0x30, 0x70, 0x34]), .ok(exactWeight("300.0", .kilogram), kind: .net)),
            (weightReply("0000.0kg", [0x32, 0x30]), .ok(exactWeight("0.0", .kilogram))),
            (weightReply("^^^^^^kg", [0x30, 0x72, 0x30]), .abnormal(.overload)),
            (weightReply("^^^^^^kg"), .abnormal(.overload)),
            (weightReply("______kg", [0x30, 0x71, 0x30]), .abnormal(.underload)),
            (weightReply("------kg", [0x30, 0x70, 0x38]), .abnormal(.zeroError)),
            (weightReply("0412.5kg", [0x30, 0x72]), .abnormal(.overload)),
            (weightReply("0412.5kg", [0x34, 0x30]), .abnormal(.error, weight: exactWeight("412.5", .kilogram), stable: true)),
            (weightReply("0412.5kg", Array("S".utf8) + clear), .ok(exactWeight("412.5", .kilogram))),
            (statusReply([0x31, 0x30]), .motion(nil)),
            (statusReply([0x30, 0x7F]), .abnormal(.overload)),
            (weightReply("0412.5kg", [0xB1, 0xF0, 0xB0]), .motion(exactWeight("412.5", .kilogram))),
            (statusReply([0x30, 0x72]), .abnormal(.overload)),
            (statusReply(Array("?".utf8)), .abnormal(.error)),
        ])
    }

    func testDecimalsAndProfileDivision() throws {
        for text in ["412", "41.2", "4.12", "0.412"] {
            let reading = try parseOne(NCI(), weightReply(text + "kg"))
            XCTAssertEqual(reading.weight, exactWeight(text, .kilogram), text)
        }
        let half = NCI(options: ScaleDriverOptions(division: scaleDivision("0.5")))
        XCTAssertEqual(try parseOne(half, weightReply("0412.5kg")).weight, Weight(divisions: 825, division: scaleDivision("0.5"), unit: .kilogram))
        assertFrameError(half, weightReply("0412.3kg")) { $0.isBadWeight }
        let unitless = NCI(options: ScaleDriverOptions(unit: .pound))
        XCTAssertEqual(try parseOne(unitless, weightReply("012.34")).weight, exactWeight("12.34", .pound))
    }

    func testRepliesAndFaults() {
        let driver = NCI()
        assertFrameError(driver, statusReply(clear)) { $0.isReply }
        assertFrameError(driver, weightReply("0412.5kg", Array("AB".utf8))) { $0.isMalformed }
        assertFrameError(driver, weightReply("1lb 2.5oz")) { $0.isBadWeight }
        assertFrameError(driver, weightReply("0412.5pcs")) { $0.isUnknownUnit }
        assertFrameError(driver, weightReply("04x2.5kg")) { $0.isBadWeight }
        assertFrameError(driver, weightReply("04 12.5kg")) { $0.isBadWeight }
        assertFrameError(driver, weightReply("0412.5")) { $0.isUnknownUnit }
    }

    func testFramerResynchronizes() {
        let a = weightReply("0412.5kg", clear), b = statusReply([0x31, 0x30])
        let strayLF: [UInt8] = [0x0A] + Array("zz".utf8)
        let stream = Array("!!".utf8) + a + strayLF + b + [0x0A, 0x30, 0x0D, 0x41] + a + noise(count: 500) + a
        let outcomes = assertChunkingInvariant(NCI(), stream)
        XCTAssertEqual(outcomes[0].error, FrameError(offset: 0, reason: .garbage(byteCount: 2)))
        XCTAssertEqual(outcomes[1], .reading(try! parseOne(NCI(), a), offset: 2))
        XCTAssertEqual(outcomes[2].error, FrameError(offset: 2 + a.count, reason: .garbage(byteCount: strayLF.count)),
                       "a stray LF with junk is dropped up to the next reply's LF")
        XCTAssertEqual(outcomes[3].reading?.status, .motion)
        XCTAssertEqual(outcomes[4].error?.reason, .garbage(byteCount: 4))
        XCTAssertEqual(outcomes[5].reading?.weight?.description, "412.5 kg")
        XCTAssertEqual(outcomes.last?.reading?.weight?.description, "412.5 kg")
    }
}
