import XCTest
@testable import TallyDevices

/// The UK, German, French, Spanish and Italian layouts: spot checks against the layouts' keyboards,
/// and round trips of everything each layout types through the simulator and the decoder, with every
/// way of sending GS.
final class EuropeanKeyboardLayoutTests: XCTestCase {
    private let european: [KeyboardLayout] = [.uk, .de, .fr, .es, .it]
    private let gs = "\u{1D}"

    /// Decodes `reports` fed 1 ms apart.
    private func decode(_ reports: [[UInt8]], _ configuration: KeyboardWedgeDecoder.Configuration) -> [WedgeEvent] {
        var decoder = KeyboardWedgeDecoder(configuration: configuration)
        return decoder.feed(reports, startingAtMilliseconds: 1_000, spacingMilliseconds: 1)
    }

    private func character(_ layout: KeyboardLayout, _ usage: UInt8, shift: Bool = false, altGr: Bool = false) -> Character? {
        layout.character(forUsage: usage, shift: shift, altGr: altGr)
    }

    func testProfileNamesSelectTheLayouts() {
        XCTAssertEqual(KeyboardLayout.all.map(\.identifier), ["us", "uk", "de", "fr", "es", "it"])
        for name in HardwareProfile.LayoutName.allCases {
            XCTAssertEqual(KeyboardLayout.named(name).identifier, name.rawValue)
        }
        let options = HardwareProfile.ScannerOptions(layout: .de, terminator: .tab, fnc1Substitute: "~", interKeyTimeoutMilliseconds: 80)
        let configuration = KeyboardWedgeDecoder.Configuration(options: options)
        XCTAssertEqual(configuration.layout, .de)
        XCTAssertEqual(configuration.terminators, ["\t"])
        XCTAssertEqual(configuration.fnc1Substitute, "~")
        XCTAssertEqual(configuration.interKeyTimeoutMilliseconds, 80)
        XCTAssertFalse(configuration.timeoutCompletesScan)
        let untermintated = KeyboardWedgeDecoder.Configuration(options: .init(layout: .us, terminator: .none))
        XCTAssertEqual(untermintated.terminators, [])
        XCTAssertTrue(untermintated.timeoutCompletesScan)
    }

    func testEveryEuropeanLayoutHasAltGr() {
        for layout in european { XCTAssertTrue(layout.hasAltGr, layout.identifier) }
        XCTAssertFalse(KeyboardLayout.us.hasAltGr)
    }

    func testUKKeys() {
        let uk = KeyboardLayout.uk
        XCTAssertEqual(character(uk, 0x1F, shift: true), "\"")
        XCTAssertEqual(character(uk, 0x20, shift: true), "£")
        XCTAssertEqual(character(uk, 0x34, shift: true), "@")
        XCTAssertEqual(character(uk, 0x32), "#")
        XCTAssertEqual(character(uk, 0x32, shift: true), "~")
        XCTAssertEqual(character(uk, 0x31), "#", "the US backslash usage reaches the same key")
        XCTAssertEqual(character(uk, 0x64), "\\")
        XCTAssertEqual(character(uk, 0x64, shift: true), "|")
        XCTAssertEqual(character(uk, 0x35, shift: true), "¬")
        XCTAssertEqual(character(uk, 0x21, altGr: true), "€")
        XCTAssertEqual(character(uk, 0x08, shift: true, altGr: true), "É")
        XCTAssertEqual(uk.keyStroke(for: "#"), .init(usage: 0x32), "the ISO key, not the US one")
    }

