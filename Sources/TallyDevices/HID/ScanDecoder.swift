/// A finished scan from a USB scanner, whatever its report format.
public struct DecodedScan: Sendable, Hashable, Codable {
    /// The scan's data as the scanner sent it (control characters such as GS kept), without the
    /// profile's prefix and suffix and, when it was extracted, without the symbology identifier.
    public var text: String
    /// The symbology identifier (`]C1`): from a HID POS report, or from the start of a wedge scan when
    /// the profile says the scanner sends AIM identifiers. Nil when unknown.
    public var symbology: String?

    /// Creates a scan.
    public init(text: String, symbology: String?) {
        self.text = text
        self.symbology = symbology
    }

    /// The scan as the scanner sent it: an AIM identifier (`]C1`) in front of the text, when the
    /// symbology is one; what the core's normalizer reads.
    public var rawText: String {
        guard let symbology, symbology.hasPrefix("]"), symbology.count == 3 else { return text }
        return symbology + text
    }
}

/// What a ``ScanDecoder`` reports.
public enum ScanDecoderEvent: Sendable, Hashable {
    /// A complete scan.
    case scan(DecodedScan)
    /// A partial scan thrown away (timeout, unplug, too long), with what had arrived.
    case dropped(partial: String, reason: WedgeDropReason)
}

/// The decoder for one USB scanner: keyboard wedge or HID POS, chosen from the interface's report
/// descriptor and the hardware profile, with the profile's prefix, suffix and AIM identifier rules
/// applied to every scan.
///
/// Pure like the decoders it wraps: reports and times in, events out.
public struct ScanDecoder: Sendable {
    /// Which report format the scanner sends.
    public enum Mode: Sendable, Hashable {
        /// Boot keyboard reports; `reportID` is set when the keyboard's reports carry an id byte.
        case keyboardWedge(KeyboardWedgeDecoder.Configuration, reportID: UInt8?)
        /// HID POS scanned data reports.
        case hidPOS(HIDPOSDecoder.Configuration)

        /// `keyboard-wedge` or `hid-pos`, for logs and JSON.
        public var name: String {
            switch self {
            case .keyboardWedge: "keyboard-wedge"
            case .hidPOS: "hid-pos"
            }
        }
    }

    /// Running totals across either decoder.
    public struct Counters: Sendable, Hashable {
        /// Reports fed.
        public var reports = 0
        /// Reports ignored: wrong length, error reports, other report ids.
        public var ignoredReports = 0
        /// Scans emitted.
        public var scans = 0
        /// Partial scans dropped.
        public var droppedScans = 0
    }

    /// The chosen format.
    public let mode: Mode
    /// The profile's scanner options applied to each scan (nil: none).
    public let options: HardwareProfile.ScannerOptions?
    // Exactly one of the two is set; kept as optionals (not an enum payload) so that feeding
    // mutates the decoder in place instead of copying its partial scan on every report.
    private var wedge: KeyboardWedgeDecoder?
    private var pos: HIDPOSDecoder?
    private var wedgeReportID: UInt8?
    private var foreignReports = 0
    private var wedgeEvents: [WedgeEvent] = []
    private var posEvents: [HIDPOSEvent] = []

    /// Creates a decoder for `mode`, applying `options` (prefix, suffix, AIM identifiers) to scans.
    public init(mode: Mode, options: HardwareProfile.ScannerOptions? = nil) {
        self.mode = mode
        self.options = options
        switch mode {
        case .keyboardWedge(let configuration, let reportID):
            wedge = KeyboardWedgeDecoder(configuration: configuration)
            wedgeReportID = reportID
        case .hidPOS(let configuration):
            pos = HIDPOSDecoder(configuration: configuration)
        }
    }

    /// The running totals.
    public var counters: Counters {
        var result = Counters()
        if let c = wedge?.counters {
            result.reports = c.reports + foreignReports
            result.ignoredReports = c.malformedReports + c.rolloverErrorReports + c.errorReports + foreignReports
            result.scans = c.scans
            result.droppedScans = c.droppedScans
        } else if let c = pos?.counters {
            result.reports = c.reports
            result.ignoredReports = c.malformedReports + c.otherReports + c.emptyReports
            result.scans = c.scans
            result.droppedScans = c.droppedScans
        }
        return result
    }

    /// When ``flush(atMilliseconds:)`` will end the pending partial scan, or nil.
    public var partialScanDeadline: UInt64? {
        wedge?.partialScanDeadline ?? pos?.partialScanDeadline
    }

    /// True while a partial scan waits for more reports.
    public var hasPartialScan: Bool {
        wedge?.hasPartialScan ?? pos?.hasPartialScan ?? false
    }

    /// Feeds one report as read from the interrupt endpoint, appending what it caused to `events`.
    public mutating func feed(_ report: [UInt8], atMilliseconds now: UInt64, into events: inout [ScanDecoderEvent]) {
        if wedge != nil {
            wedgeEvents.removeAll(keepingCapacity: true)
            if let reportID = wedgeReportID {
                if report.first == reportID {
                    wedge!.feed(Array(report.dropFirst()), atMilliseconds: now, into: &wedgeEvents)
                } else {
                    foreignReports += 1
                }
            } else {
                wedge!.feed(report, atMilliseconds: now, into: &wedgeEvents)
            }
            for event in wedgeEvents { events.append(convert(event)) }
        } else if pos != nil {
            posEvents.removeAll(keepingCapacity: true)
            pos!.feed(report, atMilliseconds: now, into: &posEvents)
            for event in posEvents { events.append(convert(event)) }
        }
    }

