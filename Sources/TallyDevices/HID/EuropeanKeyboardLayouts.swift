/// The European keyboard layouts scanners are set to emulate: UK, German, French, Spanish and
/// Italian, as data.
///
/// Characters follow the layouts as Windows and xkb define them for a 105-key ISO keyboard.
/// Dead keys (German `^` and `´`, French `^`/`¨`, Spanish `` ` ``/`^` and `´`/`¨`) are left `nil`:
/// a scanner cannot type those characters on those layouts without a second key, so profiles for
/// such sites use Alt + keypad codes for them. On every layout here Right Alt is AltGr.
///
/// Usage 0x31 (US `\`) and usage 0x32 (the ISO key beside Enter) reach the same key code on Linux
/// and Windows, so both type the same characters; the reverse mapping prefers 0x32, the key an ISO
/// keyboard has.
///
/// Control keys: Ctrl + the key at the US `[`, `]` and `\` positions (usages 0x2F, 0x30, 0x31/0x32)
/// types ESC, GS and FS on every layout, whatever character the key types there; Ctrl + Shift at
/// the US `6`, `-` and `2` positions types RS, US and NUL. That is how scanners set to these
/// layouts send "Ctrl+]" for GS. Ctrl + a letter types its control code as usual (Ctrl+D → EOT,
/// by the letter the layout puts on the key).
extension KeyboardLayout {
    /// The layout a hardware profile names.
    public static func named(_ name: HardwareProfile.LayoutName) -> KeyboardLayout {
        switch name {
        case .us: return .us
        case .uk: return .uk
        case .de: return .de
        case .fr: return .fr
        case .es: return .es
        case .it: return .it
        }
    }

    /// Every built-in layout, in profile order (`us`, `uk`, `de`, `fr`, `es`, `it`).
    public static var all: [KeyboardLayout] { HardwareProfile.LayoutName.allCases.map(named) }

    /// UK English ("gb" in xkb, 00000809 on Windows): `"` on Shift+2, `£` on Shift+3, `@` on Shift+',
    /// `#` and `~` on the ISO key beside Enter, `\` and `|` on the key beside left Shift; AltGr+4
    /// types `€`, AltGr + a vowel its acute form.
    public static let uk = KeyboardLayout(identifier: "uk", hasAltGr: true, keys: ukKeys, controls: isoControls)

    /// German ("de", 00000407): QWERTZ (Y and Z swapped), umlauts on the `;`, `'` and `[` keys, `ß`;
    /// AltGr types `@` (Q), `€` (E), `µ` (M), `{ [ ] }` (7-0), `\` (ß), `~` (+) and `|` (<).
    /// Keypad decimal types `,`.
    public static let de = KeyboardLayout(identifier: "de", hasAltGr: true, keys: deKeys, controls: isoControls)

    /// French ("fr", 0000040C): AZERTY (A/Q, Z/W swapped, M on the `;` key), digits with Shift on the
    /// top row; AltGr types `~ # { [ | ` \ ^ @` on 2-0, `] }` on the keys right of 0, `€` on E.
    public static let fr = KeyboardLayout(identifier: "fr", hasAltGr: true, keys: frKeys, controls: isoControls)

    /// Spanish (Spain, "es", 0000040A): `ñ` on the `;` key, `ç` beside Enter, `¡ ¿`, `º ª`; AltGr types
    /// `| @ # ~ ¬` on 1-4 and 6, `[ ] { }` on the keys around Enter, `\` (º), `€` (E).
    public static let es = KeyboardLayout(identifier: "es", hasAltGr: true, keys: esKeys, controls: isoControls)

    /// Italian ("it", 00000410): accented vowels on the punctuation keys, `£` on Shift+3, `§` beside
    /// Enter; AltGr types `[ ]` (and with Shift `{ }`) on `è` and `+`, `@` on `ò`, `#` on `à`, `€` on E.
    public static let it = KeyboardLayout(identifier: "it", hasAltGr: true, keys: itKeys, controls: isoControls)

    // MARK: - Shared rows

