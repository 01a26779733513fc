/// An exact decimal number: `significand × 10^-scale`.
///
/// Weights, tolerances and unit conversions are computed with this type so that no reading is ever
/// rounded through binary floating point. Arithmetic traps on overflow rather than wrapping.
public struct ExactDecimal: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    /// The integer digits of the number.
    public var significand: Int64
    /// How many of those digits lie after the decimal point (0 to 18).
    public var scale: Int

    /// Creates `significand × 10^-scale`.
    public init(significand: Int64, scale: Int) {
        precondition(scale >= 0 && scale <= 18, "ExactDecimal scale out of range")
        self.significand = significand
        self.scale = scale
    }

    /// Parses a plain decimal literal: optional sign, digits, optional point and digits (`-412.50`).
    /// Leading and trailing spaces are ignored. Returns nil for anything else, including exponents.
    public init?(parsing text: some StringProtocol) {
        var bytes = Array(text.utf8)[...]
        while let first = bytes.first, first == UInt8(ascii: " ") { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == UInt8(ascii: " ") { bytes = bytes.dropLast() }
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var value: Int64 = 0
        var scale = 0
        var seenPoint = false
        var digits = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                if seenPoint { return nil }
                seenPoint = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            // Accumulate below zero so that Int64.min (whose magnitude Int64 cannot hold) parses too.
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.subtractingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            value = sum
            digits += 1
            if seenPoint { scale += 1 }
        }
        guard digits > 0, scale <= 18 else { return nil }
        if negative {
            self.init(significand: value, scale: scale)
        } else {
            guard value != .min else { return nil }
            self.init(significand: -value, scale: scale)
        }
    }

    /// The same value written with `newScale` digits after the point, or nil if that loses digits or overflows.
    public func rescaled(to newScale: Int) -> ExactDecimal? {
        if newScale == scale { return self }
        if newScale > scale {
            guard let factor = Self.powerOfTen(newScale - scale) else { return nil }
            let (product, overflow) = significand.multipliedReportingOverflow(by: factor)
            return overflow ? nil : ExactDecimal(significand: product, scale: newScale)
        }
        guard let factor = Self.powerOfTen(scale - newScale) else { return nil }
        guard significand % factor == 0 else { return nil }
        return ExactDecimal(significand: significand / factor, scale: newScale)
    }

    /// 10^n for 0 ≤ n ≤ 18.
    static func powerOfTen(_ n: Int) -> Int64? {
        guard n >= 0, n <= 18 else { return nil }
        var result: Int64 = 1
        for _ in 0..<n { result *= 10 }
        return result
    }

    /// Brings two values to a common scale (the larger one). Nil if that overflows.
    static func aligned(_ a: ExactDecimal, _ b: ExactDecimal) -> (Int64, Int64, Int)? {
        let scale = max(a.scale, b.scale)
        guard let x = a.rescaled(to: scale), let y = b.rescaled(to: scale) else { return nil }
        return (x.significand, y.significand, scale)
    }

    /// The exact sum, or nil on overflow.
    public func adding(_ other: ExactDecimal) -> ExactDecimal? {
        guard let (x, y, scale) = Self.aligned(self, other) else { return nil }
        let (sum, overflow) = x.addingReportingOverflow(y)
        return overflow ? nil : ExactDecimal(significand: sum, scale: scale)
    }

    /// The exact difference, or nil on overflow.
    public func subtracting(_ other: ExactDecimal) -> ExactDecimal? {
        guard let (x, y, scale) = Self.aligned(self, other) else { return nil }
        let (difference, overflow) = x.subtractingReportingOverflow(y)
        return overflow ? nil : ExactDecimal(significand: difference, scale: scale)
    }

    /// The exact product, or nil on overflow or a scale beyond 18 digits.
    public func multiplied(by other: ExactDecimal) -> ExactDecimal? {
        let (product, overflow) = significand.multipliedReportingOverflow(by: other.significand)
        guard !overflow, scale + other.scale <= 18 else { return nil }
        return ExactDecimal(significand: product, scale: scale + other.scale)
    }

    /// The absolute value.
    public var magnitude: ExactDecimal { ExactDecimal(significand: significand < 0 ? -significand : significand, scale: scale) }

    /// Both values as 128-bit integers at the larger scale: exact for every pair of `ExactDecimal`s.
    static func wideAligned(_ a: ExactDecimal, _ b: ExactDecimal) -> (Int128, Int128) {
        let scale = max(a.scale, b.scale)
        var x = Int128(a.significand), y = Int128(b.significand)
        for _ in a.scale..<scale { x *= 10 }
        for _ in b.scale..<scale { y *= 10 }
        return (x, y)
    }

    public static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
        let (x, y) = wideAligned(lhs, rhs)
        return x < y
    }

    public static func == (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
        let (x, y) = wideAligned(lhs, rhs)
        return x == y
    }

    public func hash(into hasher: inout Hasher) {
        // Equal values at different scales must hash alike: hash the normalized form.
        var s = significand, sc = scale
        while sc > 0, s % 10 == 0 { s /= 10; sc -= 1 }
        hasher.combine(s)
        hasher.combine(sc)
    }

    /// The value written with exactly `scale` digits after the point (`412.50`).
    public var description: String {
        let negative = significand < 0
        let digits = String(significand.magnitude)
        guard scale > 0 else { return digits == "0" ? "0" : (negative ? "-" : "") + digits }
        let padded = String(repeating: "0", count: max(0, scale + 1 - digits.count)) + digits
        let cut = padded.index(padded.endIndex, offsetBy: -scale)
        return (negative ? "-" : "") + padded[..<cut] + "." + padded[cut...]
    }

    // Codable as a string, so JSON never rounds it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = ExactDecimal(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a decimal number: \(text)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
