/// Turns raw scanner text into a ``NormalizedScan``.
///
/// It reads, in order: the profile's prefix and suffix, the AIM symbology identifier, then the data as
/// the symbology says: a GS1 element string (`]C1`, `]d2`, `]Q3`, `]e0`, `]J1`, `]z1`), an EAN/UPC or
/// ITF-14 GTIN (`]E0`, `]E4`, `]I1`), or plain data, which is an ISO/IEC 15434 message (`[)>`), a GS1
/// Digital Link URI, the bracketed GS1 form `(01)…(21)…`, GS1 data without an AIM identifier (it holds
/// a GS), or plain text (a serial, possibly in a manufacturer label convention).
///
/// Anything it cannot read exactly becomes an entry in ``NormalizedScan/errors`` with a code, a message
/// naming the AI or identifier, and the character position, and the content for the core is
/// ``ScanContent/unreadable(reason:position:)``: it never guesses, and never rewrites look-alike
/// characters. The raw text is always kept.
public struct ScanNormalizer: Sendable, Hashable {
    /// The GS character (FNC1 in GS1 element strings).
    public static let groupSeparator: Character = "\u{1D}"

    /// How the scanner was configured.
    public let options: ScanProfileOptions
    let prefix: [UInt8]
    let suffix: [UInt8]
    let substitutes: [[UInt8]]
    /// Plain printable text skips the full reader when nothing in the options could change it.
    let fastPathAllowed: Bool

    /// Creates a normalizer with the factory defaults.
    public init() { self.init(options: .factoryDefaults) }

    /// Creates a normalizer for a scanner configured as `options` says.
    public init(options: ScanProfileOptions) {
        self.options = options
        prefix = Array(options.prefix.utf8)
        suffix = Array(options.suffix.utf8)
        substitutes = options.fnc1Substitutes.map { Array($0.utf8) }.filter { !$0.isEmpty }
        fastPathAllowed = prefix.isEmpty && suffix.isEmpty && substitutes.isEmpty && options.caseFolding == .none
            && options.aimIdentifiers != .required
    }

    /// Normalizes one scan.
    public func normalize(_ raw: String) -> NormalizedScan {
        if fastPathAllowed, let scan = Self.fastPath(raw) { return scan }
        var copy = raw
        return copy.withUTF8 { read(raw, $0) }
    }

    /// The most common scan: printable ASCII with no AIM identifier, bracket, padding, URI, envelope or
    /// label prefix. It is its own serial.
    @inline(__always)
    static func fastPath(_ raw: String) -> NormalizedScan? {
        let utf8 = raw.utf8
        var iterator = utf8.makeIterator()
        guard let first = iterator.next() else { return nil }
        let second = iterator.next() ?? 0
        switch first {
        case UInt8(ascii: "]"), UInt8(ascii: "("), UInt8(ascii: "["):
            return nil
        case UInt8(ascii: "1"):
            if second | 0x20 == UInt8(ascii: "s") || second == UInt8(ascii: "1") { return nil }
        case UInt8(ascii: "S"), UInt8(ascii: "s"):
            if second == UInt8(ascii: "/") || second | 0x20 == UInt8(ascii: "n") || second | 0x20 == UInt8(ascii: "e") { return nil }
        case UInt8(ascii: "h"), UInt8(ascii: "H"):
            if second | 0x20 == UInt8(ascii: "t") { return nil }
        default:
            break
        }
        var count = 0
        for byte in utf8 {
            guard byte > 0x20, byte < 0x7F else { return nil }
            count += 1
        }
        // 20 digits starting with "0" may be "00" + an SSCC without its AIM identifier.
        if count == 20, first == UInt8(ascii: "0") { return nil }
        if first | 0x20 == UInt8(ascii: "w"), ManufacturerLabels.isWesternDigital(utf8) {
            return NormalizedScan(raw: raw, aim: nil, content: .text(raw),
                                  label: ManufacturerLabel(convention: .westernDigital, serial: raw))
        }
        return NormalizedScan(raw: raw, aim: nil, content: .text(raw))
    }

    // MARK: - The full reader

