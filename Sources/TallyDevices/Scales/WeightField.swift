import TallyCore

/// Helpers the drivers share to turn displayed weight fields into exact weights. Never `Double`.
enum WeightField {
    /// Reads a displayed number: an optional sign (`+`, `-`, possibly separated from the digits by
    /// spaces, as polarity fields are), digits with at most one decimal point, leading and trailing
    /// spaces. A decimal comma is read as a point when `decimalComma` is true. Nil for anything else.
    static func decimal(_ text: some StringProtocol, decimalComma: Bool = false) -> ExactDecimal? {
        var input = Array(text.utf8)[...]
        let space = UInt8(ascii: " ")
        while input.first == space { input = input.dropFirst() }
        while input.last == space { input = input.dropLast() }
        var bytes: [UInt8] = []
        if let sign = input.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            bytes.append(sign)
            input = input.dropFirst()
            while input.first == space { input = input.dropFirst() }
        }
        // The number itself: no spaces inside.
        guard !input.isEmpty, !input.contains(space) else { return nil }
        for byte in input { bytes.append(decimalComma && byte == UInt8(ascii: ",") ? UInt8(ascii: ".") : byte) }
        return ExactDecimal(parsing: String(decoding: bytes, as: UTF8.self))
    }

    /// The weight `text` displays, in `unit`: in the profile's division when it has one (the value must
    /// then be a whole number of it), else in one unit of the last displayed digit.
    ///
    /// - Throws: ``FrameError/Reason/badWeight(_:)`` at `offset` when `text` is not a number, has more
    ///   than six decimals, or is not a whole number of the division.
    static func weight(
        _ text: some StringProtocol, unit: WeightUnit, options: ScaleDriverOptions, offset: Int, decimalComma: Bool = false
    ) throws(FrameError) -> Weight {
        guard let value = decimal(text, decimalComma: decimalComma) else {
            throw FrameError(offset: offset, reason: .badWeight("\"\(text)\" is not a number"))
        }
        return try weight(value: value, text: String(text), unit: unit, division: options.division, offset: offset)
    }

    /// `value` in `division` (or one unit of its last digit), or a ``FrameError`` naming `text`.
    static func weight(value: ExactDecimal, text: String, unit: WeightUnit, division: Division?, offset: Int) throws(FrameError) -> Weight {
        guard let division = division ?? Division(multiplier: 1, exponent: -value.scale) else {
            throw FrameError(offset: offset, reason: .badWeight("\"\(text)\" has too many decimals"))
        }
        guard let weight = Weight(value: value, division: division, unit: unit) else {
            throw FrameError(offset: offset, reason: .badWeight("\(text.withoutPadding) is not a whole number of divisions of \(division)"))
        }
        return weight
    }

    /// The unit for `symbol`, or ``FrameError/Reason/unknownUnit(_:)`` at `offset`.
    static func unit(_ symbol: some StringProtocol, offset: Int) throws(FrameError) -> WeightUnit {
        let trimmed = String(symbol).withoutPadding
        guard let unit = WeightUnit(symbol: trimmed) else { throw FrameError(offset: offset, reason: .unknownUnit(trimmed)) }
        return unit
    }

    /// True when every character of `text` (spaces and a sign aside) is `mark`, and there is at least one
    /// (`^^^^^^` over capacity, `______` under, `------` zero error).
    static func isFilled(_ text: some StringProtocol, with mark: Character) -> Bool {
        var count = 0
        for character in text where character != " " {
            guard character == mark else { return false }
            count += 1
        }
        return count > 0
    }

    /// `bytes` as text, one character per byte (Latin-1), for messages and field slicing.
    static func text(_ bytes: some Sequence<UInt8>) -> String {
        String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces (only U+0020).
    var withoutPadding: String {
        var scalars = Substring(self).unicodeScalars[...]
        while scalars.first == " " { scalars = scalars.dropFirst() }
        while scalars.last == " " { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
