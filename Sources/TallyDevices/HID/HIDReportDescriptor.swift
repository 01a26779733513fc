/// A HID report descriptor that could not be parsed, naming the byte offset of the bad item.
public struct HIDDescriptorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong.
    public enum Reason: Sendable, Hashable {
        /// The descriptor ended inside an item (its data bytes were missing).
        case truncated
        /// An End Collection without a Collection, or a Pop without a Push.
        case unbalanced
        /// A report size, count or total length beyond any real device's (a corrupt descriptor).
        case tooLarge
    }

    /// The byte offset of the item's prefix.
    public let offset: Int
    /// What was wrong.
    public let reason: Reason

    /// Creates an error.
    public init(offset: Int, reason: Reason) {
        self.offset = offset
        self.reason = reason
    }

    /// `HID report descriptor: item at byte 12 is truncated`.
    public var description: String {
        let what = switch reason {
        case .truncated: "is truncated"
        case .unbalanced: "closes a collection or pops a state that was never opened"
        case .tooLarge: "declares a report larger than any device sends"
        }
        return "HID report descriptor: item at byte \(offset) \(what)"
    }
}

/// A parsed HID report descriptor (USB HID 1.11, section 6.2.2): the report fields each input,
/// output and feature report holds, enough to tell a boot keyboard from a HID Point of Sale barcode
/// scanner and to find report ids and sizes.
///
/// Short items are interpreted (main, global and local); long items are skipped. Usages are kept
/// as extended 32-bit usages, usage page in the high 16 bits (`0x008C_00FE` is Bar Code Scanner /
/// Decoded Data). A usage written with 1 or 2 data bytes takes the usage page in effect when it is
/// parsed; a 4-byte usage carries its own page.
public struct HIDReportDescriptor: Sendable, Hashable {
    /// Input, output or feature.
    public enum ReportKind: Sendable, Hashable {
        /// Device to host (interrupt IN).
        case input
        /// Host to device.
        case output
        /// Configuration, by control transfer.
        case feature
    }

    /// One Input, Output or Feature main item: `count` elements of `bitSize` bits each.
    public struct Field: Sendable, Hashable {
        /// The report kind.
        public var kind: ReportKind
        /// The report id (`0` when the descriptor uses no report ids).
        public var reportID: UInt8
        /// Where the field starts, in bits from the start of the report *after* the report id byte.
        public var bitOffset: Int
        /// Bits per element (Report Size).
        public var bitSize: Int
        /// Number of elements (Report Count).
        public var count: Int
        /// The usages given for the field, one per element (the last repeats for the rest); for an
        /// array, the usages its elements may hold. Usage Minimum/Maximum ranges are expanded when
        /// they are small (at most 1024 usages) and otherwise kept as their two ends.
        public var usages: [UInt32]
        /// The main item's data bits (bit 0 constant, 1 variable, 2 relative, ..., 8 buffered bytes).
        public var flags: UInt32
        /// Logical Minimum.
        public var logicalMinimum: Int32
        /// Logical Maximum.
        public var logicalMaximum: Int32
        /// The usages of the collections the field is in, outermost first.
        public var collections: [UInt32]

        /// Constant (padding) rather than data.
        public var isConstant: Bool { flags & 0x01 != 0 }
        /// Each element is its own variable (rather than an array of usage indices).
        public var isVariable: Bool { flags & 0x02 != 0 }
        /// The field is a stream of bytes (Buffered Bytes).
        public var isBufferedBytes: Bool { flags & 0x100 != 0 }
        /// The usage of element `index` of a variable field: its own usage, or the last one given.
        public func usage(ofElement index: Int) -> UInt32? {
            guard !usages.isEmpty else { return nil }
            return usages[min(index, usages.count - 1)]
        }
        /// The outermost (application) collection's usage.
        public var application: UInt32? { collections.first }
        /// Total size in bits.
        public var bitLength: Int { bitSize * count }
    }