    func testGermanKeys() {
        let de = KeyboardLayout.de
        XCTAssertEqual(character(de, 0x1C), "z", "QWERTZ: the US Y position types Z")
        XCTAssertEqual(character(de, 0x1D), "y")
        XCTAssertEqual(character(de, 0x1D, shift: true), "Y")
        XCTAssertEqual(character(de, 0x14, altGr: true), "@")
        XCTAssertEqual(character(de, 0x08, altGr: true), "€")
        XCTAssertEqual(character(de, 0x2D), "ß")
        XCTAssertEqual(character(de, 0x2D, altGr: true), "\\")
        XCTAssertEqual(character(de, 0x2F, shift: true), "Ü")
        XCTAssertEqual(character(de, 0x33), "ö")
        XCTAssertEqual(character(de, 0x34, shift: true), "Ä")
        XCTAssertEqual(character(de, 0x1F, shift: true), "\"")
        XCTAssertEqual(character(de, 0x20, shift: true), "§")
        XCTAssertEqual(character(de, 0x24, shift: true), "/")
        XCTAssertEqual(character(de, 0x27, shift: true), "=")
        XCTAssertEqual(character(de, 0x25, altGr: true), "[")
        XCTAssertEqual(character(de, 0x26, altGr: true), "]")
        XCTAssertEqual(character(de, 0x30), "+")
        XCTAssertEqual(character(de, 0x30, altGr: true), "~")
        XCTAssertEqual(character(de, 0x64, altGr: true), "|")
        XCTAssertEqual(character(de, 0x38), "-")
        XCTAssertEqual(character(de, 0x38, shift: true), "_")
        XCTAssertEqual(character(de, 0x63), ",", "keypad decimal")
        XCTAssertNil(character(de, 0x2E), "dead key")
        XCTAssertNil(character(de, 0x35), "dead circumflex")
        XCTAssertTrue(de.capsLockUsages.isSuperset(of: [0x2F, 0x33, 0x34, 0x1C, 0x1D]), "umlauts are letters")
        XCTAssertFalse(de.capsLockUsages.contains(0x2D), "ß/? is not a letter pair")
    }

    func testFrenchKeys() {
        let fr = KeyboardLayout.fr
        XCTAssertEqual(character(fr, 0x04), "q", "AZERTY: the US A position types Q")
        XCTAssertEqual(character(fr, 0x14), "a")
        XCTAssertEqual(character(fr, 0x1A), "z")
        XCTAssertEqual(character(fr, 0x1D), "w")
        XCTAssertEqual(character(fr, 0x33), "m")
        XCTAssertEqual(character(fr, 0x10), ",")
        XCTAssertEqual(character(fr, 0x10, shift: true), "?")
        XCTAssertEqual(character(fr, 0x1E), "&", "digits need Shift")
        XCTAssertEqual(character(fr, 0x1E, shift: true), "1")
        XCTAssertEqual(character(fr, 0x1F), "é")
        XCTAssertEqual(character(fr, 0x27), "à")
        XCTAssertEqual(character(fr, 0x27, altGr: true), "@")
        XCTAssertEqual(character(fr, 0x20, altGr: true), "#")
        XCTAssertEqual(character(fr, 0x2D, altGr: true), "]")
        XCTAssertEqual(character(fr, 0x34), "ù")
        XCTAssertEqual(character(fr, 0x36, shift: true), ".")
        XCTAssertEqual(character(fr, 0x37, shift: true), "/")
        XCTAssertEqual(fr.keyStroke(for: "1"), .init(usage: 0x1E, shift: true), "main row before the keypad")
        XCTAssertTrue(fr.capsLockUsages.contains(0x33), "M on the ; key is a letter")
        XCTAssertFalse(fr.capsLockUsages.contains(0x1F), "é/2 is not a letter pair")
    }

    func testSpanishKeys() {
        let es = KeyboardLayout.es
        XCTAssertEqual(character(es, 0x33), "ñ")
        XCTAssertEqual(character(es, 0x33, shift: true), "Ñ")
        XCTAssertEqual(character(es, 0x32), "ç")
        XCTAssertEqual(character(es, 0x2E), "¡")
        XCTAssertEqual(character(es, 0x2E, shift: true), "¿")
        XCTAssertEqual(character(es, 0x1F, altGr: true), "@")
        XCTAssertEqual(character(es, 0x20, altGr: true), "#")
        XCTAssertEqual(character(es, 0x20, shift: true), "·")
        XCTAssertEqual(character(es, 0x2F, altGr: true), "[")
        XCTAssertEqual(character(es, 0x30, altGr: true), "]")
        XCTAssertEqual(character(es, 0x35, altGr: true), "\\")
        XCTAssertNil(character(es, 0x34), "dead acute")
        XCTAssertTrue(es.capsLockUsages.isSuperset(of: [0x33, 0x32]))
    }

