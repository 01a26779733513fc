/// Why the decoder threw away a partial scan.
public enum WedgeDropReason: Sendable, Hashable, CustomStringConvertible {
    /// No key arrived for longer than the configured inter-key timeout; `gapMilliseconds` is the
    /// time between the last key of the partial scan and the moment the gap was noticed.
    case interKeyTimeout(gapMilliseconds: UInt64)
    /// The partial scan grew past the configured maximum length without a terminator.
    case tooLong(limit: Int)
    /// The scanner went away (unplugged, USB error) in the middle of a scan.
    case deviceDisconnected
    /// The pipeline is stopping and asked for whatever was pending.
    case stopped

    /// A short phrase for logs.
    public var description: String {
        switch self {
        case .interKeyTimeout(let gap): return "no key for \(gap) ms"
        case .tooLong(let limit): return "longer than \(limit) characters without a terminator"
        case .deviceDisconnected: return "scanner disconnected"
        case .stopped: return "decoder stopped"
        }
    }
}

/// What the keyboard-wedge decoder reports.
public enum WedgeEvent: Sendable, Hashable {
    /// A complete scan: the characters typed before a terminator (the terminator not included).
    case scan(String)
    /// A partial scan that will never complete, and why it was thrown away.
    case dropped(partial: String, reason: WedgeDropReason)
}

/// Turns the boot keyboard reports of a keyboard-wedge barcode scanner into scans.
///
/// Feed it every report the scanner sends, each with its arrival time; it returns the scans (and
/// dropped partial scans) that report completed. Pure logic: it does no I/O and reads no clock, so
/// the live pipeline and replay tests run the same code on the same inputs.
///
/// Rules:
/// - A key counts when it first appears in a report, not while it stays down: repeated identical
///   reports type nothing. Keys that appear together count in slot order.
/// - Shift (either) selects the shifted character; Caps Lock toggles on each press and swaps Shift
///   for the layout's ``KeyboardLayout/capsLockUsages`` (letters) only; AltGr (Right Alt) selects
///   AltGr characters on layouts that have it.
/// - Ctrl + a key types the layout's control character for it
///   (``KeyboardLayout/controlCharacter(forUsage:shift:altGr:)``): a key typing a character from
///   `@` to `~` types that character's control code (`& 0x1F`): Ctrl+] → GS (0x1D), Ctrl+Shift+6
///   (^) → RS, Ctrl+D → EOT; non-US layouts also map the US `[ ] \` positions to ESC, GS and FS.
///   Ctrl with a key that already types a control character (Enter, Tab) types it unchanged.
/// - A character equal to ``Configuration/fnc1Substitute`` (the key a scanner was set to send in
///   place of GS) types GS.
/// - Alt + keypad digits collect a decimal code; releasing Alt types the Unicode scalar with that
///   value (Alt+0+2+9 → GS). Codes 0 and values that are not Unicode scalars type nothing and are
///   counted in ``Counters/invalidAltCodes``. Note: these are Unicode values, not the Windows
///   code pages (Alt+0128 is U+0080 here, not €).
/// - A character in ``Configuration/terminators`` (CR from Enter or keypad Enter and HT from Tab,
///   by default) ends the scan and emits ``WedgeEvent/scan(_:)``; an empty scan is only counted.
/// - A partial scan is dropped when the next key (or a ``flush(atMilliseconds:)``) comes more than
///   ``Configuration/interKeyTimeoutMilliseconds`` after its last key; with
///   ``Configuration/timeoutCompletesScan`` (scanners sending no terminator) it is emitted as a
///   scan instead.
/// - Reports of the wrong length and error reports (ErrorRollOver, POSTFail, ErrorUndefined) are
///   ignored entirely (the key state of the previous good report is kept) and counted. GUI
///   combinations, Alt with non-keypad keys and keys the layout does not map type nothing and
///   are counted in ``Counters/ignoredKeys``.
public struct KeyboardWedgeDecoder: Sendable {
    /// How the decoder interprets the scanner's keys.
    public struct Configuration: Sendable, Hashable {
        /// The layout the scanner emulates.
        public var layout: KeyboardLayout
        /// Characters that end a scan. Default: CR (Enter, keypad Enter) and HT (Tab).
        public var terminators: Set<Character>
        /// Longest silence, in milliseconds, between two keys of one scan; `nil` waits forever.
        public var interKeyTimeoutMilliseconds: UInt64?
        /// Longest scan, in Unicode scalars; longer partial scans are dropped (a stuck scanner).
        public var maximumScanLength: Int
        /// Caps Lock state at start and after ``KeyboardWedgeDecoder/reset()``.
        public var capsLockInitiallyOn: Bool
        /// The character the scanner types in place of GS (FNC1), when it was set to substitute
        /// one; the decoder turns it back into GS. `nil` when the scanner sends GS itself.
        public var fnc1Substitute: Character?
        /// When true, the inter-key timeout ends a scan (emitted) instead of dropping it: for
        /// scanners configured with no terminator key.
        public var timeoutCompletesScan: Bool

