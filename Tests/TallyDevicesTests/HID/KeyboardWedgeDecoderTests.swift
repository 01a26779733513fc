import XCTest
@testable import TallyDevices

/// An 8-byte boot report with `modifiers` and up to six `keys`.
private func report(_ modifiers: UInt8 = 0, _ keys: UInt8...) -> [UInt8] {
    precondition(keys.count <= 6)
    return [modifiers, 0] + keys + Array(repeating: 0, count: 6 - keys.count)
}

private let released = report()
private let rollover: [UInt8] = [0, 0, 1, 1, 1, 1, 1, 1]
private let leftCtrl: UInt8 = 0x01, leftShift: UInt8 = 0x02, leftAlt: UInt8 = 0x04, leftGUI: UInt8 = 0x08
private let rightCtrl: UInt8 = 0x10, rightShift: UInt8 = 0x20, rightAlt: UInt8 = 0x40
private let keyA: UInt8 = 0x04, keyB: UInt8 = 0x05, keyC: UInt8 = 0x06, key1: UInt8 = 0x1E
private let enter: UInt8 = 0x28, tab: UInt8 = 0x2B, capsLock: UInt8 = 0x39, keypadEnter: UInt8 = 0x58
private let gs = "\u{1D}"

/// Feeds `reports` 1 ms apart starting at `start` and returns every event.
private func decode(
    _ reports: [[UInt8]], with decoder: inout KeyboardWedgeDecoder, start: UInt64 = 1_000
) -> [WedgeEvent] {
    var events: [WedgeEvent] = []
    for (offset, bytes) in reports.enumerated() {
        events += decoder.feed(bytes, atMilliseconds: start + UInt64(offset))
    }
    return events
}

private func decode(_ reports: [[UInt8]], configuration: KeyboardWedgeDecoder.Configuration = .init()) -> [WedgeEvent] {
    var decoder = KeyboardWedgeDecoder(configuration: configuration)
    return decode(reports, with: &decoder)
}

final class KeyboardWedgeDecoderTests: XCTestCase {
    // MARK: Round trips through the simulator

    func testEveryPrintableASCIICharacterRoundTripsAsOneScan() throws {
        let all = String((0x20...0x7E).map { Character(Unicode.Scalar(UInt8($0))) })
        XCTAssertEqual(all.count, 95)
        let reports = try SimulatedWedgeScanner().reports(for: all)
        XCTAssertEqual(decode(reports), [.scan(all)])
    }

    func testEveryPrintableASCIICharacterRoundTripsOnItsOwn() throws {
        let scanner = SimulatedWedgeScanner()
        var decoder = KeyboardWedgeDecoder()
        var now: UInt64 = 0
        for value in UInt8(0x20)...UInt8(0x7E) {
            let text = String(Character(Unicode.Scalar(value)))
            var events: [WedgeEvent] = []
            for bytes in try scanner.reports(for: text) {
                now += 2
                events += decoder.feed(bytes, atMilliseconds: now)
            }
            XCTAssertEqual(events, [.scan(text)], "character 0x\(String(value, radix: 16))")
        }
        XCTAssertEqual(decoder.counters.scans, 95)
        XCTAssertEqual(decoder.counters.ignoredKeys, 0)
    }

    func testGS1ScanWithGroupSeparatorsRoundTripsInBothGSStyles() throws {
        let text = "]C1010061414199999610ABC123" + gs + "21SERIAL-42" + gs + "8004X1"
        for style in [SimulatedWedgeScanner.ControlCharacterStyle.controlKey, .altKeypad] {
            let reports = try SimulatedWedgeScanner(controlCharacters: style).reports(for: text)
            XCTAssertEqual(decode(reports), [.scan(text)], "\(style)")
        }
    }

