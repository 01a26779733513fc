/// Key usages of the HID Keyboard/Keypad usage page (0x07) that the wedge decoder and the
/// simulator refer to by name.
///
/// Usages are layout-independent positions: which character a usage types is decided by a
/// ``KeyboardLayout``. Values are from the USB-IF "HID Usage Tables", section "Keyboard/Keypad Page".
public enum HIDKeyboardUsage {
    /// No key in this slot.
    public static let none: UInt8 = 0x00
    /// ErrorRollOver: sent in every key slot when more keys are down than the report can hold.
    public static let errorRollOver: UInt8 = 0x01
    /// POSTFail: the keyboard's self test failed.
    public static let postFail: UInt8 = 0x02
    /// ErrorUndefined: an unspecified keyboard error.
    public static let errorUndefined: UInt8 = 0x03
    /// Keyboard a and A: the first letter usage (letters run 0x04-0x1D on a US keyboard).
    public static let a: UInt8 = 0x04
    /// Keyboard Return (Enter).
    public static let enter: UInt8 = 0x28
    /// Keyboard Escape.
    public static let escape: UInt8 = 0x29
    /// Keyboard Delete (Backspace).
    public static let backspace: UInt8 = 0x2A
    /// Keyboard Tab.
    public static let tab: UInt8 = 0x2B
    /// Keyboard Spacebar.
    public static let space: UInt8 = 0x2C
    /// Keyboard ] and } (on a US layout): with Ctrl it is the usual way scanners send GS.
    public static let rightBracket: UInt8 = 0x30
    /// Keyboard Caps Lock.
    public static let capsLock: UInt8 = 0x39
    /// Keypad Enter.
    public static let keypadEnter: UInt8 = 0x58
    /// Keypad 1 and End: keypad digits run 1-9 at 0x59-0x61, then 0 at 0x62.
    public static let keypad1: UInt8 = 0x59
    /// Keypad 0 and Insert.
    public static let keypad0: UInt8 = 0x62
    /// Keypad . and Delete.
    public static let keypadDecimal: UInt8 = 0x63
    /// Left Control: the first of the eight modifier usages 0xE0-0xE7 (mirrored in the modifier byte).
    public static let leftControl: UInt8 = 0xE0
    /// Right GUI: the last of the eight modifier usages.
    public static let rightGUI: UInt8 = 0xE7

    /// The digit (0-9) a keypad digit usage types, or `nil` when `usage` is not a keypad digit.
    ///
    /// Keypad digits type digits whatever the layout, so the decoder uses this for Alt + keypad codes.
    public static func keypadDigit(_ usage: UInt8) -> Int? {
        switch usage {
        case keypad1...0x61: return Int(usage - keypad1) + 1
        case keypad0: return 0
        default: return nil
        }
    }

    /// The keypad usage that types `digit` (0-9), or `nil` when `digit` is out of range.
    public static func keypadUsage(forDigit digit: Int) -> UInt8? {
        switch digit {
        case 0: return keypad0
        case 1...9: return keypad1 + UInt8(digit - 1)
        default: return nil
        }
    }

    /// True for the modifier usages 0xE0-0xE7, which boot reports carry in the modifier byte.
    public static func isModifier(_ usage: UInt8) -> Bool {
        usage >= leftControl && usage <= rightGUI
    }
}

/// A boot keyboard input report that was not exactly ``BootKeyboardReport/byteCount`` bytes long.
public enum BootKeyboardReportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The report had fewer than 8 bytes; `byteCount` is how many it had.
    case tooShort(byteCount: Int)
    /// The report had more than 8 bytes (for example a report id in front); `byteCount` is how many.
    case tooLong(byteCount: Int)

    /// The number of bytes the rejected report had.
    public var byteCount: Int {
        switch self {
        case .tooShort(let count), .tooLong(let count): return count
        }
    }

    /// A sentence naming the byte count, for logs.
    public var description: String {
        switch self {
        case .tooShort(let count):
            return "boot keyboard report too short: \(count) bytes, expected \(BootKeyboardReport.byteCount)"
        case .tooLong(let count):
            return "boot keyboard report too long: \(count) bytes, expected \(BootKeyboardReport.byteCount)"
        }
    }
}

/// One 8-byte HID boot keyboard input report, as a keyboard-wedge barcode scanner sends it.
///
/// Layout: byte 0 modifier bits, byte 1 reserved, bytes 2-7 six key slots holding usages from the
/// Keyboard/Keypad page (0x07), `0x00` for an empty slot. A keyboard with more keys down than slots
/// fills every slot with ErrorRollOver (`0x01`); see ``isRolloverError``.
///
/// The key slots are stored packed, so parsing and comparing reports allocates nothing.
public struct BootKeyboardReport: Sendable, Hashable, CustomStringConvertible {
    /// The modifier byte (byte 0) of a boot keyboard report.
    public struct Modifiers: OptionSet, Sendable, Hashable {
        /// The raw modifier byte.
        public let rawValue: UInt8

        /// Creates modifiers from the raw modifier byte.
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// Bit 0: Left Control.
        public static let leftControl = Modifiers(rawValue: 1 << 0)
        /// Bit 1: Left Shift.
        public static let leftShift = Modifiers(rawValue: 1 << 1)
        /// Bit 2: Left Alt.
        public static let leftAlt = Modifiers(rawValue: 1 << 2)
        /// Bit 3: Left GUI (Windows / Super / Command).
        public static let leftGUI = Modifiers(rawValue: 1 << 3)
        /// Bit 4: Right Control.
        public static let rightControl = Modifiers(rawValue: 1 << 4)
        /// Bit 5: Right Shift.
        public static let rightShift = Modifiers(rawValue: 1 << 5)
        /// Bit 6: Right Alt (AltGr on layouts that have it).
        public static let rightAlt = Modifiers(rawValue: 1 << 6)
        /// Bit 7: Right GUI.
        public static let rightGUI = Modifiers(rawValue: 1 << 7)