    func read(_ raw: String, _ buffer: UnsafeBufferPointer<UInt8>) -> NormalizedScan {
        var result = Reading(raw: raw, buffer: buffer)
        var end = buffer.count
        // A terminator the transport did not consume.
        while end > 0, buffer[end - 1] == 0x0D || buffer[end - 1] == 0x0A { end -= 1 }
        var start = 0
        if !prefix.isEmpty {
            guard end >= prefix.count, buffer.starts(with: prefix) else {
                return result.failed(.missingPrefix, "the scanner's prefix '\(options.prefix)' is missing", at: 0)
            }
            start = prefix.count
        }
        if !suffix.isEmpty {
            guard end - start >= suffix.count, buffer[(end - suffix.count)..<end].elementsEqual(suffix) else {
                return result.failed(.missingSuffix, "the scanner's suffix '\(options.suffix)' is missing", at: end)
            }
            end -= suffix.count
        }
        if options.aimIdentifiers != .absent, end - start >= 3, buffer[start] == UInt8(ascii: "]"),
           let aim = AIMIdentifier.lookup(code: buffer[start + 1], modifier: buffer[start + 2]) {
            result.aim = aim
            start += 3
        } else if options.aimIdentifiers == .required {
            return result.failed(.missingAIMIdentifier, "the scanner sends AIM identifiers and this scan has none", at: start)
        }
        result.dataStart = start

        switch result.aim?.payload {
        case .gs1ElementString?:
            result.kind = .gs1ElementString
            // FNC1 in first position, sent as a GS right after the identifier, is tolerated.
            var s = start
            if s < end, buffer[s] == GS1Reader.gs { s += 1 }
            else if let length = substituteLength(buffer, at: s, end: end) { s += length }
            withSubstitutes(buffer, start: s, end: end) { src, from, to in
                GS1Reader.readElementString(src, start: from, end: to, into: &result.gs1)
            }
            checkAssociations(&result.gs1)
        case .ean13?:
            readGTIN(buffer, start: start, end: end, digits: 13, name: "EAN-13/UPC (]E0)", into: &result)
        case .ean8?:
            readGTIN(buffer, start: start, end: end, digits: 8, name: "EAN-8 (]E4)", into: &result)
        case .itf? where end - start == 14 && buffer[start..<end].allSatisfy(\.isASCIIDigit):
            readGTIN(buffer, start: start, end: end, digits: 14, name: "ITF-14 (]I1)", into: &result)
        default:
            readPlainData(buffer, start: start, end: end, into: &result)
        }
        return result.finish(caseFolding: options.caseFolding)
    }

    /// A GTIN carried as bare digits: 13 for EAN-13/UPC-A/UPC-E, 8 for EAN-8, 14 for ITF-14; AI (01).
    func readGTIN(_ buffer: UnsafeBufferPointer<UInt8>, start: Int, end: Int, digits: Int, name: String, into result: inout Reading) {
        result.kind = .gs1ElementString
        let src = ByteSource(buffer)
        for i in start..<min(end, start + digits) where !buffer[i].isASCIIDigit {
            result.gs1.fail(.badCharacter, "\(name): character \(src.describe(i)) is not a digit", i)
            return
        }
        guard end - start >= digits else {
            result.gs1.fail(.tooShort, "\(name) is too short: \(end - start) digits where it carries \(digits)", start)
            return
        }
        guard end - start == digits else {
            result.gs1.fail(.tooLong, "\(name) is too long: more than \(digits) digits", start + digits)
            return
        }
        let value = String(repeating: "0", count: 14 - digits) + src.string(start, end)
        let index = result.gs1.table.gtin
        let record = result.gs1.table.records[index]
        value.utf8.withContiguousStorageIfAvailable { padded in
            let offsets = Array(repeating: start, count: 14 - digits) + Array(start...end)
            _ = GS1Reader.validate(record, ByteSource(padded, offsets: offsets),
                                   start: 0, end: 14, exact: true, into: &result.gs1)
        }
        if result.gs1.errors.isEmpty { result.gs1.append(definition: index, value: value, rawOffset: start) }
    }