    func testISO15434EnvelopeControlCharactersRoundTripInBothStyles() throws {
        // [)> RS 06 GS ... RS EOT
        let text = "[)>\u{1E}06\u{1D}1PABC\u{1D}SXYZ\u{1E}\u{04}"
        for style in [SimulatedWedgeScanner.ControlCharacterStyle.controlKey, .altKeypad] {
            let reports = try SimulatedWedgeScanner(controlCharacters: style).reports(for: text)
            XCTAssertEqual(decode(reports), [.scan(text)], "\(style)")
        }
    }

    func testSeveralScansInOneStream() throws {
        let scans = ["ABC123", "1S20XK0001US" + gs + "PZ", "WD-WX11A", "hp 5CG1234XYZ"]
        let reports = try SimulatedWedgeScanner().reports(for: scans)
        XCTAssertEqual(decode(reports), scans.map(WedgeEvent.scan))
    }

    func testBulkFeedEntryReplaysAndLeavesThePartialPending() throws {
        let reports = try SimulatedWedgeScanner().reports(for: ["AB12", "CD34"])
            + [report(0, keyA), released]  // a partial scan left at the end
        XCTAssertEqual(reports.count, 22)
        var decoder = KeyboardWedgeDecoder(configuration: .init(interKeyTimeoutMilliseconds: 0))
        let events = decoder.feed(reports, startingAtMilliseconds: 0, spacingMilliseconds: 0)
        XCTAssertEqual(events, [.scan("AB12"), .scan("CD34")], "no time passes, so no timeout")
        XCTAssertEqual(decoder.partialScan, "a")

        var slow = KeyboardWedgeDecoder(configuration: .init(interKeyTimeoutMilliseconds: 10))
        let slowEvents = slow.feed(reports, startingAtMilliseconds: 0, spacingMilliseconds: 3)
        XCTAssertEqual(slowEvents, [.scan("AB12"), .scan("CD34")], "keys 6 ms apart are within 10 ms")
        // The trailing "a" was pressed at report 20, i.e. at 60 ms.
        XCTAssertEqual(slow.flush(atMilliseconds: 1_000), .dropped(partial: "a", reason: .interKeyTimeout(gapMilliseconds: 940)))
    }

    // MARK: Shift and Caps Lock

    func testEitherShiftKeyShifts() {
        let events = decode([
            report(leftShift, keyA), released,
            report(rightShift, keyB), released,
            report(leftShift | rightShift, keyC), released,
            report(rightShift, key1), released,
            report(0, enter), released,
        ])
        XCTAssertEqual(events, [.scan("ABC!")])
    }

    func testShiftPressedInItsOwnReportAndReleasedBeforeTheKey() {
        let events = decode([
            report(leftShift), report(leftShift, keyA), report(0, keyA), released,  // A, not A then a
            report(0, keyB), report(rightShift, keyB), released,  // b: Shift came after the key
            report(0, enter), released,
        ])
        XCTAssertEqual(events, [.scan("Ab")])
    }

    func testCapsLockTogglesLettersOnly() {
        var decoder = KeyboardWedgeDecoder()
        let events = decode([
            report(0, capsLock), released,
            report(0, keyA), released,  // A
            report(0, key1), released,  // 1 (digits unaffected)
            report(leftShift, keyB), released,  // b (Shift undoes Caps Lock)
            report(leftShift, key1), released,  // ! (Shift still shifts digits)
            report(0, 0x33), released,  // ; (punctuation unaffected)
        ], with: &decoder)
        XCTAssertEqual(events, [])
        XCTAssertTrue(decoder.isCapsLockOn)
        let more = decode([
            report(0, capsLock), released,
            report(0, keyC), released,  // c
            report(0, enter), released,
        ], with: &decoder, start: 1_012)
        XCTAssertFalse(decoder.isCapsLockOn)
        XCTAssertEqual(more, [.scan("A1b!;c")])
    }

    func testCapsLockHeldAcrossReportsTogglesOnce() {
        let events = decode([
            report(0, capsLock), report(0, capsLock), report(0, capsLock, keyA), report(0, capsLock), released,
            report(0, enter), released,
        ])
        XCTAssertEqual(events, [.scan("A")])
    }

