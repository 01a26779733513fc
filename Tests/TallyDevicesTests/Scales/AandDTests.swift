import TallyCore
import XCTest
@testable import TallyDevices

/// `text` CR LF.
private func line(_ text: String) -> [UInt8] { Array(text.utf8) + [0x0D, 0x0A] }

final class AandDTests: XCTestCase {
    func testNameAndCommands() {
        XCTAssertEqual(AandD.name, "and")
        XCTAssertEqual(AandD().pollCommand, Array("RW\r\n".utf8))
        XCTAssertEqual(AandD.requestBalanceData, Array("Q\r\n".utf8))
        XCTAssertEqual(AandD.zero, Array("MZ\r\n".utf8))
        XCTAssertNil(AandD().startContinuousCommand)
    }

    func testParseTable() {
        assertParseTable(AandD(), [
            (line("ST,GS,+0001.23kg"), .ok(exactWeight("1.23", .kilogram))),
            (Array("ST,GS,+0001.23kg".utf8) + [0x0D], .ok(exactWeight("1.23", .kilogram))),
            (line("ST,GS,+0001.23 kg"), .ok(exactWeight("1.23", .kilogram))),
            (line("US,GS,+0001.20kg"), .motion(exactWeight("1.20", .kilogram))),
            (line("ST,NT,+0300.50kg"), .ok(exactWeight("300.50", .kilogram), kind: .net)),
            (line("ST,TR,+0112.50kg"), .ok(exactWeight("112.50", .kilogram), kind: .tare)),
            (line("ST,PT,+0112.50kg"), .ok(exactWeight("112.50", .kilogram), kind: .tare)),
            (line("ST,N ,-0000.50kg"), .ok(exactWeight("-0.50", .kilogram), kind: .net)),
            (line("ST,GS,+0012,34kg"), .ok(exactWeight("12.34", .kilogram))),
            (line("ST,GS,+001234. g"), .ok(exactWeight("1234", .gram))),
            (line("ST,GS,+002.125 t"), .ok(exactWeight("2.125", .tonne))),
            (line("ST,GS,+0905.50lb"), .ok(exactWeight("905.50", .pound))),
            (line("ST,GS,+0016.50oz"), .ok(exactWeight("16.50", .ounce))),
            (line("HD,GS,+0001.23kg"), .abnormal(.ok, weight: exactWeight("1.23", .kilogram), stable: false)),
            (line("OL,GS,+    .  kg"), .abnormal(.overload)),
            (line("OL,GS,-    .  kg"), .abnormal(.underload)),
            (line("LO,GS,-    .  kg"), .abnormal(.underload)),
            (line("OL,GS,+9999.99kg"), .abnormal(.overload)),
            (line("ST,+00123.45  g"), .ok(exactWeight("123.45", .gram))),
            (line("US,-00123.45  g"), .motion(exactWeight("-123.45", .gram))),
            (line("?"), .abnormal(.error)),
            (line("I"), .abnormal(.error)),
        ])
    }

    func testProfileDivision() throws {
        let driver = AandD(options: ScaleDriverOptions(division: scaleDivision("0.5")))
        XCTAssertEqual(try parseOne(driver, line("ST,GS,+0412.5kg")).weight, Weight(divisions: 825, division: scaleDivision("0.5"), unit: .kilogram))
        assertFrameError(driver, line("ST,GS,+0412.3kg")) { $0.isBadWeight }
    }

    func testRepliesAndFaults() {
        let driver = AandD()
        assertFrameError(driver, line("MZ")) { $0.isReply }
        assertFrameError(driver, line("RW")) { $0.isReply }
        assertFrameError(driver, line("XX,GS,+0001.23kg")) { $0.isMalformed }
        assertFrameError(driver, line("ST,GS,+0001.23pcs")) { $0.isUnknownUnit }
        assertFrameError(driver, line("ST,GS,+00x1.23kg")) { $0.isBadWeight }
        assertFrameError(driver, line("hello world")) { $0.isMalformed }
    }

    func testFramerResynchronizes() {
        let a = line("ST,GS,+0001.23kg"), b = Array("US,GS,+0001.20kg".utf8) + [0x0D]
        let broken = Array("ST,G".utf8) + [0x00, 0xFF] + Array("S,+1kg".utf8) + [0x0D, 0x0A]
        let stream = [0x00, 0x07] + a + broken + b + a + noise(count: 400) + [0x0D, 0x0A] + a
        let outcomes = assertChunkingInvariant(AandD(), stream)
        XCTAssertEqual(outcomes[0].error, FrameError(offset: 0, reason: .garbage(byteCount: 2)))
        XCTAssertEqual(outcomes[1], .reading(try! parseOne(AandD(), a), offset: 2))
        XCTAssertEqual(outcomes[2].error, FrameError(offset: 2 + a.count, reason: .garbage(byteCount: broken.count)),
                       "a line broken by a non-printable byte is discarded through its CR LF")
        XCTAssertEqual(outcomes[3].reading?.status, .motion)
        XCTAssertEqual(outcomes[3].reading?.raw, b, "a CR-only line is a frame too")
        XCTAssertEqual(outcomes[4], .reading(try! parseOne(AandD(), a), offset: 2 + a.count + broken.count + b.count))
        XCTAssertEqual(outcomes.last?.reading?.weight?.description, "1.23 kg")
    }
}
