/// A streaming RFC 4180 CSV reader over UTF-8 bytes: quoted fields, doubled quotes, CRLF or LF.
///
/// Each record comes with the 1-based line number it starts on, so that errors can name it.
public struct CSVReader: Sendable {
    /// A malformed record.
    public struct SyntaxError: Error, Sendable, Hashable {
        /// 1-based line of the fault.
        public let line: Int
        /// 1-based field number in the record.
        public let field: Int
        public let reason: String
    }

    private let bytes: [UInt8]
    private var index: Int
    private var line = 1

    /// Reads `bytes`, skipping a UTF-8 byte-order mark.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
        index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    /// The next record and the line it starts on, or nil at the end of input. Blank lines are skipped.
    public mutating func next() throws(SyntaxError) -> (line: Int, fields: [String])? {
        // Skip blank lines.
        while index < bytes.count, bytes[index] == 0x0A || bytes[index] == 0x0D {
            if bytes[index] == 0x0A { line += 1 }
            index += 1
        }
        guard index < bytes.count else { return nil }
        let startLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var wasQuoted = false
        while index < bytes.count {
            let byte = bytes[index]
            if quoted {
                if byte == 0x22 {
                    if index + 1 < bytes.count, bytes[index + 1] == 0x22 {
                        field.append(0x22)
                        index += 2
                        continue
                    }
                    quoted = false
                    index += 1
                    continue
                }
                if byte == 0x0A { line += 1 }
                field.append(byte)
                index += 1
                continue
            }
            switch byte {
            case 0x22:
                guard field.isEmpty, !wasQuoted else {
                    throw SyntaxError(line: line, field: fields.count + 1, reason: "quote inside an unquoted field")
                }
                quoted = true
                wasQuoted = true
                index += 1
            case 0x2C:
                fields.append(try Self.text(field, line: line, field: fields.count + 1))
                field.removeAll(keepingCapacity: true)
                wasQuoted = false
                index += 1
            case 0x0D, 0x0A:
                if byte == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
                index += 1
                line += 1
                fields.append(try Self.text(field, line: startLine, field: fields.count + 1))
                return (startLine, fields)
            default:
                if wasQuoted {
                    throw SyntaxError(line: line, field: fields.count + 1, reason: "text after a closing quote")
                }
                field.append(byte)
                index += 1
            }
        }
        if quoted { throw SyntaxError(line: startLine, field: fields.count + 1, reason: "quoted field is not closed") }
        fields.append(try Self.text(field, line: startLine, field: fields.count + 1))
        return (startLine, fields)
    }

    private static func text(_ bytes: [UInt8], line: Int, field: Int) throws(SyntaxError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SyntaxError(line: line, field: field, reason: "not valid UTF-8")
        }
        return text
    }
}