    func testItalianKeys() {
        let it = KeyboardLayout.it
        XCTAssertEqual(character(it, 0x2F), "è")
        XCTAssertEqual(character(it, 0x2F, shift: true), "é")
        XCTAssertEqual(character(it, 0x2F, altGr: true), "[")
        XCTAssertEqual(character(it, 0x2F, shift: true, altGr: true), "{")
        XCTAssertEqual(character(it, 0x30, shift: true, altGr: true), "}")
        XCTAssertEqual(character(it, 0x33, altGr: true), "@")
        XCTAssertEqual(character(it, 0x34, altGr: true), "#")
        XCTAssertEqual(character(it, 0x35), "\\")
        XCTAssertEqual(character(it, 0x2E, shift: true), "^")
        XCTAssertEqual(character(it, 0x20, shift: true), "£")
        XCTAssertEqual(character(it, 0x32, shift: true), "§")
        XCTAssertFalse(it.capsLockUsages.contains(0x2F), "è/é is not a case pair")
    }

    func testControlKeysByUSPosition() {
        for layout in european {
            XCTAssertEqual(layout.controlCharacter(forUsage: 0x30, shift: false, altGr: false), "\u{1D}", layout.identifier)
            XCTAssertEqual(layout.controlCharacter(forUsage: 0x30, shift: true, altGr: false), "\u{1D}", layout.identifier)
            XCTAssertEqual(layout.controlCharacter(forUsage: 0x2F, shift: false, altGr: false), "\u{1B}", layout.identifier)
            XCTAssertEqual(layout.controlCharacter(forUsage: 0x23, shift: true, altGr: false), "\u{1E}", layout.identifier)
            XCTAssertEqual(layout.controlKeyStroke(for: "\u{1D}"), .init(usage: 0x30), layout.identifier)
            XCTAssertEqual(layout.controlKeyStroke(for: "\u{1E}"), .init(usage: 0x23, shift: true), layout.identifier)
            // EOT by the letter D wherever the layout puts it (every layout here keeps D at 0x07).
            XCTAssertEqual(layout.controlKeyStroke(for: "\u{04}"), .init(usage: 0x07), layout.identifier)
            XCTAssertEqual(layout.controlCharacter(forUsage: 0x07, shift: false, altGr: false), "\u{04}", layout.identifier)
        }
        // Letters moved by the layout move their control codes: Ctrl + the German Z key is SUB.
        XCTAssertEqual(KeyboardLayout.de.controlCharacter(forUsage: 0x1C, shift: false, altGr: false), "\u{1A}")
        XCTAssertEqual(KeyboardLayout.fr.controlCharacter(forUsage: 0x14, shift: false, altGr: false), "\u{01}")
        XCTAssertNil(KeyboardLayout.de.controlCharacter(forUsage: 0x33, shift: false, altGr: false), "Ctrl+ö types nothing")
    }

    func testEverythingEachLayoutTypesRoundTripsAsOneScan() throws {
        for layout in KeyboardLayout.all {
            // Every character of the main keys in every shift state, keypad and whitespace left out.
            var characters = Set<Character>()
            for (stroke, character) in layout.allStrokes where stroke.usage < 0x54 && !character.isWhitespace {
                characters.insert(character)
            }
            let text = String(characters.sorted())
            let scanner = SimulatedWedgeScanner(layout: layout)
            let reports = try scanner.reports(for: text)
            XCTAssertEqual(decode(reports, .init(layout: layout)), [.scan(text)], layout.identifier)
        }
    }

    func testShiftEitherSideAndCapsLockPerLayout() throws {
        for layout in european {
            let configuration = KeyboardWedgeDecoder.Configuration(layout: layout)
            let a = try XCTUnwrap(layout.keyStroke(for: "a"))
            let one = try XCTUnwrap(layout.keyStroke(for: "1"))
            // Right Shift + A, then Caps Lock on: a → A, and the digit key keeps its shift state.
            var reports: [[UInt8]] = [
                BootKeyboardReport(modifiers: .rightShift, keys: [a.usage]).bytes, BootKeyboardReport.released.bytes,
                BootKeyboardReport(modifiers: [], keys: [HIDKeyboardUsage.capsLock]).bytes, BootKeyboardReport.released.bytes,
                BootKeyboardReport(modifiers: [], keys: [a.usage]).bytes, BootKeyboardReport.released.bytes,
                BootKeyboardReport(modifiers: one.modifiers, keys: [one.usage]).bytes, BootKeyboardReport.released.bytes,
                BootKeyboardReport(modifiers: .leftShift, keys: [a.usage]).bytes, BootKeyboardReport.released.bytes,
            ]
            reports.append(BootKeyboardReport(modifiers: [], keys: [HIDKeyboardUsage.enter]).bytes)
            XCTAssertEqual(decode(reports, configuration), [.scan("AA1a")], layout.identifier)
        }
    }

