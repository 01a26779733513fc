import TallyCore

/// The NCI standard scale protocol (Avery Weigh-Tronix / NCI, Brecknell, and the many scales that copy it).
///
/// Follows the Avery Weigh-Tronix 7821 User Instructions, 6.3 "NCI Communications Protocol", and the
/// ZM400 Series Indicators Service Manual, 7.3 "NCI commands" (which refer to AWTX control document
/// SCP-01); the over/under/zero-error weight fields and the status bytes follow the Brecknell 67XXU
/// USB/Serial Scale Service Manual (Table 7.3) and the CAS CI-100A manual, 23.6 (the same NCI layout);
/// the optional `S` before the status bytes follows the METTLER TOLEDO DIVA Service Manual (NCI section).
///
/// ## Frames
/// Every reply begins with LF and ends with CR ETX:
/// - `W` CR → `LF <weight><unit> CR LF <status bytes> CR ETX` (a weight reading);
/// - `S` CR, `Z` CR, `T` CR → `LF <status bytes> CR ETX` (status only);
/// - anything unrecognized → `LF ? CR ETX` (an ``ScaleReading/Status/error`` reading).
///
/// The weight field is the display, sign included (`  12.34lb`, `-0012.5 kg`); `^^^^^^` means over
/// capacity, `______` under capacity, `------` a zero error: those readings carry no weight.
///
/// ## Status bytes (bits 4 and 5 always 1, bit 7 parity)
/// - byte 1: bit 0 motion, bit 1 at zero, bit 2 RAM error, bit 3 EEPROM error;
/// - byte 2: bit 0 under capacity, bit 1 over capacity, bit 2 ROM error, bit 3 faulty calibration,
///   bit 6 another byte follows;
/// - byte 3 (optional): bit 2 net weight, bit 3 initial zero error, bit 6 another byte follows;
/// - byte 4 (optional): not used here.
///
/// Over and under capacity, zero errors and hardware errors win over motion. A status-only frame with
/// one of those conditions (or motion) is a reading without weight; with none, a
/// ``FrameError/Reason/reply(_:)``. Net readings carry no tare (the protocol does not send it).
///
/// Units are the frame's (`lb`, `kg`, `g`, `oz`); pound-ounce displays (`1lb 2.5oz`) are refused. The
/// division is the profile's, or one unit of the last displayed digit.
public struct NCI: ScaleProtocolDriver {
    /// `nci`.
    public static let name = "nci"

    /// The options from the profile (division; unit for frames without one).
    public var options: ScaleDriverOptions

    /// Creates a driver.
    public init(options: ScaleDriverOptions = ScaleDriverOptions()) {
        self.options = options
    }

    /// A ``MatchingFramer`` with a ``Matcher``.
    public func makeFramer() -> MatchingFramer<Matcher> { MatchingFramer(matcher: Matcher()) }

    static let lf: UInt8 = 0x0A, cr: UInt8 = 0x0D, etx: UInt8 = 0x03

    /// Recognizes `LF line CR ETX` and `LF line CR LF line CR ETX`, lines of bytes 0x20–0xFF.
    public struct Matcher: FrameMatcher {
        /// Creates a matcher.
        public init() {}

        /// 64 bytes.
        public var maximumLength: Int { 64 }

        /// Only LF begins a reply.
        public func canBegin(_ byte: UInt8) -> Bool { byte == NCI.lf }

        /// A complete reply, or garbage when the layout breaks (the framer then resumes at the next LF).
        public mutating func match(_ bytes: ArraySlice<UInt8>, streamEnded: Bool) -> FrameMatch {
            var index = bytes.startIndex + 1
            var lines = 1
            while true {
                // A line up to CR: printable text, or status bytes (0x7F, and bit 7 when parity is not stripped).
                while index < bytes.endIndex, bytes[index] != NCI.cr {
                    guard bytes[index] >= 0x20, index - bytes.startIndex < maximumLength else { return .noFrame }
                    index += 1
                }
                guard index + 1 < bytes.endIndex else { return streamEnded ? .noFrame : .incomplete }
                let next = bytes[index + 1]
                if next == NCI.etx { return .frame(length: index + 2 - bytes.startIndex) }
                guard next == NCI.lf, lines == 1 else { return .noFrame }
                lines = 2
                index += 2
            }
        }
    }

    // MARK: Commands (each ends with CR)

    /// `W` CR: weight, unit and status.
    public static let requestWeight = Array("W\r".utf8)
    /// `S` CR: status only.
    public static let requestStatus = Array("S\r".utf8)
    /// `Z` CR: zero the scale; returns the status.
    public static let zero = Array("Z\r".utf8)
    /// `T` CR: tare (where supported); returns the status.
    public static let tare = Array("T\r".utf8)

    /// `W` CR.
    public var pollCommand: [UInt8]? { Self.requestWeight }

