/// A small RFC 8259 JSON reader over UTF-8 bytes that knows where every value is.
///
/// It is the base of the JSON manifest format and of any other JSON input whose errors must name a line
/// and column: numbers are kept as their literal text (never converted through `Double`), every value has
/// its line and column, and every fault carries the path of the value it is in (`$.loads[0].id`).
///
/// Two ways in: ``JSONReader`` pulls one token at a time (no tree is built: large inputs stay lean), and
/// ``JSONValue/parse(_:maxDepth:)`` builds a positioned tree, rejecting duplicate keys.

/// A place in a JSON text.
public struct JSONPosition: Sendable, Hashable, CustomStringConvertible {
    /// 1-based line (lines end at LF, CRLF or a lone CR).
    public var line: Int
    /// 1-based column, counted in Unicode scalars (a tab counts one).
    public var column: Int
    /// 0-based byte offset.
    public var offset: Int

    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    /// `12:7`.
    public var description: String { "\(line):\(column)" }
}

/// Where a value sits in a document: `$`, `$.loads[0].pallets[2].id`, `$["odd key"]`.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    public enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    public var components: [Component]

    public init(_ components: [Component] = []) { self.components = components }

    /// The path with one more component.
    public func appending(_ component: Component) -> JSONPath { JSONPath(components + [component]) }
    public func appending(key: String) -> JSONPath { appending(.key(key)) }
    public func appending(index: Int) -> JSONPath { appending(.index(index)) }

    public var description: String {
        var text = "$"
        for component in components {
            switch component {
            case .index(let index):
                text += "[\(index)]"
            case .key(let key):
                if Self.isPlainName(key) {
                    text += "." + key
                } else {
                    text += "[" + JSONPath.quoted(key) + "]"
                }
            }
        }
        return text
    }

    private static func isPlainName(_ key: String) -> Bool {
        guard let first = key.utf8.first, !(first >= 0x30 && first <= 0x39) else { return false }
        return key.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x5F }
    }

    /// `key` as a JSON string literal.
    static func quoted(_ key: String) -> String {
        var text = "\""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        return text + "\""
    }
}

/// A fault in a JSON text: where it is, in which value, and why.
public struct JSONError: Error, Sendable, Hashable, CustomStringConvertible {
    public var position: JSONPosition
    public var path: JSONPath
    public var reason: String

    public init(position: JSONPosition, path: JSONPath, reason: String) {
        self.position = position
        self.path = path
        self.reason = reason
    }

    /// `3:14 $.loads[0].id: expected a string, found a number`.
    public var description: String { "\(position) \(path): \(reason)" }
}

/// The kind of a JSON value.
public enum JSONKind: Sendable, Hashable, CustomStringConvertible {
    case object, array, string, number, bool, null

    /// With its article: `an object`, `a number`, `null`.
    public var description: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }
}

/// A pull reader of one JSON text.
///
/// Call ``peek()`` to learn the kind of the next value (and its place, ``mark``), then read it with the
/// matching method: ``readString()``, ``readNumber()``, ``readBool()``, ``readNull()``, or walk into a
/// container with ``beginObject()`` and ``nextKey()``, or ``beginArray()`` and ``nextElement()``, or skip it
/// with ``skipValue()``. After the top-level value, ``finish()`` checks that only whitespace follows.
public struct JSONReader: Sendable {
    /// A cheap record of a place, turned into a ``JSONPosition`` only when needed.
    public struct Mark: Sendable, Hashable {
        public var offset: Int
        public var line: Int
        /// Offset of the first byte of the line.
        var lineStart: Int
    }

    private struct Frame: Sendable {
        var isObject: Bool
        /// Members or elements started so far.
        var count = 0
        var key = ""
        /// True while the current member or element is being read (it is then part of the path).
        var inValue = false
    }

    private let bytes: [UInt8]
    /// The next byte to read.
    public private(set) var offset: Int
    private var line = 1
    private var lineStart: Int
    private var frames: [Frame] = []
    /// Whether the value `peek` found is still unread.
    private var peeked: JSONKind?
    /// Where the last peeked value (or read key) starts.
    public private(set) var mark: Mark
    /// Where the key last returned by ``nextKey()`` starts.
    public private(set) var keyMark: Mark
    // Column cache: the column of `columnOffset` on line `columnLine`, so that positions asked for in
    // increasing order cost O(n) in all, even on one long line.
    private var columnLine = 0
    private var columnOffset = 0
    private var columnValue = 1

