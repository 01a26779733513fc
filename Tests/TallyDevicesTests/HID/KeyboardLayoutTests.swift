import XCTest
@testable import TallyDevices

final class KeyboardLayoutTests: XCTestCase {
    private let printableASCII: [Character] = (0x20...0x7E).map { Character(Unicode.Scalar(UInt8($0))) }

    func testUSLayoutTypesEveryPrintableASCIICharacterBothWays() throws {
        let layout = KeyboardLayout.us
        for character in printableASCII {
            let stroke = try XCTUnwrap(layout.keyStroke(for: character), "no key for \(character.debugDescription)")
            XCTAssertFalse(stroke.altGr, "US has no AltGr: \(character.debugDescription)")
            XCTAssertEqual(layout.character(for: stroke), character, "stroke \(stroke)")
        }
    }

    func testUSLetterDigitAndPunctuationUsages() {
        let us = KeyboardLayout.us
        XCTAssertEqual(us.character(forUsage: 0x04, shift: false, altGr: false), "a")
        XCTAssertEqual(us.character(forUsage: 0x04, shift: true, altGr: false), "A")
        XCTAssertEqual(us.character(forUsage: 0x1D, shift: false, altGr: false), "z")
        XCTAssertEqual(us.character(forUsage: 0x1E, shift: false, altGr: false), "1")
        XCTAssertEqual(us.character(forUsage: 0x1F, shift: true, altGr: false), "@")
        XCTAssertEqual(us.character(forUsage: 0x23, shift: true, altGr: false), "^")
        XCTAssertEqual(us.character(forUsage: 0x27, shift: false, altGr: false), "0")
        XCTAssertEqual(us.character(forUsage: 0x27, shift: true, altGr: false), ")")
        XCTAssertEqual(us.character(forUsage: 0x2C, shift: false, altGr: false), " ")
        XCTAssertEqual(us.character(forUsage: 0x2D, shift: true, altGr: false), "_")
        XCTAssertEqual(us.character(forUsage: 0x30, shift: false, altGr: false), "]")
        XCTAssertEqual(us.character(forUsage: 0x30, shift: true, altGr: false), "}")
        XCTAssertEqual(us.character(forUsage: 0x31, shift: false, altGr: false), "\\")
        XCTAssertEqual(us.character(forUsage: 0x32, shift: true, altGr: false), "|")
        XCTAssertEqual(us.character(forUsage: 0x34, shift: true, altGr: false), "\"")
        XCTAssertEqual(us.character(forUsage: 0x35, shift: true, altGr: false), "~")
        XCTAssertEqual(us.character(forUsage: 0x38, shift: true, altGr: false), "?")
        XCTAssertNil(us.character(forUsage: 0x04, shift: false, altGr: true))
        XCTAssertNil(us.character(forUsage: HIDKeyboardUsage.escape, shift: false, altGr: false))
        XCTAssertNil(us.character(forUsage: HIDKeyboardUsage.backspace, shift: false, altGr: false))
    }

    func testUSEnterTabAndKeypad() {
        let us = KeyboardLayout.us
        XCTAssertEqual(us.character(forUsage: 0x28, shift: false, altGr: false), "\r")
        XCTAssertEqual(us.character(forUsage: 0x58, shift: false, altGr: false), "\r")
        XCTAssertEqual(us.character(forUsage: 0x2B, shift: false, altGr: false), "\t")
        XCTAssertEqual(us.character(forUsage: 0x2B, shift: true, altGr: false), "\t")
        let keypadDigits: [(UInt8, Character)] = [
            (0x59, "1"), (0x5A, "2"), (0x5B, "3"), (0x5C, "4"), (0x5D, "5"),
            (0x5E, "6"), (0x5F, "7"), (0x60, "8"), (0x61, "9"), (0x62, "0"), (0x63, "."),
        ]
        for (usage, character) in keypadDigits {
            XCTAssertEqual(us.character(forUsage: usage, shift: false, altGr: false), character)
            XCTAssertEqual(us.character(forUsage: usage, shift: true, altGr: false), character)
        }
    }

    func testReverseMappingPrefersMainKeysOverKeypadAndNonUSKey() {
        let us = KeyboardLayout.us
        XCTAssertEqual(us.keyStroke(for: "\r"), .init(usage: 0x28))
        XCTAssertEqual(us.keyStroke(for: "\t"), .init(usage: 0x2B))
        XCTAssertEqual(us.keyStroke(for: "1"), .init(usage: 0x1E))
        XCTAssertEqual(us.keyStroke(for: "0"), .init(usage: 0x27))
        XCTAssertEqual(us.keyStroke(for: "."), .init(usage: 0x37))
        XCTAssertEqual(us.keyStroke(for: "\\"), .init(usage: 0x31))
        XCTAssertEqual(us.keyStroke(for: "+"), .init(usage: 0x2E, shift: true))
        XCTAssertEqual(us.keyStroke(for: "Q"), .init(usage: 0x14, shift: true))
        XCTAssertNil(us.keyStroke(for: "\u{1D}"))
        XCTAssertNil(us.keyStroke(for: "é"))
    }

    func testUSCapsLockAffectsLettersOnly() {
        XCTAssertEqual(KeyboardLayout.us.capsLockUsages, Set(UInt8(0x04)...UInt8(0x1D)))
    }

    func testKeyStrokeModifiers() {
        XCTAssertEqual(KeyboardLayout.KeyStroke(usage: 4).modifiers, [])
        XCTAssertEqual(KeyboardLayout.KeyStroke(usage: 4, shift: true).modifiers, .leftShift)
        XCTAssertEqual(KeyboardLayout.KeyStroke(usage: 4, shift: true, altGr: true).modifiers, [.leftShift, .rightAlt])
    }

    func testANewLayoutIsJustATable() {
        // A fragment of German (QWERTZ) as data: Y and Z swapped, AltGr+Q types @, ä is a letter.
        let fragment = KeyboardLayout(identifier: "de-fragment", hasAltGr: true, keys: [
            .init(usage: 0x1C, base: "z", shifted: "Z"),
            .init(usage: 0x1D, base: "y", shifted: "Y"),
            .init(usage: 0x14, base: "q", shifted: "Q", altGr: "@"),
            .init(usage: 0x34, base: "ä", shifted: "Ä"),
            .init(usage: 0x1F, base: "2", shifted: "\""),
        ])
        XCTAssertEqual(fragment.character(forUsage: 0x1C, shift: false, altGr: false), "z")
        XCTAssertEqual(fragment.character(forUsage: 0x14, shift: false, altGr: true), "@")
        XCTAssertEqual(fragment.keyStroke(for: "@"), .init(usage: 0x14, altGr: true))
        XCTAssertEqual(fragment.capsLockUsages, [0x1C, 0x1D, 0x14, 0x34], "letters incl. umlaut, not digits")
        XCTAssertNotEqual(fragment, KeyboardLayout.us)
    }

    func testKeyRowRequiresMatchingLengthsAndNumbersUsagesConsecutively() {
        let row = KeyboardLayout.Key.row(from: 0x1E, base: "12", shifted: "!@")
        XCTAssertEqual(row, [
            .init(usage: 0x1E, base: "1", shifted: "!"),
            .init(usage: 0x1F, base: "2", shifted: "@"),
        ])
    }
}