    /// Data without a GS1 symbology identifier.
    func readPlainData(_ buffer: UnsafeBufferPointer<UInt8>, start: Int, end: Int, into result: inout Reading) {
        var s = start, e = end
        while s < e, buffer[s] == 0x20 || buffer[s] == 0x09 { s += 1 }
        while e > s, buffer[e - 1] == 0x20 || buffer[e - 1] == 0x09 { e -= 1 }
        guard s < e else {
            result.gs1.fail(.emptyScan, "empty scan", start)
            return
        }
        let src = ByteSource(buffer)
        if ISO15434Reader.isEnvelope(src, start: s, end: e) {
            result.kind = .iso15434
            withSubstitutes(buffer, start: s, end: e) { src, from, to in
                ISO15434Reader.read(src, start: from, end: to, into: &result.gs1, identifiers: &result.identifiers)
            }
            checkAssociations(&result.gs1)
            return
        }
        if GS1DigitalLinkReader.looksLikeURI(src, start: s, end: e) {
            result.kind = .gs1DigitalLink
            GS1DigitalLinkReader.read(src, start: s, end: e, into: &result.gs1)
            checkAssociations(&result.gs1)
            return
        }
        if buffer[s] == UInt8(ascii: "(") {
            result.kind = .gs1ElementString
            GS1Reader.readBracketed(src, start: s, end: e, into: &result.gs1)
            checkAssociations(&result.gs1)
            return
        }
        // GS1 data from a scanner that sends no AIM identifier: digits, and a GS (or its substitute).
        if result.aim == nil, buffer[s].isASCIIDigit,
           buffer[s..<e].contains(GS1Reader.gs) || (s..<e).contains(where: { substituteLength(buffer, at: $0, end: e) != nil }) {
            result.kind = .gs1ElementString
            withSubstitutes(buffer, start: s, end: e) { src, from, to in
                GS1Reader.readElementString(src, start: from, end: to, into: &result.gs1)
            }
            checkAssociations(&result.gs1)
            return
        }
        // Plain text.
        for i in s..<e where buffer[i] < 0x20 || buffer[i] == 0x7F {
            result.gs1.fail(.controlCharacter, "control character 0x\(String(buffer[i], radix: 16)) in plain text", i)
            return
        }
        // "00" + SSCC sent without an AIM identifier is an SSCC when its check digit holds.
        if e - s == 20, buffer[s] == 0x30, buffer[s + 1] == 0x30, buffer[s..<e].allSatisfy(\.isASCIIDigit),
           GS1CheckDigit.isValid(src.string(s + 2, e)) {
            result.kind = .gs1ElementString
            result.gs1.append(definition: 0, value: src.string(s + 2, e), rawOffset: s)
            return
        }
        let text = src.string(s, e)
        let padded = end - start == 20 && (s > start || e < end)
        switch ManufacturerLabels.read(Substring(text), paddedToTwenty: padded) {
        case .label(let label):
            result.label = label
            result.text = label.serial
        case .plain:
            result.text = text
        case .error(let code, let message, let offset):
            result.gs1.fail(code, message, s + offset)
        }
    }

    func checkAssociations(_ reading: inout GS1Reading) {
        guard reading.errors.isEmpty, !reading.elements.isEmpty else { return }
        GS1Reader.checkAssociations(&reading, requirePairs: options.requireAssociatedAIs, forbidExclusive: options.forbidExclusiveAIs)
    }

    /// The length of an FNC1 substitute at `i`, if one starts there.
    @inline(__always)
    func substituteLength(_ buffer: UnsafeBufferPointer<UInt8>, at i: Int, end: Int) -> Int? {
        for s in substitutes where end - i >= s.count {
            var match = true
            for k in 0..<s.count where buffer[i + k] != s[k] { match = false; break }
            if match { return s.count }
        }
        return nil
    }

    /// Runs `body` on the data with every FNC1 substitute replaced by GS (positions still map to the raw scan).
    func withSubstitutes(_ buffer: UnsafeBufferPointer<UInt8>, start: Int, end: Int,
                         _ body: (ByteSource, Int, Int) -> Void) {
        guard !substitutes.isEmpty, (start..<end).contains(where: { substituteLength(buffer, at: $0, end: end) != nil }) else {
            body(ByteSource(buffer), start, end)
            return
        }
        var bytes: [UInt8] = []
        var offsets: [Int] = []
        var i = start
        while i < end {
            if let length = substituteLength(buffer, at: i, end: end) {
                bytes.append(GS1Reader.gs); offsets.append(i); i += length
            } else {
                bytes.append(buffer[i]); offsets.append(i); i += 1
            }
        }
        offsets.append(end)
        bytes.withUnsafeBufferPointer { body(ByteSource($0, offsets: offsets), 0, $0.count) }
    }
}

/// The state of one scan being read, and how it becomes a ``NormalizedScan``.
struct Reading {
    let raw: String
    let buffer: UnsafeBufferPointer<UInt8>
    var aim: AIMIdentifier?
    var dataStart = 0
    var kind: ScanKind = .plainText
    var gs1 = GS1Reading()
    var identifiers: [(String, String, Int)] = []
    var label: ManufacturerLabel?
    var text: String?

    init(raw: String, buffer: UnsafeBufferPointer<UInt8>) {
        self.raw = raw
        self.buffer = buffer
    }

