/// Reads GS1 Digital Link URIs (GS1 Digital Link Standard: URI Syntax) into the same AIs as an element
/// string: `https://any.host/optional/stem/01/09506000134352/10/ABC/21/123?17=251231&3103=000189`.
///
/// The path's last key-qualifier run starts at a GS1 primary key AI (01, 00, 8004, 414, ...), followed
/// by its qualifiers in the order the standard gives (for 01: 22, 10, 21, or 235); the query string
/// carries further AIs as data attributes. Values are percent-decoded and then validated exactly as in a
/// scanned element string. Convenience alphas (`/gtin/`) are deprecated and not accepted.
enum GS1DigitalLinkReader {
    static let uriCharacters: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%".utf8 { table[Int(c)] = true }
        return table
    }()

    static let badDomainCharacters: Set<UInt8> = Set("_~?#@!$&'()*+,;=%".utf8)

    /// The scheme prefixes accepted (the standard allows either case, not a mix).
    static let schemes: [[UInt8]] = ["https://", "HTTPS://", "http://", "HTTP://"].map { Array($0.utf8) }

    /// True when `src[start..<end]` starts with an HTTP(S) scheme (case as the standard allows, or any
    /// mix: a mixed-case scheme is then reported as an error rather than read as plain text).
    static func looksLikeURI(_ src: ByteSource, start: Int, end: Int) -> Bool {
        for scheme in ["https://", "http://"] {
            let bytes = Array(scheme.utf8)
            guard end - start >= bytes.count else { continue }
            if (0..<bytes.count).allSatisfy({ src[start + $0] | (bytes[$0].isASCIILetter ? 0x20 : 0) == bytes[$0] }) { return true }
        }
        return false
    }

    static func read(_ src: ByteSource, start: Int, end: Int, into reading: inout GS1Reading) {
        for i in start..<end where !uriCharacters[Int(src[i])] {
            reading.fail(.badDigitalLink, "character \(src.describe(i)) is not allowed in a URI", src.raw(i))
            return
        }
        guard let scheme = schemes.first(where: { s in end - start >= s.count && (0..<s.count).allSatisfy { src[start + $0] == s[$0] } }) else {
            reading.fail(.badDigitalLink, "a GS1 Digital Link URI starts with http:// or https:// (all lower or all upper case)", src.raw(start))
            return
        }
        let domainStart = start + scheme.count
        var pathStart = domainStart
        while pathStart < end, src[pathStart] != UInt8(ascii: "/") { pathStart += 1 }
        guard pathStart < end, pathStart > domainStart else {
            reading.fail(.badDigitalLink, "the URI has no domain and path", src.raw(domainStart))
            return
        }
        for i in domainStart..<pathStart where badDomainCharacters.contains(src[i]) {
            reading.fail(.badDigitalLink, "character \(src.describe(i)) is not allowed in a domain name", src.raw(i))
            return
        }
        var dataEnd = pathStart
        while dataEnd < end, src[dataEnd] != UInt8(ascii: "#") { dataEnd += 1 }
        var pathEnd = pathStart
        while pathEnd < dataEnd, src[pathEnd] != UInt8(ascii: "?") { pathEnd += 1 }

        // Path segments after the first '/'.
        var segments: [Range<Int>] = []
        var s = pathStart + 1
        var i = s
        while i <= pathEnd {
            if i == pathEnd || src[i] == UInt8(ascii: "/") { segments.append(s..<i); s = i + 1 }
            i += 1
        }
        // Walk back over /AI/value pairs to the primary key.
        var root: Int?
        var k = segments.count - 2
        while k >= 0 {
            guard let index = aiIndex(src, segments[k]) else { break }
            if GS1ApplicationIdentifiers.all[index].digitalLinkQualifiers != nil { root = k; break }
            k -= 2
        }
        guard let root else {
            reading.fail(.badDigitalLink, "no GS1 primary key (such as /01/ or /00/) in the URI path", src.raw(pathStart))
            return
        }

        var valueSources: [([UInt8], [Int])] = []
        var pathAIs: [Int] = []
        var pair = root
        while pair + 1 < segments.count {
            let aiRange = segments[pair], valueRange = segments[pair + 1]
            let index = aiIndex(src, aiRange)!
            let ai = GS1ApplicationIdentifiers.all[index].ai
            guard !valueRange.isEmpty else {
                reading.fail(.tooShort, "AI (\(ai)) has an empty value in the URI path", src.raw(valueRange.lowerBound))
                return
            }
            guard let decoded = unescape(src, valueRange, query: false, ai: ai, into: &reading) else { return }
            guard lengthCheck(index, decoded, into: &reading) else { return }
            reading.append(definition: index, value: String(decoding: decoded.0, as: UTF8.self), rawOffset: src.raw(aiRange.lowerBound))
            valueSources.append(decoded)
            pathAIs.append(index)
            pair += 2
        }

        // Query parameters: numeric keys are AIs; others are ignored.
        var q = pathEnd + 1
        while q < dataEnd {
            var ampersand = q
            while ampersand < dataEnd, src[ampersand] != UInt8(ascii: "&") { ampersand += 1 }
            defer { q = ampersand + 1 }
            guard ampersand > q else { continue }
            var equals = q
            while equals < ampersand, src[equals] != UInt8(ascii: "=") { equals += 1 }
            guard equals < ampersand, equals > q, (q..<equals).allSatisfy({ src[$0].isASCIIDigit }) else { continue }
            guard let index = aiIndex(src, q..<equals) else {
                reading.fail(.unknownAI, "AI (\(src.string(q, equals))) in the URI query is not a GS1 Application Identifier", src.raw(q))
                return
            }
            let ai = GS1ApplicationIdentifiers.all[index].ai
            guard ampersand > equals + 1 else {
                reading.fail(.tooShort, "AI (\(ai)) has an empty value in the URI query", src.raw(equals + 1))
                return
            }
            guard var decoded = unescape(src, (equals + 1)..<ampersand, query: true, ai: ai, into: &reading) else { return }
            if ai == "01", [8, 12, 13].contains(decoded.0.count) {
                // A GTIN-8, -12 or -13 in the query is padded to GTIN-14.
                let pad = 14 - decoded.0.count
                decoded.0 = [UInt8](repeating: 0x30, count: pad) + decoded.0
                decoded.1 = [Int](repeating: decoded.1[0], count: pad) + decoded.1
            }
            guard lengthCheck(index, decoded, into: &reading) else { return }
            reading.append(definition: index, value: String(decoding: decoded.0, as: UTF8.self), rawOffset: src.raw(q))
            valueSources.append(decoded)
        }

        // The path must be a primary key with its qualifiers in order.
        guard isValidPath(pathAIs) else {
            let path = pathAIs.map { "/" + GS1ApplicationIdentifiers.all[$0].ai + "/…" }.joined()
            reading.fail(.badKeyQualifiers, "the path \(path) is not a GS1 key followed by its qualifiers in order", src.raw(pathStart))
            return
        }
        for n in pathAIs.count..<reading.definitions.count {
            let index = reading.definitions[n]
            let definition = GS1ApplicationIdentifiers.all[index]
            if reading.definitions[..<n].contains(index) {
                reading.fail(.badDigitalLink, "AI (\(definition.ai)) appears more than once in the URI", reading.rawOffset(n))
                return
            }
            guard definition.isDigitalLinkAttribute else {
                reading.fail(.badDigitalLink, "AI (\(definition.ai)) is not allowed as a GS1 Digital Link data attribute", reading.rawOffset(n))
                return
            }
            for position in 1...pathAIs.count {
                var trial = pathAIs
                trial.insert(index, at: position)
                if isValidPath(trial) {
                    reading.fail(.badKeyQualifiers, "AI (\(definition.ai)) is a key qualifier and belongs in the URI path", reading.rawOffset(n))
                    return
                }
            }
        }

        // Every value, as in an element string.
        for (n, decoded) in valueSources.enumerated() {
            let ok = decoded.0.withUnsafeBufferPointer { buffer in
                GS1Reader.validate(reading.table.records[reading.definitions[n]], ByteSource(buffer, offsets: decoded.1),
                                   start: 0, end: buffer.count, exact: true, into: &reading) != nil
            }
            if !ok { return }
        }
    }

    /// The table index of the AI written in `range`, when it is exactly a known AI.
    static func aiIndex(_ src: ByteSource, _ range: Range<Int>) -> Int? {
        guard (2...4).contains(range.count) else { return nil }
        let digits = Array(UnsafeBufferPointer(rebasing: src.bytes[range]))
        return GS1ApplicationIdentifiers.index(exact: digits[...])
    }

    /// Percent-decodes a path element or query value (`+` is a space in the query), with raw offsets.
    static func unescape(_ src: ByteSource, _ range: Range<Int>, query: Bool, ai: String, into reading: inout GS1Reading) -> ([UInt8], [Int])? {
        var bytes: [UInt8] = []
        var offsets: [Int] = []
        bytes.reserveCapacity(range.count)
        var i = range.lowerBound
        while i < range.upperBound {
            let c = src[i]
            if c == UInt8(ascii: "%"), i + 2 < range.upperBound, src[i + 1].isHexDigit, src[i + 2].isHexDigit {
                let value = hex(src[i + 1]) << 4 | hex(src[i + 2])
                if value == 0 {
                    reading.fail(.badCharacter, "AI (\(ai)): %00 is not allowed", src.raw(i))
                    return nil
                }
                bytes.append(value); offsets.append(src.raw(i)); i += 3
            } else {
                bytes.append(query && c == UInt8(ascii: "+") ? 0x20 : c); offsets.append(src.raw(i)); i += 1
            }
        }
        offsets.append(src.raw(range.upperBound))
        return (bytes, offsets)
    }

    static func hex(_ c: UInt8) -> UInt8 { c.isASCIIDigit ? c - 0x30 : (c | 0x20) - 0x61 + 10 }

    static func lengthCheck(_ index: Int, _ decoded: ([UInt8], [Int]), into reading: inout GS1Reading) -> Bool {
        let record = reading.table.records[index]
        let count = decoded.0.count
        if count < record.minLength {
            reading.fail(.tooShort, "AI (\(record.ai)) is too short: \(count) characters where it needs \(GS1Reader.lengthText(record))", decoded.1[0])
            return false
        }
        if count > record.maxLength {
            reading.fail(.tooLong, "AI (\(record.ai)) is too long: it takes \(GS1Reader.lengthText(record))", decoded.1[record.maxLength])
            return false
        }
        return true
    }

    /// True when `path` is a primary key followed by an in-order selection of one of its qualifier runs.
    static func isValidPath(_ path: [Int]) -> Bool {
        guard let first = path.first, let runs = GS1ApplicationIdentifiers.all[first].digitalLinkQualifiers else { return false }
        let rest = path.dropFirst().map { GS1ApplicationIdentifiers.all[$0].ai }
        return runs.contains { run in
            var r = run[...]
            for ai in rest {
                guard let found = r.firstIndex(of: ai) else { return false }
                r = r[(found + 1)...]
            }
            return true
        }
    }
}