        /// Either Control key (use with ``containsAny(of:)``).
        public static let control: Modifiers = [.leftControl, .rightControl]
        /// Either Shift key (use with ``containsAny(of:)``).
        public static let shift: Modifiers = [.leftShift, .rightShift]
        /// Either Alt key (use with ``containsAny(of:)``).
        public static let alt: Modifiers = [.leftAlt, .rightAlt]
        /// Either GUI key (use with ``containsAny(of:)``).
        public static let gui: Modifiers = [.leftGUI, .rightGUI]

        /// True when at least one of the modifiers in `other` is held.
        ///
        /// `contains(.shift)` asks for *both* Shift keys; `containsAny(of: .shift)` asks for either.
        public func containsAny(of other: Modifiers) -> Bool {
            rawValue & other.rawValue != 0
        }
    }

    /// The size of every boot keyboard input report: 8 bytes.
    public static let byteCount = 8
    /// The number of key slots (bytes 2-7).
    public static let slotCount = 6

    /// A report with no modifier and no key held: what a scanner sends after each key press.
    public static let released = BootKeyboardReport(modifiers: [], keys: [])

    /// The modifier byte (byte 0).
    public let modifiers: Modifiers
    /// The reserved byte (byte 1); normally zero, kept so that ``bytes`` reproduces the input.
    public let reserved: UInt8
    /// Bytes 2-7 packed little-endian: slot `i` is bits `8*i ..< 8*i+8`.
    private let packedSlots: UInt64

    /// Parses a report from exactly 8 bytes.
    ///
    /// - Throws: ``BootKeyboardReportError`` naming the byte count when `bytes` is shorter or longer.
    public init(bytes: some Collection<UInt8>) throws(BootKeyboardReportError) {
        let count = bytes.count
        guard count == Self.byteCount else {
            throw count < Self.byteCount ? .tooShort(byteCount: count) : .tooLong(byteCount: count)
        }
        var modifierByte: UInt8 = 0
        var reservedByte: UInt8 = 0
        var packed: UInt64 = 0
        for (offset, byte) in bytes.enumerated() {
            switch offset {
            case 0: modifierByte = byte
            case 1: reservedByte = byte
            default: packed |= UInt64(byte) << (8 * UInt64(offset - 2))
            }
        }
        self.modifiers = Modifiers(rawValue: modifierByte)
        self.reserved = reservedByte
        self.packedSlots = packed
    }

    /// Builds the report a keyboard sends with `modifiers` and `keys` held.
    ///
    /// Keys fill the slots in order; remaining slots are empty. With more than six keys the report
    /// is a rollover-error report (every slot ErrorRollOver), exactly as a boot keyboard does.
    public init(modifiers: Modifiers, keys: [UInt8]) {
        self.modifiers = modifiers
        self.reserved = 0
        var packed: UInt64 = 0
        if keys.count > Self.slotCount {
            for slot in 0..<Self.slotCount {
                packed |= UInt64(HIDKeyboardUsage.errorRollOver) << (8 * UInt64(slot))
            }
        } else {
            for (slot, key) in keys.enumerated() {
                packed |= UInt64(key) << (8 * UInt64(slot))
            }
        }
        self.packedSlots = packed
    }

    /// The usage in key slot `index` (0-5); `0x00` when the slot is empty.
    public func slot(_ index: Int) -> UInt8 {
        precondition(index >= 0 && index < Self.slotCount, "boot keyboard slot \(index) out of 0..<6")
        return UInt8(truncatingIfNeeded: packedSlots >> (8 * UInt64(index)))
    }

    /// All six key slots in order, empty slots included.
    public var keySlots: [UInt8] {
        (0..<Self.slotCount).map(slot)
    }

    /// The usages of keys held, in slot order: slots holding `0x00` and the error usages
    /// `0x01`-`0x03` are left out.
    public var pressedUsages: [UInt8] {
        keySlots.filter { $0 > HIDKeyboardUsage.errorUndefined }
    }

    /// True when any key slot holds ErrorRollOver (`0x01`): the keyboard had too many keys down
    /// and the key state in this report is meaningless (the spec fills every slot; any one is
    /// enough to distrust the report).
    public var isRolloverError: Bool {
        containsSlot(HIDKeyboardUsage.errorRollOver)
    }

    /// True when any key slot holds an error usage: ErrorRollOver, POSTFail or ErrorUndefined.
    public var isErrorReport: Bool {
        for index in 0..<Self.slotCount {
            let usage = slot(index)
            if usage >= HIDKeyboardUsage.errorRollOver && usage <= HIDKeyboardUsage.errorUndefined { return true }
        }
        return false
    }

    /// True when no key slot holds a key and no modifier is held.
    public var isAllReleased: Bool {
        modifiers.isEmpty && packedSlots == 0
    }

    /// The 8 bytes of the report, as sent on the wire.
    public var bytes: [UInt8] {
        [modifiers.rawValue, reserved] + keySlots
    }

    /// The bytes in hex, for logs and test failures (`02 00 04 00 00 00 00 00`).
    public var description: String {
        bytes.map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return byte < 0x10 ? "0" + hex : hex
        }.joined(separator: " ")
    }

    private func containsSlot(_ usage: UInt8) -> Bool {
        for index in 0..<Self.slotCount where slot(index) == usage { return true }
        return false
    }
}