    func testCapsLockInitiallyOnConfiguration() {
        let events = decode([report(0, keyA), released, report(0, enter)], configuration: .init(capsLockInitiallyOn: true))
        XCTAssertEqual(events, [.scan("A")])
    }

    // MARK: Control characters

    func testCtrlRightBracketIsGroupSeparator() {
        let events = decode([
            report(0, key1), released,
            report(leftCtrl, 0x30), released,  // Left Ctrl + ]
            report(rightCtrl, 0x30), released,  // Right Ctrl + ]
            report(leftCtrl | leftShift, 0x30), released,  // Ctrl + Shift + ] (Ctrl+})
            report(0, enter), released,
        ])
        XCTAssertEqual(events, [.scan("1" + gs + gs + gs)])
    }

    func testCtrlWithOtherKeysTypesTheirControlCodes() {
        let events = decode([
            report(leftCtrl | leftShift, 0x23), released,  // Ctrl+^ → RS
            report(leftCtrl, 0x07), released,  // Ctrl+D → EOT
            report(leftCtrl, 0x1E), released,  // Ctrl+1: no control code, ignored
            report(leftCtrl, enter), released,  // Ctrl+Enter is still Enter
        ])
        XCTAssertEqual(events, [.scan("\u{1E}\u{04}")])
    }

    func testAltKeypad029IsGroupSeparatorAndAltReleaseInItsOwnReport() {
        let events = decode([
            report(0, keyA), released,
            report(leftAlt), report(leftAlt, 0x62), report(leftAlt), report(leftAlt, 0x5A), report(leftAlt),
            report(leftAlt, 0x61), report(leftAlt),
            released,  // Alt up: GS typed here
            report(0, keyB), released,
            report(0, enter), released,
        ])
        XCTAssertEqual(events, [.scan("a" + gs + "b")])
    }

    func testAltReleasedInTheSameReportAsTheNextKey() {
        let events = decode([
            report(leftAlt, 0x62), report(leftAlt), report(leftAlt, 0x5A), report(leftAlt), report(leftAlt, 0x61),
            report(0, keyB),  // Alt up and b down together: GS comes first
            released, report(0, enter), released,
        ])
        XCTAssertEqual(events, [.scan(gs + "b")])
    }

    func testAltKeypadForOtherCodes() {
        // Alt+030 → RS, Alt+4 → EOT (no leading zeros), Alt+65 → A, Alt+0233 → é; Right Alt works on US.
        let events = decode([
            report(leftAlt, 0x62), report(leftAlt), report(leftAlt, 0x5B), report(leftAlt), report(leftAlt, 0x62), released,
            report(rightAlt, 0x5C), released,
            report(leftAlt, 0x5E), report(leftAlt), report(leftAlt, 0x5D), released,
            report(leftAlt, 0x62), report(leftAlt, 0x5A), report(leftAlt, 0x5B), report(leftAlt), report(leftAlt, 0x5B), released,
            report(0, enter), released,
        ])
        XCTAssertEqual(events, [.scan("\u{1E}\u{04}Aé")])
    }

    func testAltCodeForCarriageReturnTerminates() {
        let events = decode([
            report(0, keyA), released,
            report(leftAlt, 0x59), report(leftAlt), report(leftAlt, 0x5B), released,  // Alt+13 = CR
        ])
        XCTAssertEqual(events, [.scan("a")])
    }

    func testInvalidAltCodesAreCountedAndTypeNothing() {
        var decoder = KeyboardWedgeDecoder()
        let digits9: [[UInt8]] = Array(repeating: [report(leftAlt, 0x61), report(leftAlt)], count: 8).flatMap { $0 }
        let events = decode(
            [report(leftAlt, 0x62), released]  // Alt+0
                + digits9 + [released]  // Alt+99999999: beyond Unicode
                + [report(leftAlt, 0x5C), report(leftAlt), report(leftAlt, keyA), released]  // Alt+a ignored, Alt+4 = EOT
                + [report(0, enter), released],
            with: &decoder)
        XCTAssertEqual(events, [.scan("\u{04}")])
        XCTAssertEqual(decoder.counters.invalidAltCodes, 2)
        XCTAssertEqual(decoder.counters.ignoredKeys, 1)
    }

