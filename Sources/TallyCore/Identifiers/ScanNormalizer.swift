/// Turns raw scanner text into a ``NormalizedScan``.
///
/// This first slice understands AIM identifiers, the GS1 element strings a dock meets most (AI 00 SSCC,
/// AI 01 GTIN with AI 21 serial, in raw or bracketed form) and plain text. Anything it cannot read
/// exactly becomes ``ScanContent/unreadable(reason:position:)``: it never guesses, and never rewrites
/// look-alike characters.
public struct ScanNormalizer: Sendable, Hashable {
    /// The GS character (FNC1 in GS1 element strings).
    public static let groupSeparator: Character = "\u{1D}"

    /// AIM identifiers whose data is a GS1 element string.
    static let gs1Symbologies: Set<String> = ["]C1", "]d2", "]Q3", "]e0", "]J1"]

    /// Creates a normalizer with the factory defaults.
    public init() {}

    /// Normalizes one scan.
    public func normalize(_ raw: String) -> NormalizedScan {
        // Fast path for the most common scan: printable ASCII with no AIM identifier, bracket or padding.
        let utf8 = raw.utf8
        if let first = utf8.first, first != UInt8(ascii: "]"), first != UInt8(ascii: "(") {
            var count = 0
            var plain = true
            for byte in utf8 {
                guard byte > 0x20, byte < 0x7F else { plain = false; break }
                count += 1
            }
            // 20 digits starting with "00" may be an SSCC without its AIM identifier: take the full path.
            if plain, !(count == 20 && first == UInt8(ascii: "0")) {
                return NormalizedScan(raw: raw, aim: nil, content: .text(raw))
            }
        }
        var text = Substring(raw)
        // Scanners may append CR/LF when the terminator is not consumed by the transport.
        while let last = text.last, last == "\r" || last == "\n" || last == "\r\n" { text = text.dropLast() }
        var aim: String?
        var offset = 0
        if text.hasPrefix("]"), text.count >= 3 {
            aim = String(text.prefix(3))
            text = text.dropFirst(3)
            offset = 3
        }
        // A stray GS right after the AIM identifier (FNC1 in first position) is tolerated.
        while text.first == Self.groupSeparator { text = text.dropFirst(); offset += 1 }

        if let aim, Self.gs1Symbologies.contains(aim) {
            return NormalizedScan(raw: raw, aim: aim, content: elementString(text, offset: offset))
        }
        if text.hasPrefix("(") {
            return NormalizedScan(raw: raw, aim: aim, content: bracketed(text, offset: offset))
        }
        let trimmed = text.trimmingSpaces()
        if trimmed.isEmpty {
            return NormalizedScan(raw: raw, aim: aim, content: .unreadable(reason: "empty scan", position: offset))
        }
        if let bad = trimmed.firstIndex(where: { $0.isASCII && ($0.asciiValue! < 0x20 || $0.asciiValue! == 0x7F) }) {
            let position = offset + text.distance(from: text.startIndex, to: bad)
            return NormalizedScan(raw: raw, aim: aim, content: .unreadable(
                reason: "control character 0x\(String(trimmed[bad].asciiValue!, radix: 16)) in plain text", position: position))
        }
        // A 20-digit "00" + SSCC sent without an AIM identifier is still an SSCC when its check digit holds.
        if trimmed.utf8.count == 20, trimmed.hasPrefix("00"), let sscc = SSCC(trimmed.dropFirst(2)) {
            return NormalizedScan(raw: raw, aim: aim, content: .sscc(sscc))
        }
        return NormalizedScan(raw: raw, aim: aim, content: .text(String(trimmed)))
    }

