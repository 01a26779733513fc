/// A serial-label convention recognized in plain text.
public enum LabelConvention: String, Sendable, Hashable, Codable, CaseIterable {
    /// Lenovo/IBM system label: `1S` + machine type and model (10 characters) + serial (8), or the three
    /// parts separated by spaces. The serial is the part after the machine type and model.
    case lenovoSystem = "lenovo-1s"
    /// Lenovo/IBM part (FRU) label: `11S` + part number + part serial, kept whole after `11S` because
    /// part numbers are 7 or 10 characters and the split cannot be told from the data.
    case lenovoPart = "lenovo-11s"
    /// `S/N`, `SN:`, `Serial:` (also `Serial No:`, `Serial Number:`) before the serial, in any case.
    case serialPrefix = "serial-prefix"
    /// Western Digital drive serial printed with its `WD-` prefix: kept whole, as manifests record it.
    case westernDigital = "western-digital"
    /// An ATA or NVMe serial number field: 20 characters padded with spaces; the padding is removed.
    case paddedDriveSerial = "padded-drive-serial"
}

/// A plain-text label read by its convention.
public struct ManufacturerLabel: Sendable, Hashable, Codable {
    /// Which convention.
    public let convention: LabelConvention
    /// The serial the core matches on.
    public let serial: String
    /// Lenovo `1S` labels: the machine type and model.
    public let machineTypeModel: String?

    /// Creates a label reading.
    public init(convention: LabelConvention, serial: String, machineTypeModel: String? = nil) {
        self.convention = convention
        self.serial = serial
        self.machineTypeModel = machineTypeModel
    }
}

/// Recognizes manufacturer serial-label conventions in trimmed plain text. Nothing is rewritten inside
/// a serial: look-alike characters (O/0, I/1, S/5) stay as scanned.
enum ManufacturerLabels {
    /// Outcome: a label, plain text (no convention), or an error at an offset into `text`.
    enum Outcome: Equatable {
        case label(ManufacturerLabel)
        case plain
        case error(ScanError.Code, String, offset: Int)
    }

    static let serialPrefixes: [String] = ["SERIAL NUMBER:", "SERIAL NO.:", "SERIAL NO:", "SERIAL:", "SN:"]

    /// Reads `text` (already without surrounding spaces and tabs). `paddedToTwenty` says whether the
    /// untrimmed text was a 20-character field with space padding.
    static func read(_ text: Substring, paddedToTwenty: Bool) -> Outcome {
        let bytes = Array(text.utf8)
        // S/N, SN:, Serial: …
        if let prefixLength = serialPrefixLength(bytes) {
            var start = prefixLength
            while start < bytes.count, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
            guard start < bytes.count else {
                return .error(.emptySerial, "serial label prefix '\(String(decoding: bytes[..<prefixLength], as: UTF8.self))' has no serial after it", offset: prefixLength)
            }
            return .label(ManufacturerLabel(convention: .serialPrefix, serial: String(decoding: bytes[start...], as: UTF8.self)))
        }
        // Lenovo 11S: part number and part serial.
        if bytes.count >= 3, bytes[0] == 0x31, bytes[1] == 0x31, bytes[2] | 0x20 == UInt8(ascii: "s") {
            let rest = bytes[3...]
            guard !rest.isEmpty else { return .error(.emptySerial, "Lenovo 11S label has no part number and serial", offset: 3) }
            if rest.allSatisfy(isAlphanumeric) {
                return .label(ManufacturerLabel(convention: .lenovoPart, serial: String(decoding: rest, as: UTF8.self)))
            }
            return .plain
        }
        // Lenovo 1S: machine type and model, then serial.
        if bytes.count >= 2, bytes[0] == 0x31, bytes[1] | 0x20 == UInt8(ascii: "s") {
            let rest = bytes[2...]
            guard !rest.isEmpty else { return .error(.emptySerial, "Lenovo 1S label has no machine type, model and serial", offset: 2) }
            let tokens = rest.split(whereSeparator: { $0 == 0x20 })
            if tokens.count == 2, tokens.allSatisfy({ $0.allSatisfy(isAlphanumeric) }), (4...10).contains(tokens[0].count), (7...12).contains(tokens[1].count) {
                return .label(ManufacturerLabel(convention: .lenovoSystem, serial: String(decoding: tokens[1], as: UTF8.self),
                                                machineTypeModel: String(decoding: tokens[0], as: UTF8.self)))
            }
            if rest.count == 18, rest.allSatisfy(isAlphanumeric) {
                let mtm = rest.prefix(10), serial = rest.suffix(8)
                return .label(ManufacturerLabel(convention: .lenovoSystem, serial: String(decoding: serial, as: UTF8.self),
                                                machineTypeModel: String(decoding: mtm, as: UTF8.self)))
            }
            return .plain
        }
        if isWesternDigital(bytes[...]) {
            return .label(ManufacturerLabel(convention: .westernDigital, serial: String(text)))
        }
        if paddedToTwenty {
            return .label(ManufacturerLabel(convention: .paddedDriveSerial, serial: String(text)))
        }
        return .plain
    }

    @inline(__always) static func isAlphanumeric(_ b: UInt8) -> Bool { b.isASCIIDigit || b.isASCIILetter }

    /// `WD-` in any case, followed by at least one character.
    @inline(__always) static func isWesternDigital(_ bytes: some Collection<UInt8>) -> Bool {
        var i = bytes.makeIterator()
        guard bytes.count > 3, let w = i.next(), let d = i.next(), let dash = i.next() else { return false }
        return w | 0x20 == UInt8(ascii: "w") && d | 0x20 == UInt8(ascii: "d") && dash == UInt8(ascii: "-")
    }

    /// Length of a serial-number prefix at the start, matched without regard to case: `S/N` (with an
    /// optional colon), `SN:`, `Serial:`, `Serial No:`, `Serial No.:`, `Serial Number:`.
    static func serialPrefixLength(_ bytes: [UInt8]) -> Int? {
        func upper(_ b: UInt8) -> UInt8 { b.isASCIILetter ? b & ~0x20 : b }
        if bytes.count >= 3, upper(bytes[0]) == UInt8(ascii: "S"), bytes[1] == UInt8(ascii: "/"), upper(bytes[2]) == UInt8(ascii: "N") {
            var length = 3
            var i = 3
            while i < bytes.count, bytes[i] == 0x20 { i += 1 }
            if i < bytes.count, bytes[i] == UInt8(ascii: ":") { length = i + 1 }
            return length
        }
        for prefix in serialPrefixes {
            let p = Array(prefix.utf8)
            // Spaces before the colon are allowed ("Serial No :").
            var i = 0, j = 0
            while j < p.count, i < bytes.count {
                if p[j] == UInt8(ascii: ":") { while i < bytes.count, bytes[i] == 0x20 { i += 1 } }
                guard i < bytes.count, upper(bytes[i]) == p[j] else { break }
                i += 1; j += 1
            }
            if j == p.count { return i }
        }
        return nil
    }
}
