import TallyCore

/// The Scale Manufacturers Association (SMA) weight format as Cardinal indicators send it (205, 210,
/// 225, 190, 201), streamed or on demand.
///
/// Follows the Cardinal 225 Installation and Technical manual (8200-M698-O1 Rev B), "Continuous output
/// formats, SMA (Type=0)" and "SMA Weight on Demand Format", and the Cardinal 190 manual (8400-M022-O1
/// Rev J/K), "Request Displayed Weight Command (SMA Format)", which adds the `U` and `T` flags.
///
/// ## Frame
/// `LF <s> <r> <n> <m> <f> <weight, 10 characters> <unit, 3 characters> CR`:
/// - `s` flags: `Z` centre of zero, `O` over capacity, `U` under capacity, `E` zero error, `T` tare
///   error, `e` weight not being displayed, space none;
/// - `r` range (`1`, `2`, ...), `n` mode (`G` gross, `T` tare, `N` net), `m` motion (`M`, or space),
///   `f` a custom flag (ignored);
/// - the weight right-aligned with its sign and decimal point (`----------` with `E` and `T`);
/// - the unit `lb`, `kg`, `g`, `t`, `oz` (left-aligned, space-padded); `ton` (short tons) is refused.
///
/// `O` and `U` give overload and underload, `E` a zero error, `T` and `e` an error, all without a weight.
/// Net readings carry no tare. The division is the profile's, or one unit of the last displayed digit.
public struct CardinalSMA: ScaleProtocolDriver {
    /// `cardinal-sma`.
    public static let name = "cardinal-sma"

    /// LF, printable ASCII, CR; at most 32 bytes.
    public static let framingRule = DelimitedFramer.Rule(start: 0x0A, terminator: [0x0D], body: .printableASCII, maximumLength: 32)

    /// The options from the profile (division).
    public var options: ScaleDriverOptions

    /// Creates a driver.
    public init(options: ScaleDriverOptions = ScaleDriverOptions()) {
        self.options = options
    }

    /// A ``DelimitedFramer`` with ``framingRule``.
    public func makeFramer() -> DelimitedFramer { DelimitedFramer(rule: Self.framingRule) }

    // MARK: Commands (LF <letter> CR)

    /// `LF W CR`: send the displayed weight (when continuous output is off).
    public static let requestWeight: [UInt8] = [0x0A, UInt8(ascii: "W"), 0x0D]
    /// `LF Z CR`: zero (SMA standard command; not listed in the Cardinal manuals read).
    public static let zero: [UInt8] = [0x0A, UInt8(ascii: "Z"), 0x0D]
    /// `LF T CR`: tare (SMA standard command; not listed in the Cardinal manuals read).
    public static let tare: [UInt8] = [0x0A, UInt8(ascii: "T"), 0x0D]

    /// `LF W CR`.
    public var pollCommand: [UInt8]? { Self.requestWeight }

    // MARK: Parsing

    /// Decodes one frame as the type's documentation says.
    ///
    /// - Throws: ``FrameError`` at `frame.offset`.
    public mutating func parse(_ frame: ScaleFrame) throws(FrameError) -> ScaleReading {
        let bytes = frame.bytes
        func fail(_ reason: FrameError.Reason) -> FrameError { FrameError(offset: frame.offset, reason: reason) }
        guard bytes.count >= 2, bytes.first == 0x0A, bytes.last == 0x0D else { throw fail(.malformed("no LF … CR")) }
        let body = Array(bytes[1..<(bytes.count - 1)])
        if body == [UInt8(ascii: "?")] { return ScaleReading(protocolName: Self.name, kind: .gross, weight: nil, stable: false, status: .error, raw: bytes) }
        guard body.count >= 5 + 2 + 1 else { throw fail(.malformed("too short for an SMA weight frame")) }
        let flag = body[0], range = body[1], mode = body[2], motionFlag = body[3]
        guard range == UInt8(ascii: " ") || (0x30...0x39).contains(range) else { throw fail(.malformed("range \"\(WeightField.text([range]))\"")) }
        let kind: ScaleReading.Kind
        switch mode {
        case UInt8(ascii: "G"): kind = .gross
        case UInt8(ascii: "N"): kind = .net
        case UInt8(ascii: "T"): kind = .tare
        default: throw fail(.malformed("mode \"\(WeightField.text([mode]))\" is not G, T or N"))
        }
        guard motionFlag == UInt8(ascii: "M") || motionFlag == UInt8(ascii: " ") else {
            throw fail(.malformed("motion flag \"\(WeightField.text([motionFlag]))\""))
        }
        let motion = motionFlag == UInt8(ascii: "M")
        let unitStart = max(5, body.count - 3)
        let weightText = WeightField.text(body[5..<unitStart])
        let unitText = WeightField.text(body[unitStart...])

        let status: ScaleReading.Status
        switch flag {
        case UInt8(ascii: "O"): status = .overload
        case UInt8(ascii: "U"): status = .underload
        case UInt8(ascii: "E"): status = .zeroError
        case UInt8(ascii: "T"), UInt8(ascii: "e"): status = .error
        case UInt8(ascii: " "), UInt8(ascii: "Z"): status = motion ? .motion : .ok
        default: throw fail(.malformed("flag \"\(WeightField.text([flag]))\" is not Z, O, U, E, T, e or space"))
        }
        guard status == .ok || status == .motion else {
            return ScaleReading(protocolName: Self.name, kind: kind, weight: nil, stable: false, status: status, raw: bytes)
        }
        let unit = try WeightField.unit(unitText, offset: frame.offset)
        let weight = try WeightField.weight(weightText, unit: unit, options: options, offset: frame.offset)
        return ScaleReading(protocolName: Self.name, kind: kind, weight: weight, tare: nil, stable: !motion, status: status, raw: bytes)
    }
}