    /// A reader at the start of `bytes`, after a UTF-8 byte-order mark if there is one.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
        offset = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        lineStart = offset
        mark = Mark(offset: offset, line: 1, lineStart: offset)
        keyMark = mark
    }

    /// The number of bytes of the text.
    public var count: Int { bytes.count }

    /// Calls `body` with the whole text.
    func withBytes<R>(_ body: ([UInt8]) -> R) -> R { body(bytes) }

    /// How deep the reader is: 0 at the top level.
    public var depth: Int { frames.count }

    // MARK: Positions and paths

    /// The line and column of a mark.
    public mutating func position(of mark: Mark) -> JSONPosition {
        var from = mark.lineStart, column = 1
        if columnLine == mark.line, columnOffset <= mark.offset {
            from = columnOffset
            column = columnValue
        }
        var i = from
        while i < mark.offset {
            if bytes[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        columnLine = mark.line
        columnOffset = mark.offset
        columnValue = column
        return JSONPosition(line: mark.line, column: column, offset: mark.offset)
    }

    /// The mark of the current read position.
    public var here: Mark { Mark(offset: offset, line: line, lineStart: lineStart) }

    /// The path of the value being read: the current key or element of every open container.
    public var path: JSONPath {
        var components: [JSONPath.Component] = []
        components.reserveCapacity(frames.count)
        for frame in frames where frame.inValue {
            components.append(frame.isObject ? .key(frame.key) : .index(frame.count - 1))
        }
        return JSONPath(components)
    }

    /// An error at `mark` in the current path.
    public mutating func error(at mark: Mark, _ reason: String) -> JSONError {
        JSONError(position: position(of: mark), path: path, reason: reason)
    }

    private mutating func errorHere(_ reason: String) -> JSONError { error(at: here, reason) }

    // MARK: Tokens

    private mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09:
                offset += 1
            case 0x0A:
                offset += 1
                line += 1
                lineStart = offset
            case 0x0D:
                offset += 1
                if offset < bytes.count, bytes[offset] == 0x0A { offset += 1 }
                line += 1
                lineStart = offset
            default:
                return
            }
        }
    }

    /// A short, printable description of the byte at `offset` for error messages.
    private func found() -> String {
        guard offset < bytes.count else { return "the end of the text" }
        let byte = bytes[offset]
        if byte >= 0x21, byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        if byte < 0x80 { return "byte 0x" + String(byte, radix: 16, uppercase: true) }
        var end = offset + 1
        while end < bytes.count, end < offset + 4, bytes[end] & 0xC0 == 0x80 { end += 1 }
        if let text = String(validating: bytes[offset..<end], as: UTF8.self) { return "'\(text)'" }
        return "a byte that is not UTF-8"
    }

    /// Skips whitespace and tells the kind of the next value without reading it; ``mark`` is its place.
    public mutating func peek() throws(JSONError) -> JSONKind {
        if let peeked { return peeked }
        skipWhitespace()
        mark = here
        guard offset < bytes.count else { throw errorHere("unexpected end of the text: expected a value") }
        let kind: JSONKind
        switch bytes[offset] {
        case 0x7B: kind = .object
        case 0x5B: kind = .array
        case 0x22: kind = .string
        case 0x2D, 0x30...0x39: kind = .number
        case 0x74, 0x66: kind = .bool
        case 0x6E: kind = .null
        default: throw errorHere("expected a value, found \(found())")
        }
        peeked = kind
        return kind
    }

    private mutating func take(_ kind: JSONKind) throws(JSONError) {
        let actual = try peek()
        guard actual == kind else { throw error(at: mark, "expected \(kind), found \(actual)") }
        peeked = nil
    }

    /// Reads `{`; then call ``nextKey()`` until it returns nil.
    public mutating func beginObject() throws(JSONError) {
        try take(.object)
        offset += 1
        frames.append(Frame(isObject: true))
    }

    /// Reads the next key of the innermost object and its `:`, or the closing `}` (then nil).
    public mutating func nextKey() throws(JSONError) -> String? {
        precondition(frames.last?.isObject == true && peeked == nil, "nextKey outside an object, or a value left unread")
        frames[frames.count - 1].inValue = false
        skipWhitespace()
        let first = frames[frames.count - 1].count == 0
        if offset < bytes.count, bytes[offset] == 0x7D {
            offset += 1
            frames.removeLast()
            return nil
        }
        if !first {
            guard offset < bytes.count, bytes[offset] == 0x2C else {
                throw errorHere("expected ',' or '}' after an object member, found \(found())")
            }
            offset += 1
            skipWhitespace()
        }
        guard offset < bytes.count, bytes[offset] == 0x22 else {
            let after = first ? "after '{'" : "after ','"
            throw errorHere("expected a key (a string in double quotes) \(after), found \(found())")
        }
        keyMark = here
        mark = keyMark
        let key = try scanString()
        frames[frames.count - 1].count += 1
        frames[frames.count - 1].key = key
        frames[frames.count - 1].inValue = true
        skipWhitespace()
        guard offset < bytes.count, bytes[offset] == 0x3A else {
            throw errorHere("expected ':' after the key, found \(found())")
        }
        offset += 1
        return key
    }

    /// Reads `[`; then call ``nextElement()`` before each element until it returns false.
    public mutating func beginArray() throws(JSONError) {
        try take(.array)
        offset += 1
        frames.append(Frame(isObject: false))
    }

    /// Moves to the next element of the innermost array (true), or reads the closing `]` (false).
    public mutating func nextElement() throws(JSONError) -> Bool {
        precondition(frames.last?.isObject == false && peeked == nil, "nextElement outside an array, or a value left unread")
        frames[frames.count - 1].inValue = false
        skipWhitespace()
        let atClose = offset < bytes.count && bytes[offset] == 0x5D
        if frames[frames.count - 1].count > 0, !atClose {
            guard offset < bytes.count, bytes[offset] == 0x2C else {
                throw errorHere("expected ',' or ']' after an array element, found \(found())")
            }
            offset += 1
            skipWhitespace()
            if offset < bytes.count, bytes[offset] == 0x5D {
                throw errorHere("expected a value after ',', found ']'")
            }
        } else if atClose {
            offset += 1
            frames.removeLast()
            return false
        }
        frames[frames.count - 1].count += 1
        frames[frames.count - 1].inValue = true
        return true
    }

    /// Reads a string value.
    public mutating func readString() throws(JSONError) -> String {
        try take(.string)
        return try scanString()
    }

    /// Reads a number value as its literal text, exactly as written (`412.50`, `-1e3`).
    public mutating func readNumber() throws(JSONError) -> String {
        try take(.number)
        let start = offset
        if bytes[offset] == 0x2D { offset += 1 }
        guard offset < bytes.count, isDigit(bytes[offset]) else {
            throw errorHere("expected a digit in a number, found \(found())")
        }
        if bytes[offset] == 0x30 {
            offset += 1
        } else {
            while offset < bytes.count, isDigit(bytes[offset]) { offset += 1 }
        }
        if offset < bytes.count, bytes[offset] == 0x2E {
            offset += 1
            guard offset < bytes.count, isDigit(bytes[offset]) else {
                throw errorHere("expected a digit after the decimal point, found \(found())")
            }
            while offset < bytes.count, isDigit(bytes[offset]) { offset += 1 }
        }
        if offset < bytes.count, bytes[offset] | 0x20 == 0x65 {
            offset += 1
            if offset < bytes.count, bytes[offset] == 0x2B || bytes[offset] == 0x2D { offset += 1 }
            guard offset < bytes.count, isDigit(bytes[offset]) else {
                throw errorHere("expected a digit in the exponent, found \(found())")
            }
            while offset < bytes.count, isDigit(bytes[offset]) { offset += 1 }
        }
        if offset < bytes.count {
            let byte = bytes[offset]
            if isDigit(byte) || byte == 0x2E || byte == 0x2B || byte == 0x2D || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) {
                throw errorHere(bytes[start..<offset] == [0x30] || bytes[start..<offset] == [0x2D, 0x30]
                    ? "a number may not have leading zeros"
                    : "unexpected \(found()) in a number")
            }
        }
        return String(decoding: bytes[start..<offset], as: UTF8.self)
    }

    /// Reads `true` or `false`.
    public mutating func readBool() throws(JSONError) -> Bool {
        try take(.bool)
        if try literal("true") { return true }
        if try literal("false") { return false }
        throw error(at: mark, "expected true or false, found \(found())")
    }

    /// Reads `null`.
    public mutating func readNull() throws(JSONError) {
        try take(.null)
        guard try literal("null") else { throw error(at: mark, "expected null, found \(found())") }
    }

    /// Reads and discards the next value, whatever it is.
    public mutating func skipValue() throws(JSONError) {
        switch try peek() {
        case .string: _ = try readString()
        case .number: _ = try readNumber()
        case .bool: _ = try readBool()
        case .null: try readNull()
        case .object:
            try beginObject()
            while try nextKey() != nil { try skipValue() }
        case .array:
            try beginArray()
            while try nextElement() { try skipValue() }
        }
    }

    /// Checks that nothing but whitespace follows the top-level value.
    public mutating func finish() throws(JSONError) {
        precondition(frames.isEmpty && peeked == nil, "finish inside a value")
        skipWhitespace()
        guard offset == bytes.count else { throw errorHere("unexpected \(found()) after the end of the JSON value") }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private mutating func literal(_ word: StaticString) throws(JSONError) -> Bool {
        let n = word.utf8CodeUnitCount
        guard offset + n <= bytes.count else { return false }
        let w = word.utf8Start
        for i in 0..<n where bytes[offset + i] != w[i] { return false }
        offset += n
        if offset < bytes.count, bytes[offset] | 0x20 >= 0x61, bytes[offset] | 0x20 <= 0x7A {
            throw errorHere("unexpected \(found()) after \(word)")
        }
        return true
    }

    /// Reads a string literal at `offset` (its opening quote).
    private mutating func scanString() throws(JSONError) -> String {
        let quote = offset
        offset += 1
        let start = offset
        var highBits: UInt8 = 0
        // Fast path: no escapes.
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == 0x22 {
                let text = bytes[start..<offset]
                offset += 1
                if highBits < 0x80 { return String(decoding: text, as: UTF8.self) }
                guard let string = String(validating: text, as: UTF8.self) else {
                    offset = quote + 1 + invalidUTF8Offset(bytes[start..<offset - 1])
                    throw errorHere("not valid UTF-8 in a string")
                }
                return string
            }
            if byte == 0x5C { break }
            if byte < 0x20 { throw errorHere(controlCharacterReason(byte)) }
            highBits |= byte
            offset += 1
        }
        // Slow path: escapes.
        var text = Array(bytes[start..<offset])
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == 0x22 {
                offset += 1
                guard let string = String(validating: text, as: UTF8.self) else {
                    offset = quote
                    throw errorHere("not valid UTF-8 in a string")
                }
                return string
            }
            if byte < 0x20 { throw errorHere(controlCharacterReason(byte)) }
            if byte != 0x5C {
                text.append(byte)
                offset += 1
                continue
            }
            let escape = here
            offset += 1
            guard offset < bytes.count else { break }
            switch bytes[offset] {
            case 0x22: text.append(0x22)
            case 0x5C: text.append(0x5C)
            case 0x2F: text.append(0x2F)
            case 0x62: text.append(0x08)
            case 0x66: text.append(0x0C)
            case 0x6E: text.append(0x0A)
            case 0x72: text.append(0x0D)
            case 0x74: text.append(0x09)
            case 0x75:
                offset += 1
                var scalar = try hex4(escape)
                if (0xDC00...0xDFFF).contains(scalar) {
                    throw error(at: escape, "unpaired surrogate \\u\(String(scalar, radix: 16, uppercase: true)) in a string")
                }
                if (0xD800...0xDBFF).contains(scalar) {
                    guard offset + 1 < bytes.count, bytes[offset] == 0x5C, bytes[offset + 1] == 0x75 else {
                        throw error(at: escape, "unpaired surrogate \\u\(String(scalar, radix: 16, uppercase: true)) in a string")
                    }
                    offset += 2
                    let low = try hex4(escape)
                    guard (0xDC00...0xDFFF).contains(low) else {
                        throw error(at: escape, "unpaired surrogate \\u\(String(scalar, radix: 16, uppercase: true)) in a string")
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                text.append(contentsOf: Array(String(Unicode.Scalar(scalar)!).utf8))
                continue
            default:
                throw error(at: escape, "invalid escape in a string: '\\' followed by \(found())")
            }
            offset += 1
        }
        offset = bytes.count
        throw error(at: Mark(offset: quote, line: line, lineStart: lineStart), "the string is not closed")
    }

    /// Four hex digits at `offset` (of a `\u` escape starting at `escape`).
    private mutating func hex4(_ escape: Mark) throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard offset < bytes.count else { throw error(at: escape, "\\u needs four hex digits") }
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: throw error(at: escape, "\\u needs four hex digits")
            }
            value = value << 4 | UInt32(digit)
            offset += 1
        }
        return value
    }

    private func controlCharacterReason(_ byte: UInt8) -> String {
        byte == 0x0A || byte == 0x0D
            ? "line break inside a string (write it as \\n), or the string is not closed"
            : "control character 0x\(String(byte, radix: 16, uppercase: true)) inside a string (escape it)"
    }

    /// The offset in `text` of the first byte that does not start a valid UTF-8 sequence.
    private func invalidUTF8Offset(_ text: ArraySlice<UInt8>) -> Int {
        var i = text.startIndex
        while i < text.endIndex {
            let byte = text[i]
            let length = byte < 0x80 ? 1 : byte >= 0xC2 && byte <= 0xDF ? 2 : byte >= 0xE0 && byte <= 0xEF ? 3 : byte >= 0xF0 && byte <= 0xF4 ? 4 : 0
            guard length > 0, i + length <= text.endIndex,
                  String(validating: text[i..<i + length], as: UTF8.self) != nil else { return i - text.startIndex }
            i += length
        }
        return 0
    }
}

