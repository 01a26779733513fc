/// A character the simulated scanner cannot type on its layout.
public enum SimulatedWedgeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `character` (at `index`, counted in Unicode scalars from 0) has no key stroke on `layout`
    /// and no control-character or Alt-code form under the scanner's settings.
    case untypableCharacter(Character, index: Int, layout: String)

    /// A sentence naming the character (as U+ code) and its index, for logs and test failures.
    public var description: String {
        switch self {
        case .untypableCharacter(let character, let index, let layout):
            let codes = character.unicodeScalars
                .map { "U+" + String($0.value, radix: 16, uppercase: true) }.joined(separator: " ")
            return "cannot type \(codes) at index \(index) on the \(layout) layout"
        }
    }
}

/// A keyboard-wedge scanner in software: turns scan text into the exact boot keyboard reports a
/// real scanner sends, for the demo and for tests of ``KeyboardWedgeDecoder``.
///
/// Each character is one key press report followed by a release report with every key and
/// modifier up. Shifted characters carry Left Shift (AltGr characters Right Alt) in the press
/// report. Control characters without their own key (GS, RS, EOT, ...) are sent as Ctrl + a key
/// (Ctrl+] for GS, Ctrl+d for EOT) or as Alt + three keypad digits (Alt+0 2 9 for GS), by
/// ``controlCharacters``. CR and HT in the text use Enter and Tab like any other key.
/// The scan ends with the ``terminator`` key.
public struct SimulatedWedgeScanner: Sendable, Hashable {
    /// How control characters without their own key are typed.
    public enum ControlCharacterStyle: Sendable, Hashable {
        /// Ctrl + a key, as the layout assigns it (``KeyboardLayout/controlKeyStroke(for:)``): a
        /// lowercase letter for 0x01-0x1A (Ctrl+d → EOT), otherwise the key typing the character
        /// `0x40` above (Ctrl+Shift+2 (@) → NUL, Ctrl+] → GS, Ctrl+Shift+6 (^) → RS), or on non-US
        /// layouts the key at the US position (Ctrl + usage 0x30 → GS).
        case controlKey
        /// As ``controlKey``, but GS is sent as Ctrl+Shift+] (Ctrl + Shift + usage 0x30), as some
        /// scanners do.
        case controlShiftKey
        /// Alt held while typing the decimal code on the keypad, three digits (Alt+0 2 9 → GS).
        case altKeypad
        /// GS is typed as this character (the scanner's "FNC1 substitute", a profile option); other
        /// control characters as ``controlKey``.
        case substitute(Character)
    }

    /// The key a scanner sends after the data (its "suffix").
    public enum Terminator: Sendable, Hashable {
        /// Enter (usage 0x28): the usual CR suffix.
        case enter
        /// Keypad Enter (usage 0x58).
        case keypadEnter
        /// Tab (usage 0x2B).
        case tab
        /// No suffix.
        case none
    }

    /// The layout the scanner emulates.
    public var layout: KeyboardLayout
    /// How control characters (GS in GS1 data, RS and EOT in ISO/IEC 15434) are typed.
    public var controlCharacters: ControlCharacterStyle
    /// The key sent after each scan.
    public var terminator: Terminator

    /// Creates a simulated scanner; the defaults are a US scanner sending GS as Ctrl+] and Enter.
    public init(
        layout: KeyboardLayout = .us, controlCharacters: ControlCharacterStyle = .controlKey,
        terminator: Terminator = .enter
    ) {
        self.layout = layout
        self.controlCharacters = controlCharacters
        self.terminator = terminator
    }

    /// The reports, 8 bytes each, a scanner sends for `scan` followed by the terminator.
    ///
    /// - Throws: ``SimulatedWedgeError/untypableCharacter(_:index:layout:)`` naming the first
    ///   character the layout cannot type and its index.
    public func reports(for scan: String) throws(SimulatedWedgeError) -> [[UInt8]] {
        try bootReports(for: scan).map(\.bytes)
    }

