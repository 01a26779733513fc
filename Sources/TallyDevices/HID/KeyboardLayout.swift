/// A keyboard layout as data: which character each key usage types with Shift and AltGr.
///
/// A scanner in keyboard-wedge mode sends key positions (usages), not characters; the characters
/// depend on the layout the scanner was told to emulate. A layout is a table of ``Key`` rows, one per
/// usage, so a new layout (UK, DE, FR, ES, IT, ...) is a new table and never a change to the
/// decoder. The same table gives the reverse mapping (character → key stroke) the simulator uses.
///
/// Control characters typed with Ctrl (Ctrl+] → GS) and Alt + keypad codes are not in the table:
/// the decoder derives them from the characters of the table and the keypad digits.
public struct KeyboardLayout: Sendable, Hashable, CustomStringConvertible {
    /// One key of a layout: its usage and the characters it types in each shift state.
    ///
    /// `nil` means the key types nothing in that state (dead keys are not modelled: a layout that
    /// needs them leaves those states `nil`).
    public struct Key: Sendable, Hashable {
        /// The key usage (HID page 0x07).
        public var usage: UInt8
        /// The character typed with no modifier.
        public var base: Character?
        /// The character typed with Shift.
        public var shifted: Character?
        /// The character typed with AltGr (Right Alt), on layouts that have AltGr.
        public var altGr: Character?
        /// The character typed with Shift and AltGr.
        public var shiftedAltGr: Character?

        /// Creates a key row.
        public init(
            usage: UInt8, base: Character?, shifted: Character?,
            altGr: Character? = nil, shiftedAltGr: Character? = nil
        ) {
            self.usage = usage
            self.base = base
            self.shifted = shifted
            self.altGr = altGr
            self.shiftedAltGr = shiftedAltGr
        }

        /// Consecutive keys starting at `usage`, typing the characters of `base` and `shifted` in
        /// order (both strings must have the same number of characters; `altGr` rows go per key).
        ///
        /// `KeyboardLayout.Key.row(from: 0x1E, base: "1234567890", shifted: "!@#$%^&*()")`
        public static func row(from usage: UInt8, base: String, shifted: String) -> [Key] {
            precondition(base.count == shifted.count, "key row \(base) / \(shifted): lengths differ")
            return zip(base, shifted).enumerated().map { offset, pair in
                Key(usage: usage + UInt8(offset), base: pair.0, shifted: pair.1)
            }
        }
    }

    /// The shift state of a key stroke: a usage plus Shift and AltGr.
    public struct KeyStroke: Sendable, Hashable, CustomStringConvertible {
        /// The key usage (HID page 0x07).
        public var usage: UInt8
        /// Shift held.
        public var shift: Bool
        /// AltGr (Right Alt) held.
        public var altGr: Bool

        /// Creates a key stroke.
        public init(usage: UInt8, shift: Bool = false, altGr: Bool = false) {
            self.usage = usage
            self.shift = shift
            self.altGr = altGr
        }

        /// The modifier byte a scanner sends for this stroke: Left Shift for Shift, Right Alt for AltGr.
        public var modifiers: BootKeyboardReport.Modifiers {
            var result: BootKeyboardReport.Modifiers = []
            if shift { result.insert(.leftShift) }
            if altGr { result.insert(.rightAlt) }
            return result
        }

        /// `0x04`, `Shift+0x04`, `AltGr+0x24`: for logs and test failures.
        public var description: String {
            let hex = "0x" + String(usage, radix: 16, uppercase: true)
            return (shift ? "Shift+" : "") + (altGr ? "AltGr+" : "") + hex
        }
    }

    /// A short identifier for the layout (`us`, `uk`, `de`, ...), as named in hardware profiles.
    public let identifier: String
    /// True when Right Alt is AltGr on this layout; otherwise Right Alt is a second Alt key.
    public let hasAltGr: Bool
    /// The usages Caps Lock affects: Caps Lock swaps their Shift state. Other keys ignore it.
    public let capsLockUsages: Set<UInt8>
    /// The rows the layout was built from, in priority order.
    public let keys: [Key]
    /// Control characters typed with Ctrl + a key that the layout assigns explicitly, in priority
    /// order (see ``controlCharacter(forUsage:shift:altGr:)``).
    public let controls: [(stroke: KeyStroke, character: Character)]
    private let characters: [KeyStroke: Character]
    private let strokes: [Character: KeyStroke]
    private let controlCharacters: [KeyStroke: Character]
    private let controlStrokes: [Character: KeyStroke]

