/// The GS1 mod-10 check digit used by GTIN, SSCC, GLN, GRAI and the other GS1 keys.
///
/// Weights 3, 1, 3, 1, … are applied from the rightmost data digit; the check digit is
/// `(10 − sum mod 10) mod 10`.
public enum GS1CheckDigit {
    /// The check digit for `digits` (data digits only), or nil if any character is not a digit.
    public static func compute(_ digits: some StringProtocol) -> UInt8? {
        compute(digits.utf8, count: digits.utf8.count)
    }

    /// The check digit for the first `count` bytes of `utf8`, or nil if any of them is not a digit.
    static func compute(_ utf8: some Sequence<UInt8>, count: Int) -> UInt8? {
        // Weights 3, 1, 3, … from the rightmost digit: the leftmost digit's weight depends on the count.
        var sum = 0
        var weight = count % 2 == 0 ? 1 : 3
        var seen = 0
        for byte in utf8 {
            guard seen < count else { break }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            sum += Int(byte - UInt8(ascii: "0")) * weight
            weight = 4 - weight
            seen += 1
        }
        return UInt8((10 - sum % 10) % 10)
    }

    /// True when the last digit of `key` is the correct check digit for the digits before it.
    public static func isValid(_ key: some StringProtocol) -> Bool {
        let utf8 = key.utf8
        let count = utf8.count
        guard count >= 2, let expected = compute(utf8, count: count - 1) else { return false }
        var last: UInt8 = 0
        for byte in utf8 { last = byte }
        return last >= UInt8(ascii: "0") && last <= UInt8(ascii: "9") && expected == last - UInt8(ascii: "0")
    }
}

/// A Serial Shipping Container Code (GS1 AI 00): 18 digits with a valid check digit; identifies a pallet.
public struct SSCC: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The 18 digits.
    public let digits: String

    /// Validates an 18-digit SSCC; nil if the length, characters or check digit are wrong.
    public init?(_ digits: some StringProtocol) {
        guard digits.utf8.count == 18, GS1CheckDigit.isValid(digits) else { return nil }
        self.digits = String(digits)
    }

    /// An SSCC whose length and check digit were already verified.
    init(validated digits: String) {
        self.digits = digits
    }

    public var description: String { digits }

    private enum CodingKeys: String, CodingKey { case digits }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let digits = try c.decode(String.self, forKey: .digits)
        guard let sscc = SSCC(digits) else {
            throw DecodingError.dataCorruptedError(forKey: .digits, in: c, debugDescription: "'\(digits)' is not an 18-digit SSCC with a valid check digit")
        }
        self = sscc
    }
}
