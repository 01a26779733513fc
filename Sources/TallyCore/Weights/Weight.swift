/// The scale division (the display increment `d`): 1, 2 or 5 × 10^exponent.
public struct Division: Sendable, Hashable, Codable, CustomStringConvertible {
    /// 1, 2 or 5.
    public let multiplier: Int
    /// Power of ten, e.g. -1 for 0.1, 0 for 1, 1 for 10.
    public let exponent: Int

    /// Creates a division, or nil if the multiplier is not 1, 2 or 5 or the exponent is outside -6...6.
    public init?(multiplier: Int, exponent: Int) {
        guard [1, 2, 5].contains(multiplier), (-6...6).contains(exponent) else { return nil }
        self.multiplier = multiplier
        self.exponent = exponent
    }

    /// Parses a division written as a decimal (`0.5`, `1`, `20`).
    public init?(parsing text: some StringProtocol) {
        guard let value = ExactDecimal(parsing: text), value.significand > 0 else { return nil }
        var significand = value.significand
        var exponent = -value.scale
        while significand % 10 == 0 { significand /= 10; exponent += 1 }
        self.init(multiplier: Int(significand), exponent: exponent)
    }

    private enum CodingKeys: String, CodingKey { case multiplier, exponent }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let multiplier = try c.decode(Int.self, forKey: .multiplier)
        let exponent = try c.decode(Int.self, forKey: .exponent)
        guard let division = Division(multiplier: multiplier, exponent: exponent) else {
            throw DecodingError.dataCorruptedError(forKey: .multiplier, in: c,
                debugDescription: "a division is 1, 2 or 5 × 10^n with -6 ≤ n ≤ 6, not \(multiplier) × 10^\(exponent)")
        }
        self = division
    }

    /// The division as an exact decimal.
    public var value: ExactDecimal {
        if exponent >= 0 {
            return ExactDecimal(significand: Int64(multiplier) * ExactDecimal.powerOfTen(exponent)!, scale: 0)
        }
        return ExactDecimal(significand: Int64(multiplier), scale: -exponent)
    }

    public var description: String { value.description }
}

/// An exact weight: an integer count of scale divisions, the division and the unit.
///
/// `Weight(divisions: 4125, division: 0.1, unit: .kilogram)` is 412.5 kg. Weights are never stored as
/// `Double`; the displayed value is always reproduced digit for digit.
public struct Weight: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How many divisions the weight is (negative below zero).
    public var divisions: Int64
    /// The size of one division.
    public var division: Division
    /// The unit of the division.
    public var unit: WeightUnit

    /// Creates a weight from a count of divisions.
    public init(divisions: Int64, division: Division, unit: WeightUnit) {
        self.divisions = divisions
        self.division = division
        self.unit = unit
    }

    /// Reads a displayed value such as `412.5` as a weight. With no division given, the division is one
    /// unit of the last displayed digit. Returns nil when the value is not a whole number of divisions.
    public init?(displayed text: some StringProtocol, unit: WeightUnit, division: Division? = nil) {
        guard let value = ExactDecimal(parsing: text) else { return nil }
        let d = division ?? Division(multiplier: 1, exponent: -value.scale)
        guard let d else { return nil }
        self.init(value: value, division: d, unit: unit)
    }

    /// The weight `value` in `division` steps, or nil if `value` is not a whole number of divisions.
    public init?(value: ExactDecimal, division: Division, unit: WeightUnit) {
        let step = division.value
        guard let (v, s, _) = ExactDecimal.aligned(value, step), s != 0, v % s == 0 else { return nil }
        self.init(divisions: v / s, division: division, unit: unit)
    }

    /// The weight as an exact decimal in its own unit, written with the division's decimals.
    public var value: ExactDecimal {
        let step = division.value
        return ExactDecimal(significand: divisions * step.significand, scale: step.scale)
    }

    /// The weight converted exactly to kilograms (for comparison and reports, never for recording).
    public var kilograms: ExactDecimal? { value.multiplied(by: unit.kilograms) }

    /// `412.5 kg`.
    public var description: String { "\(value) \(unit.rawValue)" }
}