    /// Reads a GS1 element string with the AIs this slice supports.
    func elementString(_ data: Substring, offset: Int) -> ScanContent {
        var rest = data
        var position = offset
        var gtin: String?
        var serial: String?
        while !rest.isEmpty {
            let ai = String(rest.prefix(2))
            switch ai {
            case "00":
                let value = rest.dropFirst(2).prefix(18)
                guard value.count == 18, value.allSatisfy(\.isASCIIDigit) else {
                    return .unreadable(reason: "AI (00) needs 18 digits", position: position + 2)
                }
                guard let sscc = SSCC(value) else {
                    return .unreadable(reason: "AI (00) check digit is wrong", position: position + 19)
                }
                rest = rest.dropFirst(20)
                position += 20
                if rest.isEmpty { return .sscc(sscc) }
                if rest.first == Self.groupSeparator { rest = rest.dropFirst(); position += 1 }
                // Other AIs after an SSCC (content, count) do not change what the label identifies.
                return .sscc(sscc)
            case "01":
                let value = rest.dropFirst(2).prefix(14)
                guard value.count == 14, value.allSatisfy(\.isASCIIDigit) else {
                    return .unreadable(reason: "AI (01) needs 14 digits", position: position + 2)
                }
                guard GS1CheckDigit.isValid(value) else {
                    return .unreadable(reason: "AI (01) check digit is wrong", position: position + 15)
                }
                gtin = String(value)
                rest = rest.dropFirst(16)
                position += 16
            case "21":
                let body = rest.dropFirst(2)
                let value = body.prefix { $0 != Self.groupSeparator }
                guard (1...20).contains(value.count) else {
                    return .unreadable(reason: "AI (21) serial must be 1 to 20 characters", position: position + 2)
                }
                serial = String(value)
                rest = body.dropFirst(value.count)
                position += 2 + value.count
            default:
                return .unreadable(reason: "GS1 AI (\(ai)) is not supported yet", position: position)
            }
            if rest.first == Self.groupSeparator { rest = rest.dropFirst(); position += 1 }
        }
        if let gtin, let serial { return .gtinSerial(gtin: gtin, serial: serial) }
        if gtin != nil { return .unreadable(reason: "AI (01) without a serial (21) does not identify one asset", position: offset) }
        return .unreadable(reason: "no GS1 key in the element string", position: offset)
    }

    /// Reads the bracketed form `(00)106141412345678908` or `(01)…(21)…` typed by hand.
    ///
    /// The brackets are removed (with GS after a variable-length value that another AI follows) and the
    /// element string is read as a scanned one; a fault's position is mapped back to the typed text.
    func bracketed(_ data: Substring, offset: Int) -> ScanContent {
        var element = ""
        var positions: [Int] = []   // raw offset of each character of `element`
        var index = data.startIndex
        var position = offset
        var previousAI: String?
        func advance() { index = data.index(after: index); position += 1 }
        while index < data.endIndex {
            guard data[index] == "(" else {
                return .unreadable(reason: "expected '(' before an AI", position: position)
            }
            let aiStart = position + 1
            advance()
            var ai = ""
            while index < data.endIndex, data[index] != ")" { ai.append(data[index]); advance() }
            guard index < data.endIndex else { return .unreadable(reason: "unclosed bracket", position: aiStart - 1) }
            guard (2...4).contains(ai.count), ai.allSatisfy(\.isASCIIDigit) else {
                return .unreadable(reason: "'(\(ai))' is not a GS1 AI (2 to 4 digits)", position: aiStart)
            }
            // This slice reads AIs 00, 01 and 21; the full AI table comes with the GS1 parser.
            guard ["00", "01", "21"].contains(ai) else {
                return .unreadable(reason: "GS1 AI (\(ai)) is not supported yet", position: aiStart)
            }
            advance() // ")"
            // A variable-length value ends at GS when another AI follows it.
            if let previousAI, !["00", "01"].contains(previousAI) {
                element.append(Self.groupSeparator)
                positions.append(aiStart - 1)
            }
            for (i, character) in ai.enumerated() { element.append(character); positions.append(aiStart + i) }
            while index < data.endIndex, data[index] != "(" { element.append(data[index]); positions.append(position); advance() }
            previousAI = ai
        }
        positions.append(position)
        switch elementString(Substring(element), offset: 0) {
        case .unreadable(let reason, let at):
            return .unreadable(reason: reason, position: positions[min(max(at, 0), positions.count - 1)])
        case let content:
            return content
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingSpaces() -> SubSequence {
        var slice = self[...]
        while let f = slice.first, f == " " || f == "\t" { slice = slice.dropFirst() }
        while let l = slice.last, l == " " || l == "\t" { slice = slice.dropLast() }
        return slice
    }
}
