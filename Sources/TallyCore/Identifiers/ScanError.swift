/// A fault found while reading a scan: what went wrong, naming the AI or identifier, and where.
///
/// `position` counts characters (Unicode scalars) from the start of the raw scan, prefix and AIM
/// identifier included, so that it points into the text exactly as the scanner sent it.
public struct ScanError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// A stable, machine-readable error code.
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        /// Nothing but a terminator, spaces or an AIM identifier.
        case emptyScan = "empty-scan"
        /// A control character inside plain text.
        case controlCharacter = "control-character"
        /// The profile says the scanner sends AIM identifiers, and this scan has none.
        case missingAIMIdentifier = "missing-aim-identifier"
        /// The profile's prefix is not at the start of the scan.
        case missingPrefix = "missing-prefix"
        /// The profile's suffix is not at the end of the scan.
        case missingSuffix = "missing-suffix"
        /// No GS1 Application Identifier of the current General Specifications starts here.
        case unknownAI = "unknown-ai"
        /// A value (or a fixed-length field) has fewer characters than its format needs.
        case tooShort = "too-short"
        /// A value has more characters than its format allows.
        case tooLong = "too-long"
        /// A character outside the character set of the field (numeric, CSET 82, CSET 39, CSET 64).
        case badCharacter = "bad-character"
        /// A mod-10 check digit or an alphanumeric check character pair does not hold.
        case badCheckDigit = "bad-check-digit"
        /// A date or time that does not exist (month 13, 30 February, hour 24, ...).
        case badDate = "bad-date"
        /// A value that breaks another rule of its AI (country or currency code, piece of total, ...).
        case badValue = "bad-value"
        /// An AI is present without the AI(s) it must appear with.
        case missingRequiredAI = "missing-required-ai"
        /// Two AIs that must not appear together.
        case invalidAIPair = "invalid-ai-pair"
        /// The same AI twice with different values.
        case conflictingValues = "conflicting-values"
        /// A group separator where an AI must start (two in a row, or one at the start of the data).
        case straySeparator = "stray-separator"
        /// The bracketed form `(01)…(21)…` is malformed.
        case badBracketedForm = "bad-bracketed-form"
        /// A GS1 Digital Link URI that cannot be read (scheme, domain, characters, path or query).
        case badDigitalLink = "bad-digital-link"
        /// A GS1 Digital Link path whose AIs are not a primary key with its qualifiers in order.
        case badKeyQualifiers = "bad-key-qualifiers"
        /// An ISO/IEC 15434 envelope that is not closed or framed as the standard says.
        case badEnvelope = "bad-envelope"
        /// An ISO/IEC 15434 format other than 05 (GS1 AIs) and 06 (ANSI MH10.8.2 data identifiers).
        case unsupportedFormat = "unsupported-format"
        /// A format 06 data element that does not start with a data identifier.
        case badDataIdentifier = "bad-data-identifier"
        /// A label prefix (`S/N:`, `1S`, ...) with nothing after it.
        case emptySerial = "empty-serial"
    }

    /// What went wrong.
    public let code: Code
    /// A sentence naming the AI or identifier concerned.
    public let message: String
    /// Character offset of the fault in the raw scan.
    public let position: Int

    /// Creates an error.
    public init(_ code: Code, _ message: String, at position: Int) {
        self.code = code
        self.message = message
        self.position = position
    }

    public var description: String { "\(code.rawValue) at character \(position): \(message)" }
}