    /// Every Input, Output and Feature item in descriptor order, padding included.
    public let fields: [Field]
    /// The usages of the top-level (application) collections, in order.
    public let applications: [UInt32]
    /// True when the descriptor declares report ids (every report then starts with its id byte).
    public let usesReportIDs: Bool
    /// The descriptor's bytes.
    public let bytes: [UInt8]

    /// Parses a report descriptor.
    ///
    /// - Throws: ``HIDDescriptorError`` naming the byte offset of a truncated or unbalanced item.
    public init(bytes: [UInt8]) throws(HIDDescriptorError) {
        var parser = Parser()
        try parser.parse(bytes)
        self.fields = parser.fields
        self.applications = parser.applications
        self.usesReportIDs = parser.usesReportIDs
        self.bytes = bytes
    }

    /// The report ids used for `kind` reports, ascending (`[0]` without report ids).
    public func reportIDs(_ kind: ReportKind) -> [UInt8] {
        Array(Set(fields.filter { $0.kind == kind }.map(\.reportID))).sorted()
    }

    /// The length in bytes of report `id` of `kind`, *without* the report id byte; 0 when unknown.
    public func reportByteCount(_ kind: ReportKind, id: UInt8) -> Int {
        let bits = fields.filter { $0.kind == kind && $0.reportID == id }.map { $0.bitOffset + $0.bitLength }.max() ?? 0
        return (bits + 7) / 8
    }

    /// The length of report `id` of `kind` as it arrives on the wire, report id byte included when
    /// the descriptor uses report ids.
    public func wireByteCount(_ kind: ReportKind, id: UInt8) -> Int {
        reportByteCount(kind, id: id) + (usesReportIDs ? 1 : 0)
    }

    /// The input fields of report `id` whose elements carry `usage`, with the element index.
    func inputElements(usage: UInt32, reportID: UInt8? = nil) -> [(field: Field, element: Int)] {
        var result: [(field: Field, element: Int)] = []
        for field in fields where field.kind == .input && !field.isConstant && (reportID == nil || field.reportID == reportID) {
            if field.isVariable {
                for element in 0..<field.count where field.usage(ofElement: element) == usage {
                    result.append((field, element))
                }
            } else if field.usages.contains(usage) {
                result.append((field, 0))
            }
        }
        return result
    }

    // MARK: - Parsing

    /// Parser state: the global item table (with its push/pop stack), local items, collections.
    private struct Parser {
        struct Globals {
            var usagePage: UInt32 = 0
            var logicalMinimum: Int32 = 0
            var logicalMaximum: Int32 = 0
            var reportSize = 0
            var reportID: UInt8 = 0
            var reportCount = 0
        }

        var globals = Globals()
        var stack: [Globals] = []
        var usages: [UInt32] = []
        var usageMinimum: UInt32?
        var usageMaximum: UInt32?
        var collections: [UInt32] = []
        var fields: [Field] = []
        var applications: [UInt32] = []
        var usesReportIDs = false
        /// Next free bit per (kind, report id).
        var offsets: [ReportKind: [UInt8: Int]] = [:]

        /// The largest report Tally accepts from a descriptor (bits); real devices stay far below.
        static let maximumReportBits = 8 * 8192

        mutating func parse(_ bytes: [UInt8]) throws(HIDDescriptorError) {
            var index = 0
            while index < bytes.count {
                let start = index
                let prefix = bytes[index]
                index += 1
                if prefix == 0xFE {  // long item: bDataSize, bLongItemTag, data
                    guard index + 2 <= bytes.count else { throw HIDDescriptorError(offset: start, reason: .truncated) }
                    let size = Int(bytes[index])
                    index += 2 + size
                    guard index <= bytes.count else { throw HIDDescriptorError(offset: start, reason: .truncated) }
                    continue
                }
                let sizeCode = Int(prefix & 0x03)
                let size = sizeCode == 3 ? 4 : sizeCode
                guard index + size <= bytes.count else { throw HIDDescriptorError(offset: start, reason: .truncated) }
                var unsigned: UInt32 = 0
                for byte in 0..<size { unsigned |= UInt32(bytes[index + byte]) << (8 * UInt32(byte)) }
                let signed: Int32 = switch size {
                case 1: Int32(Int8(truncatingIfNeeded: unsigned))
                case 2: Int32(Int16(truncatingIfNeeded: unsigned))
                case 4: Int32(bitPattern: unsigned)
                default: 0
                }
                index += size
                let type = (prefix >> 2) & 0x03
                let tag = prefix >> 4
                switch type {
                case 0: try main(tag: tag, data: unsigned, offset: start)
                case 1: try global(tag: tag, unsigned: unsigned, signed: signed, size: size, offset: start)
                case 2: local(tag: tag, data: unsigned, size: size)
                default: break  // reserved
                }
            }
        }