    /// Builds a layout from its key rows.
    ///
    /// - Parameters:
    ///   - identifier: the short name (`us`).
    ///   - hasAltGr: whether Right Alt acts as AltGr.
    ///   - keys: one row per usage. When several strokes type the same character, the reverse
    ///     mapping (``keyStroke(for:)``) takes the first in row order, and within a row base,
    ///     shifted, AltGr, Shift+AltGr; so list the main keys before the keypad.
    ///   - capsLockUsages: the keys Caps Lock affects; `nil` derives them: every key whose base
    ///     character is a lowercase letter and whose shifted character is its uppercase.
    ///   - controls: control characters that Ctrl + a key types whatever character the key types
    ///     (Ctrl + usage 0x30 → GS on layouts where that key is not `]`). Without an entry, Ctrl +
    ///     a key types the control code of its character (see ``controlCharacter(forUsage:shift:altGr:)``).
    public init(
        identifier: String, hasAltGr: Bool, keys: [Key], capsLockUsages: Set<UInt8>? = nil,
        controls: [(stroke: KeyStroke, character: Character)] = []
    ) {
        var characters: [KeyStroke: Character] = [:]
        var strokes: [Character: KeyStroke] = [:]
        for key in keys {
            let states: [(Character?, Bool, Bool)] = [
                (key.base, false, false), (key.shifted, true, false),
                (key.altGr, false, true), (key.shiftedAltGr, true, true),
            ]
            for (character, shift, altGr) in states {
                guard let character else { continue }
                let stroke = KeyStroke(usage: key.usage, shift: shift, altGr: altGr)
                if characters[stroke] == nil { characters[stroke] = character }
                if strokes[character] == nil { strokes[character] = stroke }
            }
        }
        var controlCharacters: [KeyStroke: Character] = [:]
        var controlStrokes: [Character: KeyStroke] = [:]
        for (stroke, character) in controls {
            if controlCharacters[stroke] == nil { controlCharacters[stroke] = character }
            if controlStrokes[character] == nil { controlStrokes[character] = stroke }
        }
        self.identifier = identifier
        self.hasAltGr = hasAltGr
        self.keys = keys
        self.controls = controls
        self.characters = characters
        self.strokes = strokes
        self.controlCharacters = controlCharacters
        self.controlStrokes = controlStrokes
        self.capsLockUsages = capsLockUsages ?? Set(keys.compactMap { key in
            guard let base = key.base, let shifted = key.shifted, base.isLowercase,
                  String(base).uppercased() == String(shifted) else { return nil }
            return key.usage
        })
    }

    /// The character `usage` types with the given Shift and AltGr state, or `nil` when that key
    /// types nothing in that state (Escape, Backspace, function keys, unassigned usages).
    ///
    /// Caps Lock is not applied here; the decoder swaps `shift` for ``capsLockUsages``.
    public func character(forUsage usage: UInt8, shift: Bool, altGr: Bool) -> Character? {
        characters[KeyStroke(usage: usage, shift: shift, altGr: altGr)]
    }

    /// The character a key stroke types, or `nil`.
    public func character(for stroke: KeyStroke) -> Character? {
        characters[stroke]
    }

    /// The key stroke that types `character` on this layout, or `nil` when no key types it
    /// (control characters other than CR and HT, characters of other scripts, ...).
    public func keyStroke(for character: Character) -> KeyStroke? {
        strokes[character]
    }

    /// All strokes the layout maps, with their characters (for tests and diagnostics).
    public var allStrokes: [KeyStroke: Character] { characters }

    /// The control character Ctrl + `usage` types in the given Shift and AltGr state, or `nil`.
    ///
    /// The layout's explicit ``controls`` come first. Otherwise the key's character decides: a
    /// character from `@` to `~` types its code `& 0x1F` (Ctrl+] → GS, Ctrl+Shift+6 (`^`) → RS,
    /// Ctrl+D → EOT), a key that already types a control character (Enter, Tab) types it
    /// unchanged, and anything else types nothing.
    public func controlCharacter(forUsage usage: UInt8, shift: Bool, altGr: Bool) -> Character? {
        let stroke = KeyStroke(usage: usage, shift: shift, altGr: altGr)
        if let explicit = controlCharacters[stroke] { return explicit }
        guard let character = characters[stroke] else { return nil }
        return Self.controlCode(of: character)
    }

