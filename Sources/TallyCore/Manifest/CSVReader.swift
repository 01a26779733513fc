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
    private var scanner: CSVScanner
    private var spans: [CSVScanner.Field] = []

    /// Reads `bytes`, skipping a UTF-8 byte-order mark.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
        scanner = CSVScanner(bytes: bytes)
    }

    /// The next record and the line it starts on, or nil at the end of input. Blank lines are skipped.
    public mutating func next() throws(SyntaxError) -> (line: Int, fields: [String])? {
        try bytes.withUnsafeBufferPointer { (buffer) throws(SyntaxError) -> (line: Int, fields: [String])? in
            guard let line = try scanner.next(buffer, into: &spans) else { return nil }
            return (line, spans.map { $0.text(in: buffer) })
        }
    }
}

/// The record splitter under ``CSVReader`` and the manifest parser: it finds field boundaries without
/// copying, so that a caller makes strings only of the fields it keeps.
///
/// Every field it reports is valid UTF-8 (checked as the field ends, as ``CSVReader`` always did).
struct CSVScanner: Sendable {
    /// One field of a record: its content bytes (inside the quotes when quoted).
    struct Field: Sendable, Hashable {
        /// First content byte.
        var start: Int
        /// One past the last content byte.
        var end: Int
        /// True when the content holds doubled quotes (`""`) that stand for one quote.
        var escaped: Bool

        /// The field with surrounding spaces and tabs removed (spaces are never escaped, so this is exact).
        func trimmed(in buffer: UnsafeBufferPointer<UInt8>) -> Field {
            var s = start, e = end
            while s < e, buffer[s] == 0x20 || buffer[s] == 0x09 { s += 1 }
            while e > s, buffer[e - 1] == 0x20 || buffer[e - 1] == 0x09 { e -= 1 }
            return Field(start: s, end: e, escaped: escaped)
        }

        var isEmpty: Bool { start == end }
        var count: Int { end - start }

        /// True when both fields hold the same bytes (so the same text).
        func sameBytes(as other: Field, in buffer: UnsafeBufferPointer<UInt8>) -> Bool {
            let n = end - start
            guard n == other.end - other.start, escaped == other.escaped else { return false }
            if start == other.start { return true }
            var i = 0
            while i < n {
                if buffer[start + i] != buffer[other.start + i] { return false }
                i += 1
            }
            return true
        }

        /// The field's text, with doubled quotes undone.
        func text(in buffer: UnsafeBufferPointer<UInt8>) -> String {
            guard escaped else { return String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<end]), as: UTF8.self) }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(end - start)
            var i = start
            while i < end {
                bytes.append(buffer[i])
                i += buffer[i] == 0x22 ? 2 : 1
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Where the next record starts.
    private(set) var index: Int
    /// The line `index` is on.
    private(set) var line = 1

    /// A scanner at the start of `bytes`, after a UTF-8 byte-order mark if there is one.
    init(bytes: [UInt8]) {
        index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    /// Splits the next record into `fields` (replacing its contents) and returns the line the record starts
    /// on, or nil at the end of input. Blank lines are skipped. `buffer` must be the same bytes every call.
    mutating func next(_ buffer: UnsafeBufferPointer<UInt8>, into fields: inout [Field]) throws(CSVReader.SyntaxError) -> Int? {
        let count = buffer.count
        // Skip blank lines.
        while index < count, buffer[index] == 0x0A || buffer[index] == 0x0D {
            if buffer[index] == 0x0A { line += 1 }
            index += 1
        }
        guard index < count else { return nil }
        fields.removeAll(keepingCapacity: true)
        let startLine = line
        var i = index
        defer { index = i }
        while true {
            // One field per turn: `i` is at its first byte (or at the end of input).
            var field = Field(start: i, end: i, escaped: false)
            var highBits: UInt8 = 0
            if i < count, buffer[i] == 0x22 {
                i += 1
                field.start = i
                while true {
                    guard i < count else {
                        throw CSVReader.SyntaxError(line: startLine, field: fields.count + 1, reason: "quoted field is not closed")
                    }
                    let byte = buffer[i]
                    if byte == 0x22 {
                        if i + 1 < count, buffer[i + 1] == 0x22 {
                            field.escaped = true
                            i += 2
                            continue
                        }
                        break
                    }
                    if byte == 0x0A { line += 1 }
                    highBits |= byte
                    i += 1
                }
                field.end = i
                i += 1
                // Only a separator or the end of the record may follow the closing quote.
                // (A quote cannot follow: two quotes in a row are an escaped quote.)
                if i < count, buffer[i] != 0x2C, buffer[i] != 0x0A, buffer[i] != 0x0D {
                    throw CSVReader.SyntaxError(line: line, field: fields.count + 1, reason: "text after a closing quote")
                }
            } else {
                while i < count {
                    let byte = buffer[i]
                    if byte == 0x2C || byte == 0x0A || byte == 0x0D { break }
                    if byte == 0x22 {
                        throw CSVReader.SyntaxError(line: line, field: fields.count + 1, reason: "quote inside an unquoted field")
                    }
                    highBits |= byte
                    i += 1
                }
                field.end = i
            }
            // `i` is at a comma, a line end or the end of input.
            let atComma = i < count && buffer[i] == 0x2C
            if highBits >= 0x80,
               String(validating: UnsafeBufferPointer(rebasing: buffer[field.start..<field.end]), as: UTF8.self) == nil {
                throw CSVReader.SyntaxError(line: atComma ? line : startLine, field: fields.count + 1, reason: "not valid UTF-8")
            }
            fields.append(field)
            if atComma {
                i += 1
                continue
            }
            if i < count {
                // A line end: CRLF, LF or a lone CR.
                if buffer[i] == 0x0D, i + 1 < count, buffer[i + 1] == 0x0A { i += 1 }
                i += 1
                line += 1
            }
            return startLine
        }
    }
}