    func testEveryGSVariantOnEveryLayout() throws {
        let gs1 = "0104012345678901" + gs + "21SERIAL-42" + gs + "10LOT7"
        for layout in KeyboardLayout.all {
            let plain = KeyboardWedgeDecoder.Configuration(layout: layout)
            for style in [SimulatedWedgeScanner.ControlCharacterStyle.controlKey, .controlShiftKey, .altKeypad] {
                let reports = try SimulatedWedgeScanner(layout: layout, controlCharacters: style).reports(for: gs1)
                XCTAssertEqual(decode(reports, plain), [.scan(gs1)], "\(layout.identifier) \(style)")
            }
            // The scanner types "^" (or another substitute its layout has) in place of GS.
            let substitute: Character = layout.keyStroke(for: "^") != nil ? "^" : "~"
            let reports = try SimulatedWedgeScanner(layout: layout, controlCharacters: .substitute(substitute)).reports(for: gs1)
            var withSubstitute = plain
            withSubstitute.fnc1Substitute = substitute
            XCTAssertEqual(decode(reports, withSubstitute), [.scan(gs1)], "\(layout.identifier) substitute")
            XCTAssertEqual(decode(reports, plain), [.scan(gs1.replacingOccurrences(of: gs, with: String(substitute)))],
                           "without the profile option the substitute stays itself")
        }
    }

    func testISO15434EnvelopeOnEveryLayoutWithCtrlKeys() throws {
        let envelope = "[)>\u{1E}06\u{1D}S12345\u{1D}1PABC\u{1E}\u{04}"
        for layout in KeyboardLayout.all {
            var text = envelope
            if layout.keyStroke(for: "[") == nil || layout.keyStroke(for: ">") == nil { text = String(text.dropFirst(3)) }
            let reports = try SimulatedWedgeScanner(layout: layout, controlCharacters: .controlKey).reports(for: text)
            XCTAssertEqual(decode(reports, .init(layout: layout)), [.scan(text)], layout.identifier)
        }
    }

    func testRolloverOnEuropeanLayouts() {
        // Two keys typed with overlap, then a rollover error report that must not disturb them.
        for layout in european {
            guard let b = layout.keyStroke(for: "b"), let c = layout.keyStroke(for: "c") else { return XCTFail() }
            let reports: [[UInt8]] = [
                BootKeyboardReport(modifiers: [], keys: [b.usage]).bytes,
                BootKeyboardReport(modifiers: [], keys: [b.usage, c.usage]).bytes,
                [0, 0, 1, 1, 1, 1, 1, 1],
                BootKeyboardReport(modifiers: [], keys: [c.usage]).bytes,
                BootKeyboardReport.released.bytes,
                BootKeyboardReport(modifiers: [], keys: [HIDKeyboardUsage.enter]).bytes,
            ]
            var decoder = KeyboardWedgeDecoder(configuration: .init(layout: layout))
            XCTAssertEqual(decoder.feed(reports, startingAtMilliseconds: 0, spacingMilliseconds: 1), [.scan("bc")], layout.identifier)
            XCTAssertEqual(decoder.counters.rolloverErrorReports, 1)
        }
    }

    func testAltGrCharactersRoundTrip() throws {
        let samples: [(KeyboardLayout, String)] = [
            (.uk, "€£¬¦é"), (.de, "@€µ{[]}\\~|ß²"), (.fr, "~#{[|`\\^@]}€"), (.es, "|@#~¬[]{}\\€"), (.it, "[]{}@#€"),
        ]
        for (layout, text) in samples {
            let reports = try SimulatedWedgeScanner(layout: layout).reports(for: text)
            XCTAssertTrue(reports.contains { $0[0] & 0x40 != 0 }, "\(layout.identifier) uses Right Alt")
            XCTAssertEqual(decode(reports, .init(layout: layout)), [.scan(text)], layout.identifier)
            // Read with the wrong layout the same keys give something else: the profile option matters.
            XCTAssertNotEqual(decode(reports, .init(layout: .us)), [.scan(text)], layout.identifier)
        }
    }
}