/// A JSON value with the place it starts at.
public struct JSONValue: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case null
        case bool(Bool)
        /// The number's literal text, exactly as written.
        case number(String)
        case string(String)
        case array([JSONValue])
        case object([JSONMember])
    }

    public var kind: Kind
    public var position: JSONPosition

    public init(_ kind: Kind, at position: JSONPosition) {
        self.kind = kind
        self.position = position
    }

    /// The members of an object, nil for other kinds.
    public var members: [JSONMember]? {
        if case .object(let members) = kind { return members }
        return nil
    }

    /// The value of an object's key (nil when absent or not an object).
    public subscript(key: String) -> JSONValue? { members?.first { $0.key == key }?.value }

    /// Parses a whole JSON text. Duplicate keys in an object are errors.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 512) throws(JSONError) -> JSONValue {
        var reader = JSONReader(bytes: bytes)
        let value = try read(&reader, maxDepth: maxDepth)
        try reader.finish()
        return value
    }

    private static func read(_ reader: inout JSONReader, maxDepth: Int) throws(JSONError) -> JSONValue {
        let kind = try reader.peek()
        let mark = reader.mark
        let position = reader.position(of: mark)
        switch kind {
        case .null:
            try reader.readNull()
            return JSONValue(.null, at: position)
        case .bool:
            return JSONValue(.bool(try reader.readBool()), at: position)
        case .number:
            return JSONValue(.number(try reader.readNumber()), at: position)
        case .string:
            return JSONValue(.string(try reader.readString()), at: position)
        case .array:
            guard reader.depth < maxDepth else { throw reader.error(at: mark, "nested deeper than \(maxDepth) levels") }
            try reader.beginArray()
            var elements: [JSONValue] = []
            while try reader.nextElement() { elements.append(try read(&reader, maxDepth: maxDepth)) }
            return JSONValue(.array(elements), at: position)
        case .object:
            guard reader.depth < maxDepth else { throw reader.error(at: mark, "nested deeper than \(maxDepth) levels") }
            try reader.beginObject()
            var members: [JSONMember] = []
            var seen: [String: JSONPosition] = [:]
            while let key = try reader.nextKey() {
                let keyPosition = reader.position(of: reader.keyMark)
                if let first = seen[key] ?? (members.count < 8 ? members.first { $0.key == key }?.keyPosition : nil) {
                    throw reader.error(at: reader.keyMark, "duplicate key \(JSONPath.quoted(key)) (first at \(first))")
                }
                if members.count >= 8 {
                    if members.count == 8 { for member in members { seen[member.key] = member.keyPosition } }
                    seen[key] = keyPosition
                }
                members.append(JSONMember(key: key, keyPosition: keyPosition, value: try read(&reader, maxDepth: maxDepth)))
            }
            return JSONValue(.object(members), at: position)
        }
    }
}

/// One member of a JSON object.
public struct JSONMember: Sendable, Hashable {
    public var key: String
    public var keyPosition: JSONPosition
    public var value: JSONValue

    public init(key: String, keyPosition: JSONPosition, value: JSONValue) {
        self.key = key
        self.keyPosition = keyPosition
        self.value = value
    }
}