    // MARK: Rollover and repeated reports

    func testTwoKeysNewInOneReportCountInSlotOrder() {
        let events = decode([report(0, keyB, keyA), released, report(0, enter), released])
        XCTAssertEqual(events, [.scan("ba")])
    }

    func testOverlappingKeysReleasedOutOfOrder() {
        let events = decode([
            report(0, keyA),
            report(0, keyA, keyB),  // b pressed while a held
            report(0, keyB),  // a released first
            report(0, keyB, keyC),  // c pressed while b held
            report(0, keyC),  // b released
            report(0, keyA, keyC),  // a pressed again: counts again
            released,
            report(0, enter), released,
        ])
        XCTAssertEqual(events, [.scan("abca")])
    }

    func testRepeatedIdenticalReportsTypeOnce() {
        let events = decode([
            report(0, keyA), report(0, keyA), report(0, keyA), released, released,
            report(leftShift, keyA), report(leftShift, keyA), released,
            report(0, enter), report(0, enter), released,
        ])
        XCTAssertEqual(events, [.scan("aA")])
    }

    func testSameCharacterTwiceNeedsARelease() throws {
        let reports = try SimulatedWedgeScanner().reports(for: "AA11..")
        XCTAssertEqual(decode(reports), [.scan("AA11..")])
    }

    func testRolloverErrorReportsAreIgnoredAndCounted() {
        var decoder = KeyboardWedgeDecoder()
        let events = decode([
            report(0, keyA),
            rollover,  // too many keys: state unknown
            report(0, keyA),  // a still held: not typed again
            report(0, keyA, keyB),  // b new
            rollover, rollover,
            released,
            report(0, enter), released,
        ], with: &decoder)
        XCTAssertEqual(events, [.scan("ab")])
        XCTAssertEqual(decoder.counters.rolloverErrorReports, 3)
        XCTAssertEqual(decoder.counters.malformedReports, 0)
        XCTAssertEqual(decoder.counters.reports, 9)
    }

    func testPostFailReportsAreIgnoredAndCountedSeparately() {
        var decoder = KeyboardWedgeDecoder()
        let events = decode([report(0, keyA), [0, 0, 2, 2, 2, 2, 2, 2], released, report(0, enter)], with: &decoder)
        XCTAssertEqual(events, [.scan("a")])
        XCTAssertEqual(decoder.counters.errorReports, 1)
        XCTAssertEqual(decoder.counters.rolloverErrorReports, 0)
    }

    func testShortAndGarbageReportsAreCountedAndNotFatal() {
        var decoder = KeyboardWedgeDecoder()
        let events = decode([
            report(0, keyA), released,
            [],  // empty read
            [0x00, 0x00, 0x05],  // short
            [0x02, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00],  // 9 bytes (report id in front)
            Array(repeating: 0xFF, count: 64),  // a HID POS sized report
            report(0, keyB), released,
            report(0, enter), released,
        ], with: &decoder)
        XCTAssertEqual(events, [.scan("ab")])
        XCTAssertEqual(decoder.counters.malformedReports, 4)
        XCTAssertEqual(decoder.counters.reports, 10)
        XCTAssertEqual(decoder.counters.scans, 1)
    }

    func testModifierUsagesInKeySlotsAreNotKeys() {
        var decoder = KeyboardWedgeDecoder()
        let events = decode([report(leftShift, 0xE1, keyA), released, report(0, enter)], with: &decoder)
        XCTAssertEqual(events, [.scan("A")])
        XCTAssertEqual(decoder.counters.ignoredKeys, 0)
    }

    func testUnmappedKeysAndGUICombinationsAreIgnoredAndCounted() {
        var decoder = KeyboardWedgeDecoder()
        let events = decode([
            report(0, keyA), released,
            report(0, HIDKeyboardUsage.escape), released,
            report(0, 0x3A), released,  // F1
            report(leftGUI, keyB), released,
            report(0, keyC), released,
            report(0, enter), released,
        ], with: &decoder)
        XCTAssertEqual(events, [.scan("ac")])
        XCTAssertEqual(decoder.counters.ignoredKeys, 3)
    }