    /// Control keys by US position for the non-US layouts (see the extension's documentation).
    static let isoControls: [(stroke: KeyStroke, character: Character)] = {
        var controls: [(stroke: KeyStroke, character: Character)] = []
        for (usage, code) in [(UInt8(0x30), UInt8(0x1D)), (0x2F, 0x1B), (0x32, 0x1C), (0x31, 0x1C)] {
            for shift in [false, true] {
                controls.append((KeyStroke(usage: usage, shift: shift), Character(Unicode.Scalar(code))))
            }
        }
        controls.append((KeyStroke(usage: 0x23, shift: true), "\u{1E}"))  // Ctrl+Shift+6 → RS
        controls.append((KeyStroke(usage: 0x2D, shift: true), "\u{1F}"))  // Ctrl+Shift+- → US
        controls.append((KeyStroke(usage: 0x1F, shift: true), "\u{00}"))  // Ctrl+Shift+2 → NUL
        return controls
    }()

    /// Enter, Tab and Space: the same on every layout.
    private static let whitespaceKeys: [Key] = [
        Key(usage: HIDKeyboardUsage.enter, base: "\r", shifted: "\r"),
        Key(usage: HIDKeyboardUsage.tab, base: "\t", shifted: "\t"),
        Key(usage: HIDKeyboardUsage.space, base: " ", shifted: " "),
    ]

    /// The keypad with Num Lock on: `/ * - + Enter 1-9 0` and the decimal key.
    private static func keypad(decimal: Character) -> [Key] {
        Key.row(from: 0x54, base: "/*-+\r1234567890\(decimal)", shifted: "/*-+\r1234567890\(decimal)")
    }

    /// Sets the AltGr (and Shift+AltGr) characters of the key with `usage` in `keys`.
    private static func altGr(_ keys: inout [Key], _ usage: UInt8, _ character: Character, shifted: Character? = nil) {
        guard let index = keys.firstIndex(where: { $0.usage == usage }) else {
            preconditionFailure("layout table has no key 0x\(String(usage, radix: 16)) for AltGr \(character)")
        }
        keys[index].altGr = character
        if let shifted { keys[index].shiftedAltGr = shifted }
    }

    // MARK: - Tables

    private static let ukKeys: [Key] = {
        var keys: [Key] = []
        keys += Key.row(from: 0x04, base: "abcdefghijklmnopqrstuvwxyz", shifted: "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        keys += Key.row(from: 0x1E, base: "1234567890", shifted: "!\"£$%^&*()")
        keys += whitespaceKeys
        keys += Key.row(from: 0x2D, base: "-=[]", shifted: "_+{}")
        keys.append(Key(usage: 0x32, base: "#", shifted: "~"))
        keys += Key.row(from: 0x33, base: ";'`,./", shifted: ":@¬<>?")
        keys.append(Key(usage: 0x64, base: "\\", shifted: "|"))
        keys.append(Key(usage: 0x31, base: "#", shifted: "~"))
        keys += keypad(decimal: ".")
        altGr(&keys, 0x21, "€")
        altGr(&keys, 0x35, "¦")
        for (usage, vowel, capital) in [(UInt8(0x04), "á", "Á"), (0x08, "é", "É"), (0x0C, "í", "Í"), (0x12, "ó", "Ó"), (0x18, "ú", "Ú")] {
            altGr(&keys, usage, Character(vowel), shifted: Character(capital))
        }
        return keys
    }()

    private static let deKeys: [Key] = {
        var keys: [Key] = []
        keys += Key.row(from: 0x04, base: "abcdefghijklmnopqrstuvwxzy", shifted: "ABCDEFGHIJKLMNOPQRSTUVWXZY")
        keys += Key.row(from: 0x1E, base: "1234567890", shifted: "!\"§$%&/()=")
        keys += whitespaceKeys
        keys.append(Key(usage: 0x2D, base: "ß", shifted: "?"))
        keys.append(Key(usage: 0x2E, base: nil, shifted: nil))  // dead ´ and `
        keys += Key.row(from: 0x2F, base: "ü+", shifted: "Ü*")
        keys.append(Key(usage: 0x32, base: "#", shifted: "'"))
        keys += Key.row(from: 0x33, base: "öä", shifted: "ÖÄ")
        keys.append(Key(usage: 0x35, base: nil, shifted: "°"))  // dead ^
        keys += Key.row(from: 0x36, base: ",.-", shifted: ";:_")
        keys.append(Key(usage: 0x64, base: "<", shifted: ">"))
        keys.append(Key(usage: 0x31, base: "#", shifted: "'"))
        keys += keypad(decimal: ",")
        for (usage, character) in [
            (UInt8(0x14), "@"), (0x08, "€"), (0x10, "µ"), (0x1F, "²"), (0x20, "³"),
            (0x24, "{"), (0x25, "["), (0x26, "]"), (0x27, "}"), (0x2D, "\\"), (0x30, "~"), (0x64, "|"),
        ] {
            altGr(&keys, usage, Character(character))
        }
        return keys
    }()