    /// The key stroke that, with Ctrl held, types `control` (a C0 control character), or `nil`.
    ///
    /// The layout's explicit ``controls`` come first; then a lowercase letter for 0x01-0x1A
    /// (Ctrl+d → EOT), then the key typing the character 0x40 above (Ctrl+] → GS on US).
    public func controlKeyStroke(for control: Character) -> KeyStroke? {
        if let explicit = controlStrokes[control] { return explicit }
        guard control.unicodeScalars.count == 1, let value = control.unicodeScalars.first?.value,
              value < 0x20 else { return nil }
        let offset: UInt32 = (0x01...0x1A).contains(value) ? 0x60 : 0x40
        guard let base = Unicode.Scalar(value + offset), let stroke = strokes[Character(base)],
              controlCharacter(forUsage: stroke.usage, shift: stroke.shift, altGr: stroke.altGr) == control
        else { return nil }
        return stroke
    }

    /// The control code Ctrl + a key typing `character` gives, by the ASCII rule: `@`-`~` → `& 0x1F`,
    /// a control character stays itself, anything else → `nil`.
    static func controlCode(of character: Character) -> Character? {
        let scalars = character.unicodeScalars
        guard scalars.count == 1, let value = scalars.first?.value else { return nil }
        switch value {
        case 0x00..<0x20: return character
        case 0x40...0x7E: return Character(Unicode.Scalar(UInt8(value & 0x1F)))
        default: return nil
        }
    }

    /// The identifier.
    public var description: String { "KeyboardLayout(\(identifier))" }

    /// Two layouts are equal when their identifiers, AltGr flag, Caps Lock keys, rows and explicit
    /// control keys are equal.
    public static func == (lhs: KeyboardLayout, rhs: KeyboardLayout) -> Bool {
        lhs.identifier == rhs.identifier && lhs.hasAltGr == rhs.hasAltGr
            && lhs.capsLockUsages == rhs.capsLockUsages && lhs.keys == rhs.keys
            && lhs.controls.elementsEqual(rhs.controls) { $0.stroke == $1.stroke && $0.character == $1.character }
    }

    /// Hashes the identifier and rows.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(identifier)
        hasher.combine(keys)
    }
}

extension KeyboardLayout {
    /// US English (ANSI, "us" in xkb, 00000409 on Windows): the default layout of most scanners.
    ///
    /// Enter and keypad Enter type CR (`"\r"`), Tab types HT (`"\t"`), in either Shift state.
    /// Usage 0x32 (Non-US # and ~) types `\` and `|` as Linux maps it on this layout. Keypad keys
    /// type their digits and operators as with Num Lock on, in either Shift state.
    public static let us = KeyboardLayout(identifier: "us", hasAltGr: false, keys: usKeys)

    private static let usKeys: [Key] = {
        var keys: [Key] = []
        keys += Key.row(from: 0x04, base: "abcdefghijklmnopqrstuvwxyz", shifted: "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        keys += Key.row(from: 0x1E, base: "1234567890", shifted: "!@#$%^&*()")
        keys += [
            Key(usage: HIDKeyboardUsage.enter, base: "\r", shifted: "\r"),
            Key(usage: HIDKeyboardUsage.tab, base: "\t", shifted: "\t"),
            Key(usage: HIDKeyboardUsage.space, base: " ", shifted: " "),
        ]
        // 0x2D - = [ ] \ (0x32 Non-US # comes after the main keys) ; ' ` , . /
        keys += Key.row(from: 0x2D, base: "-=[]\\", shifted: "_+{}|")
        keys += Key.row(from: 0x33, base: ";'`,./", shifted: ":\"~<>?")
        keys.append(Key(usage: 0x32, base: "\\", shifted: "|"))
        // Keypad: / * - + Enter 1-9 0 . (Num Lock on; Shift does not change them).
        keys += Key.row(from: 0x54, base: "/*-+\r1234567890.", shifted: "/*-+\r1234567890.")
        keys.append(Key(usage: 0x67, base: "=", shifted: "="))  // Keypad = (Apple keyboards)
        return keys
    }()
}