        mutating func main(tag: UInt8, data: UInt32, offset: Int) throws(HIDDescriptorError) {
            switch tag {
            case 0x8, 0x9, 0xB:
                let kind: ReportKind = tag == 0x8 ? .input : tag == 0x9 ? .output : .feature
                let bits = globals.reportSize * globals.reportCount
                guard globals.reportSize <= 1024, globals.reportCount <= 65_535 else {
                    throw HIDDescriptorError(offset: offset, reason: .tooLarge)
                }
                let start = offsets[kind, default: [:]][globals.reportID, default: 0]
                guard start + bits <= Self.maximumReportBits else { throw HIDDescriptorError(offset: offset, reason: .tooLarge) }
                offsets[kind, default: [:]][globals.reportID] = start + bits
                fields.append(Field(
                    kind: kind, reportID: globals.reportID, bitOffset: start, bitSize: globals.reportSize,
                    count: globals.reportCount, usages: fieldUsages(), flags: data,
                    logicalMinimum: globals.logicalMinimum, logicalMaximum: globals.logicalMaximum,
                    collections: collections))
            case 0xA:
                let usage = usages.first ?? usageMinimum ?? 0
                if collections.isEmpty { applications.append(usage) }
                collections.append(usage)
            case 0xC:
                guard !collections.isEmpty else { throw HIDDescriptorError(offset: offset, reason: .unbalanced) }
                collections.removeLast()
            default:
                break
            }
            usages = []
            usageMinimum = nil
            usageMaximum = nil
        }

        func fieldUsages() -> [UInt32] {
            var result = usages
            if let minimum = usageMinimum, let maximum = usageMaximum, minimum <= maximum {
                if maximum - minimum < 1024 {
                    result += Array(minimum...maximum)
                } else {
                    result += [minimum, maximum]
                }
            }
            return result
        }

        mutating func global(tag: UInt8, unsigned: UInt32, signed: Int32, size: Int, offset: Int) throws(HIDDescriptorError) {
            switch tag {
            case 0x0: globals.usagePage = unsigned & 0xFFFF
            case 0x1: globals.logicalMinimum = signed
            case 0x2:
                // Unsigned when the minimum is not negative (a 1-byte 0xFF maximum means 255 then).
                globals.logicalMaximum = globals.logicalMinimum >= 0 && size < 4 ? Int32(unsigned) : signed
            case 0x7: globals.reportSize = Int(unsigned)
            case 0x8:
                globals.reportID = UInt8(truncatingIfNeeded: unsigned)
                usesReportIDs = true
            case 0x9: globals.reportCount = Int(unsigned)
            case 0xA: stack.append(globals)
            case 0xB:
                guard let top = stack.popLast() else { throw HIDDescriptorError(offset: offset, reason: .unbalanced) }
                globals = top
            default: break  // physical extent, units: not needed here
            }
        }

        mutating func local(tag: UInt8, data: UInt32, size: Int) {
            let usage = size == 4 ? data : (globals.usagePage << 16) | (data & 0xFFFF)
            switch tag {
            case 0x0: usages.append(usage)
            case 0x1: usageMinimum = usage
            case 0x2: usageMaximum = usage
            default: break  // designators, strings, delimiters
            }
        }
    }
}

// MARK: - What kind of device