    /// The reports for several scans, one after another, as one stream.
    ///
    /// - Throws: ``SimulatedWedgeError`` for the first untypable character (its index is within
    ///   its own scan).
    public func reports(for scans: [String]) throws(SimulatedWedgeError) -> [[UInt8]] {
        var result: [[UInt8]] = []
        for scan in scans { result += try reports(for: scan) }
        return result
    }

    /// The reports for `scan` followed by the terminator, as parsed values.
    ///
    /// - Throws: ``SimulatedWedgeError/untypableCharacter(_:index:layout:)`` naming the first
    ///   character the layout cannot type and its index.
    public func bootReports(for scan: String) throws(SimulatedWedgeError) -> [BootKeyboardReport] {
        var reports: [BootKeyboardReport] = []
        reports.reserveCapacity(scan.unicodeScalars.count * 2 + 2)
        for (index, scalar) in scan.unicodeScalars.enumerated() {
            let character = Character(scalar)
            guard let presses = keyPresses(for: scalar) else {
                throw .untypableCharacter(character, index: index, layout: layout.identifier)
            }
            reports += presses
        }
        if let usage = terminatorUsage {
            reports.append(BootKeyboardReport(modifiers: [], keys: [usage]))
            reports.append(.released)
        }
        return reports
    }

    private var terminatorUsage: UInt8? {
        switch terminator {
        case .enter: return HIDKeyboardUsage.enter
        case .keypadEnter: return HIDKeyboardUsage.keypadEnter
        case .tab: return HIDKeyboardUsage.tab
        case .none: return nil
        }
    }

    /// The press and release reports for one scalar, or `nil` when it cannot be typed.
    private func keyPresses(for scalar: Unicode.Scalar) -> [BootKeyboardReport]? {
        if let stroke = layout.keyStroke(for: Character(scalar)) {
            return [BootKeyboardReport(modifiers: stroke.modifiers, keys: [stroke.usage]), .released]
        }
        let isControl = scalar.value < 0x20 || scalar.value == 0x7F
        guard isControl else { return nil }
        let isGS = scalar.value == 0x1D
        switch controlCharacters {
        case .substitute(let character) where isGS:
            guard let stroke = layout.keyStroke(for: character) else { return nil }
            return [BootKeyboardReport(modifiers: stroke.modifiers, keys: [stroke.usage]), .released]
        case .controlShiftKey where isGS:
            return [BootKeyboardReport(modifiers: [.leftControl, .leftShift], keys: [HIDKeyboardUsage.rightBracket]), .released]
        case .controlKey, .controlShiftKey, .substitute:
            guard let stroke = layout.controlKeyStroke(for: Character(scalar)) else { return nil }
            var modifiers = stroke.modifiers
            modifiers.insert(.leftControl)
            return [BootKeyboardReport(modifiers: modifiers, keys: [stroke.usage]), .released]
        case .altKeypad:
            return altKeypadPresses(code: scalar.value)
        }
    }

    /// Alt + the decimal code on the keypad, at least three digits: Alt stays down between digits
    /// and comes up with the last key.
    private func altKeypadPresses(code: UInt32) -> [BootKeyboardReport] {
        var digits = String(code)
        while digits.count < 3 { digits = "0" + digits }
        var reports: [BootKeyboardReport] = []
        for digit in digits {
            // Every character of String(UInt32) is 0-9, so both look-ups succeed.
            let usage = HIDKeyboardUsage.keypadUsage(forDigit: digit.wholeNumberValue ?? 0) ?? HIDKeyboardUsage.keypad0
            reports.append(BootKeyboardReport(modifiers: .leftAlt, keys: [usage]))
            reports.append(BootKeyboardReport(modifiers: .leftAlt, keys: []))
        }
        reports[reports.count - 1] = .released
        return reports
    }
}