    /// Character (Unicode scalar) position of a byte offset in the raw scan.
    func position(_ byteOffset: Int) -> Int {
        let limit = min(max(byteOffset, 0), buffer.count)
        var count = 0
        for i in 0..<limit where buffer[i] & 0xC0 != 0x80 { count += 1 }
        return count
    }

    mutating func failed(_ code: ScanError.Code, _ message: String, at byteOffset: Int) -> NormalizedScan {
        gs1.fail(code, message, byteOffset)
        return finish(caseFolding: .none)
    }

    func finish(caseFolding: ScanProfileOptions.CaseFolding) -> NormalizedScan {
        let ascii = !buffer.contains { $0 >= 0x80 }
        func pos(_ offset: Int) -> Int { ascii ? offset : position(offset) }
        let errors = gs1.errors.map { ScanError($0.code, $0.message, at: pos($0.rawOffset)) }
        var elements = gs1.elements
        if !ascii {
            elements = elements.map { GS1Element(ai: $0.ai, value: $0.value, position: pos($0.position)) }
        }
        let identifiers = identifiers.isEmpty ? [] : identifiers.map { DataIdentifierElement(identifier: $0.0, value: $0.1, position: pos($0.2)) }
        let table = gs1.table
        func value(_ index: Int) -> String? { gs1.value(ofIndex: index) }
        func di(_ identifier: String) -> String? { identifiers.first { $0.identifier == identifier }?.value }

        var assetTag = value(table.giai)
        if assetTag == nil, let grai = value(table.grai), grai.utf8.count > 14 { assetTag = grai }
        if assetTag == nil, !identifiers.isEmpty { assetTag = di("25S") ?? di("11S") }
        var weight: GS1Weight?
        for (i, index) in gs1.definitions.enumerated() {
            if let spec = table.records[index].weight {
                weight = GS1Weight(ai: elements[i].ai, value: elements[i].value, spec: spec)
                break
            }
        }

        let content: ScanContent
        if let first = errors.first {
            content = .unreadable(reason: first.message, position: first.position)
        } else if kind == .plainText {
            var serial = text ?? ""
            switch caseFolding {
            case .none: break
            case .upper: serial = String(decoding: serial.utf8.map { $0.isASCIILetter ? $0 & ~0x20 : $0 }, as: UTF8.self)
            case .lower: serial = String(decoding: serial.utf8.map { $0.isASCIILetter ? $0 | 0x20 : $0 }, as: UTF8.self)
            }
            content = .text(serial)
        } else if let sscc = value(table.sscc) {
            content = .sscc(SSCC(validated: sscc))
        } else if let gtin = value(table.gtin), let serial = value(table.serial) {
            content = .gtinSerial(gtin: gtin, serial: serial)
        } else if let tag = value(table.giai) ?? (value(table.grai).flatMap { $0.utf8.count > 14 ? $0 : nil }) {
            content = .text(tag)
        } else if let serial = value(table.serial) ?? di("S") ?? di("25S") ?? di("11S") {
            content = .text(serial)
        } else if value(table.gtin) != nil {
            content = .unreadable(reason: "AI (01) without a serial (21) does not identify one asset", position: pos(dataStart))
        } else if kind == .iso15434 {
            content = .unreadable(reason: "no serial (S) or unique item identifier (25S) in the ISO/IEC 15434 message", position: pos(dataStart))
        } else {
            content = .unreadable(reason: "no pallet or asset identifier (AI 00, 01 with 21, 8004, 8003 with a serial, 21) in the GS1 data",
                                  position: pos(dataStart))
        }
        var label = label
        if case .text(let serial) = content, let current = label, current.serial != serial {
            label = ManufacturerLabel(convention: current.convention, serial: serial, machineTypeModel: current.machineTypeModel)
        }
        var symbology = aim
        if let aim, aim.identifier == "]e0", elements.count > 1 || elements.first.map({ $0.ai != "01" }) == true {
            // GS1 DataBar Omnidirectional carries (01) alone; anything more is DataBar Expanded (or a composite).
            symbology = AIMIdentifier("]e0", "GS1 DataBar Expanded", scanDataType: AIMIdentifier.ScanDataType.gs1DataBarExpanded,
                                      payload: .gs1ElementString)
        }
        return NormalizedScan(raw: raw, aim: aim?.identifier, content: content, kind: kind, symbology: symbology, elements: elements,
                              dataIdentifiers: identifiers, label: label, weight: weight, assetTag: assetTag, errors: errors)
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