/// Usages Tally looks for in report descriptors (extended: page in the high 16 bits).
public enum HIDUsage {
    /// Generic Desktop / Keyboard (application collection of a keyboard).
    public static let keyboard: UInt32 = 0x0001_0006
    /// Generic Desktop / Byte Count: the number of valid bytes in a buffered-bytes field.
    public static let byteCount: UInt32 = 0x0001_003B
    /// Bar Code Scanner page (0x8C) / Bar Code Scanner (application collection).
    public static let barCodeScanner: UInt32 = 0x008C_0002
    /// Bar Code Scanner / Scanned Data Report (the input report carrying a decoded bar code).
    public static let scannedDataReport: UInt32 = 0x008C_0012
    /// Bar Code Scanner / Symbology Identifier 1 (the AIM `]`, or a vendor code).
    public static let symbologyIdentifier1: UInt32 = 0x008C_00FB
    /// Bar Code Scanner / Symbology Identifier 2 (the AIM code character).
    public static let symbologyIdentifier2: UInt32 = 0x008C_00FC
    /// Bar Code Scanner / Symbology Identifier 3 (the AIM modifier character).
    public static let symbologyIdentifier3: UInt32 = 0x008C_00FD
    /// Bar Code Scanner / Decoded Data.
    public static let decodedData: UInt32 = 0x008C_00FE
    /// Bar Code Scanner / Decode Data Continued: set when more reports of the same scan follow.
    public static let decodeDataContinued: UInt32 = 0x008C_00FF
}

/// Where the parts of a HID POS scanned data report are, in bytes from the start of the report as
/// it arrives (report id byte included, when the device uses report ids).
public struct ScannedDataReportLayout: Sendable, Hashable {
    /// The report id of the scanned data report, or nil when the device uses no report ids.
    public var reportID: UInt8?
    /// The length of the report on the wire.
    public var reportLength: Int
    /// The byte holding the number of valid data bytes (Byte Count), when the report has one.
    public var lengthByte: Int?
    /// The bytes of Symbology Identifier 1, 2 and 3 that the report has, in that order.
    public var symbologyBytes: [Int]
    /// The first byte of Decoded Data.
    public var dataOffset: Int
    /// The most data bytes one report carries.
    public var dataCapacity: Int
    /// The byte and bit mask of Decode Data Continued, when the report has it.
    public var continuedFlag: (byte: Int, mask: UInt8)?

    /// Creates a layout.
    public init(
        reportID: UInt8?, reportLength: Int, lengthByte: Int?, symbologyBytes: [Int], dataOffset: Int,
        dataCapacity: Int, continuedFlag: (byte: Int, mask: UInt8)?
    ) {
        self.reportID = reportID
        self.reportLength = reportLength
        self.lengthByte = lengthByte
        self.symbologyBytes = symbologyBytes
        self.dataOffset = dataOffset
        self.dataCapacity = dataCapacity
        self.continuedFlag = continuedFlag
    }

    /// The 64-byte report HID POS scanners commonly ship (Honeywell and others): report id 2,
    /// [1] data length, [2...4] AIM symbology identifier, [5...60] data, [61...62] vendor bytes,
    /// [63] bit 0 = more reports follow.
    public static let common = ScannedDataReportLayout(
        reportID: 2, reportLength: 64, lengthByte: 1, symbologyBytes: [2, 3, 4], dataOffset: 5,
        dataCapacity: 56, continuedFlag: (63, 0x01))

    /// Layouts are equal when every position is.
    public static func == (lhs: ScannedDataReportLayout, rhs: ScannedDataReportLayout) -> Bool {
        lhs.reportID == rhs.reportID && lhs.reportLength == rhs.reportLength && lhs.lengthByte == rhs.lengthByte
            && lhs.symbologyBytes == rhs.symbologyBytes && lhs.dataOffset == rhs.dataOffset
            && lhs.dataCapacity == rhs.dataCapacity
            && lhs.continuedFlag?.byte == rhs.continuedFlag?.byte && lhs.continuedFlag?.mask == rhs.continuedFlag?.mask
    }