    // MARK: Parsing

    /// The decoded status bytes.
    struct Status {
        var motion = false, atZero = false, under = false, over = false, hardwareError = false
        var net = false, initialZeroError = false
    }

    /// Decodes one reply as the type's documentation says.
    ///
    /// - Throws: ``FrameError`` at `frame.offset`.
    public mutating func parse(_ frame: ScaleFrame) throws(FrameError) -> ScaleReading {
        let bytes = frame.bytes
        func fail(_ reason: FrameError.Reason) -> FrameError { FrameError(offset: frame.offset, reason: reason) }
        guard bytes.count >= 4, bytes.first == Self.lf, bytes[bytes.count - 2] == Self.cr, bytes.last == Self.etx else {
            throw fail(.malformed("no LF … CR ETX"))
        }
        let lines = bytes[1..<(bytes.count - 2)].split(separator: Self.cr, omittingEmptySubsequences: false)
        let statusLine: ArraySlice<UInt8>
        var weightLine: ArraySlice<UInt8>?
        switch lines.count {
        case 1:
            statusLine = lines[0]
        case 2:
            guard lines[1].first == Self.lf else { throw fail(.malformed("the second line does not begin with LF")) }
            weightLine = lines[0]
            statusLine = lines[1].dropFirst()
        default:
            throw fail(.malformed("more than two lines"))
        }
        if weightLine == nil, WeightField.text(statusLine).withoutPadding == "?" {
            return ScaleReading(protocolName: Self.name, kind: .gross, weight: nil, stable: false, status: .error, raw: bytes)
        }
        let status = try Self.status(statusLine, offset: frame.offset)

        var weight: Weight?
        var overload = status.over, underload = status.under, zeroError = status.initialZeroError
        if let weightLine {
            let text = WeightField.text(weightLine)
            // The unit is the trailing run of letters; the number is what precedes it.
            let scalars = Array(text.unicodeScalars)
            var cut = scalars.count
            while cut > 0, scalars[cut - 1].properties.isAlphabetic || scalars[cut - 1] == " " { cut -= 1 }
            let number = String(String.UnicodeScalarView(scalars[..<cut]))
            let unitText = String(String.UnicodeScalarView(scalars[cut...])).withoutPadding
            if WeightField.isFilled(number, with: "^") {
                overload = true
            } else if WeightField.isFilled(number, with: "_") {
                underload = true
            } else if WeightField.isFilled(number, with: "-") {
                zeroError = true
            } else {
                let lowercased = text.lowercased()
                if lowercased.contains("lb"), lowercased.contains("oz") {
                    throw fail(.badWeight("pound-ounce displays are not supported: \"\(text)\""))
                }
                let unit: WeightUnit
                if unitText.isEmpty, let configured = options.unit {
                    unit = configured
                } else {
                    unit = try WeightField.unit(unitText, offset: frame.offset)
                }
                weight = try WeightField.weight(number, unit: unit, options: options, offset: frame.offset)
            }
        }

        let result: ScaleReading.Status
        if overload {
            result = .overload
        } else if underload {
            result = .underload
        } else if zeroError {
            result = .zeroError
        } else if status.hardwareError {
            result = .error
        } else if status.motion {
            result = .motion
        } else {
            result = .ok
        }
        if result != .ok && result != .motion && result != .error { weight = nil }
        if weightLine == nil, result == .ok {
            throw fail(.reply("status \(WeightField.text(statusLine))"))
        }
        return ScaleReading(protocolName: Self.name, kind: status.net ? .net : .gross, weight: weight, tare: nil,
                            stable: weight != nil && !status.motion, status: result, raw: bytes)
    }

    /// Reads the status bytes (an optional leading `S` skipped).
    static func status(_ line: ArraySlice<UInt8>, offset: Int) throws(FrameError) -> Status {
        var bytes = line
        if bytes.first == UInt8(ascii: "S") { bytes = bytes.dropFirst() }
        guard !bytes.isEmpty, bytes.allSatisfy({ $0 & 0x30 == 0x30 }) else {
            throw FrameError(offset: offset, reason: .malformed("not NCI status bytes: \"\(WeightField.text(line))\""))
        }
        let values = bytes.map { $0 & 0x7F }
        var status = Status()
        status.motion = values[0] & 0x01 != 0
        status.atZero = values[0] & 0x02 != 0
        status.hardwareError = values[0] & 0x0C != 0
        if values.count > 1 {
            status.under = values[1] & 0x01 != 0
            status.over = values[1] & 0x02 != 0
            status.hardwareError = status.hardwareError || values[1] & 0x0C != 0
        }
        if values.count > 2 {
            status.net = values[2] & 0x04 != 0
            status.initialZeroError = values[2] & 0x08 != 0
        }
        return status
    }
}