    private static let frKeys: [Key] = {
        var keys: [Key] = []
        keys += Key.row(from: 0x04, base: "qbcdefghijkl,noparstuvzxyw", shifted: "QBCDEFGHIJKL?NOPARSTUVZXYW")
        keys += Key.row(from: 0x1E, base: "&é\"'(-è_çà", shifted: "1234567890")
        keys += whitespaceKeys
        keys += Key.row(from: 0x2D, base: ")=", shifted: "°+")
        keys.append(Key(usage: 0x2F, base: nil, shifted: nil))  // dead ^ and ¨
        keys.append(Key(usage: 0x30, base: "$", shifted: "£"))
        keys.append(Key(usage: 0x32, base: "*", shifted: "µ"))
        keys += Key.row(from: 0x33, base: "mù", shifted: "M%")
        keys.append(Key(usage: 0x35, base: "²", shifted: nil))
        keys += Key.row(from: 0x36, base: ";:!", shifted: "./§")
        keys.append(Key(usage: 0x64, base: "<", shifted: ">"))
        keys.append(Key(usage: 0x31, base: "*", shifted: "µ"))
        keys += keypad(decimal: ".")
        for (usage, character) in [
            (UInt8(0x1F), "~"), (0x20, "#"), (0x21, "{"), (0x22, "["), (0x23, "|"), (0x24, "`"),
            (0x25, "\\"), (0x26, "^"), (0x27, "@"), (0x2D, "]"), (0x2E, "}"), (0x30, "¤"), (0x08, "€"),
        ] {
            altGr(&keys, usage, Character(character))
        }
        return keys
    }()

    private static let esKeys: [Key] = {
        var keys: [Key] = []
        keys += Key.row(from: 0x04, base: "abcdefghijklmnopqrstuvwxyz", shifted: "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        keys += Key.row(from: 0x1E, base: "1234567890", shifted: "!\"·$%&/()=")
        keys += whitespaceKeys
        keys += Key.row(from: 0x2D, base: "'¡", shifted: "?¿")
        keys.append(Key(usage: 0x2F, base: nil, shifted: nil))  // dead ` and ^
        keys.append(Key(usage: 0x30, base: "+", shifted: "*"))
        keys.append(Key(usage: 0x32, base: "ç", shifted: "Ç"))
        keys.append(Key(usage: 0x33, base: "ñ", shifted: "Ñ"))
        keys.append(Key(usage: 0x34, base: nil, shifted: nil))  // dead ´ and ¨
        keys.append(Key(usage: 0x35, base: "º", shifted: "ª"))
        keys += Key.row(from: 0x36, base: ",.-", shifted: ";:_")
        keys.append(Key(usage: 0x64, base: "<", shifted: ">"))
        keys.append(Key(usage: 0x31, base: "ç", shifted: "Ç"))
        keys += keypad(decimal: ".")
        for (usage, character) in [
            (UInt8(0x1E), "|"), (0x1F, "@"), (0x20, "#"), (0x21, "~"), (0x23, "¬"), (0x2F, "["),
            (0x30, "]"), (0x34, "{"), (0x32, "}"), (0x31, "}"), (0x35, "\\"), (0x08, "€"),
        ] {
            altGr(&keys, usage, Character(character))
        }
        return keys
    }()

    private static let itKeys: [Key] = {
        var keys: [Key] = []
        keys += Key.row(from: 0x04, base: "abcdefghijklmnopqrstuvwxyz", shifted: "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        keys += Key.row(from: 0x1E, base: "1234567890", shifted: "!\"£$%&/()=")
        keys += whitespaceKeys
        keys += Key.row(from: 0x2D, base: "'ìè+", shifted: "?^é*")
        keys.append(Key(usage: 0x32, base: "ù", shifted: "§"))
        keys += Key.row(from: 0x33, base: "òà\\", shifted: "ç°|")
        keys += Key.row(from: 0x36, base: ",.-", shifted: ";:_")
        keys.append(Key(usage: 0x64, base: "<", shifted: ">"))
        keys.append(Key(usage: 0x31, base: "ù", shifted: "§"))
        keys += keypad(decimal: ".")
        altGr(&keys, 0x2F, "[", shifted: "{")
        altGr(&keys, 0x30, "]", shifted: "}")
        altGr(&keys, 0x33, "@")
        altGr(&keys, 0x34, "#")
        altGr(&keys, 0x08, "€")
        return keys
    }()
}
