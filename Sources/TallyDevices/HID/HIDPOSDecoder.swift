/// One bar code read by a HID POS scanner: its symbology identifier and its data bytes.
public struct HIDPOSScan: Sendable, Hashable {
    /// The symbology identifier bytes as sent (`]C1` for an AIM identifier), or nil when the scanner
    /// sent none (all zero).
    public var symbology: String?
    /// The decoded data, every report of a continued scan joined.
    public var data: [UInt8]

    /// Creates a scan.
    public init(symbology: String?, data: [UInt8]) {
        self.symbology = symbology
        self.data = data
    }

    /// The data as text: UTF-8 when it is valid UTF-8, otherwise each byte as the Latin-1 character
    /// with its value (so binary data and control characters such as GS survive one to one).
    public var text: String { HIDPOSScan.text(of: data) }

    static func text(of bytes: [UInt8]) -> String {
        if let utf8 = String(validating: bytes, as: UTF8.self) { return utf8 }
        var text = ""
        text.unicodeScalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return text
    }
}

/// What the HID POS decoder reports.
public enum HIDPOSEvent: Sendable, Hashable {
    /// A complete scan.
    case scan(HIDPOSScan)
    /// A scan whose continuation reports never came (or the scanner went away), with what had
    /// arrived: the data as text, and why it was dropped.
    case dropped(partial: String, reason: WedgeDropReason)
}

/// Turns the scanned data reports of a HID Point of Sale barcode scanner (usage page 0x8C) into
/// scans.
///
/// Each report carries the symbology identifier, up to ``ScannedDataReportLayout/dataCapacity``
/// data bytes and, when the scan is longer, the Decode Data Continued flag: the decoder joins the
/// reports of one scan until a report without the flag. The number of valid data bytes comes from
/// the report's Byte Count when the layout has one; otherwise the data ends at the first NUL.
///
/// Pure logic like ``KeyboardWedgeDecoder``: fed reports with their arrival times, no I/O, no clock.
/// Reports with another report id, of the wrong length, or whose byte count exceeds the report are
/// ignored and counted, never fatal. A continued scan whose next report does not come within
/// ``Configuration/continuationTimeoutMilliseconds`` is dropped.
public struct HIDPOSDecoder: Sendable {
    /// How reports are laid out and how long to wait for continuations.
    public struct Configuration: Sendable, Hashable {
        /// Where each part of the scanned data report is.
        public var layout: ScannedDataReportLayout
        /// Longest wait, in milliseconds, for the next report of a continued scan; `nil` waits forever.
        public var continuationTimeoutMilliseconds: UInt64?
        /// Longest scan in bytes; a longer continued scan is dropped (a stuck flag).
        public var maximumScanLength: Int

        /// Creates a configuration.
        public init(
            layout: ScannedDataReportLayout = .common, continuationTimeoutMilliseconds: UInt64? = 500,
            maximumScanLength: Int = 8192
        ) {
            self.layout = layout
            self.continuationTimeoutMilliseconds = continuationTimeoutMilliseconds
            self.maximumScanLength = maximumScanLength
        }
    }

    /// Running totals since the decoder was made.
    public struct Counters: Sendable, Hashable {
        /// Every report fed.
        public var reports = 0
        /// Reports of the wrong length or with an impossible byte count, ignored.
        public var malformedReports = 0
        /// Reports with another report id (other collections of the device), ignored.
        public var otherReports = 0
        /// Scanned data reports with no data and no continuation, ignored.
        public var emptyReports = 0
        /// Scans emitted.
        public var scans = 0
        /// Continued scans dropped.
        public var droppedScans = 0

        /// All zero.
        public init() {}
    }

    /// The configuration.
    public let configuration: Configuration
    /// Running totals.
    public private(set) var counters = Counters()

    private var pendingData: [UInt8] = []
    private var pendingSymbology: String?
    private var pending = false
    private var lastReportMilliseconds: UInt64 = 0

    /// Creates a decoder.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// True while a continued scan waits for its next report.
    public var hasPartialScan: Bool { pending }

    /// When ``flush(atMilliseconds:)`` will drop the pending continued scan, or nil.
    public var partialScanDeadline: UInt64? {
        guard pending, let timeout = configuration.continuationTimeoutMilliseconds else { return nil }
        return lastReportMilliseconds + timeout + 1
    }

    /// Feeds one report as read from the interrupt endpoint, with its arrival time.
    ///
    /// - Returns: the scan this report completed and any continued scan it dropped, in order.
    public mutating func feed(_ report: [UInt8], atMilliseconds now: UInt64) -> [HIDPOSEvent] {
        var events: [HIDPOSEvent] = []
        feed(report, atMilliseconds: now, into: &events)
        return events
    }

