import TallyCore

/// Mettler Toledo MT-SICS (Standard Interface Command Set), levels 0 and 1, as a scale driver.
///
/// MT-SICS is line based: the host sends an upper-case command ending in CR LF, the indicator answers
/// `ID Status [value unit]` CR LF, fields separated by spaces, the weight right-aligned with its sign
/// and decimal point (`S S     412.5 kg`). Frames are printable ASCII lines of at most 128 bytes
/// (``framingRule``); quoted 8-bit texts some level-2 replies carry are not needed and are discarded.
///
/// ## Replies and what they become
/// | frame | result |
/// |---|---|
/// | `S S <w> <u>` (reply to `S`, `SI`, `SIR`) | reading, stable, status ok |
/// | `S D <w> <u>` | reading, not stable, status motion |
/// | `S +` / `S -` | reading without weight, status overload / underload |
/// | `S I` (busy, or no stability within the timeout) | reading without weight, status error |
/// | `ES`, `ET`, `EL` (syntax, transmission, logical error) | reading without weight, status error |
/// | `T S <w> <u>`, `TA A <w> <u>` | reading of kind tare (stable, ok); the driver remembers the tare |
/// | `Z A`, `TAC A` | ``FrameError/Reason/reply(_:)``; the driver forgets the tare |
/// | any other well-formed reply (`Z I`, `T +`, `I4 A "…"`) | ``FrameError/Reason/reply(_:)`` |
/// | anything else | ``FrameError`` (malformed, bad weight, unknown unit) |
///
/// `ES`/`ET`/`EL` become error *readings* rather than frame errors because they are well-formed
/// statements from the indicator that it gave no weight; they carry no weight, so they can never be
/// captured, and the console can show them like `S I`.
///
/// ## Gross or net
/// `S` reports the net value (gross minus the active tare). The driver marks a weight reading
/// ``ScaleReading/Kind/net`` and attaches the tare when it knows a non-zero tare is active, i.e. it
/// has parsed a `T S` or `TA A` reply with a non-zero value since the last `Z A` or `TAC A`
/// (zeroing clears the tare on MT-SICS indicators); otherwise ``ScaleReading/Kind/gross``. A tare
/// set on the indicator's keypad is invisible to the driver: query it with ``queryTare`` first.
///
/// ## Division
/// Without ``ScaleDriverOptions/division``, the division is one unit of the last displayed digit
/// (`412.5` → 0.1). With it, a value that is not a whole number of divisions is a ``FrameError``.
public struct MTSICS: ScaleProtocolDriver {
    /// `mt-sics`.
    public static let name = "mt-sics"

    /// Lines of printable ASCII ending in CR LF, at most 128 bytes.
    public static let framingRule = DelimitedFramer.Rule(terminator: [0x0D, 0x0A], body: .printableASCII, maximumLength: 128)

    /// The options from the profile.
    public var options: ScaleDriverOptions
    /// The non-zero tare the driver knows is active (see the type's documentation), or nil.
    public private(set) var activeTare: Weight?

    /// Creates a driver; `activeTare` starts unknown (nil).
    public init(options: ScaleDriverOptions = ScaleDriverOptions()) {
        self.options = options
    }

    /// A ``DelimitedFramer`` with ``framingRule``.
    public func makeFramer() -> DelimitedFramer { DelimitedFramer(rule: Self.framingRule) }

    // MARK: Commands

    /// `text` followed by CR LF, as bytes.
    public static func command(_ text: String) -> [UInt8] { Array(text.utf8) + [0x0D, 0x0A] }

    /// `S`: send the stable weight (waits for stability; `S I` on timeout).
    public static let sendStableWeight = command("S")
    /// `SI`: send the weight immediately, stable or not.
    public static let sendWeightImmediately = command("SI")
    /// `SIR`: send the weight immediately and repeat until another command.
    public static let sendWeightImmediatelyAndRepeat = command("SIR")
    /// `Z`: zero the scale (also clears the tare).
    public static let zero = command("Z")
    /// `T`: tare with the stable weight on the platform.
    public static let tare = command("T")
    /// `TA`: query the tare weight.
    public static let queryTare = command("TA")
    /// `TAC`: clear the tare (level 1).
    public static let clearTare = command("TAC")
    /// `@`: reset (cancels running commands; answers with `I4 A "<serial number>"`).
    public static let reset = command("@")

    /// `TA <value> <unit>`: preset a tare weight (level 1).
    public static func presetTare(_ weight: Weight) -> [UInt8] {
        command("TA \(weight.value) \(weight.unit.rawValue)")
    }

