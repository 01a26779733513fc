import XCTest
@testable import TallyDevices

/// An 8-byte boot report with `modifiers` and up to six `keys`.
private func bytes(_ modifiers: UInt8 = 0, _ keys: UInt8...) -> [UInt8] {
    [modifiers, 0] + keys + Array(repeating: 0, count: 6 - keys.count)
}

private let up = bytes()

final class SimulatedWedgeScannerTests: XCTestCase {
    func testExactReportsForLettersShiftAndEnter() throws {
        let reports = try SimulatedWedgeScanner().reports(for: "aB1!")
        XCTAssertEqual(reports, [
            bytes(0, 0x04), up,
            bytes(0x02, 0x05), up,  // Left Shift + b
            bytes(0, 0x1E), up,
            bytes(0x02, 0x1E), up,  // Left Shift + 1
            bytes(0, 0x28), up,  // Enter
        ])
        XCTAssertTrue(reports.allSatisfy { $0.count == BootKeyboardReport.byteCount })
    }

    func testGroupSeparatorAsCtrlRightBracket() throws {
        let reports = try SimulatedWedgeScanner(terminator: .none).reports(for: "\u{1D}")
        XCTAssertEqual(reports, [bytes(0x01, 0x30), up])
    }

    func testGroupSeparatorAsAltKeypad029() throws {
        let reports = try SimulatedWedgeScanner(controlCharacters: .altKeypad, terminator: .none).reports(for: "\u{1D}")
        XCTAssertEqual(reports, [
            bytes(0x04, 0x62), bytes(0x04),  // Alt + keypad 0
            bytes(0x04, 0x5A), bytes(0x04),  // Alt + keypad 2
            bytes(0x04, 0x61), up,  // Alt + keypad 9, then everything up
        ])
    }

    func testOtherControlCharactersInBothStyles() throws {
        let ctrl = try SimulatedWedgeScanner(terminator: .none).reports(for: "\u{1E}\u{04}")
        XCTAssertEqual(ctrl, [bytes(0x03, 0x23), up, bytes(0x01, 0x07), up], "Ctrl+Shift+6 (^), Ctrl+D")
        let alt = try SimulatedWedgeScanner(controlCharacters: .altKeypad, terminator: .none).reports(for: "\u{7F}")
        XCTAssertEqual(alt, [bytes(0x04, 0x59), bytes(0x04), bytes(0x04, 0x5A), bytes(0x04), bytes(0x04, 0x5F), up])
    }

    func testCarriageReturnAndTabInTheDataUseTheirKeys() throws {
        let reports = try SimulatedWedgeScanner(controlCharacters: .altKeypad, terminator: .none).reports(for: "\t\r")
        XCTAssertEqual(reports, [bytes(0, 0x2B), up, bytes(0, 0x28), up])
    }

    func testTerminatorChoices() throws {
        XCTAssertEqual(try SimulatedWedgeScanner(terminator: .tab).reports(for: ""), [bytes(0, 0x2B), up])
        XCTAssertEqual(try SimulatedWedgeScanner(terminator: .keypadEnter).reports(for: ""), [bytes(0, 0x58), up])
        XCTAssertEqual(try SimulatedWedgeScanner(terminator: .enter).reports(for: ""), [bytes(0, 0x28), up])
        XCTAssertEqual(try SimulatedWedgeScanner(terminator: .none).reports(for: ""), [])
    }

    func testUntypableCharacterNamesCharacterAndIndex() {
        XCTAssertThrowsError(try SimulatedWedgeScanner().reports(for: "AB€C")) { error in
            XCTAssertEqual(error as? SimulatedWedgeError, .untypableCharacter("€", index: 2, layout: "us"))
            XCTAssertEqual("\(error)", "cannot type U+20AC at index 2 on the us layout")
        }
        XCTAssertThrowsError(try SimulatedWedgeScanner().reports(for: "x\u{7F}")) { error in
            XCTAssertEqual(error as? SimulatedWedgeError, .untypableCharacter("\u{7F}", index: 1, layout: "us"),
                           "DEL has no Ctrl form")
        }
        XCTAssertThrowsError(try SimulatedWedgeScanner(controlCharacters: .altKeypad).reports(for: "é")) { error in
            XCTAssertEqual(error as? SimulatedWedgeError, .untypableCharacter("é", index: 0, layout: "us"),
                           "Alt codes are only used for control characters")
        }
    }

    func testSeveralScansConcatenate() throws {
        let scanner = SimulatedWedgeScanner()
        XCTAssertEqual(try scanner.reports(for: ["A", "B"]), try scanner.reports(for: "A") + scanner.reports(for: "B"))
    }

    func testBootReportsMatchBytes() throws {
        let scanner = SimulatedWedgeScanner()
        XCTAssertEqual(try scanner.bootReports(for: "Zz").map(\.bytes), try scanner.reports(for: "Zz"))
    }
}