    /// Feeds one report, appending events to `events` (the allocation-light form for hot loops).
    public mutating func feed(_ report: [UInt8], atMilliseconds now: UInt64, into events: inout [HIDPOSEvent]) {
        counters.reports += 1
        expireIfIdle(now: now, into: &events)
        let layout = configuration.layout
        if let id = layout.reportID, let first = report.first, first != id {
            counters.otherReports += 1
            return
        }
        // A HID report has a fixed length: a shorter or longer transfer is garbage.
        guard report.count == layout.reportLength, report.count > layout.dataOffset else {
            counters.malformedReports += 1
            return
        }
        let available = min(layout.dataCapacity, report.count - layout.dataOffset)
        let length: Int
        if let lengthByte = layout.lengthByte {
            guard lengthByte < report.count, Int(report[lengthByte]) <= available else {
                counters.malformedReports += 1
                return
            }
            length = Int(report[lengthByte])
        } else {
            let data = report[layout.dataOffset..<(layout.dataOffset + available)]
            length = (data.firstIndex(of: 0) ?? data.endIndex) - layout.dataOffset
        }
        var continued = false
        if let flag = layout.continuedFlag, flag.byte < report.count {
            continued = report[flag.byte] & flag.mask != 0
        }
        if !pending {
            pendingSymbology = Self.symbology(report, layout: layout)
            pendingData.removeAll(keepingCapacity: true)
        }
        pendingData.append(contentsOf: report[layout.dataOffset..<(layout.dataOffset + length)])
        lastReportMilliseconds = now
        if continued {
            pending = true
            if pendingData.count > configuration.maximumScanLength,
               let event = dropPartial(reason: .tooLong(limit: configuration.maximumScanLength)) {
                events.append(event)
            }
            return
        }
        pending = false
        guard !pendingData.isEmpty else {
            counters.emptyReports += 1
            return
        }
        counters.scans += 1
        events.append(.scan(HIDPOSScan(symbology: pendingSymbology, data: pendingData)))
        pendingData.removeAll(keepingCapacity: true)
    }

    /// Tells the decoder the time is `now`: drops a continued scan whose next report is overdue.
    public mutating func flush(atMilliseconds now: UInt64) -> HIDPOSEvent? {
        var events: [HIDPOSEvent] = []
        expireIfIdle(now: now, into: &events)
        return events.first
    }

    /// Drops a pending continued scan (the scanner went away, the reader stops).
    public mutating func dropPartial(reason: WedgeDropReason) -> HIDPOSEvent? {
        guard pending else { return nil }
        let partial = HIDPOSScan.text(of: pendingData)
        pending = false
        pendingData.removeAll(keepingCapacity: true)
        counters.droppedScans += 1
        return .dropped(partial: partial, reason: reason)
    }

    private mutating func expireIfIdle(now: UInt64, into events: inout [HIDPOSEvent]) {
        guard pending, let timeout = configuration.continuationTimeoutMilliseconds else { return }
        let gap = now >= lastReportMilliseconds ? now - lastReportMilliseconds : 0
        guard gap > timeout, let event = dropPartial(reason: .interKeyTimeout(gapMilliseconds: gap)) else { return }
        events.append(event)
    }

    /// The symbology identifier bytes up to the first NUL, or nil when there are none.
    private static func symbology(_ report: [UInt8], layout: ScannedDataReportLayout) -> String? {
        var bytes: [UInt8] = []
        for index in layout.symbologyBytes where index < report.count {
            let byte = report[index]
            if byte == 0 { break }
            bytes.append(byte)
        }
        return bytes.isEmpty ? nil : HIDPOSScan.text(of: bytes)
    }
}

extension HIDPOSScan {
    /// The scanned data reports a HID POS scanner with `layout` sends for `data` (split over as many
    /// reports as needed, every report but the last flagged as continued): for tests, the simulator
    /// and capture generators. Unused bytes are zero.
    public static func reports(
        symbology: String?, data: [UInt8], layout: ScannedDataReportLayout = .common
    ) -> [[UInt8]] {
        let symbologyBytes = Array((symbology ?? "").utf8)
        var reports: [[UInt8]] = []
        var remaining = data[...]
        repeat {
            let chunk = remaining.prefix(layout.dataCapacity)
            remaining = remaining.dropFirst(chunk.count)
            var report = [UInt8](repeating: 0, count: layout.reportLength)
            if let id = layout.reportID { report[0] = id }
            if let lengthByte = layout.lengthByte { report[lengthByte] = UInt8(chunk.count) }
            for (index, position) in layout.symbologyBytes.enumerated() where index < symbologyBytes.count {
                report[position] = symbologyBytes[index]
            }
            report.replaceSubrange(layout.dataOffset..<(layout.dataOffset + chunk.count), with: chunk)
            if !remaining.isEmpty, let flag = layout.continuedFlag { report[flag.byte] |= flag.mask }
            reports.append(report)
        } while !remaining.isEmpty
        return reports
    }
}