    /// `SI`: one reading, stable or not.
    public var pollCommand: [UInt8]? { Self.sendWeightImmediately }
    /// `SIR`: continuous readings.
    public var startContinuousCommand: [UInt8]? { Self.sendWeightImmediatelyAndRepeat }
    /// `SI`, which replaces (ends) a running `SIR` with a single reply.
    public var stopContinuousCommand: [UInt8]? { Self.sendWeightImmediately }

    // MARK: Parsing

    /// Decodes one reply line as the table in the type's documentation says; tracks the tare.
    ///
    /// - Throws: ``FrameError`` at `frame.offset`.
    public mutating func parse(_ frame: ScaleFrame) throws(FrameError) -> ScaleReading {
        let bytes = frame.bytes
        func fail(_ reason: FrameError.Reason) -> FrameError { FrameError(offset: frame.offset, reason: reason) }

        guard bytes.count >= 2, bytes[bytes.count - 2] == 0x0D, bytes[bytes.count - 1] == 0x0A else {
            throw fail(.malformed("no CR LF terminator"))
        }
        let body = bytes[0..<(bytes.count - 2)]
        guard body.allSatisfy({ (0x20...0x7E).contains($0) }) else { throw fail(.malformed("non-printable byte")) }
        let text = String(decoding: body, as: UTF8.self)
        let fields = text.split(separator: " ").map(String.init)
        guard let id = fields.first else { throw fail(.malformed("empty line")) }
        let status = fields.count > 1 ? fields[1] : nil

        func reading(_ kind: ScaleReading.Kind? = nil, weight: Weight?, stable: Bool, status: ScaleReading.Status) -> ScaleReading {
            let tare = activeTare
            return ScaleReading(
                protocolName: Self.name, kind: kind ?? (tare == nil ? .gross : .net), weight: weight,
                tare: kind == .tare ? nil : tare, stable: stable, status: status, raw: bytes
            )
        }

        switch (id, status) {
        case ("ES", nil), ("ET", nil), ("EL", nil):
            return reading(weight: nil, stable: false, status: .error)

        case ("S", "S"), ("S", "D"):
            let weight = try parseWeight(fields.dropFirst(2), offset: frame.offset)
            return status == "S"
                ? reading(weight: weight, stable: true, status: .ok)
                : reading(weight: weight, stable: false, status: .motion)
        case ("S", "+") where fields.count == 2:
            return reading(weight: nil, stable: false, status: .overload)
        case ("S", "-") where fields.count == 2:
            return reading(weight: nil, stable: false, status: .underload)
        case ("S", "I") where fields.count == 2:
            return reading(weight: nil, stable: false, status: .error)
        case ("S", _):
            throw fail(.malformed("unexpected weight reply \"\(text)\""))

        case ("T", "S"), ("TA", "A"):
            // `T S` always carries the tare; a bare `TA A` is an acknowledgement (treated as a reply).
            guard fields.count > 2 else { throw fail(.reply(text)) }
            let tare = try parseWeight(fields.dropFirst(2), offset: frame.offset)
            activeTare = tare.divisions == 0 ? nil : tare
            return reading(.tare, weight: tare, stable: true, status: .ok)

        case ("Z", "A"), ("TAC", "A"):
            activeTare = nil
            throw fail(.reply(text))

        default:
            guard Self.isCommandIdentifier(id), let status, status.count == 1 else {
                throw fail(.malformed("not an MT-SICS reply: \"\(text)\""))
            }
            throw fail(.reply(text))
        }
    }

    /// 1 to 5 upper-case letters and digits beginning with a letter, or `@`.
    static func isCommandIdentifier(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard (1...5).contains(bytes.count) else { return false }
        if bytes == [UInt8(ascii: "@")] { return true }
        guard (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(bytes[0]) else { return false }
        return bytes.allSatisfy { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// Reads `value unit` (a sign separated from the digits by spaces is joined to them).
    func parseWeight(_ fields: ArraySlice<String>, offset: Int) throws(FrameError) -> Weight {
        guard fields.count >= 2, let unitText = fields.last else {
            throw FrameError(offset: offset, reason: .malformed("weight reply without value and unit"))
        }
        let valueText = fields.dropLast().joined()
        guard let value = ExactDecimal(parsing: valueText) else {
            throw FrameError(offset: offset, reason: .badWeight("\"\(valueText)\" is not a number"))
        }
        guard let unit = WeightUnit(symbol: unitText) else {
            throw FrameError(offset: offset, reason: .unknownUnit(unitText))
        }
        let division = options.division ?? Division(multiplier: 1, exponent: -value.scale)
        guard let division else {
            throw FrameError(offset: offset, reason: .badWeight("\"\(valueText)\" has too many decimals"))
        }
        guard let weight = Weight(value: value, division: division, unit: unit) else {
            throw FrameError(offset: offset, reason: .badWeight("\(valueText) is not a whole number of divisions of \(division)"))
        }
        return weight
    }
}
