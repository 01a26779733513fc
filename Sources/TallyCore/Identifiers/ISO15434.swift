/// One ANSI MH10.8.2 data element from an ISO/IEC 15434 format 06 message: `S` + serial, `1P` + part.
public struct DataIdentifierElement: Sendable, Hashable, Codable {
    /// The data identifier: up to three digits and a letter (`S`, `1P`, `25S`).
    public let identifier: String
    /// The data after the identifier, exactly as encoded.
    public let value: String
    /// Character offset of the identifier in the raw scan.
    public let position: Int

    /// Creates an element.
    public init(identifier: String, value: String, position: Int) {
        self.identifier = identifier
        self.value = value
        self.position = position
    }

    /// What the identifier means, for the ones Tally names (``DataIdentifiers/names``).
    public var name: String? { DataIdentifiers.names[identifier] }
}

/// ANSI MH10.8.2 data identifiers Tally names. Any identifier of the standard's shape (zero to three
/// digits and an upper-case letter) is read; these are the ones with a meaning attached.
public enum DataIdentifiers {
    /// Meanings of the common identifiers on IT-asset and shipping labels.
    public static let names: [String: String] = [
        "B": "container type",
        "1B": "returnable container identification",
        "K": "order number assigned by the customer",
        "1K": "order number assigned by the supplier",
        "2K": "bill of lading or waybill number",
        "L": "storage location",
        "4L": "country of origin (ISO 3166-1 alpha-2)",
        "P": "item identification code assigned by the customer",
        "1P": "item identification code assigned by the supplier (part number)",
        "2P": "revision level",
        "Q": "quantity",
        "S": "serial number assigned by the supplier",
        "1S": "additional supplier code for the item (e.g. machine type and model with serial)",
        "3S": "package identification assigned by the supplier",
        "11S": "fixed asset identification code",
        "18S": "CAGE code and serial number",
        "23S": "MAC address",
        "25S": "unique item identifier: issuing agency code, company identification and serial",
        "T": "traceability number assigned by the customer",
        "1T": "traceability (lot or batch) number assigned by the supplier",
        "V": "supplier code assigned by the customer",
        "10D": "date code (YYWW)",
    ]

    /// Splits `identifier + data`: the identifier's length, or nil when the element does not start with one.
    static func identifierLength(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> Int? {
        var i = start
        while i < end, i - start < 3, bytes[i].isASCIIDigit { i += 1 }
        guard i < end, bytes[i] >= UInt8(ascii: "A"), bytes[i] <= UInt8(ascii: "Z") else { return nil }
        return i + 1 - start
    }
}

/// Reads ISO/IEC 15434 messages: `[)>` RS, then one or more formats (`05` GS … RS for GS1 AIs, `06` GS
/// … RS for MH10.8.2 data identifiers, data elements separated by GS), then EOT.
enum ISO15434Reader {
    static let rs: UInt8 = 0x1E, gs: UInt8 = 0x1D, eot: UInt8 = 0x04
    static let header: [UInt8] = Array("[)>".utf8)

    static func isEnvelope(_ src: ByteSource, start: Int, end: Int) -> Bool {
        end - start >= 3 && src[start] == header[0] && src[start + 1] == header[1] && src[start + 2] == header[2]
    }

    /// Reads the message; GS1 elements go to `reading.elements`, data identifiers to `identifiers`
    /// (raw byte offsets), errors to `reading.errors`. Returns the formats seen.
    @discardableResult
    static func read(_ src: ByteSource, start: Int, end: Int, into reading: inout GS1Reading,
                     identifiers: inout [(String, String, Int)]) -> [String] {
        var formats: [String] = []
        var p = start + 3
        guard p < end, src[p] == rs else {
            reading.fail(.badEnvelope, "ISO/IEC 15434 message header '[)>' must be followed by RS (0x1e)", src.raw(p))
            return formats
        }
        p += 1
        while true {
            guard p < end else {
                reading.fail(.badEnvelope, "ISO/IEC 15434 message ends without EOT (0x04)", src.raw(p))
                return formats
            }
            if src[p] == eot {
                if p + 1 < end { reading.fail(.badEnvelope, "data after the ISO/IEC 15434 message trailer EOT", src.raw(p + 1)) }
                if formats.isEmpty { reading.fail(.badEnvelope, "ISO/IEC 15434 message has no format", src.raw(p)) }
                return formats
            }
            guard end - p >= 2, src[p].isASCIIDigit, src[p + 1].isASCIIDigit else {
                reading.fail(.badEnvelope, "ISO/IEC 15434 format header must start with two digits", src.raw(p))
                return formats
            }
            let format = src.string(p, p + 2)
            guard format == "05" || format == "06" else {
                reading.fail(.unsupportedFormat, "ISO/IEC 15434 format \(format) is not supported (05 GS1 AIs and 06 data identifiers are)", src.raw(p))
                return formats
            }
            formats.append(format)
            p += 2
            guard p < end, src[p] == gs else {
                reading.fail(.badEnvelope, "ISO/IEC 15434 format \(format) header must end with GS (0x1d)", src.raw(p))
                return formats
            }
            p += 1
            var trailer = p
            while trailer < end, src[trailer] != rs, src[trailer] != eot { trailer += 1 }
            guard trailer < end, src[trailer] == rs else {
                reading.fail(.badEnvelope, "ISO/IEC 15434 format \(format) is not closed with RS (0x1e)", src.raw(trailer))
                return formats
            }
            if trailer == p {
                reading.fail(.badEnvelope, "ISO/IEC 15434 format \(format) has no data", src.raw(p))
                return formats
            }
            if format == "05" {
                GS1Reader.readElementString(src, start: p, end: trailer, into: &reading)
            } else {
                readDataIdentifiers(src, start: p, end: trailer, into: &reading, identifiers: &identifiers)
            }
            if !reading.errors.isEmpty { return formats }
            p = trailer + 1
        }
    }

    static func readDataIdentifiers(_ src: ByteSource, start: Int, end: Int, into reading: inout GS1Reading,
                                    identifiers: inout [(String, String, Int)]) {
        var p = start
        while p <= end {
            var q = p
            while q < end, src[q] != gs { q += 1 }
            if q == p {
                reading.fail(.badDataIdentifier, "empty data element (two separators in a row)", src.raw(p))
                return
            }
            guard let length = DataIdentifiers.identifierLength(src.bytes, start: p, end: q) else {
                reading.fail(.badDataIdentifier, "data element \(src.describe(p))… does not start with a data identifier (digits and a letter)", src.raw(p))
                return
            }
            let identifier = src.string(p, p + length)
            guard p + length < q else {
                reading.fail(.tooShort, "data identifier \(identifier) has no data", src.raw(p))
                return
            }
            for i in (p + length)..<q where src[i] < 0x20 || src[i] == 0x7F {
                reading.fail(.badCharacter, "data identifier \(identifier): control character \(src.describe(i))", src.raw(i))
                return
            }
            identifiers.append((identifier, src.string(p + length, q), src.raw(p)))
            p = q + 1
        }
    }
}