    // MARK: Terminators

    func testEnterKeypadEnterAndTabTerminateByDefault() {
        let events = decode([
            report(0, keyA), released, report(0, enter), released,
            report(0, keyB), released, report(0, keypadEnter), released,
            report(0, keyC), released, report(0, tab), released,
        ])
        XCTAssertEqual(events, [.scan("a"), .scan("b"), .scan("c")])
    }

    func testTabTerminatorFromTheSimulator() throws {
        let reports = try SimulatedWedgeScanner(terminator: .tab).reports(for: "TAB-1")
        XCTAssertEqual(reports[reports.count - 2], report(0, tab))
        XCTAssertEqual(decode(reports), [.scan("TAB-1")])
        let enterOnly = KeyboardWedgeDecoder.Configuration(terminators: ["\r"])
        XCTAssertEqual(decode(reports, configuration: enterOnly), [], "Tab is data when not a terminator")
    }

    func testTabIsDataWhenOnlyEnterTerminates() {
        let events = decode(
            [report(0, keyA), released, report(0, tab), released, report(0, keyB), released, report(0, enter), released],
            configuration: .init(terminators: ["\r"]))
        XCTAssertEqual(events, [.scan("a\tb")])
    }

    func testEmptyScansAreCountedNotEmitted() {
        var decoder = KeyboardWedgeDecoder()
        let events = decode([report(0, enter), released, report(0, tab), released], with: &decoder)
        XCTAssertEqual(events, [])
        XCTAssertEqual(decoder.counters.emptyScans, 2)
    }

    // MARK: Timeouts and dropping

    func testInterKeyTimeoutDropsThePartialScanOnTheNextReport() {
        var decoder = KeyboardWedgeDecoder(configuration: .init(interKeyTimeoutMilliseconds: 100))
        var events: [WedgeEvent] = []
        events += decoder.feed(report(0, key1), atMilliseconds: 1_000)
        events += decoder.feed(released, atMilliseconds: 1_004)
        events += decoder.feed(report(0, 0x1F), atMilliseconds: 1_100)  // exactly 100 ms: still in time
        events += decoder.feed(released, atMilliseconds: 1_104)
        XCTAssertEqual(events, [])
        XCTAssertEqual(decoder.partialScan, "12")
        events += decoder.feed(report(0, 0x20), atMilliseconds: 1_201)  // 101 ms after "2"
        events += decoder.feed(released, atMilliseconds: 1_205)
        events += decoder.feed(report(0, enter), atMilliseconds: 1_210)
        XCTAssertEqual(events, [.dropped(partial: "12", reason: .interKeyTimeout(gapMilliseconds: 101)), .scan("3")])
        XCTAssertEqual(decoder.counters.droppedScans, 1)
        XCTAssertEqual(decoder.counters.scans, 1)
    }

    func testFlushDropsThePartialScanOnlyAfterTheTimeout() {
        var decoder = KeyboardWedgeDecoder(configuration: .init(interKeyTimeoutMilliseconds: 50))
        XCTAssertNil(decoder.flush(atMilliseconds: 10_000), "nothing pending")
        _ = decoder.feed(report(leftShift, keyA), atMilliseconds: 500)
        _ = decoder.feed(released, atMilliseconds: 505)
        XCTAssertTrue(decoder.hasPartialScan)
        XCTAssertNil(decoder.flush(atMilliseconds: 550))
        XCTAssertEqual(decoder.flush(atMilliseconds: 551), .dropped(partial: "A", reason: .interKeyTimeout(gapMilliseconds: 51)))
        XCTAssertFalse(decoder.hasPartialScan)
        XCTAssertNil(decoder.flush(atMilliseconds: 600))
    }