    /// Feeds one report and returns what it caused.
    public mutating func feed(_ report: [UInt8], atMilliseconds now: UInt64) -> [ScanDecoderEvent] {
        var events: [ScanDecoderEvent] = []
        feed(report, atMilliseconds: now, into: &events)
        return events
    }

    /// Tells the decoder the time: ends an overdue partial scan (dropped, or emitted for scanners
    /// with no terminator).
    public mutating func flush(atMilliseconds now: UInt64) -> ScanDecoderEvent? {
        if wedge != nil { return wedge!.flush(atMilliseconds: now).map(convert) }
        if pos != nil { return pos!.flush(atMilliseconds: now).map(convert) }
        return nil
    }

    /// Drops the partial scan for `reason` (unplug, stop) and forgets held keys.
    public mutating func dropPartial(reason: WedgeDropReason) -> ScanDecoderEvent? {
        if wedge != nil {
            let event = wedge!.dropPartial(reason: reason)
            wedge!.reset()
            return event.map(convert)
        }
        if pos != nil { return pos!.dropPartial(reason: reason).map(convert) }
        return nil
    }

    // MARK: - Post-processing

    private func convert(_ event: WedgeEvent) -> ScanDecoderEvent {
        switch event {
        case .scan(let text): .scan(finish(text, symbology: nil))
        case .dropped(let partial, let reason): .dropped(partial: partial, reason: reason)
        }
    }

    private func convert(_ event: HIDPOSEvent) -> ScanDecoderEvent {
        switch event {
        case .scan(let scan): .scan(finish(scan.text, symbology: scan.symbology))
        case .dropped(let partial, let reason): .dropped(partial: partial, reason: reason)
        }
    }

    /// Strips the profile's prefix, the AIM identifier (wedge scanners that send one) and suffix.
    private func finish(_ text: String, symbology: String?) -> DecodedScan {
        guard let options else { return DecodedScan(text: text, symbology: symbology) }
        var body = Substring(text)
        if !options.prefix.isEmpty, body.hasPrefix(options.prefix) { body = body.dropFirst(options.prefix.count) }
        var symbology = symbology
        if symbology == nil, options.aimIdentifiers, body.first == "]", body.count >= 3 {
            symbology = String(body.prefix(3))
            body = body.dropFirst(3)
        }
        if !options.suffix.isEmpty, body.hasSuffix(options.suffix) { body = body.dropLast(options.suffix.count) }
        return DecodedScan(text: String(body), symbology: symbology)
    }
}

extension ScanDecoder.Mode {
    /// The format to decode a scanner with: the interface's report descriptor decides when it tells
    /// (a HID POS scanned data report, or a keyboard); otherwise the profile's transport, and
    /// otherwise the boot keyboard format.
    ///
    /// - Returns: the mode, and a note when the descriptor contradicts the profile (worth logging).
    public static func choose(
        profile: HardwareProfile?, descriptor: HIDReportDescriptor?
    ) -> (mode: ScanDecoder.Mode, note: String?) {
        let options = profile?.scanner
        let wedge = KeyboardWedgeDecoder.Configuration(options: options)
        let declared = profile?.transport
        switch descriptor?.interfaceKind {
        case .barcodeScanner(let layout)?:
            let note = declared == .usbHIDKeyboard
                ? "profile \(profile?.id ?? "-") says usb-hid-keyboard but the report descriptor is a HID POS scanner; decoding HID POS" : nil
            return (.hidPOS(HIDPOSDecoder.Configuration(layout: layout)), note)
        case .keyboard(let reportID)?:
            let note = declared == .usbHIDPOS
                ? "profile \(profile?.id ?? "-") says usb-hid-pos but the report descriptor is a keyboard; decoding keyboard wedge" : nil
            return (.keyboardWedge(wedge, reportID: reportID), note)
        case .other?, nil:
            if declared == .usbHIDPOS { return (.hidPOS(HIDPOSDecoder.Configuration()), nil) }
            return (.keyboardWedge(wedge, reportID: nil), nil)
        }
    }
}

extension KeyboardWedgeDecoder.Configuration {
    /// The decoder settings a profile's scanner options ask for: layout, terminator (Enter → CR,
    /// Tab → HT, none → the inter-key timeout ends the scan), inter-key timeout and FNC1 substitute.
    /// Without options: the US layout, Enter or Tab, the profile default timeout.
    public init(options: HardwareProfile.ScannerOptions?) {
        let timeout = UInt64(options?.interKeyTimeoutMilliseconds ?? HardwareProfile.ScannerOptions.defaultInterKeyTimeoutMilliseconds)
        let terminators: Set<Character> = switch options?.terminator {
        case .enter?: ["\r"]
        case .tab?: ["\t"]
        case HardwareProfile.Terminator.none?: []
        case nil: ["\r", "\t"]
        }
        self.init(
            layout: KeyboardLayout.named(options?.layout ?? .us), terminators: terminators,
            interKeyTimeoutMilliseconds: timeout, fnc1Substitute: options?.fnc1Substitute?.first,
            timeoutCompletesScan: options?.terminator == HardwareProfile.Terminator.none)
    }
}
