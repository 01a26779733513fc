/// One GS1 Application Identifier with its value, as read from a scan.
public struct GS1Element: Sendable, Hashable, Codable {
    /// The AI, `01`.
    public let ai: String
    /// The value exactly as encoded.
    public let value: String
    /// Character offset of the AI in the raw scan (of the value, for Digital Link URIs).
    public let position: Int

    /// Creates an element.
    public init(ai: String, value: String, position: Int) {
        self.ai = ai
        self.value = value
        self.position = position
    }

    /// The AI's definition in the GS1 table.
    public var definition: GS1AIDefinition? { GS1ApplicationIdentifiers.definition(for: ai) }
}

/// A weight carried in a GS1 barcode: AIs 310n (net, kg), 320n (net, lb), 330n (gross, kg), 340n
/// (gross, lb), where n is the number of decimals. The value is exact.
public struct GS1Weight: Sendable, Hashable, Codable {
    /// The AI, `3103`.
    public let ai: String
    /// The weight, digit for digit (`001250` in AI 3102 is 12.50).
    public let value: ExactDecimal
    /// Kilograms or pounds.
    public let unit: WeightUnit
    /// Gross (logistic) weight rather than net (trade item) weight.
    public let isGross: Bool

    init(ai: String, value: String, spec: WeightSpec) {
        self.ai = ai
        self.value = ExactDecimal(significand: Int64(value) ?? 0, scale: spec.decimals)
        self.unit = spec.unit
        self.isGross = spec.isGross
    }

    /// The weight in `element`, when its AI is a weight AI.
    public init?(_ element: GS1Element) {
        let a = Array(element.ai.utf8)
        guard a.count == 4, a[3].isASCIIDigit, a[3] <= UInt8(ascii: "5"), a[2] == UInt8(ascii: "0"),
              let significand = Int64(element.value), element.value.utf8.count == 6 else { return nil }
        switch (a[0], a[1]) {
        case (0x33, 0x31): (unit, isGross) = (.kilogram, false)
        case (0x33, 0x32): (unit, isGross) = (.pound, false)
        case (0x33, 0x33): (unit, isGross) = (.kilogram, true)
        case (0x33, 0x34): (unit, isGross) = (.pound, true)
        default: return nil
        }
        self.ai = element.ai
        self.value = ExactDecimal(significand: significand, scale: Int(a[3] - 0x30))
    }
}

/// The bytes being read, with the offset of each in the raw scan (bytes are UTF-8 code units).
struct ByteSource {
    let bytes: UnsafeBufferPointer<UInt8>
    /// Raw offset of byte `i` is `shift + i`, unless `offsets` maps it (with one extra entry for the end).
    let shift: Int
    let offsets: [Int]?

    init(_ bytes: UnsafeBufferPointer<UInt8>, shift: Int = 0, offsets: [Int]? = nil) {
        self.bytes = bytes
        self.shift = shift
        self.offsets = offsets
    }

    @inline(__always) func raw(_ i: Int) -> Int {
        if let offsets { return offsets[min(i, offsets.count - 1)] }
        return shift + i
    }

    @inline(__always) subscript(_ i: Int) -> UInt8 { bytes[i] }

    func string(_ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self)
    }

    /// A readable name for the character at `i` (`'O'`, `0x1d`, `'é'`).
    func describe(_ i: Int) -> String {
        let b = bytes[i]
        if b >= 0x21 && b < 0x7F { return "'\(String(UnicodeScalar(b)))'" }
        if b < 0x80 { return b == 0x20 ? "space" : "0x\(String(b, radix: 16))" }
        var end = i + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        return "'\(string(i, end))'"
    }
}

/// A fault with its offset into a ``ByteSource`` (converted to a raw position by the caller).
struct PendingError {
    var code: ScanError.Code
    var message: String
    /// Raw byte offset in the scan.
    var rawOffset: Int
}

/// What the GS1 readers produce: the elements in order, and the first error (parsing stops there).
/// Element positions are raw byte offsets until the scan is finished.
struct GS1Reading {
    let table = GS1Table.shared
    var elements: [GS1Element] = []
    /// Index in ``GS1ApplicationIdentifiers/all`` of each element.
    var definitions: [Int] = []
    var errors: [PendingError] = []

    mutating func fail(_ code: ScanError.Code, _ message: String, _ rawOffset: Int) {
        errors.append(PendingError(code: code, message: message, rawOffset: rawOffset))
    }