    func testTimeoutDropsAPendingAltCode() {
        var decoder = KeyboardWedgeDecoder(configuration: .init(interKeyTimeoutMilliseconds: 50))
        _ = decoder.feed(report(leftAlt, 0x62), atMilliseconds: 0)
        _ = decoder.feed(report(leftAlt), atMilliseconds: 1)
        XCTAssertTrue(decoder.hasPartialScan)
        XCTAssertEqual(decoder.flush(atMilliseconds: 100), .dropped(partial: "", reason: .interKeyTimeout(gapMilliseconds: 100)))
        XCTAssertEqual(decoder.feed(released, atMilliseconds: 101), [], "Alt released: the dropped code types nothing")
        XCTAssertEqual(decoder.counters.invalidAltCodes, 0)
    }

    func testNoTimeoutWhenDisabledAndClockGoingBackwardsIsNoGap() {
        var forever = KeyboardWedgeDecoder(configuration: .init(interKeyTimeoutMilliseconds: nil))
        _ = forever.feed(report(0, keyA), atMilliseconds: 0)
        XCTAssertNil(forever.flush(atMilliseconds: .max))
        var backwards = KeyboardWedgeDecoder(configuration: .init(interKeyTimeoutMilliseconds: 10))
        _ = backwards.feed(report(0, keyA), atMilliseconds: 1_000)
        XCTAssertEqual(backwards.feed(released, atMilliseconds: 5), [])
        XCTAssertEqual(backwards.feed(report(0, enter), atMilliseconds: 6), [.scan("a")])
    }

    func testDropPartialForUnplugAndReset() {
        var decoder = KeyboardWedgeDecoder()
        XCTAssertNil(decoder.dropPartial(reason: .deviceDisconnected))
        _ = decode([report(0, capsLock), released, report(0, keyA), report(0, keyA, keyB)], with: &decoder)
        XCTAssertEqual(decoder.dropPartial(reason: .deviceDisconnected), .dropped(partial: "AB", reason: .deviceDisconnected))
        XCTAssertNil(decoder.dropPartial(reason: .deviceDisconnected))
        XCTAssertTrue(decoder.isCapsLockOn)
        decoder.reset()
        XCTAssertFalse(decoder.isCapsLockOn)
        // After reset the held keys are forgotten: a key down in the first report of the new session counts.
        let events = decode([report(0, keyB), released, report(0, enter)], with: &decoder, start: 5_000)
        XCTAssertEqual(events, [.scan("b")])
        XCTAssertEqual(decoder.counters.droppedScans, 1)
    }

    func testOverlongScanIsDropped() throws {
        var decoder = KeyboardWedgeDecoder(configuration: .init(maximumScanLength: 4))
        let events = decode(try SimulatedWedgeScanner().reports(for: "ABCDE") + SimulatedWedgeScanner().reports(for: "XY"), with: &decoder)
        XCTAssertEqual(events, [.dropped(partial: "ABCDE", reason: .tooLong(limit: 4)), .scan("XY")])
    }

    func testAltGrLayoutFromATable() throws {
        let fragment = KeyboardLayout(identifier: "de-fragment", hasAltGr: true, keys: [
            .init(usage: 0x14, base: "q", shifted: "Q", altGr: "@"),
            .init(usage: 0x1C, base: "z", shifted: "Z"),
            .init(usage: 0x34, base: "ä", shifted: "Ä"),
            .init(usage: 0x28, base: "\r", shifted: "\r"),
        ])
        let text = "zq@Ä"
        let reports = try SimulatedWedgeScanner(layout: fragment).reports(for: text)
        XCTAssertTrue(reports.contains(report(rightAlt, 0x14)), "@ is AltGr+Q")
        XCTAssertEqual(decode(reports, configuration: .init(layout: fragment)), [.scan(text)])
        // Caps Lock reaches the umlaut on this table.
        XCTAssertEqual(decode([report(0, capsLock), released, report(0, 0x34), released, report(0, 0x28)],
                              configuration: .init(layout: fragment)), [.scan("Ä")])
    }
}
