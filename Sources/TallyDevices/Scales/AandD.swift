import TallyCore

/// The A&D standard data format of A&D weighing indicators (and, with one header, of A&D balances).
///
/// Follows the A&D AD-4329A Weighing Indicator instruction manual, 12.1 "RS-232C Interface" (12.1.1
/// specification, 12.1.2 data format, 12.1.3 command format, 12.1.4 `RW`), the AD-4406 instruction
/// manual, 13.2 "Data Format" (headers `ST`/`US`/`OL`/`HD`, `GS`/`NT`/`TR`, decimal point or comma),
/// and the AD-4402/AD-4404 manuals, "A&D Data Format" (`LO` out of range; terminator CR or CR LF).
///
/// ## Lines (CR or CR LF)
/// - indicators: `H1,H2,<data><unit>`, e.g. `ST,GS,+0001.23kg`, `US,NT,-0000.50kg`;
/// - balances: `H1,<data><unit>`, e.g. `ST,+00123.45  g` (gross; no second header).
///
/// `H1`: `ST` stable, `US` unstable (motion), `OL` or `LO` out of range (overload, or underload when the
/// data's polarity is `-`; no weight), `HD` a held value (not stable: a hold is never a recorded weight).
/// `H2`: `GS`/`G` gross, `NT`/`N` net, `TR`/`T` and `PT` (preset) tare readings. The data is 8 or 9
/// characters with polarity and a decimal point or comma; the unit is 2 or 3 characters (`kg`, ` g`,
/// ` t`, `lb`, `oz`; others are refused as unknown units). Net readings carry no tare.
///
/// Replies to commands: `?` (unknown command) and `I` (cannot perform now) are ``ScaleReading/Status/error``
/// readings; the echo of a command (`MZ`, `RW`) is a ``FrameError/Reason/reply(_:)``.
///
/// The division is the profile's, or one unit of the last displayed digit.
public struct AandD: ScaleProtocolDriver {
    /// `and`.
    public static let name = "and"

    /// The options from the profile (division).
    public var options: ScaleDriverOptions

    /// Creates a driver.
    public init(options: ScaleDriverOptions = ScaleDriverOptions()) {
        self.options = options
    }

    /// Printable lines ending in CR or CR LF, at most 40 bytes.
    public static let matcher = LineMatcher(start: nil, body: .printableASCII, maximumLength: 40, optionalLineFeed: true)

    /// A ``MatchingFramer`` with ``matcher``.
    public func makeFramer() -> MatchingFramer<LineMatcher> { MatchingFramer(matcher: Self.matcher) }

    // MARK: Commands (CR LF)

    /// `RW` CR LF: indicators send the displayed data once.
    public static let requestWeight = Array("RW\r\n".utf8)
    /// `Q` CR LF: balances send the weighing data once.
    public static let requestBalanceData = Array("Q\r\n".utf8)
    /// `MZ` CR LF: zero (indicators).
    public static let zero = Array("MZ\r\n".utf8)
    /// `MT` CR LF: tare (indicators).
    public static let tare = Array("MT\r\n".utf8)
    /// `CT` CR LF: clear the tare (indicators).
    public static let clearTare = Array("CT\r\n".utf8)

    /// `RW` CR LF (indicators; set `Q` CR LF in a balance's profile).
    public var pollCommand: [UInt8]? { Self.requestWeight }

    // MARK: Parsing

    /// Decodes one line as the type's documentation says.
    ///
    /// - Throws: ``FrameError`` at `frame.offset`.
    public mutating func parse(_ frame: ScaleFrame) throws(FrameError) -> ScaleReading {
        let bytes = frame.bytes
        func fail(_ reason: FrameError.Reason) -> FrameError { FrameError(offset: frame.offset, reason: reason) }
        var end = bytes.count
        if end > 0, bytes[end - 1] == 0x0A { end -= 1 }
        guard end > 0, bytes[end - 1] == 0x0D else { throw fail(.malformed("no CR terminator")) }
        let text = WeightField.text(bytes[0..<(end - 1)])

        guard let firstComma = text.firstIndex(of: ",") else {
            let word = text.withoutPadding
            if word == "?" || word == "I" {
                return ScaleReading(protocolName: Self.name, kind: .gross, weight: nil, stable: false, status: .error, raw: bytes)
            }
            if (1...4).contains(word.count), word.allSatisfy({ $0.isASCII && $0.isUppercase }) { throw fail(.reply(word)) }
            throw fail(.malformed("not an A&D data line: \"\(text)\""))
        }
        let header1 = text[..<firstComma].withoutPadding
        var rest = text[text.index(after: firstComma)...]
        var kind = ScaleReading.Kind.gross
        if let secondComma = rest.firstIndex(of: ","), let parsed = Self.kind(rest[..<secondComma].withoutPadding) {
            kind = parsed
            rest = rest[rest.index(after: secondComma)...]
        }

        // The unit is the trailing run of letters; the data is what precedes it.
        let scalars = Array(rest.unicodeScalars)
        var cut = scalars.count
        while cut > 0, scalars[cut - 1].properties.isAlphabetic || scalars[cut - 1] == " " { cut -= 1 }
        let data = String(String.UnicodeScalarView(scalars[..<cut]))
        let unitText = String(String.UnicodeScalarView(scalars[cut...]))

        switch header1 {
        case "OL", "LO":
            let negative = data.withoutPadding.hasPrefix("-")
            return ScaleReading(protocolName: Self.name, kind: kind, weight: nil, stable: false,
                                status: negative ? .underload : .overload, raw: bytes)
        case "ST", "US", "HD":
            let unit = try WeightField.unit(unitText, offset: frame.offset)
            let weight = try WeightField.weight(data, unit: unit, options: options, offset: frame.offset, decimalComma: true)
            let stable = header1 == "ST"
            return ScaleReading(protocolName: Self.name, kind: kind, weight: weight, tare: nil, stable: stable,
                                status: header1 == "US" ? .motion : .ok, raw: bytes)
        default:
            throw fail(.malformed("unknown header \"\(header1)\""))
        }
    }

    /// The kind a second header names, or nil when the field is not a second header.
    static func kind(_ header: String) -> ScaleReading.Kind? {
        switch header {
        case "GS", "G": .gross
        case "NT", "N": .net
        case "TR", "T", "PT": .tare
        default: nil
        }
    }
}