    mutating func append(definition index: Int, value: String, rawOffset: Int) {
        if elements.isEmpty {
            elements.reserveCapacity(8)
            definitions.reserveCapacity(8)
        }
        elements.append(GS1Element(ai: table.records[index].ai, value: value, position: rawOffset))
        definitions.append(index)
    }

    /// Raw byte offset of element `i`.
    func rawOffset(_ i: Int) -> Int { elements[i].position }

    /// The value of the first element with table index `index`.
    func value(ofIndex index: Int) -> String? {
        for (i, d) in definitions.enumerated() where d == index { return elements[i].value }
        return nil
    }
}

/// Reads and validates GS1 element strings (FNC1 as GS), the bracketed form, and AI values.
enum GS1Reader {
    static let gs: UInt8 = 0x1D

    // MARK: - Character sets

    /// Bit 0: numeric, 1: CSET 82, 2: CSET 39, 3: CSET 64 (without padding).
    static let characterClasses: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for c in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(c)] |= 0b1111 }
        for c in UInt8(ascii: "A")...UInt8(ascii: "Z") { table[Int(c)] |= 0b1110 }
        for c in UInt8(ascii: "a")...UInt8(ascii: "z") { table[Int(c)] |= 0b1010 }
        for c in "!\"%&'()*+,-./:;<=>?_".utf8 { table[Int(c)] |= 0b0010 }
        for c in "#-/".utf8 { table[Int(c)] |= 0b0100 }
        for c in "-_".utf8 { table[Int(c)] |= 0b1000 }
        return table
    }()

    static func mask(_ set: GS1AIComponent.CharacterSet) -> UInt8 {
        switch set {
        case .numeric: 0b0001
        case .cset82: 0b0010
        case .cset39: 0b0100
        case .cset64: 0b1000
        }
    }

    static func setName(_ set: GS1AIComponent.CharacterSet) -> String {
        switch set {
        case .numeric: "digits only"
        case .cset82: "GS1 character set 82"
        case .cset39: "GS1 character set 39"
        case .cset64: "GS1 character set 64"
        }
    }

    // MARK: - One value

    /// Validates `src[start..<end]` as a value of `record`'s AI. Returns how many bytes the components
    /// took (for pre-defined length AIs this may be less than `end - start`), or nil after recording an
    /// error. With `exact`, the value must be used up completely.
    static func validate(_ record: AIRecord, _ src: ByteSource, start: Int, end: Int, exact: Bool,
                         into reading: inout GS1Reading) -> Int? {
        if start == end {
            reading.fail(.tooShort, "AI (\(record.ai)) has no data; it needs \(lengthText(record))", src.raw(start))
            return nil
        }
        let classes = characterClasses
        var p = start
        for component in record.components {
            let available = end - p
            let length = min(available, component.maxLength)
            if component.isOptional && length == 0 { continue }
            if length < component.minLength {
                reading.fail(.tooShort, "AI (\(record.ai)) is too short: \(end - start) characters where it needs \(lengthText(record))", src.raw(start))
                return nil
            }
            // Character set.
            var charsetEnd = p + length
            if component.characterSet == .cset64 {
                var pads = 0
                while charsetEnd > p, src[charsetEnd - 1] == UInt8(ascii: "=") { charsetEnd -= 1; pads += 1 }
                if pads > 2 || (pads > 0 && (charsetEnd - p + pads) % 3 != 0) {
                    reading.fail(.badCharacter, "AI (\(record.ai)): base64 padding '=' is wrong", src.raw(charsetEnd))
                    return nil
                }
            }
            let bit = component.mask
            var i = p
            while i < charsetEnd {
                if classes[Int(src.bytes[i])] & bit == 0 {
                    reading.fail(.badCharacter, "AI (\(record.ai)): character \(src.describe(i)) is not allowed (\(setName(component.characterSet)))", src.raw(i))
                    return nil
                }
                i += 1
            }
            // Content checks.
            if component.linterCount > 0 {
                let slice = UnsafeBufferPointer(rebasing: src.bytes[p..<(p + length)])
                for k in component.linterStart..<(component.linterStart + component.linterCount) {
                    if let failure = record.linters[k].check(slice) {
                        reading.fail(failure.code, "AI (\(record.ai)) \(failure.message)", src.raw(p + failure.offset))
                        return nil
                    }
                }
            }
            p += length
        }
        if exact || !record.isPredefinedLength, p < end {
            reading.fail(.tooLong, "AI (\(record.ai)) is too long: it takes \(lengthText(record))", src.raw(p))
            return nil
        }
        return p - start
    }

    static func lengthText(_ record: AIRecord) -> String {
        let unit = record.isNumeric ? "digits" : "characters"
        if record.isFixedLength { return "\(record.maxLength) \(unit)" }
        return "\(record.minLength) to \(record.maxLength) \(unit)"
    }

    // MARK: - AI lookup

    /// Finds the AI starting at `p` (before `end`). Returns the table index and AI length, or records an error.
    static func lookupAI(_ src: ByteSource, at p: Int, end: Int, into reading: inout GS1Reading) -> (Int, Int)? {
        guard end - p >= 2, src[p].isASCIIDigit, src[p + 1].isASCIIDigit else {
            if src[p] == gs {
                reading.fail(.straySeparator, "group separator (FNC1) where a GS1 AI must start", src.raw(p))
            } else {
                let shown = (p..<min(end, p + 4)).map { src[$0] }
                let text = shown.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) ? "'\(String(decoding: shown, as: UTF8.self))'" : src.describe(p)
                reading.fail(.unknownAI, "no GS1 AI starts at \(text)", src.raw(p))
            }
            return nil
        }
        let prefix = Int(src[p] - 0x30) * 10 + Int(src[p + 1] - 0x30)
        let length = Int(reading.table.lengthByPrefix[prefix])
        guard length > 0 else {
            reading.fail(.unknownAI, "AI (\(src.string(p, p + 2))...) is not a GS1 Application Identifier: none starts with \(src.string(p, p + 2))", src.raw(p))
            return nil
        }
        guard end - p >= length, (p..<(p + length)).allSatisfy({ src[$0].isASCIIDigit }) else {
            reading.fail(.unknownAI, "AI (\(src.string(p, min(end, p + length)))) is incomplete: AIs starting \(src.string(p, p + 2)) have \(length) digits", src.raw(p))
            return nil
        }
        var number = 0
        for i in p..<(p + length) { number = number * 10 + Int(src[i] - 0x30) }
        let slot = length == 2 ? number : (length == 3 ? 100 + number : 1100 + number)
        let index = Int(reading.table.slot[slot])
        guard index >= 0 else {
            reading.fail(.unknownAI, "AI (\(src.string(p, p + length))) is not defined in the GS1 General Specifications", src.raw(p))
            return nil
        }
        return (index, length)
    }

    // MARK: - Element string

    /// Reads `src[start..<end]` as a GS1 element string (after the symbology identifier and any FNC1 in
    /// first position), GS standing for FNC1. Stops at the first error.
    static func readElementString(_ src: ByteSource, start: Int, end: Int, into reading: inout GS1Reading) {
        var p = start
        if p >= end {
            reading.fail(.tooShort, "no GS1 AI data", src.raw(p))
            return
        }
        while p < end {
            guard let (index, aiLength) = lookupAI(src, at: p, end: end, into: &reading) else { return }
            let record = reading.table.records[index]
            let valueStart = p + aiLength
            var valueEnd = valueStart
            while valueEnd < end, src[valueEnd] != gs { valueEnd += 1 }
            guard let used = validate(record, src, start: valueStart, end: valueEnd, exact: false, into: &reading) else { return }
            reading.append(definition: index, value: src.string(valueStart, valueStart + used), rawOffset: src.raw(p))
            p = valueStart + used
            if p < end, src[p] == gs { p += 1 }
        }
    }

    // MARK: - Bracketed form

    /// Reads the human-readable form `(01)09506000134352(10)ABC`, with `\(` for a literal bracket in a value.
    static func readBracketed(_ src: ByteSource, start: Int, end: Int, into reading: inout GS1Reading) {
        var p = start
        if p >= end { reading.fail(.tooShort, "no GS1 AI data", src.raw(p)); return }
        while p < end {
            guard src[p] == UInt8(ascii: "(") else {
                reading.fail(.badBracketedForm, "expected '(' before an AI", src.raw(p))
                return
            }
            var close = p + 1
            while close < end, src[close] != UInt8(ascii: ")") { close += 1 }
            guard close < end else { reading.fail(.badBracketedForm, "unclosed bracket", src.raw(p)); return }
            let aiBytes = Array(UnsafeBufferPointer(rebasing: src.bytes[(p + 1)..<close]))
            guard (2...4).contains(aiBytes.count), aiBytes.allSatisfy(\.isASCIIDigit) else {
                reading.fail(.badBracketedForm, "'(\(src.string(p + 1, close)))' is not a GS1 AI (2 to 4 digits)", src.raw(p + 1))
                return
            }
            guard let index = reading.table.index(exact: aiBytes) else {
                reading.fail(.unknownAI, "AI (\(src.string(p + 1, close))) is not defined in the GS1 General Specifications", src.raw(p + 1))
                return
            }
            // The value runs to the next unescaped '('; "\(" is a literal bracket.
            var value: [UInt8] = []
            var offsets: [Int] = []
            var q = close + 1
            while q < end {
                let c = src[q]
                if c == UInt8(ascii: "(") { break }
                if c == UInt8(ascii: "\\"), q + 1 < end, src[q + 1] == UInt8(ascii: "(") {
                    value.append(UInt8(ascii: "(")); offsets.append(src.raw(q)); q += 2; continue
                }
                value.append(c); offsets.append(src.raw(q)); q += 1
            }
            offsets.append(src.raw(q))
            // As typed, the value's length is known: check it before its content.
            let record = reading.table.records[index]
            if value.count > record.maxLength {
                reading.fail(.tooLong, "AI (\(record.ai)) is too long: it takes \(lengthText(record))", offsets[record.maxLength])
                return
            }
            if !value.isEmpty, value.count < record.minLength {
                reading.fail(.tooShort, "AI (\(record.ai)) is too short: \(value.count) characters where it needs \(lengthText(record))", offsets[0])
                return
            }
            let ok = value.withUnsafeBufferPointer { buffer -> Bool in
                let valueSource = ByteSource(buffer, offsets: offsets)
                guard validate(record, valueSource, start: 0, end: buffer.count, exact: true, into: &reading) != nil else { return false }
                reading.append(definition: index, value: valueSource.string(0, buffer.count), rawOffset: src.raw(p + 1))
                return true
            }
            if !ok { return }
            p = q
        }
    }

    // MARK: - Rules on AIs together

    /// Applies the GS1 rules: repeated AIs must agree; `ex` pairs must not appear; `req` AIs must.
    /// Linear in the number of elements (rules are checked once per distinct AI).
    static func checkAssociations(_ reading: inout GS1Reading, requirePairs: Bool, forbidExclusive: Bool) {
        let records = reading.table.records
        let count = reading.definitions.count
        withUnsafeTemporaryAllocation(of: Int.self, capacity: count) { distinct in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: count) { codes in
                // The first element of each distinct AI; a repeat must carry the same value.
                var distinctCount = 0
                var firstOf: [Int: Int] = [:]
                var reported = Set<Int>()
                for i in 0..<count {
                    let definition = reading.definitions[i]
                    var first: Int?
                    if count <= 24 {
                        for n in 0..<distinctCount where reading.definitions[distinct[n]] == definition { first = distinct[n]; break }
                    } else {
                        first = firstOf[definition]
                        if first == nil { firstOf[definition] = i }
                    }
                    guard let first else {
                        distinct[distinctCount] = i
                        codes[distinctCount] = records[definition].code
                        distinctCount += 1
                        continue
                    }
                    if reading.elements[first].value != reading.elements[i].value, !reported.contains(first) {
                        reading.fail(.conflictingValues, "AI (\(reading.elements[i].ai)) appears twice with different values", reading.rawOffset(i))
                        reported.insert(first)
                    }
                }
                let present = UnsafeBufferPointer(rebasing: codes[0..<distinctCount])
                for n in 0..<distinctCount where !reported.contains(distinct[n]) {
                    let i = distinct[n]
                    let current = present[n]
                    rules: for rule in records[reading.definitions[i]].rules {
                        switch rule {
                        case .excludes(let patterns):
                            guard forbidExclusive else { continue }
                            for pattern in patterns {
                                guard let k = present.firstIndex(where: { pattern.matches($0, current: current) }) else { continue }
                                let other = distinct[k]
                                if !reported.contains(other) {
                                    reading.fail(.invalidAIPair, "AI (\(reading.elements[i].ai)) must not appear together with AI (\(reading.elements[other].ai))",
                                                 reading.rawOffset(max(i, other)))
                                }
                                reported.insert(i)
                                break rules
                            }
                        case .requires(let alternatives):
                            guard requirePairs else { continue }
                            let satisfied = alternatives.contains { group in
                                group.allSatisfy { pattern in present.contains { pattern.matches($0, current: current) } }
                            }
                            if !satisfied {
                                let needed = alternatives.map { $0.map { "(\($0.text))" }.joined(separator: " with ") }
                                let list = needed.count == 1 ? needed[0] : needed.dropLast().joined(separator: ", ") + " or " + needed.last!
                                reading.fail(.missingRequiredAI, "AI (\(reading.elements[i].ai)) needs AI \(list)", reading.rawOffset(i))
                                reported.insert(i)
                                break rules
                            }
                        }
                    }
                }
            }
        }
    }
}
