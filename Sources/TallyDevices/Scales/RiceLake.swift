import TallyCore

/// The Rice Lake Weighing Systems stream format (RLWS), streamed by 920i, 880, 480/482, 680/682 and
/// other Rice Lake indicators.
///
/// Follows the Rice Lake 682 Synergy Plus Technical Manual, 16.5.1 "Rice Lake Weighing Systems Stream
/// Format" (the same figure as the 680 manual, 11.3.1), and, for the commands,
/// the 880 Performance Series Technical/Service Manual, 6.1.5 "Normal Mode Commands" (`SX`, `EX`, `S`).
///
/// ## Frame
/// `STX <pol> <wwwwwww> <unit> <G/N> <status> CR [LF]`: polarity space (positive) or `-`; seven
/// characters of weight, right-aligned, with the decimal point, leading zeros sent as spaces; the unit
/// letter `L` (lb), `K` (kg), `G` (g), `O` (oz), `T` (tons); `G` gross or `N` net (`T` tare on
/// indicators with custom tokens); the status: space valid, `M` motion, `O` over or under range (the
/// polarity tells which; no weight), `I` invalid (an ``ScaleReading/Status/error`` reading without
/// weight), `Z` centre of zero (valid). The terminator is CR LF or CR, as the port is set.
///
/// `T` does not say whether short or metric tons are meant: it is read as tonnes only when the profile's
/// unit is `t`, and refused otherwise. Net readings carry no tare. The division is the profile's, or one
/// unit of the last displayed digit.
///
/// The stream runs when the indicator's port is set to stream (trigger `STRIND` or `STRLFT`, format
/// `RLWS`); Tally only listens by default. ``startStreaming``, ``stopStreaming`` and ``requestFrame``
/// are the EDP commands for indicators that take them.
public struct RiceLake: ScaleProtocolDriver {
    /// `rice-lake`.
    public static let name = "rice-lake"

    /// The options from the profile (division; `t` to accept the `T` unit).
    public var options: ScaleDriverOptions

    /// Creates a driver.
    public init(options: ScaleDriverOptions = ScaleDriverOptions()) {
        self.options = options
    }

    /// STX, printable ASCII, CR and an optional LF; at most 24 bytes.
    public static let matcher = LineMatcher(start: 0x02, body: .printableASCII, maximumLength: 24, optionalLineFeed: true)

    /// A ``MatchingFramer`` with ``matcher``.
    public func makeFramer() -> MatchingFramer<LineMatcher> { MatchingFramer(matcher: Self.matcher) }

    // MARK: Commands (EDP, ending with CR)

    /// `SX` CR: start streaming on the port receiving the command (answers `OK` or `??`).
    public static let startStreaming = Array("SX\r".utf8)
    /// `EX` CR: stop streaming on the port receiving the command.
    public static let stopStreaming = Array("EX\r".utf8)
    /// `S` CR: send one frame in the port's stream format (880 Performance; not confirmed for every model).
    public static let requestFrame = Array("S\r".utf8)
    /// `KZERO` CR: press the ZERO key (920i key-press EDP command; not confirmed from the manuals read).
    public static let zero = Array("KZERO\r".utf8)
    /// `KTARE` CR: press the TARE key (920i key-press EDP command; not confirmed from the manuals read).
    public static let tare = Array("KTARE\r".utf8)

    // MARK: Parsing

    /// Decodes one frame as the type's documentation says.
    ///
    /// - Throws: ``FrameError`` at `frame.offset`.
    public mutating func parse(_ frame: ScaleFrame) throws(FrameError) -> ScaleReading {
        let bytes = frame.bytes
        func fail(_ reason: FrameError.Reason) -> FrameError { FrameError(offset: frame.offset, reason: reason) }
        var end = bytes.count
        if end > 0, bytes[end - 1] == 0x0A { end -= 1 }
        guard bytes.first == 0x02, end == 13, bytes[end - 1] == 0x0D else {
            throw fail(.malformed("a Rice Lake stream frame is STX, 11 characters and CR [LF]"))
        }
        let polarity = bytes[1], unitCode = bytes[9], mode = bytes[10], status = bytes[11]
        let weightText = WeightField.text(bytes[2..<9])
        guard polarity == UInt8(ascii: " ") || polarity == UInt8(ascii: "-") || polarity == UInt8(ascii: "+") else {
            throw fail(.malformed("polarity \"\(WeightField.text([polarity]))\""))
        }
        let kind: ScaleReading.Kind
        switch mode {
        case UInt8(ascii: "G"): kind = .gross
        case UInt8(ascii: "N"): kind = .net
        case UInt8(ascii: "T"): kind = .tare
        default: throw fail(.malformed("mode \"\(WeightField.text([mode]))\" is not G, N or T"))
        }
        let negative = polarity == UInt8(ascii: "-")
        switch status {
        case UInt8(ascii: "O"):
            return ScaleReading(protocolName: Self.name, kind: kind, weight: nil, stable: false,
                                status: negative ? .underload : .overload, raw: bytes)
        case UInt8(ascii: "I"):
            return ScaleReading(protocolName: Self.name, kind: kind, weight: nil, stable: false, status: .error, raw: bytes)
        case UInt8(ascii: " "), UInt8(ascii: "M"), UInt8(ascii: "Z"):
            break
        default:
            throw fail(.malformed("status \"\(WeightField.text([status]))\" is not space, M, O, I or Z"))
        }
        let unit: WeightUnit
        switch unitCode {
        case UInt8(ascii: "L"): unit = .pound
        case UInt8(ascii: "K"): unit = .kilogram
        case UInt8(ascii: "G"): unit = .gram
        case UInt8(ascii: "O"): unit = .ounce
        case UInt8(ascii: "T") where options.unit == .tonne: unit = .tonne
        default: throw fail(.unknownUnit(WeightField.text([unitCode])))
        }
        let signed = (negative ? "-" : "") + weightText.withoutPadding
        let weight = try WeightField.weight(signed, unit: unit, options: options, offset: frame.offset)
        let motion = status == UInt8(ascii: "M")
        return ScaleReading(protocolName: Self.name, kind: kind, weight: weight, tare: nil, stable: !motion,
                            status: motion ? .motion : .ok, raw: bytes)
    }
}
