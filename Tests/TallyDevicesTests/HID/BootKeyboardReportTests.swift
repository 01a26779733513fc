import XCTest
@testable import TallyDevices

final class BootKeyboardReportTests: XCTestCase {
    func testParsesModifiersReservedAndSlots() throws {
        let report = try BootKeyboardReport(bytes: [0x22, 0x07, 0x04, 0x00, 0x05, 0x00, 0x00, 0x2C])
        XCTAssertEqual(report.modifiers, [.leftShift, .rightShift])
        XCTAssertEqual(report.modifiers.rawValue, 0x22)
        XCTAssertEqual(report.reserved, 0x07)
        XCTAssertEqual(report.keySlots, [0x04, 0x00, 0x05, 0x00, 0x00, 0x2C])
        XCTAssertEqual(report.pressedUsages, [0x04, 0x05, 0x2C])
        XCTAssertEqual(report.slot(5), 0x2C)
        XCTAssertFalse(report.isRolloverError)
        XCTAssertFalse(report.isErrorReport)
        XCTAssertFalse(report.isAllReleased)
        XCTAssertEqual(report.bytes, [0x22, 0x07, 0x04, 0x00, 0x05, 0x00, 0x00, 0x2C])
        XCTAssertEqual(report.description, "22 07 04 00 05 00 00 2C")
    }

    func testModifierBitsFollowTheBootProtocol() {
        typealias M = BootKeyboardReport.Modifiers
        XCTAssertEqual(M.leftControl.rawValue, 0x01)
        XCTAssertEqual(M.leftShift.rawValue, 0x02)
        XCTAssertEqual(M.leftAlt.rawValue, 0x04)
        XCTAssertEqual(M.leftGUI.rawValue, 0x08)
        XCTAssertEqual(M.rightControl.rawValue, 0x10)
        XCTAssertEqual(M.rightShift.rawValue, 0x20)
        XCTAssertEqual(M.rightAlt.rawValue, 0x40)
        XCTAssertEqual(M.rightGUI.rawValue, 0x80)
        XCTAssertTrue(M.rightShift.containsAny(of: .shift))
        XCTAssertFalse(M.rightShift.contains(.shift), "contains asks for both shift keys")
        XCTAssertFalse(M.leftAlt.containsAny(of: .control))
    }

    func testShortReportThrowsNamingByteCount() {
        XCTAssertThrowsError(try BootKeyboardReport(bytes: [0x00, 0x00, 0x04, 0x00, 0x00])) { error in
            XCTAssertEqual(error as? BootKeyboardReportError, .tooShort(byteCount: 5))
            XCTAssertEqual((error as? BootKeyboardReportError)?.byteCount, 5)
            XCTAssertTrue("\(error)".contains("5 bytes"), "\(error)")
        }
        XCTAssertThrowsError(try BootKeyboardReport(bytes: [UInt8]())) { error in
            XCTAssertEqual(error as? BootKeyboardReportError, .tooShort(byteCount: 0))
        }
    }

    func testLongReportThrowsNamingByteCount() {
        // A report id in front of a boot report makes 9 bytes.
        let bytes: [UInt8] = [0x01, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00]
        XCTAssertThrowsError(try BootKeyboardReport(bytes: bytes)) { error in
            XCTAssertEqual(error as? BootKeyboardReportError, .tooLong(byteCount: 9))
            XCTAssertTrue("\(error)".contains("9 bytes"), "\(error)")
        }
    }

    func testParsesFromAnyCollectionOfBytes() throws {
        let buffer: [UInt8] = [0xFF, 0xFF, 0x02, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0xFF]
        let report = try BootKeyboardReport(bytes: buffer[2..<10])
        XCTAssertEqual(report.modifiers, .leftShift)
        XCTAssertEqual(report.pressedUsages, [0x04])
    }

    func testRolloverErrorReportIsDetected() throws {
        let report = try BootKeyboardReport(bytes: [0x00, 0x00, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01])
        XCTAssertTrue(report.isRolloverError)
        XCTAssertTrue(report.isErrorReport)
        XCTAssertEqual(report.pressedUsages, [])
    }

    func testPostFailIsAnErrorButNotRollover() throws {
        let report = try BootKeyboardReport(bytes: [0x00, 0x00, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02])
        XCTAssertFalse(report.isRolloverError)
        XCTAssertTrue(report.isErrorReport)
    }

    func testBuildingWithMoreThanSixKeysMakesARolloverReport() {
        let report = BootKeyboardReport(modifiers: .leftShift, keys: [4, 5, 6, 7, 8, 9, 10])
        XCTAssertTrue(report.isRolloverError)
        XCTAssertEqual(report.bytes, [0x02, 0x00, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01])
    }

    func testReleasedReportIsAllZero() {
        XCTAssertEqual(BootKeyboardReport.released.bytes, [0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertTrue(BootKeyboardReport.released.isAllReleased)
    }

    func testKeypadDigitUsages() {
        XCTAssertEqual(HIDKeyboardUsage.keypadDigit(0x59), 1)
        XCTAssertEqual(HIDKeyboardUsage.keypadDigit(0x61), 9)
        XCTAssertEqual(HIDKeyboardUsage.keypadDigit(0x62), 0)
        XCTAssertNil(HIDKeyboardUsage.keypadDigit(0x63))
        XCTAssertNil(HIDKeyboardUsage.keypadDigit(0x27), "the main-row 0 is not a keypad digit")
        for digit in 0...9 {
            let usage = try! XCTUnwrap(HIDKeyboardUsage.keypadUsage(forDigit: digit))
            XCTAssertEqual(HIDKeyboardUsage.keypadDigit(usage), digit)
        }
        XCTAssertNil(HIDKeyboardUsage.keypadUsage(forDigit: 10))
    }
}