        /// Creates a configuration; the defaults suit a US-layout scanner with an Enter suffix.
        public init(
            layout: KeyboardLayout = .us,
            terminators: Set<Character> = ["\r", "\t"],
            interKeyTimeoutMilliseconds: UInt64? = 300,
            maximumScanLength: Int = 4096,
            capsLockInitiallyOn: Bool = false,
            fnc1Substitute: Character? = nil,
            timeoutCompletesScan: Bool = false
        ) {
            self.layout = layout
            self.terminators = terminators
            self.interKeyTimeoutMilliseconds = interKeyTimeoutMilliseconds
            self.maximumScanLength = maximumScanLength
            self.capsLockInitiallyOn = capsLockInitiallyOn
            self.fnc1Substitute = fnc1Substitute
            self.timeoutCompletesScan = timeoutCompletesScan
        }
    }

    /// Running totals since the decoder was made, for health checks and diagnostics.
    public struct Counters: Sendable, Hashable {
        /// Every report fed, good or bad.
        public var reports = 0
        /// Reports that were not 8 bytes long (garbage), ignored.
        public var malformedReports = 0
        /// Reports with ErrorRollOver in a key slot, ignored.
        public var rolloverErrorReports = 0
        /// Reports with POSTFail or ErrorUndefined in a key slot, ignored.
        public var errorReports = 0
        /// Key presses that typed nothing: unmapped keys, GUI or Ctrl combinations without a
        /// control character, Alt with a non-keypad key.
        public var ignoredKeys = 0
        /// Alt + keypad codes that were 0 or not a Unicode scalar value.
        public var invalidAltCodes = 0
        /// Terminators that arrived with nothing before them.
        public var emptyScans = 0
        /// Scans emitted.
        public var scans = 0
        /// Partial scans dropped, for any reason.
        public var droppedScans = 0

        /// All counters zero.
        public init() {}
    }

    /// The configuration the decoder was made with.
    public let configuration: Configuration
    /// Running totals.
    public private(set) var counters = Counters()
    /// Whether Caps Lock is on (toggled by Caps Lock presses the scanner sends).
    public private(set) var isCapsLockOn: Bool

    /// The characters typed since the last terminator.
    private var partial = ""
    /// Unicode scalars in `partial`, kept so the length check is O(1).
    private var partialLength = 0
    /// Arrival time of the last key that added to the partial scan or the Alt code.
    private var lastKeyMilliseconds: UInt64 = 0
    /// Keys down in the last good report.
    private var held = UsageSet()
    /// The Alt + keypad code being typed, if any digit has arrived.
    private var altCode: UInt32?
    /// The Alt code grew past the largest Unicode scalar.
    private var altCodeOverflow = false

