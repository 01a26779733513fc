import TallyCore

/// METTLER TOLEDO standard continuous output ("Toledo continuous", the 8142 format), as streamed by
/// IND-series terminals (IND560, IND570, IND780), Panther, Jaguar, Wildcat and many clones.
///
/// Follows the METTLER TOLEDO Wildcat Scale Technical Manual (12/00), Appendix 2 "Continuous Mode
/// Output", Table 6-8 (format) and Tables 6-9 to 6-11 (status bytes A, B, C); the unit codes of status
/// byte C beyond grams follow the OHAUS Defender 5000 manual, Table 5-4 (the same format); the short
/// form without tare follows the Cardinal 225 Installation and Technical manual (8200-M698-O1 Rev B),
/// "Continuous output formats, Toledo (Type=2)".
///
/// ## Frame
/// `STX SWA SWB SWC wwwwww [tttttt] CR [CHK]`: three status bytes, six weight digits, six tare digits
/// (absent in the short form), CR, and an optional checksum: the two's complement of the 7-bit sum of
/// every byte from STX through CR. Digit fields carry no sign and no decimal point (leading zeros may
/// be sent as spaces). Frames are cut by position (``Matcher``): the status bytes may take any value.
/// Whether checksums are sent is learned from the stream: a byte after CR that is the frame's checksum
/// is taken as one; an STX there begins the next frame (when the checksum itself would be an STX, the
/// byte after decides). A frame with a wrong checksum is a ``FrameError/Reason/badChecksum(expected:received:)``.
///
/// ## Status bytes (bit 7, parity, ignored)
/// - SWA bits 0-2, decimal point or dummy zeros: `000` XXXX00, `001` XXXXX0, `010` XXXXXX,
///   `011` XXXXX.X, `100` XXXX.XX, `101` XXX.XXX, `110` XX.XXXX, `111` X.XXXXX; bits 3-4, the
///   increment: `01` ×1, `10` ×2, `11` ×5. The division is the increment at the last digit's place.
/// - SWB: bit 0 net, bit 1 negative, bit 2 out of range, bit 3 motion, bit 4 kg (else lb), bit 6
///   power-up not zeroed. Bit 5 (always 1 on METTLER TOLEDO, 0 on some clones) is not checked.
/// - SWC: bits 0-2 the unit when not lb/kg (`001` g, `010` t, `011` oz; others are refused as unknown
///   units), bit 3 print request, bit 4 expanded display (×10).
///
/// Dummy zeros are read as not transmitted: with `XXXXX0`, a weight field of `001234` is 12340. This
/// reading of the manuals (whose tables give the display pattern only) was not confirmed on a terminal.
///
/// ## Readings
/// Out of range gives overload, or underload when the sign bit is set, without a weight. Power-up not
/// zeroed gives ``ScaleReading/Status/zeroError``, an expanded display ``ScaleReading/Status/error``
/// (a ×10 value must never be recorded), motion ``ScaleReading/Status/motion``. Net readings of the
/// long form carry the tare field as their tare. The frame's own division and unit are used; the
/// profile's ``ScaleDriverOptions`` are not needed.
///
/// The format is streamed only: there is no poll command. (Terminals set to the "CTPZ" input accept
/// single-letter commands, which Tally does not send.)
public struct ToledoContinuous: ScaleProtocolDriver {
    /// `toledo-continuous`.
    public static let name = "toledo-continuous"

    /// The options from the profile (unused: the frame carries division and unit).
    public var options: ScaleDriverOptions

    /// Creates a driver.
    public init(options: ScaleDriverOptions = ScaleDriverOptions()) {
        self.options = options
    }

    /// A ``MatchingFramer`` with a fresh ``Matcher``.
    public func makeFramer() -> MatchingFramer<Matcher> { MatchingFramer(matcher: Matcher()) }

    static let stx: UInt8 = 0x02
    static let cr: UInt8 = 0x0D

