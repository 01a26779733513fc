import TallyCore

/// The Toledo 8213/8217 demand protocol ("ECR" protocol of point-of-sale and checkout scales).
///
/// Follows the METTLER TOLEDO DIVA Service Manual (72191202, 05/2012), 6.1.3.2 "Command
/// Descriptions" (8217 commands and replies) and 6.1.4.3 "Status Byte Format"; the 8213 replies without
/// units follow the Salter Brecknell 3700LP User's Manual ("Model 8213 Protocol") and the Transcell
/// PC-150 manual, B.1.4 "Toledo 8213 Demand Format".
///
/// ## Replies (`STX … CR`)
/// | reply to `W` | reading |
/// |---|---|
/// | `STX WW.WW CR`, `STX WW.WWW CR` | gross weight, stable (the scale answers with a weight only when it is valid) |
/// | the same followed by `N` | net weight (no tare in the frame) |
/// | `STX ? <status> CR` | no weight: motion, overload (over capacity), underload (under zero) or zero error (outside the zero capture range) |
///
/// A status reply with none of those bits set (the answer to `Z`, `T`, `C`), the empty reply to `A`
/// and the echo-test replies `E` and `F` are ``FrameError/Reason/reply(_:)``.
///
/// Status byte bits (bit 7, parity, ignored): 0 motion, 1 over capacity, 2 under zero, 3 outside the
/// zero capture range, 4 centre of zero, 5 net (some 8213 clones always set it), 6 always 1.
///
/// ## Unit and division
/// Frames carry no unit: ``ScaleDriverOptions/unit`` from the profile is used; without it the DIVA
/// convention applies (two decimals are pounds, three are kilograms), and anything else is an
/// ``FrameError/Reason/unknownUnit(_:)``. The division is the profile's, or one unit of the last digit.
public struct Toledo8217: ScaleProtocolDriver {
    /// `toledo-8217`.
    public static let name = "toledo-8217"

    /// STX, bytes 0x20–0xFF (status bytes may have bit 7 set when the port ignores parity), CR, at most 16 bytes.
    public static let framingRule = DelimitedFramer.Rule(
        start: 0x02, terminator: [0x0D], body: ByteSet(0x20...0xFF), maximumLength: 16)

    /// The options from the profile (unit and division).
    public var options: ScaleDriverOptions

    /// Creates a driver.
    public init(options: ScaleDriverOptions = ScaleDriverOptions()) {
        self.options = options
    }

    /// A ``DelimitedFramer`` with ``framingRule``.
    public func makeFramer() -> DelimitedFramer { DelimitedFramer(rule: Self.framingRule) }

    // MARK: Commands (single characters; tare ends with CR)

    /// `W`: send the weight (or the status when there is no valid weight).
    public static let requestWeight: [UInt8] = [UInt8(ascii: "W")]
    /// `Z`: zero the scale; the status is returned.
    public static let zero: [UInt8] = [UInt8(ascii: "Z")]
    /// `T` CR: tare the load on the platter; the status is returned.
    public static let tare: [UInt8] = [UInt8(ascii: "T"), 0x0D]
    /// `C`: clear the tare; the status is returned.
    public static let clearTare: [UInt8] = [UInt8(ascii: "C")]

    /// `W`.
    public var pollCommand: [UInt8]? { Self.requestWeight }

    // MARK: Parsing

    /// Decodes one reply as the table in the type's documentation says.
    ///
    /// - Throws: ``FrameError`` at `frame.offset`.
    public mutating func parse(_ frame: ScaleFrame) throws(FrameError) -> ScaleReading {
        let bytes = frame.bytes
        func fail(_ reason: FrameError.Reason) -> FrameError { FrameError(offset: frame.offset, reason: reason) }
        guard bytes.count >= 2, bytes.first == 0x02, bytes.last == 0x0D else { throw fail(.malformed("no STX … CR")) }
        let body = Array(bytes[1..<(bytes.count - 1)])

        if body.isEmpty { throw fail(.reply("acknowledged (empty reply)")) }
        if body == [UInt8(ascii: "E")] || body == [UInt8(ascii: "F")] { throw fail(.reply("echo mode \(WeightField.text(body))")) }
        if body.first == UInt8(ascii: "?") {
            guard body.count == 2 else { throw fail(.malformed("a status reply is ? and one status byte")) }
            return try statusReading(body[1] & 0x7F, raw: bytes, offset: frame.offset)
        }

        var digits = body[...]
        var kind = ScaleReading.Kind.gross
        if digits.last == UInt8(ascii: "N") {
            kind = .net
            digits = digits.dropLast()
        }
        let text = WeightField.text(digits)
        guard !digits.isEmpty, digits.allSatisfy({ (0x30...0x39).contains($0) || $0 == UInt8(ascii: ".") }),
              let value = ExactDecimal(parsing: text)
        else { throw fail(.malformed("not an 8217 weight or status reply: \"\(WeightField.text(body))\"")) }
        let unit: WeightUnit
        if let configured = options.unit {
            unit = configured
        } else if value.scale == 2 {
            unit = .pound
        } else if value.scale == 3 {
            unit = .kilogram
        } else {
            throw fail(.unknownUnit("none in the frame; set the profile's unit"))
        }
        let weight = try WeightField.weight(value: value, text: text, unit: unit, division: options.division, offset: frame.offset)
        return ScaleReading(protocolName: Self.name, kind: kind, weight: weight, tare: nil, stable: true, status: .ok, raw: bytes)
    }

    /// A status-only reply: a reading without weight, or a reply when no condition is set.
    func statusReading(_ status: UInt8, raw: [UInt8], offset: Int) throws(FrameError) -> ScaleReading {
        guard status & 0x40 != 0 else {
            throw FrameError(offset: offset, reason: .malformed("status byte 0x\(String(status, radix: 16)) lacks bit 6"))
        }
        let motion = status & 0x01 != 0
        let result: ScaleReading.Status
        if status & 0x02 != 0 {
            result = .overload
        } else if status & 0x04 != 0 {
            result = .underload
        } else if status & 0x08 != 0 {
            result = .zeroError
        } else if motion {
            result = .motion
        } else {
            throw FrameError(offset: offset, reason: .reply("status 0x\(String(status, radix: 16))\(status & 0x10 != 0 ? " (centre of zero)" : "")"))
        }
        // No weight, so nothing is stable to record.
        return ScaleReading(protocolName: Self.name, kind: status & 0x20 != 0 ? .net : .gross, weight: nil, tare: nil,
                            stable: false, status: result, raw: raw)
    }
}
