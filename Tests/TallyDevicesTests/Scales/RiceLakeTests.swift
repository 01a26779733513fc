import TallyCore
import XCTest
@testable import TallyDevices

/// `STX pol weight(7) unit mode status CR LF` (or CR only).
private func rlws(_ polarity: String, _ weight: String, _ unit: String, _ mode: String, _ status: String, lineFeed: Bool = true) -> [UInt8] {
    precondition(weight.count == 7)
    return [0x02] + Array("\(polarity)\(weight)\(unit)\(mode)\(status)".utf8) + [0x0D] + (lineFeed ? [0x0A] : [])
}

final class RiceLakeTests: XCTestCase {
    func testNameAndCommands() {
        XCTAssertEqual(RiceLake.name, "rice-lake")
        XCTAssertNil(RiceLake().pollCommand, "listens to the stream by default")
        XCTAssertNil(RiceLake().startContinuousCommand)
        XCTAssertEqual(RiceLake.startStreaming, Array("SX\r".utf8))
        XCTAssertEqual(RiceLake.stopStreaming, Array("EX\r".utf8))
        XCTAssertEqual(RiceLake.requestFrame, Array("S\r".utf8))
    }

    func testParseTable() {
        assertParseTable(RiceLake(), [
            (rlws(" ", "  412.5", "K", "G", " "), .ok(exactWeight("412.5", .kilogram))),
            (rlws(" ", "  412.5", "K", "G", " ", lineFeed: false), .ok(exactWeight("412.5", .kilogram))),
            (rlws(" ", "  412.3", "K", "G", "M"), .motion(exactWeight("412.3", .kilogram))),
            (rlws(" ", "    0.0", "K", "G", "Z"), .ok(exactWeight("0.0", .kilogram))),
            (rlws("-", "   12.5", "K", "G", " "), .ok(exactWeight("-12.5", .kilogram))),
            (rlws(" ", "  300.0", "K", "N", " "), .ok(exactWeight("300.0", .kilogram), kind: .net)),
            (rlws(" ", "  112.5", "K", "T", " "), .ok(exactWeight("112.5", .kilogram), kind: .tare)),
            (rlws(" ", "  905.5", "L", "G", " "), .ok(exactWeight("905.5", .pound))),
            (rlws(" ", "   1250", "G", "G", " "), .ok(exactWeight("1250", .gram))),
            (rlws(" ", "  16.50", "O", "G", " "), .ok(exactWeight("16.50", .ounce))),
            (rlws(" ", "  412.5", "K", "G", "O"), .abnormal(.overload)),
            (rlws("-", "  412.5", "K", "G", "O"), .abnormal(.underload)),
            (rlws(" ", "  412.5", "K", "G", "I"), .abnormal(.error)),
        ])
        assertParseTable(RiceLake(options: ScaleDriverOptions(unit: .tonne)), [
            (rlws(" ", "  2.125", "T", "G", " "), .ok(exactWeight("2.125", .tonne))),
        ])
    }

    func testDecimalsAndFaults() throws {
        for text in ["4125000", "41250.0", "4125.00", "412.500", "0.41250"] {
            XCTAssertEqual(try parseOne(RiceLake(), rlws(" ", text, "K", "G", " ")).weight, exactWeight(text, .kilogram), text)
        }
        let driver = RiceLake()
        assertFrameError(driver, rlws(" ", "  2.125", "T", "G", " ")) { $0.isUnknownUnit }
        assertFrameError(driver, rlws(" ", "  412.5", "X", "G", " ")) { $0.isUnknownUnit }
        assertFrameError(driver, rlws(" ", "  412.5", "K", "Q", " ")) { $0.isMalformed }
        assertFrameError(driver, rlws(" ", "  412.5", "K", "G", "Q")) { $0.isMalformed }
        assertFrameError(driver, rlws("*", "  412.5", "K", "G", " ")) { $0.isMalformed }
        assertFrameError(driver, rlws(" ", "  4x2.5", "K", "G", " ")) { $0.isBadWeight }
        assertFrameError(RiceLake(options: ScaleDriverOptions(division: scaleDivision("0.5"))), rlws(" ", "  412.3", "K", "G", " ")) { $0.isBadWeight }
    }

    func testFramerResynchronizes() {
        let a = rlws(" ", "  412.5", "K", "G", " "), b = rlws(" ", "  412.3", "K", "G", "M", lineFeed: false)
        let cut = Array(a.prefix(6))
        let stream = Array("OK".utf8) + [0x0D, 0x0A] + a + cut + b + a + noise(count: 600) + a
        let outcomes = assertChunkingInvariant(RiceLake(), stream)
        XCTAssertEqual(outcomes[0].error, FrameError(offset: 0, reason: .garbage(byteCount: 4)))
        XCTAssertEqual(outcomes[1], .reading(try! parseOne(RiceLake(), a), offset: 4))
        XCTAssertEqual(outcomes[2].error, FrameError(offset: 4 + a.count, reason: .garbage(byteCount: cut.count)))
        XCTAssertEqual(outcomes[3].reading?.raw, b, "a CR-only frame ends where the next STX begins")
        XCTAssertEqual(outcomes[4], .reading(try! parseOne(RiceLake(), a), offset: 4 + a.count + cut.count + b.count))
        XCTAssertEqual(outcomes.last?.reading?.weight?.description, "412.5 kg")
    }
}