    /// Hashes the positions.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(reportID)
        hasher.combine(reportLength)
        hasher.combine(lengthByte)
        hasher.combine(symbologyBytes)
        hasher.combine(dataOffset)
        hasher.combine(dataCapacity)
        hasher.combine(continuedFlag?.byte)
        hasher.combine(continuedFlag?.mask)
    }
}

/// What a HID interface is, as far as scanning goes.
public enum HIDInterfaceKind: Sendable, Hashable {
    /// A keyboard: a keyboard-wedge scanner. `reportID` is the keyboard report's id, or nil when the
    /// device uses no report ids (reports are then the 8-byte boot layout as they arrive).
    case keyboard(reportID: UInt8?)
    /// A HID Point of Sale barcode scanner, with where its scanned data report keeps each part.
    case barcodeScanner(ScannedDataReportLayout)
    /// Neither (a mouse, a vendor interface, ...).
    case other
}

extension HIDReportDescriptor {
    /// Tells a keyboard from a HID POS barcode scanner.
    ///
    /// A barcode scanner has an input report with Decoded Data (0x8C/0xFE) as bytes, inside a Bar
    /// Code Scanner application collection (0x8C/0x02); its symbology identifiers (0xFB-0xFD),
    /// Decode Data Continued (0xFF) and a Byte Count are looked for in the same report. A keyboard
    /// has a Keyboard application collection (Generic Desktop 0x06) with an input report on the
    /// Keyboard/Keypad page (0x07). A device with both (some scanners add a keyboard) counts as a
    /// barcode scanner.
    public var interfaceKind: HIDInterfaceKind {
        if let layout = scannedDataReportLayout { return .barcodeScanner(layout) }
        let keyboardField = fields.first { field in
            field.kind == .input && field.application == HIDUsage.keyboard
                && field.usages.contains { $0 >> 16 == 0x07 }
        }
        if let keyboardField {
            return .keyboard(reportID: usesReportIDs ? keyboardField.reportID : nil)
        }
        return .other
    }

    /// The scanned data report's layout, when the descriptor has a usable one (byte-aligned 8-bit
    /// decoded data in a Bar Code Scanner application collection).
    public var scannedDataReportLayout: ScannedDataReportLayout? {
        guard let data = inputElements(usage: HIDUsage.decodedData).first(where: { entry in
            entry.field.bitSize == 8 && entry.field.bitOffset % 8 == 0
                && entry.field.collections.contains(HIDUsage.barCodeScanner)
        }) else { return nil }
        let id = data.field.reportID
        let base = usesReportIDs ? 1 : 0
        func byte(of usage: UInt32) -> Int? {
            guard let entry = inputElements(usage: usage, reportID: id).first, entry.field.bitSize == 8,
                  entry.field.bitOffset % 8 == 0 else { return nil }
            return base + entry.field.bitOffset / 8 + (entry.field.isVariable ? entry.element : 0)
        }
        let dataStart = base + data.field.bitOffset / 8 + (data.field.isVariable ? data.element : 0)
        let symbology = [HIDUsage.symbologyIdentifier1, HIDUsage.symbologyIdentifier2, HIDUsage.symbologyIdentifier3]
            .compactMap(byte(of:))
        var continued: (byte: Int, mask: UInt8)?
        if let entry = inputElements(usage: HIDUsage.decodeDataContinued, reportID: id).first {
            let bit = entry.field.bitOffset + (entry.field.isVariable ? entry.element * entry.field.bitSize : 0)
            continued = (base + bit / 8, UInt8(1) << UInt8(bit % 8))
        }
        let capacity = data.field.isVariable ? data.field.count - data.element : data.field.count
        return ScannedDataReportLayout(
            reportID: usesReportIDs ? id : nil, reportLength: wireByteCount(.input, id: id),
            lengthByte: byte(of: HIDUsage.byteCount), symbologyBytes: symbology, dataOffset: dataStart,
            dataCapacity: capacity, continuedFlag: continued)
    }
}