    /// The checksum of `bytes` (STX through CR): the two's complement of the sum of their low 7 bits,
    /// in 7 bits.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt8 {
        var sum: UInt8 = 0
        for byte in bytes { sum &+= byte & 0x7F }
        return (0 &- sum) & 0x7F
    }

    /// True for a byte that may stand in a digit field: `0`-`9` or a space (suppressed leading zero).
    static func isDigitField(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x30...0x39).contains(byte)
    }

    /// Cuts Toledo continuous frames by position: STX, three status bytes, six digits, CR (short form)
    /// or six more digits and CR (long form), then the checksum when the stream carries one.
    public struct Matcher: FrameMatcher {
        /// Whether the last frame ended with a checksum (nil before the first frame).
        public private(set) var checksumsSeen: Bool?

        /// Creates a matcher that has seen nothing yet.
        public init() {}

        /// 18 bytes: the long form with its checksum.
        public var maximumLength: Int { 18 }

        /// Only STX begins a frame.
        public func canBegin(_ byte: UInt8) -> Bool { byte == ToledoContinuous.stx }

        /// See the type's documentation.
        public mutating func match(_ bytes: ArraySlice<UInt8>, streamEnded: Bool) -> FrameMatch {
            let base = bytes.startIndex
            func at(_ index: Int) -> UInt8? { base + index < bytes.endIndex ? bytes[base + index] : nil }
            var end = 0
            // STX and the status bytes (any value), then the first digit field.
            for index in 4..<10 {
                guard let byte = at(index) else { return streamEnded ? .noFrame : .incomplete }
                guard ToledoContinuous.isDigitField(byte) else { return .noFrame }
            }
            guard let tenth = at(10) else { return streamEnded ? .noFrame : .incomplete }
            if tenth == ToledoContinuous.cr {
                end = 11
            } else {
                for index in 10..<16 {
                    guard let byte = at(index) else { return streamEnded ? .noFrame : .incomplete }
                    guard ToledoContinuous.isDigitField(byte) else { return .noFrame }
                }
                guard let last = at(16) else { return streamEnded ? .noFrame : .incomplete }
                guard last == ToledoContinuous.cr else { return .noFrame }
                end = 17
            }
            // The optional checksum.
            guard let next = at(end) else { return streamEnded ? .frame(length: end) : .incomplete }
            let expected = ToledoContinuous.checksum(bytes[base..<(base + end)])
            let isChecksum = next & 0x7F == expected
            if next == ToledoContinuous.stx {
                if !isChecksum {
                    checksumsSeen = false
                    return .frame(length: end)
                }
                // Ambiguous: the checksum is an STX. A checksum is followed by the next STX; a frame
                // start by a status byte.
                if let known = checksumsSeen {
                    return .frame(length: known ? end + 1 : end)
                }
                guard let after = at(end + 1) else { return streamEnded ? .frame(length: end + 1) : .incomplete }
                checksumsSeen = after == ToledoContinuous.stx
                return .frame(length: checksumsSeen! ? end + 1 : end)
            }
            if isChecksum || checksumsSeen == true {
                // A checksum (a wrong one is reported by the parser).
                checksumsSeen = true
                return .frame(length: end + 1)
            }
            return .frame(length: end)
        }
    }

    /// Decodes one frame as the type's documentation says.
    ///
    /// - Throws: ``FrameError`` at `frame.offset`: malformed layout, bad checksum, unknown unit, or a
    ///   weight that is not a whole number of increments.
    public mutating func parse(_ frame: ScaleFrame) throws(FrameError) -> ScaleReading {
        let bytes = frame.bytes
        func fail(_ reason: FrameError.Reason) -> FrameError { FrameError(offset: frame.offset, reason: reason) }

        let end: Int
        switch bytes.count {
        case 11, 12: end = 11
        case 17, 18: end = 17
        default: throw fail(.malformed("a Toledo continuous frame is 11, 12, 17 or 18 bytes, not \(bytes.count)"))
        }
        guard bytes[0] == Self.stx, bytes[end - 1] == Self.cr else { throw fail(.malformed("no STX … CR")) }
        guard bytes[4..<(end - 1)].allSatisfy(Self.isDigitField) else { throw fail(.malformed("digit fields hold other characters")) }
        if bytes.count == end + 1 {
            let expected = Self.checksum(bytes[0..<end])
            let received = bytes[end] & 0x7F
            guard expected == received else { throw fail(.badChecksum(expected: expected, received: received)) }
        }

        let swa = bytes[1] & 0x7F, swb = bytes[2] & 0x7F, swc = bytes[3] & 0x7F
        let multiplier: Int
        switch (swa >> 3) & 0b11 {
        case 0b01: multiplier = 1
        case 0b10: multiplier = 2
        case 0b11: multiplier = 5
        default: throw fail(.malformed("status word A gives no increment (bits 3-4 are 00)"))
        }
        let expanded = swc & 0x10 != 0
        // 000 → two dummy zeros (10^2) ... 010 → units (10^0) ... 111 → five decimals (10^-5).
        let exponent = 2 - Int(swa & 0b111) - (expanded ? 1 : 0)
        guard let division = Division(multiplier: multiplier, exponent: exponent) else {
            throw fail(.malformed("status word A gives no valid division"))
        }
        let unit: WeightUnit
        switch swc & 0b111 {
        case 0: unit = swb & 0x10 != 0 ? .kilogram : .pound
        case 1: unit = .gram
        case 2: unit = .tonne
        case 3: unit = .ounce
        default: throw fail(.unknownUnit("status word C unit code \(swc & 0b111)"))
        }

        let net = swb & 0x01 != 0
        let negative = swb & 0x02 != 0
        let outOfRange = swb & 0x04 != 0
        let motion = swb & 0x08 != 0
        let notZeroed = swb & 0x40 != 0
        let kind: ScaleReading.Kind = net ? .net : .gross

        if outOfRange {
            return ScaleReading(protocolName: Self.name, kind: kind, weight: nil, tare: nil, stable: false,
                                status: negative ? .underload : .overload, raw: bytes)
        }
        func field(_ range: Range<Int>, _ what: String) throws(FrameError) -> Int64 {
            let digits = bytes[range].drop { $0 == 0x20 }
            guard !digits.isEmpty, digits.allSatisfy({ (0x30...0x39).contains($0) }) else {
                throw fail(.badWeight("the \(what) field \"\(WeightField.text(bytes[range]))\" is not a number"))
            }
            let value = digits.reduce(Int64(0)) { $0 * 10 + Int64($1 - 0x30) }
            guard value % Int64(multiplier) == 0 else {
                throw fail(.badWeight("the \(what) field \(WeightField.text(bytes[range])) is not a whole number of ×\(multiplier) increments"))
            }
            return value / Int64(multiplier)
        }
        let divisions = try field(4..<10, "weight")
        let weight = Weight(divisions: negative ? -divisions : divisions, division: division, unit: unit)
        var tare: Weight?
        if net, end == 17 {
            tare = Weight(divisions: try field(10..<16, "tare"), division: division, unit: unit)
        }
        let status: ScaleReading.Status = notZeroed ? .zeroError : expanded ? .error : motion ? .motion : .ok
        return ScaleReading(protocolName: Self.name, kind: kind, weight: weight, tare: tare, stable: !motion, status: status, raw: bytes)
    }
}
