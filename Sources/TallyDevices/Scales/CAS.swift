import TallyCore

/// The CAS 22-byte format of CAS CI-series and NT-series indicators (CI-200A/CI-201A, CI-400, NT-200).
///
/// Follows the CAS CI-200 Series (CI-200A, CI-201A) owner's manual, "Serial data information" and
/// "Command Mode Table", the CAS CI-400 Series owner's manual, Appendix 1 "Data format" (22 bytes for
/// CAS, lamp status byte), and the CAS NT-200 series manual, 14 "CAS & Command Mode Protocol".
///
/// ## Frame (22 bytes)
/// ```
/// ST , GS , id lamp , wwwwwwww _ uu CR LF
/// 0-1 2 3-4 5 6  7   8  9-16   17 18-19 20 21
/// ```
/// `ST` stable, `US` unstable, `OL` overload; `GS` gross, `NT` net; a device id byte; the lamp status
/// byte (bit 7 = 1, bit 6 stable, bit 4 hold, bit 3 printer, bit 2 gross, bit 1 tare, bit 0 zero);
/// eight weight characters with sign and decimal point (`0013.5` as `000013.5`); a blank; a two-byte
/// unit (`kg`, ` t`, ` g`, `lb`); CR LF. Frames are cut by position (the lamp byte may take any value).
///
/// A reading is stable only when the header says `ST`, the lamp's stable bit is set and its hold bit
/// is not (a held value is never recorded). `OL` is an overload, or an underload when the weight field
/// is negative; it carries no weight. Net readings carry no tare.
///
/// The indicators stream this format; in command mode, `D dd K W` CR LF asks indicator `dd` for it
/// (``requestWeight(device:)``). The division is the profile's, or one unit of the last digit.
public struct CAS: ScaleProtocolDriver {
    /// `cas`.
    public static let name = "cas"

    /// The options from the profile (division).
    public var options: ScaleDriverOptions

    /// Creates a driver.
    public init(options: ScaleDriverOptions = ScaleDriverOptions()) {
        self.options = options
    }

    /// A ``MatchingFramer`` with a ``Matcher``.
    public func makeFramer() -> MatchingFramer<Matcher> { MatchingFramer(matcher: Matcher()) }

    /// The frame length.
    public static let frameLength = 22

    /// Recognizes the 22-byte frame by position: headers, commas, printable weight and unit, CR LF.
    public struct Matcher: FrameMatcher {
        /// Creates a matcher.
        public init() {}

        /// 22 bytes.
        public var maximumLength: Int { CAS.frameLength }

        /// `S`, `U` or `O` (the first letter of `ST`, `US`, `OL`).
        public func canBegin(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: "S") || byte == UInt8(ascii: "U") || byte == UInt8(ascii: "O")
        }

        /// The frame when every position so far fits, garbage as soon as one does not.
        public mutating func match(_ bytes: ArraySlice<UInt8>, streamEnded: Bool) -> FrameMatch {
            let base = bytes.startIndex
            for position in 0..<CAS.frameLength {
                guard base + position < bytes.endIndex else { return streamEnded ? .noFrame : .incomplete }
                guard CAS.fits(bytes[base + position], at: position, previous: position > 0 ? bytes[base + position - 1] : 0) else {
                    return .noFrame
                }
            }
            return .frame(length: CAS.frameLength)
        }
    }

    /// Whether `byte` may stand at `position` of a frame.
    static func fits(_ byte: UInt8, at position: Int, previous: UInt8) -> Bool {
        let printable = (0x20...0x7E).contains(byte)
        switch position {
        case 0: return [UInt8(ascii: "S"), UInt8(ascii: "U"), UInt8(ascii: "O")].contains(byte)
        case 1:
            switch previous {
            case UInt8(ascii: "S"): return byte == UInt8(ascii: "T")
            case UInt8(ascii: "U"): return byte == UInt8(ascii: "S")
            default: return byte == UInt8(ascii: "L")
            }
        case 2, 5, 8: return byte == UInt8(ascii: ",")
        case 3: return byte == UInt8(ascii: "G") || byte == UInt8(ascii: "N")
        case 4: return previous == UInt8(ascii: "G") ? byte == UInt8(ascii: "S") : byte == UInt8(ascii: "T")
        case 6: return printable
        case 7: return true
        case 20: return byte == 0x0D
        case 21: return byte == 0x0A
        default: return printable
        }
    }

    // MARK: Commands

    /// `D dd K W` CR LF: command-mode weight request to indicator `device` (00–99).
    public static func requestWeight(device: Int) -> [UInt8] {
        Array("D\(twoDigits(device))KW\r\n".utf8)
    }

    /// `D dd K Z` CR LF: command-mode zero key.
    public static func zero(device: Int) -> [UInt8] { Array("D\(twoDigits(device))KZ\r\n".utf8) }

    /// `D dd K T` CR LF: command-mode tare key.
    public static func tare(device: Int) -> [UInt8] { Array("D\(twoDigits(device))KT\r\n".utf8) }

    static func twoDigits(_ value: Int) -> String {
        let clamped = min(99, max(0, value))
        return clamped < 10 ? "0\(clamped)" : "\(clamped)"
    }

    /// Nil: the indicators stream. (A profile polls an indicator in command mode with ``requestWeight(device:)``.)
    public var pollCommand: [UInt8]? { nil }

    // MARK: Parsing

    /// Decodes one frame as the type's documentation says.
    ///
    /// - Throws: ``FrameError`` at `frame.offset`.
    public mutating func parse(_ frame: ScaleFrame) throws(FrameError) -> ScaleReading {
        let bytes = frame.bytes
        func fail(_ reason: FrameError.Reason) -> FrameError { FrameError(offset: frame.offset, reason: reason) }
        guard bytes.count == Self.frameLength else { throw fail(.malformed("a CAS frame is 22 bytes, not \(bytes.count)")) }
        for (position, byte) in bytes.enumerated() where !Self.fits(byte, at: position, previous: position > 0 ? bytes[position - 1] : 0) {
            throw fail(.malformed("unexpected byte 0x\(String(byte, radix: 16)) at position \(position)"))
        }
        let header1 = WeightField.text(bytes[0..<2])
        let kind: ScaleReading.Kind = bytes[3] == UInt8(ascii: "N") ? .net : .gross
        let lamp = bytes[7]
        let data = WeightField.text(bytes[9..<17])

        if header1 == "OL" {
            let negative = data.withoutPadding.hasPrefix("-")
            return ScaleReading(protocolName: Self.name, kind: kind, weight: nil, stable: false,
                                status: negative ? .underload : .overload, raw: bytes)
        }
        let unit = try WeightField.unit(WeightField.text(bytes[18..<20]), offset: frame.offset)
        let weight = try WeightField.weight(data, unit: unit, options: options, offset: frame.offset)
        let stable = header1 == "ST" && lamp & 0x40 != 0 && lamp & 0x10 == 0
        return ScaleReading(protocolName: Self.name, kind: kind, weight: weight, tare: nil, stable: stable,
                            status: header1 == "US" ? .motion : .ok, raw: bytes)
    }
}