    /// Creates a decoder.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.isCapsLockOn = configuration.capsLockInitiallyOn
    }

    /// True while characters (or Alt code digits) are waiting for a terminator.
    public var hasPartialScan: Bool { partialLength > 0 || altCode != nil }

    /// The characters typed since the last terminator (for diagnostics).
    public var partialScan: String { partial }

    /// Feeds one report as read from the device, with its arrival time.
    ///
    /// Reports of the wrong length are counted in ``Counters/malformedReports`` and otherwise
    /// ignored; they never throw. Time may come from any monotonic millisecond clock; a time
    /// earlier than the previous one counts as no time passing.
    ///
    /// - Returns: the scans and dropped partial scans this report caused, in order; usually empty.
    public mutating func feed(_ report: [UInt8], atMilliseconds now: UInt64) -> [WedgeEvent] {
        var events: [WedgeEvent] = []
        feed(report, atMilliseconds: now, into: &events)
        return events
    }

    /// Feeds one report, appending any events to `events`: the allocation-free form for hot loops
    /// and benchmarks.
    public mutating func feed(_ report: [UInt8], atMilliseconds now: UInt64, into events: inout [WedgeEvent]) {
        counters.reports += 1
        expireIfIdle(now: now, into: &events)
        guard let parsed = try? BootKeyboardReport(bytes: report) else {
            counters.malformedReports += 1
            return
        }
        process(parsed, now: now, into: &events)
    }

    /// Feeds one already-parsed report, with its arrival time.
    ///
    /// - Returns: the scans and dropped partial scans this report caused, in order.
    public mutating func feed(_ report: BootKeyboardReport, atMilliseconds now: UInt64) -> [WedgeEvent] {
        var events: [WedgeEvent] = []
        counters.reports += 1
        expireIfIdle(now: now, into: &events)
        process(report, now: now, into: &events)
        return events
    }

    /// Feeds a recorded or simulated sequence of reports, the first at `startMilliseconds` and each
    /// next one `spacingMilliseconds` later: the entry point for replay tests and benchmarks.
    /// A partial scan left at the end stays pending (see ``flush(atMilliseconds:)``).
    ///
    /// - Returns: every event, in order.
    public mutating func feed(
        _ reports: some Sequence<[UInt8]>, startingAtMilliseconds startMilliseconds: UInt64,
        spacingMilliseconds: UInt64
    ) -> [WedgeEvent] {
        var events: [WedgeEvent] = []
        var now = startMilliseconds
        for report in reports {
            feed(report, atMilliseconds: now, into: &events)
            now += spacingMilliseconds
        }
        return events
    }

    /// Tells the decoder the time is `now` with no report: drops the partial scan if the
    /// inter-key timeout has passed. Call it from a timer while ``hasPartialScan`` is true.
    ///
    /// - Returns: the ``WedgeEvent/dropped(partial:reason:)`` event, or `nil` if nothing expired.
    public mutating func flush(atMilliseconds now: UInt64) -> WedgeEvent? {
        var events: [WedgeEvent] = []
        expireIfIdle(now: now, into: &events)
        return events.first
    }

    /// Drops the partial scan (and any Alt code being typed) for `reason`, for example when the
    /// scanner is unplugged. Keys held, modifiers and Caps Lock are kept; call ``reset()`` too
    /// when the device itself is gone.
    ///
    /// - Returns: the ``WedgeEvent/dropped(partial:reason:)`` event, or `nil` if nothing was pending.
    public mutating func dropPartial(reason: WedgeDropReason) -> WedgeEvent? {
        guard hasPartialScan else { return nil }
        let dropped = partial
        partial = ""
        partialLength = 0
        altCode = nil
        altCodeOverflow = false
        counters.droppedScans += 1
        return .dropped(partial: dropped, reason: reason)
    }

    /// Forgets everything but the counters: partial scan (silently), held keys, Alt code and
    /// Caps Lock (back to ``Configuration/capsLockInitiallyOn``). For a new device session.
    public mutating func reset() {
        partial = ""
        partialLength = 0
        altCode = nil
        altCodeOverflow = false
        held = UsageSet()
        isCapsLockOn = configuration.capsLockInitiallyOn
    }

    // MARK: - Decoding

    private mutating func expireIfIdle(now: UInt64, into events: inout [WedgeEvent]) {
        guard let timeout = configuration.interKeyTimeoutMilliseconds, hasPartialScan else { return }
        let gap = now >= lastKeyMilliseconds ? now - lastKeyMilliseconds : 0
        guard gap > timeout else { return }
        if configuration.timeoutCompletesScan, altCode == nil, partialLength > 0 {
            counters.scans += 1
            events.append(.scan(partial))
            partial = ""
            partialLength = 0
            return
        }
        if let event = dropPartial(reason: .interKeyTimeout(gapMilliseconds: gap)) {
            events.append(event)
        }
    }

    /// The time after which ``flush(atMilliseconds:)`` will end the pending partial scan, or `nil`
    /// when nothing is pending or there is no timeout: lets a driver sleep exactly until then.
    public var partialScanDeadline: UInt64? {
        guard let timeout = configuration.interKeyTimeoutMilliseconds, hasPartialScan else { return nil }
        return lastKeyMilliseconds + timeout + 1
    }

    private mutating func process(_ report: BootKeyboardReport, now: UInt64, into events: inout [WedgeEvent]) {
        if report.isErrorReport {
            if report.isRolloverError {
                counters.rolloverErrorReports += 1
            } else {
                counters.errorReports += 1
            }
            return
        }
        let layout = configuration.layout
        let modifiers = report.modifiers
        let altHeld = modifiers.contains(.leftAlt) || (!layout.hasAltGr && modifiers.contains(.rightAlt))

        // Releasing Alt types the collected Alt + keypad code, before any key new in this report.
        if !altHeld, altCode != nil {
            finishAltCode(now: now, into: &events)
        }

        var current = UsageSet()
        for index in 0..<BootKeyboardReport.slotCount {
            let usage = report.slot(index)
            guard usage != HIDKeyboardUsage.none, !current.contains(usage) else { continue }
            current.insert(usage)
            if held.contains(usage) || HIDKeyboardUsage.isModifier(usage) { continue }
            press(usage, modifiers: modifiers, altHeld: altHeld, now: now, into: &events)
        }
        held = current
    }

    /// A key newly down in a report.
    private mutating func press(
        _ usage: UInt8, modifiers: BootKeyboardReport.Modifiers, altHeld: Bool, now: UInt64,
        into events: inout [WedgeEvent]
    ) {
        if usage == HIDKeyboardUsage.capsLock {
            isCapsLockOn.toggle()
            return
        }
        let controlHeld = modifiers.containsAny(of: .control)
        if modifiers.containsAny(of: .gui) {
            counters.ignoredKeys += 1
            return
        }
        if altHeld {
            if !controlHeld, let digit = HIDKeyboardUsage.keypadDigit(usage) {
                addAltDigit(digit, now: now)
            } else {
                counters.ignoredKeys += 1
            }
            return
        }
        let layout = configuration.layout
        var shift = modifiers.containsAny(of: .shift)
        if isCapsLockOn, layout.capsLockUsages.contains(usage) { shift.toggle() }
        let altGr = layout.hasAltGr && modifiers.contains(.rightAlt)
        let typed = controlHeld
            ? layout.controlCharacter(forUsage: usage, shift: shift, altGr: altGr)
            : layout.character(forUsage: usage, shift: shift, altGr: altGr)
        guard var character = typed else {
            counters.ignoredKeys += 1
            return
        }
        if let substitute = configuration.fnc1Substitute, character == substitute {
            character = "\u{1D}"
        }
        accept(character, now: now, into: &events)
    }

    private mutating func addAltDigit(_ digit: Int, now: UInt64) {
        lastKeyMilliseconds = now
        let soFar = altCode ?? 0
        altCode = soFar
        guard !altCodeOverflow else { return }
        let value = soFar * 10 + UInt32(digit)  // soFar ≤ 0x10FFFF, so no overflow
        if value > 0x10FFFF {
            altCodeOverflow = true
        } else {
            altCode = value
        }
    }

    private mutating func finishAltCode(now: UInt64, into events: inout [WedgeEvent]) {
        let code = altCode ?? 0
        let overflow = altCodeOverflow
        altCode = nil
        altCodeOverflow = false
        guard !overflow, code != 0, let scalar = Unicode.Scalar(code) else {
            counters.invalidAltCodes += 1
            return
        }
        accept(Character(scalar), now: now, into: &events)
    }

    /// A character typed: ends the scan if it is a terminator, else joins the partial scan.
    private mutating func accept(_ character: Character, now: UInt64, into events: inout [WedgeEvent]) {
        if configuration.terminators.contains(character) {
            if partialLength == 0 {
                counters.emptyScans += 1
            } else {
                counters.scans += 1
                events.append(.scan(partial))
                partial = ""
                partialLength = 0
            }
            return
        }
        lastKeyMilliseconds = now
        partial.unicodeScalars.append(contentsOf: character.unicodeScalars)
        partialLength += character.unicodeScalars.count
        if partialLength > configuration.maximumScanLength,
           let event = dropPartial(reason: .tooLong(limit: configuration.maximumScanLength)) {
            events.append(event)
        }
    }
}

/// A set of key usages (0-255) as a 256-bit bitmap: no allocation, constant-time operations.
private struct UsageSet: Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    func contains(_ usage: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(usage & 63)
        switch usage >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    mutating func insert(_ usage: UInt8) {
        let bit = UInt64(1) << UInt64(usage & 63)
        switch usage >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }
}
